"""Stable many-to-one matching: mentee-proposing deferred acceptance with capacities.

Preferences come from both sides' rankings: a person's ranked choices first, in their order,
then everyone else feasible by score (so a side that ranks nobody simply prefers by score).
Deferred acceptance runs in vectorised rounds (every free mentee proposes at once, each
mentor keeps its best ``capacity`` proposals); McVitie and Wilson showed the order of
proposals does not change the outcome, so this is the mentee-optimal stable matching.

Lists start as the top-K candidates. With ``complete=True`` a mentee who exhausts its list
unmatched is given the feasible mentors who would still accept it, so the result is stable
with respect to *all* feasible pairs, not just the candidate graph.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .assign import _result
from .scoring import NEG_INF, Candidates, ColumnSet, Scorer
from .types import (
    AssignmentResult,
    FloatArray,
    IntArray,
    MatchingProblem,
    MatchRules,
    ProgramWeights,
)

_RANKED = 1e6
"""Any ranked choice outranks every score; scores stay far below this."""


# Scores are float32 sums whose last bit depends on the path that computed them (the
# candidate search and a pair's own score can differ by 2e-7 for the same pair): compared
# at this many decimals, equal scores tie (and the lower row wins) on every path.
SCORE_DECIMALS = 5


def preference_values(score: NDArray[Any], rank: NDArray[Any]) -> NDArray[np.float64]:
    """Bigger is preferred: ranked choices in rank order, then by score."""
    rank = np.asarray(rank, dtype=np.float64)
    score = np.round(np.asarray(score, dtype=np.float64), SCORE_DECIMALS)
    return np.where(rank > 0, _RANKED - rank, 0.0) + score


@dataclass
class PreferenceGraph:
    """Acceptable pairs with both sides' preference values (bigger = preferred)."""

    mentee: IntArray
    mentor: IntArray
    mentee_value: NDArray[np.float64]
    mentor_value: NDArray[np.float64]
    score: FloatArray


def _lookup(matrix: Any, rows: IntArray, cols: IntArray) -> NDArray[np.int64]:
    if len(rows) == 0:
        return np.zeros(0, np.int64)
    return np.asarray(matrix[rows, cols]).reshape(-1).astype(np.int64)


def preference_graph(scorer: Scorer, cands: Candidates) -> PreferenceGraph:
    problem = scorer.problem
    mentee_rank = _lookup(problem.mentee_rankings, cands.mentee, cands.mentor)
    mentor_rank = _lookup(problem.mentor_rankings, cands.mentor, cands.mentee)
    return PreferenceGraph(
        mentee=cands.mentee,
        mentor=cands.mentor,
        mentee_value=preference_values(cands.score, mentee_rank),
        mentor_value=preference_values(cands.score, mentor_rank),
        score=cands.score,
    )


def _keep_best_per_mentor(
    edges: IntArray, graph: PreferenceGraph, capacity: NDArray[np.int64]
) -> tuple[IntArray, IntArray]:
    """Split proposals into (kept, rejected): each mentor keeps its ``capacity`` best.

    Ties in a mentor's preference go to the lower mentee row so the order is total.
    """
    mentor = graph.mentor[edges]
    order = np.lexsort((graph.mentee[edges], -graph.mentor_value[edges], mentor))
    sorted_edges = edges[order]
    sorted_mentor = mentor[order]
    starts = np.flatnonzero(np.r_[True, sorted_mentor[1:] != sorted_mentor[:-1]])
    lengths = np.diff(np.r_[starts, len(sorted_mentor)])
    rank = np.arange(len(sorted_mentor)) - np.repeat(starts, lengths)
    keep = rank < capacity[sorted_mentor]
    return sorted_edges[keep], sorted_edges[~keep]


def deferred_acceptance(
    graph: PreferenceGraph,
    n_mentees: int,
    capacity: NDArray[np.int64],
    *,
    held: IntArray | None = None,
    next_choice: IntArray | None = None,
) -> tuple[IntArray, IntArray]:
    """Mentee-proposing DA on ``graph``; returns (held edges, proposals made per mentee).

    ``held`` / ``next_choice`` resume an earlier run after edges were appended to the end of
    mentees' lists (edges of a mentee must be contiguous and in preference order).
    """
    if len(graph.mentee) and (np.diff(graph.mentee) < 0).any():
        raise ValueError("graph edges must be grouped by mentee, most preferred first")
    start = np.searchsorted(graph.mentee, np.arange(n_mentees), side="left")
    end = np.searchsorted(graph.mentee, np.arange(n_mentees), side="right")
    proposals = np.zeros(n_mentees, np.int64) if next_choice is None else next_choice.copy()
    held = np.zeros(0, np.int64) if held is None else held
    engaged = np.zeros(n_mentees, dtype=bool)
    engaged[graph.mentee[held]] = True
    while True:
        free = np.flatnonzero(~engaged & (start + proposals < end))
        if len(free) == 0:
            return held, proposals
        offers = start[free] + proposals[free]
        proposals[free] += 1
        # Only mentors who received an offer can change what they hold; late rounds have few
        # offers, so re-ranking just those mentors keeps each round small.
        touched = np.zeros(len(capacity), dtype=bool)
        touched[graph.mentor[offers]] = True
        reopened = touched[graph.mentor[held]]
        kept, rejected = _keep_best_per_mentor(
            np.concatenate([held[reopened], offers]), graph, capacity
        )
        held = np.concatenate([held[~reopened], kept])
        engaged[graph.mentee[rejected]] = False
        engaged[graph.mentee[held]] = True


def blocking_pairs(
    graph: PreferenceGraph, held: IntArray, n_mentees: int, capacity: NDArray[np.int64]
) -> IntArray:
    """Edges of ``graph`` that block the matching ``held`` (edge indices into ``graph``).

    (i, j) blocks when i prefers j to its match (or is unmatched) and j has room or prefers
    i to the worst mentee it holds (ties: lower mentee row preferred, as in the solver).
    """
    n_mentors = len(capacity)
    match_value = np.full(n_mentees, -np.inf)
    match_value[graph.mentee[held]] = graph.mentee_value[held]
    taken = np.bincount(graph.mentor[held], minlength=n_mentors)
    worst_value = np.full(n_mentors, np.inf)
    worst_mentee = np.full(n_mentors, -1, np.int64)
    if len(held):
        order = np.lexsort((-graph.mentee[held], graph.mentor_value[held]))
        ordered = held[order]
        first = np.unique(graph.mentor[ordered], return_index=True)[1]
        worst = ordered[first]
        worst_value[graph.mentor[worst]] = graph.mentor_value[worst]
        worst_mentee[graph.mentor[worst]] = graph.mentee[worst]
    in_matching = np.zeros(len(graph.mentee), dtype=bool)
    in_matching[held] = True
    i, j = graph.mentee, graph.mentor
    wants = graph.mentee_value > match_value[i]
    room = taken[j] < capacity[j]
    better = (graph.mentor_value > worst_value[j]) | (
        (graph.mentor_value == worst_value[j]) & (i < worst_mentee[j])
    )
    return np.flatnonzero(~in_matching & wants & (room | better))


@dataclass
class StableResult(AssignmentResult):
    graph: PreferenceGraph | None = None
    held_edges: IntArray | None = None
    capacity: NDArray[np.int64] | None = None
    n_mentees: int = 0

    def blocking_pairs(self) -> IntArray:
        """Blocking edges of the final preference graph (always empty for this solver)."""
        assert self.graph is not None and self.held_edges is not None
        assert self.capacity is not None
        return blocking_pairs(self.graph, self.held_edges, self.n_mentees, self.capacity)


def _extension(
    scorer: Scorer,
    graph: PreferenceGraph,
    held: IntArray,
    waiting: IntArray,
    capacity: NDArray[np.int64],
    k: int,
) -> Candidates:
    """For each waiting mentee, its ``k`` favourite feasible mentors that would accept it."""
    problem = scorer.problem
    n_mentors = scorer.n_mentors
    taken = np.bincount(graph.mentor[held], minlength=n_mentors)
    worst_value = np.full(n_mentors, -np.inf)
    worst_mentee = np.full(n_mentors, np.iinfo(np.int64).max)
    full = taken >= capacity
    if len(held):
        order = np.lexsort((-graph.mentee[held], graph.mentor_value[held]))
        ordered = held[order]
        first = np.unique(graph.mentor[ordered], return_index=True)[1]
        worst = ordered[first]
        at = graph.mentor[worst]
        worst_value[at] = np.where(full[at], graph.mentor_value[worst], -np.inf)
        worst_mentee[at] = graph.mentee[worst]
    mentor_rankings = problem.mentor_rankings.T.tocsr()

    def would_accept(rows: IntArray, cols: ColumnSet, block: FloatArray) -> None:
        view = block[:, : cols.size]
        # Mentor's view of the mentee: score plus the mentor's own ranking.
        value = np.round(view.astype(np.float64), SCORE_DECIMALS)
        ranked = mentor_rankings[rows].tocoo()
        if ranked.nnz:
            c = cols.position[ranked.col]
            keep = c >= 0
            value[ranked.row[keep], c[keep]] += _RANKED - ranked.data[keep]
        wv = worst_value[cols.mentors][None, :]
        accepts = (value > wv) | (
            (value == wv) & (rows[:, None] < worst_mentee[cols.mentors][None, :])
        )
        view[~accepts] = NEG_INF

    return scorer.candidates(
        k,
        mentees=waiting,
        mentors=np.flatnonzero(capacity > 0),
        include_ranked=False,
        restrict=would_accept,
    )


def stable_match(
    problem: MatchingProblem,
    weights: ProgramWeights | None = None,
    rules: MatchRules | None = None,
    *,
    complete: bool = True,
    explain: bool = True,
    scorer: Scorer | None = None,
) -> StableResult:
    """Mentee-optimal stable matching under capacities (hospitals/residents).

    ``complete=False`` stops at stability on the top-K candidate graph, which is faster on
    very large programs; ``complete=True`` extends lists until no feasible pair blocks.
    """
    if problem.is_pool:
        raise ValueError("a peer pool is matched with pair_peers(), not stable_match()")
    t0 = time.perf_counter()
    scorer = scorer or Scorer(problem, weights, rules)
    capacity = problem.remaining_capacity.astype(np.int64)
    cands = scorer.candidates(mentors=np.flatnonzero(capacity > 0))
    graph = _sorted_graph(preference_graph(scorer, cands))
    t1 = time.perf_counter()
    held, proposals = deferred_acceptance(graph, scorer.n_mentees, capacity)
    extensions = 0
    extension_s = 0.0
    while complete:
        matched = np.zeros(scorer.n_mentees, dtype=bool)
        matched[graph.mentee[held]] = True
        waiting = np.flatnonzero(~matched)
        if len(waiting) == 0:
            break
        t_ext = time.perf_counter()
        extra = _extension(
            scorer, graph, held, waiting, capacity, scorer.rules.candidates_per_mentee
        )
        extension_s += time.perf_counter() - t_ext
        if len(extra.mentee) == 0:
            break
        extensions += 1
        graph, held, proposals = _append_edges(scorer, graph, held, proposals, extra)
        held, proposals = deferred_acceptance(
            graph, scorer.n_mentees, capacity, held=held, next_choice=proposals
        )
    t2 = time.perf_counter()
    mentee, mentor, scores = graph.mentee[held], graph.mentor[held], graph.score[held]
    matched = np.zeros(scorer.n_mentees, dtype=bool)
    matched[mentee] = True
    spare = capacity - np.bincount(mentor, minlength=scorer.n_mentors)
    base = _result(
        scorer,
        mentee,
        mentor,
        scores,
        matched,
        spare,
        explain=explain,
        # After completion nobody unmatched has a feasible mentor who would take them, and a
        # mentor with room takes anyone feasible: all their suitable mentors are full.
        known_full=np.isin(np.arange(scorer.n_mentees), cands.mentee) if complete else None,
        stats={
            "candidates": len(cands.mentee),
            "extensions": extensions,
            "candidates_s": t1 - t0,
            "deferred_acceptance_s": t2 - t1 - extension_s,
            "completion_s": extension_s,
        },
    )
    return StableResult(
        mentee_index=base.mentee_index,
        mentor_index=base.mentor_index,
        scores=base.scores,
        pairs=base.pairs,
        unmatched=base.unmatched,
        stats=base.stats,
        graph=graph,
        held_edges=held,
        capacity=capacity,
        n_mentees=scorer.n_mentees,
    )


def _sorted_graph(graph: PreferenceGraph) -> PreferenceGraph:
    order = np.lexsort((graph.mentor, -graph.mentee_value, graph.mentee))
    return PreferenceGraph(
        mentee=graph.mentee[order],
        mentor=graph.mentor[order],
        mentee_value=graph.mentee_value[order],
        mentor_value=graph.mentor_value[order],
        score=graph.score[order],
    )


def _append_edges(
    scorer: Scorer,
    graph: PreferenceGraph,
    held: IntArray,
    proposals: IntArray,
    extra: Candidates,
) -> tuple[PreferenceGraph, IntArray, IntArray]:
    """Append ``extra`` after each mentee's existing edges, keeping ``held`` valid."""
    new = preference_graph(scorer, extra)
    old_n = len(graph.mentee)
    mentee = np.concatenate([graph.mentee, new.mentee])
    # Old edges keep their relative order; new ones go after a mentee's old ones, best first.
    tier = np.concatenate([np.zeros(old_n), np.ones(len(new.mentee))])
    value = np.concatenate([graph.mentee_value, new.mentee_value])
    seq = np.arange(len(mentee))
    order = np.lexsort((np.where(tier == 0, seq, -value), tier, mentee))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    merged = PreferenceGraph(
        mentee=mentee[order],
        mentor=np.concatenate([graph.mentor, new.mentor])[order],
        mentee_value=value[order],
        mentor_value=np.concatenate([graph.mentor_value, new.mentor_value])[order],
        score=np.concatenate([graph.score, new.score])[order],
    )
    return merged, inverse[held], proposals
