"""Ranked mentor recommendations for one mentee (self-service requests)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .explain import explain_pairs
from .scoring import NEG_INF, ColumnSet, Scorer
from .types import Recommendation


def recommend(
    scorer: Scorer,
    mentee: int,
    k: int = 10,
    *,
    mentor_load: NDArray[np.integer[Any]] | None = None,
) -> list[Recommendation]:
    """The ``k`` best feasible mentors with room for mentee row ``mentee``, best first.

    Build the :class:`Scorer` once per program (it holds the prepared mentor features) and
    call this per request; ``mentor_load`` overrides ``problem.mentor_load`` with fresher
    counts so a mentor who just filled up is skipped without rebuilding the scorer.
    """
    problem = scorer.problem
    if not 0 <= mentee < scorer.n_mentees:
        raise IndexError(f"mentee row {mentee} out of range")
    if k <= 0 or scorer.n_mentors == 0:
        return []
    load = problem.mentor_load if mentor_load is None else np.asarray(mentor_load)
    cols = _all_columns(scorer)
    scores = scorer.score_block(np.array([mentee]), cols)[0, : cols.size]
    scores[problem.mentors.capacity - load <= 0] = NEG_INF
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) > k:
        finite = finite[np.argpartition(scores[finite], len(finite) - k)[-k:]]
    best = finite[np.argsort(-scores[finite], kind="stable")]
    factors = explain_pairs(scorer, scorer.pair_factors(np.full(len(best), mentee), best))
    return [
        Recommendation(
            mentor=problem.mentors.ids[j],
            mentor_index=int(j),
            score=float(scores[j]),
            factors=f,
        )
        for j, f in zip(best.tolist(), factors, strict=True)
    ]


def _all_columns(scorer: Scorer) -> ColumnSet:
    cached: ColumnSet | None = getattr(scorer, "_recommend_columns", None)
    if cached is None:
        cached = scorer.columns(None, 1)
        scorer._recommend_columns = cached  # type: ignore[attr-defined]
    return cached
