"""Pair scores: hard-constraint blocking, vectorised soft factors and top-K candidates.

The score of (mentee i, mentor j) is ``sum_k weight_k * f_k(i, j)`` with every ``f_k`` in
[0, 1], or ``-inf`` when a hard constraint fails. Scoring all mentees against all mentors
dominates the run time, so the factors are split by shape:

* bilinear factors (goal tags x expertise tags weighted by IDF, text similarity) are row
  features whose dot product is the factor: one BLAS matrix product per chunk of mentees;
* profile factors depend only on a few low-cardinality attributes (language levels, country,
  seniority, traits and requirements; availability bitsets). People repeat those profiles a
  lot, so the factor is tabulated once per pair of *distinct* profiles and every chunk only
  gathers from the table. When profiles are too diverse for a table the same functions run
  directly on the chunk (slower, same result);
* pair lists (exclusions, ranked preferences) are scattered into the chunk.

The same factor functions broadcast over ``(n, 1, ...)`` x ``(1, m, ...)`` for blocks and over
``(p, ...)`` x ``(p, ...)`` for explicit pair lists, so explanations and solvers agree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .bitsets import intersects, popcount_and
from .types import FloatArray, IntArray, MatchingProblem, MatchRules, ProgramWeights

try:  # scipy's private accumulate-in-place kernel; the public `@` is the fallback
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - depends on the scipy build
    _csr_matvecs = None

NEG_INF = np.float32(-np.inf)
_DENSE_FEATURE_LIMIT = 1024
_TABLE_LIMIT = 1 << 25
_CHUNK_ELEMENTS = 1 << 23
_BLOCKED_CHUNK_ROWS = 512
_BLOCKING_WORTHWHILE = 0.8
_THREADS = 2


def _rows_2d(a: NDArray[Any]) -> NDArray[Any]:
    return a.reshape(a.shape[0], int(np.prod(a.shape[1:], dtype=np.int64)))


@dataclass(frozen=True)
class _Profiles:
    """Attributes of the profile factors for a set of rows (people or distinct profiles)."""

    levels: NDArray[np.uint8]
    country: NDArray[np.int32]
    seniority: NDArray[np.float32]
    traits: NDArray[np.uint64]
    requirements: NDArray[np.uint64]

    def take(self, rows: NDArray[np.integer[Any]]) -> _Profiles:
        return _Profiles(
            self.levels[rows],
            self.country[rows],
            self.seniority[rows],
            self.traits[rows],
            self.requirements[rows],
        )

    def language_country_key(self) -> NDArray[np.int64]:
        """What the tabulated factors depend on; seniority and requirements vary too much
        per person to tabulate, so blocks apply them directly."""
        return np.concatenate(
            [self.levels.astype(np.int64), self.country.astype(np.int64)[:, None]], axis=1
        )


@dataclass(frozen=True)
class ProfileFactors:
    """Profile-factor values, broadcast to the shape of the pairs asked for."""

    language_ok: NDArray[np.bool_]
    language: NDArray[np.float32]
    requirements_ok: NDArray[np.bool_]
    seniority_ok: NDArray[np.bool_]
    seniority: NDArray[np.float32]
    cross_border: NDArray[np.bool_]


def _expand(a: NDArray[Any], outer: bool, left: bool) -> NDArray[Any]:
    if not outer:
        return a
    return a[:, None] if left else a[None, :]


def profile_factors(
    left: _Profiles, right: _Profiles, rules: MatchRules, *, outer: bool
) -> ProfileFactors:
    """Language, requirements, seniority and border factors of left x right (or pairwise)."""
    min_level = rules.min_language_level
    shape = (len(left.country), len(right.country)) if outer else (len(left.country),)
    best = best_shared_level(left.levels, right.levels, min_level, outer=outer)
    language_ok = best >= min_level
    requirements_ok = requirements_hold(
        left.requirements, right.traits, outer=outer
    ) & _transpose_if(requirements_hold(right.requirements, left.traits, outer=outer), outer)
    gap = _expand(right.seniority, outer, False) - _expand(left.seniority, outer, True)
    if rules.min_seniority_gap is None:
        seniority_ok = np.ones(shape, dtype=bool)
    else:
        seniority_ok = gap >= np.float32(rules.min_seniority_gap)
    seniority = np.clip(gap / np.float32(rules.target_seniority_gap), 0, 1).astype(np.float32)
    lc = _expand(left.country, outer, True)
    rc = _expand(right.country, outer, False)
    cross_border = (lc >= 0) & (rc >= 0) & (lc != rc)
    return ProfileFactors(
        language_ok=np.broadcast_to(language_ok, shape),
        language=(best.astype(np.float32) / np.float32(5)),
        requirements_ok=requirements_ok,
        seniority_ok=np.broadcast_to(seniority_ok, shape),
        seniority=np.broadcast_to(seniority, shape),
        cross_border=np.broadcast_to(cross_border, shape),
    )


def best_shared_level(
    left: NDArray[np.uint8], right: NDArray[np.uint8], min_level: int, *, outer: bool
) -> NDArray[np.uint8]:
    """Highest level both reach in one language (0 when no language reaches min_level)."""
    shape = (len(left), len(right)) if outer else (len(left),)
    best = np.zeros(shape, dtype=np.uint8)
    for lang in range(left.shape[1]):
        ll = left[:, lang]
        rl = right[:, lang]
        if not (ll >= min_level).any() or not (rl >= min_level).any():
            continue
        ll = np.where(ll >= min_level, ll, 0).astype(np.uint8)
        rl = np.where(rl >= min_level, rl, 0).astype(np.uint8)
        np.maximum(best, np.minimum(_expand(ll, outer, True), _expand(rl, outer, False)), out=best)
    return best


def requirements_hold(
    asking: NDArray[np.uint64], offering: NDArray[np.uint64], *, outer: bool
) -> NDArray[np.bool_]:
    """Whether each asker's requirement groups are all met by the offerer's traits.

    ``asking`` is (a, R, W), ``offering`` is (o, W): the result is (a, o) when ``outer``,
    else (a,) with a == o.
    """
    shape = (len(asking), len(offering)) if outer else (len(asking),)
    ok = np.ones(shape, dtype=bool)
    for g in range(asking.shape[1]):
        group = asking[:, g, :]
        active = np.asarray(group.any(axis=1), dtype=bool)
        if not active.any():
            continue
        if outer:
            ok &= intersects(group[:, None, :], offering[None, :, :]) | ~active[:, None]
        else:
            ok &= intersects(group, offering) | ~active
    return ok


def _transpose_if(a: NDArray[Any], outer: bool) -> NDArray[Any]:
    return a.T if outer else a


def language_border_score(
    left: _Profiles, right: _Profiles, rules: MatchRules, weights: ProgramWeights
) -> NDArray[np.float32]:
    """Outer language + cross-border points, -inf without a shared language."""
    best = best_shared_level(left.levels, right.levels, rules.min_language_level, outer=True)
    score = np.float32(weights.language / 5) * best.astype(np.float32)
    if weights.cross_border:
        lc, rc = left.country[:, None], right.country[None, :]
        score += np.float32(weights.cross_border) * ((lc >= 0) & (rc >= 0) & (lc != rc))
    return np.where(best >= rules.min_language_level, score, NEG_INF).astype(np.float32)


def profile_score(factors: ProfileFactors, weights: ProgramWeights) -> NDArray[np.float32]:
    score = np.float32(weights.language) * factors.language
    if weights.seniority:
        score = score + np.float32(weights.seniority) * factors.seniority
    if weights.cross_border:
        score = score + np.float32(weights.cross_border) * factors.cross_border
    ok = factors.language_ok & factors.requirements_ok & factors.seniority_ok
    return np.where(ok, score, NEG_INF).astype(np.float32)


def availability_hours(
    left: NDArray[np.uint64], right: NDArray[np.uint64], hours_per_slot: float, *, outer: bool
) -> NDArray[np.float32]:
    if outer:
        shared = popcount_and(left[:, None, :], right[None, :, :])
    else:
        shared = popcount_and(left, right)
    return (shared * np.float32(hours_per_slot)).astype(np.float32)


def availability_score(
    hours: NDArray[np.float32], weights: ProgramWeights, rules: MatchRules
) -> NDArray[np.float32]:
    value = np.minimum(hours / np.float32(rules.target_overlap_hours), 1)
    score = np.float32(weights.availability) * value
    if rules.min_overlap_hours > 0:
        # Slot counts are exact multiples of hours_per_slot; the epsilon keeps float rounding
        # from rejecting an overlap that equals the minimum.
        score = np.where(hours >= np.float32(rules.min_overlap_hours) - 1e-4, score, NEG_INF)
    return score.astype(np.float32)


@dataclass(frozen=True)
class _Table:
    """Factor values per (left profile, right profile); ``None`` = compute per chunk."""

    left_key: IntArray
    right_key: IntArray
    values: FloatArray | None


def _unique_rows(matrix: NDArray[Any]) -> tuple[IntArray, IntArray]:
    """First row index of each distinct row, and each row's distinct-row number."""
    if matrix.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, first, inverse = np.unique(matrix, axis=0, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.reshape(-1).astype(np.int64)


@dataclass
class ColumnSet:
    """A subset of mentors prepared for chunk scoring (padded for the top-K block trick)."""

    mentors: IntArray
    padded: int
    block: int
    dense_t: FloatArray | None
    mixed_t: FloatArray | None
    sparse_t: list[sp.csc_matrix]
    profile_key: IntArray
    availability_key: IntArray
    seniority: NDArray[np.float32]
    requirement_columns: IntArray
    position: IntArray

    @property
    def size(self) -> int:
        return len(self.mentors)


@dataclass(frozen=True)
class PairFactors:
    """Every factor for an explicit list of pairs, used by explanations and solvers."""

    mentee: IntArray
    mentor: IntArray
    shared_goals: FloatArray
    text_similarity: FloatArray
    hours: FloatArray
    availability: FloatArray
    profile: ProfileFactors
    rank: NDArray[np.int32]
    ranked_preference: FloatArray
    excluded: NDArray[np.bool_]
    same_org_unit: NDArray[np.bool_]
    feasible: NDArray[np.bool_]
    score: FloatArray


@dataclass(frozen=True)
class Candidates:
    """The top-K candidate graph: edges sorted by mentee, best first within a mentee."""

    mentee: IntArray
    mentor: IntArray
    score: FloatArray


class Scorer:
    """Prepared features of one problem under one program's weights and rules."""

    def __init__(
        self,
        problem: MatchingProblem,
        weights: ProgramWeights | None = None,
        rules: MatchRules | None = None,
        *,
        table_limit: int = _TABLE_LIMIT,
        dense_feature_limit: int = _DENSE_FEATURE_LIMIT,
    ) -> None:
        self.problem = problem
        self.weights = weights or ProgramWeights()
        self.rules = rules or MatchRules()
        mentees, mentors = problem.mentees, problem.mentors
        self.n_mentees = len(mentees)
        self.n_mentors = len(mentors)
        grid = problem.vocabulary.grid
        self.hours_per_slot = float(grid.hours_per_week(1))
        self._prepare_bilinear(dense_feature_limit)
        self._left_profiles = _Profiles(
            mentees.language_levels,
            mentees.country,
            mentees.seniority,
            mentees.traits,
            mentees.requirements,
        )
        self._right_profiles = _Profiles(
            mentors.language_levels,
            mentors.country,
            mentors.seniority,
            mentors.traits,
            mentors.requirements,
        )
        self._profile_table = self._build_table(
            self._left_profiles.language_country_key(),
            self._right_profiles.language_country_key(),
            table_limit,
            self._language_border,
        )
        self._unit_order = np.argsort(mentors.org_unit, kind="stable")
        n_units = len(problem.vocabulary.org_units)
        sorted_units = mentors.org_unit[self._unit_order]
        self._unit_start = np.searchsorted(sorted_units, np.arange(n_units), side="left")
        self._unit_end = np.searchsorted(sorted_units, np.arange(n_units), side="right")
        self._mentee_requirement_rows = np.asarray(mentees.requirements.any(axis=(1, 2)), bool)
        self._mentor_requirement_rows = np.asarray(mentors.requirements.any(axis=(1, 2)), bool)
        self._uses_seniority = bool(self.weights.seniority) or (
            self.rules.min_seniority_gap is not None
        )
        self._availability_table = self._build_table(
            mentees.availability.view(np.int64),
            mentors.availability.view(np.int64),
            table_limit,
            lambda lf, rf: availability_score(
                availability_hours(
                    mentees.availability[lf],
                    mentors.availability[rf],
                    self.hours_per_slot,
                    outer=True,
                ),
                self.weights,
                self.rules,
            ),
        )
        rankings = problem.mentee_rankings.tocsr()
        counts = np.diff(rankings.indptr)
        self._rankings = rankings
        self._ranked_count = counts

    def _language_border(
        self, rows: NDArray[np.integer[Any]], cols: NDArray[np.integer[Any]]
    ) -> FloatArray:
        return language_border_score(
            self._left_profiles.take(rows),
            self._right_profiles.take(cols),
            self.rules,
            self.weights,
        )

    # -- preparation -------------------------------------------------------------------

    def _prepare_bilinear(self, dense_limit: int) -> None:
        mentees, mentors = self.problem.mentees, self.problem.mentors
        w = self.weights
        blocks: list[tuple[sp.csr_matrix | FloatArray, sp.csr_matrix | FloatArray]] = []
        # Goal tags weighted by BM25-style IDF over mentors' expertise: a rare skill shared
        # says more about fit than a common one. Normalised by the mentee's total goal weight
        # so the factor is the share of what the mentee asked for that the mentor offers.
        expertise = (mentors.expertise > 0).astype(np.float32).tocsr()
        goals = (mentees.goals > 0).astype(np.float32).tocsr()
        df = np.asarray(expertise.sum(axis=0)).ravel()
        m = max(self.n_mentors, 1)
        self.tag_idf = np.log1p((m - df + 0.5) / (df + 0.5)).astype(np.float32)
        weighted = goals @ sp.diags(self.tag_idf)
        totals = np.asarray(weighted.sum(axis=1)).ravel()
        self._goal_weights = sp.diags(1 / np.maximum(totals, 1e-12)) @ weighted
        self._goal_weights = sp.csr_matrix(self._goal_weights, dtype=np.float32)
        self._expertise = expertise
        shared_tags = np.flatnonzero((df > 0) & (np.asarray(goals.sum(axis=0)).ravel() > 0))
        if w.shared_goals and shared_tags.size:
            blocks.append(
                (
                    self._goal_weights[:, shared_tags] * np.float32(w.shared_goals),
                    expertise[:, shared_tags],
                )
            )
        self.uses_embedding = mentees.embedding is not None and mentors.embedding is not None
        if self.uses_embedding:
            assert mentees.embedding is not None and mentors.embedding is not None
            self._text_left: sp.csr_matrix | FloatArray = mentees.embedding
            self._text_right: sp.csr_matrix | FloatArray = mentors.embedding
            if w.text_similarity:
                weighted_embedding = mentees.embedding * np.float32(w.text_similarity)
                blocks.append((weighted_embedding, mentors.embedding))
        else:
            left_tfidf, right_tfidf = self._tfidf()
            self._text_left, self._text_right = left_tfidf, right_tfidf
            shared_terms = np.flatnonzero(
                (left_tfidf.getnnz(axis=0) > 0) & (right_tfidf.getnnz(axis=0) > 0)
            )
            if w.text_similarity and shared_terms.size:
                blocks.append(
                    (
                        left_tfidf[:, shared_terms] * np.float32(w.text_similarity),
                        right_tfidf[:, shared_terms],
                    )
                )
        # Three product kinds, cheapest first for their input: dense x dense (embeddings) by
        # BLAS; sparse tag/term rows x dense mentor columns as one scipy sparse-dense product
        # (a mentee has a dozen terms, so this beats BLAS over every vocabulary column);
        # sparse x sparse only when the vocabulary is too large to densify the mentor side.
        dense_left: list[FloatArray] = []
        dense_right: list[FloatArray] = []
        mixed_left: list[sp.csr_matrix] = []
        mixed_right: list[FloatArray] = []
        self._sparse_blocks: list[tuple[sp.csr_matrix, sp.csr_matrix]] = []
        mixed_dims = 0
        for left, right in blocks:
            if not sp.issparse(left):
                dense_left.append(_as_dense(left))
                dense_right.append(_as_dense(right))
            elif mixed_dims + left.shape[1] <= dense_limit:
                mixed_left.append(sp.csr_matrix(left))
                mixed_right.append(_as_dense(right))
                mixed_dims += left.shape[1]
            else:
                self._sparse_blocks.append((sp.csr_matrix(left), sp.csr_matrix(right)))
        # Mentor-side features are stored feature-major so a column subset is one gather.
        self._dense_left: FloatArray | None = None
        self._dense_right_t: FloatArray | None = None
        if dense_left:
            self._dense_left = np.ascontiguousarray(np.hstack(dense_left), dtype=np.float32)
            self._dense_right_t = np.ascontiguousarray(np.hstack(dense_right).T, dtype=np.float32)
        self._mixed_left: sp.csr_matrix | None = None
        self._mixed_right_t: FloatArray | None = None
        if mixed_left:
            self._mixed_left = sp.csr_matrix(sp.hstack(mixed_left), dtype=np.float32)
            self._mixed_right_t = np.ascontiguousarray(np.hstack(mixed_right).T, dtype=np.float32)

    def _tfidf(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        mentees, mentors = self.problem.mentees, self.problem.mentors
        left = mentees.text_counts.tocsr().astype(np.float32)
        right = mentors.text_counts.tocsr().astype(np.float32)
        docs = left if self.problem.is_pool else sp.vstack([left, right]).tocsr()
        df = docs.getnnz(axis=0)
        idf = (np.log((1 + docs.shape[0]) / (1 + df)) + 1).astype(np.float32)

        def weigh(counts: sp.csr_matrix) -> sp.csr_matrix:
            out = counts.copy()
            out.data = 1 + np.log(out.data)
            out = sp.csr_matrix(out @ sp.diags(idf), dtype=np.float32)
            norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
            return sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ out, dtype=np.float32)

        left_w = weigh(left)
        return left_w, (left_w if self.problem.is_pool else weigh(right))

    @staticmethod
    def _build_table(
        left_keys: NDArray[Any],
        right_keys: NDArray[Any],
        limit: int,
        compute: Any,
    ) -> _Table:
        left_first, left_inverse = _unique_rows(_rows_2d(left_keys))
        right_first, right_inverse = _unique_rows(_rows_2d(right_keys))
        if len(left_first) * (len(right_first) + 1) > limit:
            return _Table(np.arange(len(left_keys)), np.arange(len(right_keys)), None)
        values = np.empty((len(left_first), len(right_first) + 1), dtype=np.float32)
        # The extra last column stays -inf: padded mentor slots point at it.
        values[:, -1] = NEG_INF
        step = max(1, (1 << 22) // max(len(right_first), 1))
        for start in range(0, len(left_first), step):
            rows = left_first[start : start + step]
            values[start : start + len(rows), :-1] = compute(rows, right_first)
        return _Table(left_inverse, right_inverse, values)

    # -- columns -----------------------------------------------------------------------

    def columns(self, mentors: NDArray[np.integer[Any]] | None = None, k: int = 1) -> ColumnSet:
        """Prepare a mentor subset for chunk scoring; ``k`` tunes the top-K block size."""
        idx = (
            np.arange(self.n_mentors, dtype=np.int64)
            if mentors is None
            else np.asarray(mentors, dtype=np.int64)
        )
        size = len(idx)
        block = max(1, int(np.sqrt(max(size, 1) / max(k, 1))))
        padded = max(block, -(-size // block) * block)
        pad = padded - size
        dense_t = None
        if self._dense_right_t is not None:
            dense_t = np.zeros((self._dense_right_t.shape[0], padded), dtype=np.float32)
            np.take(self._dense_right_t, idx, axis=1, out=dense_t[:, :size])
        mixed_t = None
        if self._mixed_right_t is not None:
            mixed_t = np.zeros((self._mixed_right_t.shape[0], padded), dtype=np.float32)
            np.take(self._mixed_right_t, idx, axis=1, out=mixed_t[:, :size])
        sparse_t = [
            sp.csc_matrix(sp.vstack([right[idx], sp.csr_matrix((pad, right.shape[1]))]).T)
            for _, right in self._sparse_blocks
        ]

        def key(table: _Table) -> IntArray:
            pad_key = -1 if table.values is not None else 0
            return np.concatenate([table.right_key[idx], np.full(pad, pad_key, np.int64)])

        position = np.full(self.n_mentors, -1, dtype=np.int64)
        position[idx] = np.arange(size)
        seniority = np.concatenate(
            [self.problem.mentors.seniority[idx], np.zeros(pad, np.float32)]
        ).astype(np.float32)
        return ColumnSet(
            seniority=seniority,
            requirement_columns=np.flatnonzero(self._mentor_requirement_rows[idx]),
            mentors=idx,
            padded=padded,
            block=block,
            dense_t=dense_t,
            mixed_t=mixed_t,
            sparse_t=sparse_t,
            profile_key=key(self._profile_table),
            availability_key=key(self._availability_table),
            position=position,
        )

    # -- chunk scoring -----------------------------------------------------------------

    @staticmethod
    def _gather_table(
        table: _Table,
        column_key: IntArray,
        rows: IntArray,
        cols: ColumnSet,
        scratch: FloatArray,
        direct: Any,
    ) -> FloatArray:
        if table.values is not None:
            np.take(table.values[table.left_key[rows]], column_key, axis=1, out=scratch)
            return scratch
        size = cols.size
        scratch[:, size:] = NEG_INF
        scratch[:, :size] = direct(rows, cols.mentors)
        return scratch

    def score_block(
        self,
        mentee_rows: NDArray[np.integer[Any]],
        cols: ColumnSet,
        out: FloatArray | None = None,
        scratch: FloatArray | None = None,
    ) -> FloatArray:
        """Scores of mentee rows x ``cols``: shape (len(mentee_rows), cols.padded)."""
        rows: IntArray = np.asarray(mentee_rows, dtype=np.int64)
        n = len(rows)
        # Callers reuse one pair of buffers across chunks; leading-row views stay contiguous.
        if out is None or out.shape[0] < n or out.shape[1] != cols.padded:
            out = np.empty((n, cols.padded), dtype=np.float32)
        if scratch is None or scratch.shape[0] < n or scratch.shape[1] != cols.padded:
            scratch = np.empty((n, cols.padded), dtype=np.float32)
        out, scratch = out[:n], scratch[:n]
        if self._dense_left is not None and cols.dense_t is not None:
            np.matmul(self._dense_left[rows], cols.dense_t, out=out)
        else:
            out.fill(0)
        if self._mixed_left is not None and cols.mixed_t is not None:
            _add_sparse_dense(self._mixed_left[rows], cols.mixed_t, out)
        for (left, _), right_t in zip(self._sparse_blocks, cols.sparse_t, strict=True):
            out += (left[rows] @ right_t).toarray()
        mentees, mentors = self.problem.mentees, self.problem.mentors
        out += self._gather_table(
            self._profile_table,
            cols.profile_key,
            rows,
            cols,
            scratch,
            self._language_border,
        )
        out += self._gather_table(
            self._availability_table,
            cols.availability_key,
            rows,
            cols,
            scratch,
            lambda r, c: availability_score(
                availability_hours(
                    mentees.availability[r],
                    mentors.availability[c],
                    self.hours_per_slot,
                    outer=True,
                ),
                self.weights,
                self.rules,
            ),
        )
        if self._uses_seniority:
            self._apply_seniority(rows, cols, out, scratch)
        self._apply_requirements(rows, cols, out)
        if self.rules.exclude_same_org_unit:
            self._exclude_same_org_unit(rows, cols, out)
        if self.problem.is_pool:
            pos = cols.position[rows]
            hit = pos >= 0
            out[np.flatnonzero(hit), pos[hit]] = NEG_INF
        self._scatter_pairs(rows, cols, out)
        return out

    def _exclude_same_org_unit(self, rows: IntArray, cols: ColumnSet, out: FloatArray) -> None:
        # Units are small next to the whole program, so list each row's unit-mates instead
        # of comparing every pair.
        unit = self.problem.mentees.org_unit[rows]
        known = unit >= 0
        if not known.any():
            return
        first = np.where(known, self._unit_start[np.maximum(unit, 0)], 0)
        count = np.where(known, self._unit_end[np.maximum(unit, 0)] - first, 0)
        total = int(count.sum())
        if total == 0:
            return
        row_of = np.repeat(np.arange(len(rows)), count)
        offsets = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        mentors = self._unit_order[np.repeat(first, count) + offsets]
        local = cols.position[mentors]
        hit = local >= 0
        out[row_of[hit], local[hit]] = NEG_INF

    def _apply_seniority(
        self, rows: IntArray, cols: ColumnSet, out: FloatArray, scratch: FloatArray
    ) -> None:
        gap = np.subtract(
            cols.seniority[None, :], self.problem.mentees.seniority[rows][:, None], out=scratch
        )
        if self.rules.min_seniority_gap is not None:
            out[gap < np.float32(self.rules.min_seniority_gap)] = NEG_INF
        if self.weights.seniority:
            gap *= np.float32(self.weights.seniority / self.rules.target_seniority_gap)
            np.clip(gap, 0, np.float32(self.weights.seniority), out=gap)
            out += gap

    def _apply_requirements(self, rows: IntArray, cols: ColumnSet, out: FloatArray) -> None:
        mentees, mentors = self.problem.mentees, self.problem.mentors
        asking = np.flatnonzero(self._mentee_requirement_rows[rows])
        if len(asking):
            offered = mentors.traits[cols.mentors]
            ok = requirements_hold(mentees.requirements[rows[asking]], offered, outer=True)
            sub = out[asking, : cols.size]
            sub[~ok] = NEG_INF
            out[asking, : cols.size] = sub
        if len(cols.requirement_columns):
            local = cols.requirement_columns
            ok = requirements_hold(
                mentors.requirements[cols.mentors[local]], mentees.traits[rows], outer=True
            ).T
            sub = out[:, local]
            sub[~ok] = NEG_INF
            out[:, local] = sub

    def _scatter_pairs(self, rows: IntArray, cols: ColumnSet, out: FloatArray) -> None:
        excluded = self.problem.excluded[rows].tocoo()
        if excluded.nnz:
            c = cols.position[excluded.col]
            keep = c >= 0
            out[excluded.row[keep], c[keep]] = NEG_INF
        if self.weights.ranked_preference and self._rankings.nnz:
            ranked = self._rankings[rows].tocoo()
            if ranked.nnz:
                c = cols.position[ranked.col]
                keep = c >= 0
                r = ranked.row[keep]
                bonus = self._preference_value(ranked.data[keep], self._ranked_count[rows][r])
                out[r, c[keep]] += np.float32(self.weights.ranked_preference) * bonus

    @staticmethod
    def _preference_value(rank: NDArray[Any], count: NDArray[Any]) -> FloatArray:
        """First choice 1, last of n choices 1/n: earlier ranks earn more."""
        rank = np.asarray(rank, dtype=np.float32)
        count = np.maximum(np.asarray(count, dtype=np.float32), 1)
        return np.where(rank > 0, 1 - (rank - 1) / count, 0).astype(np.float32)

    def _can_block(self) -> bool:
        return self._profile_table.values is not None or self._availability_table.values is not None

    def _compatible_columns(
        self, rows: IntArray, allowed: IntArray, full_cols: ColumnSet, k: int
    ) -> ColumnSet:
        """Mentors of ``allowed`` that at least one of ``rows`` can be paired with, as far
        as the tabulated hard constraints tell; everything else is -inf for the chunk."""
        keep = np.ones(len(allowed), dtype=bool)
        for table in (self._profile_table, self._availability_table):
            if table.values is None:
                continue
            row_keys = np.unique(table.left_key[rows])
            reachable = np.asarray(np.isfinite(table.values[row_keys, :-1]).any(axis=0), bool)
            keep &= reachable[table.right_key[allowed]]
        if keep.sum() > _BLOCKING_WORTHWHILE * len(keep):
            return full_cols
        return self.columns(allowed[keep], k)

    def iter_blocks(
        self, mentors: NDArray[np.integer[Any]] | None = None, rows_per_block: int = 512
    ) -> Iterator[tuple[IntArray, ColumnSet, FloatArray]]:
        """Every mentee against ``mentors`` (default all), block by block, for full passes
        (bounds, audits): yields (mentee rows, columns, scores of shape (rows, cols.size)).
        Columns no row of the block can take are left out, exactly as in :meth:`candidates`.
        """
        allowed = (
            np.arange(self.n_mentors, dtype=np.int64)
            if mentors is None
            else np.asarray(mentors, dtype=np.int64)
        )
        full_cols = self.columns(allowed, 1)
        for start in range(0, self.n_mentees, rows_per_block):
            rows = np.arange(start, min(start + rows_per_block, self.n_mentees))
            cols = self._compatible_columns(rows, allowed, full_cols, 1)
            yield rows, cols, self.score_block(rows, cols)[:, : cols.size]

    def chunk_rows(self, cols: ColumnSet) -> int:
        return max(1, min(2048, _CHUNK_ELEMENTS // max(cols.padded, 1)))

    # -- top-K -------------------------------------------------------------------------

    def candidates(
        self,
        k: int | None = None,
        *,
        mentees: NDArray[np.integer[Any]] | None = None,
        mentors: NDArray[np.integer[Any]] | None = None,
        include_ranked: bool = True,
        restrict: Callable[[IntArray, ColumnSet, FloatArray], None] | None = None,
    ) -> Candidates:
        """Each mentee's top-``k`` feasible mentors (plus every feasible ranked mentor).

        ``restrict(rows, cols, block)`` may set more entries of a scored block to -inf
        before the top-K is taken (e.g. mentors who would not accept the mentee).
        """
        k = k or self.rules.candidates_per_mentee
        rows_all = (
            np.arange(self.n_mentees, dtype=np.int64)
            if mentees is None
            else np.asarray(mentees, dtype=np.int64)
        )
        allowed = (
            np.arange(self.n_mentors, dtype=np.int64)
            if mentors is None
            else np.asarray(mentors, dtype=np.int64)
        )
        full_cols = self.columns(allowed, k)
        # Rows that share language/country and availability profiles have nearly the same
        # feasible mentors: chunking them together lets each chunk skip every mentor that
        # no row of the chunk can take (hard-constraint blocking at profile level).
        order = rows_all[
            np.lexsort(
                (
                    self._availability_table.left_key[rows_all],
                    self._profile_table.left_key[rows_all],
                    self.problem.mentees.country[rows_all],
                )
            )
        ]
        step = _BLOCKED_CHUNK_ROWS if self._can_block() else self.chunk_rows(full_cols)
        chunks = [order[s : s + step] for s in range(0, len(order), step)]

        local = threading.local()

        def buffers(n: int, width: int) -> tuple[FloatArray, FloatArray]:
            # Reused per thread: fresh chunk-sized arrays cost a page fault per 4 KiB.
            need = n * width
            if getattr(local, "size", 0) < need:
                local.size = need
                local.pair = (np.empty(need, np.float32), np.empty(need, np.float32))
            first, second = local.pair
            return first[:need].reshape(n, width), second[:need].reshape(n, width)

        def run(rows: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
            cols = self._compatible_columns(rows, allowed, full_cols, k)
            block = self.score_block(rows, cols, *buffers(len(rows), cols.padded))
            if restrict is not None:
                restrict(rows, cols, block)
            local_r, local_c, vals = _top_k_rows(block, k, cols.block)
            if include_ranked and self._rankings.nnz:
                ranked = self._rankings[rows].tocoo()
                c = cols.position[ranked.col]
                keep = c >= 0
                rr, cc = ranked.row[keep], c[keep]
                rv = block[rr, cc]
                finite = np.isfinite(rv)
                local_r = np.concatenate([local_r, rr[finite]])
                local_c = np.concatenate([local_c, cc[finite]])
                vals = np.concatenate([vals, rv[finite]])
            return rows[local_r], cols.mentors[local_c], vals

        parts_i, parts_j, parts_s = [], [], []
        # numpy and scipy release the GIL in the heavy loops, so two threads keep both cores
        # busy; more would only fight over memory bandwidth.
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            for got_i, got_j, got_s in pool.map(run, chunks):
                parts_i.append(got_i)
                parts_j.append(got_j)
                parts_s.append(got_s)
        if not parts_i:
            empty = np.zeros(0, np.int64)
            return Candidates(empty, empty.copy(), np.zeros(0, np.float32))
        mi = np.concatenate(parts_i)
        mj = np.concatenate(parts_j)
        ms = np.concatenate(parts_s).astype(np.float32)
        # Ranked mentors may already be in the top-K; keep one edge per pair.
        edge = mi * np.int64(self.n_mentors) + mj
        order = np.lexsort((-ms, mi))
        mi, mj, ms, edge = mi[order], mj[order], ms[order], edge[order]
        _, first = np.unique(edge, return_index=True)
        keep = np.zeros(len(edge), dtype=bool)
        keep[first] = True
        return Candidates(mi[keep], mj[keep], ms[keep])

    # -- explicit pairs ----------------------------------------------------------------

    def pair_factors(
        self, mentee: NDArray[np.integer[Any]], mentor: NDArray[np.integer[Any]]
    ) -> PairFactors:
        i = np.asarray(mentee, dtype=np.int64)
        j = np.asarray(mentor, dtype=np.int64)
        mentees, mentors = self.problem.mentees, self.problem.mentors
        w, rules = self.weights, self.rules
        shared_goals = _rowwise_dot(self._goal_weights, i, self._expertise, j)
        if self.uses_embedding:
            assert isinstance(self._text_left, np.ndarray)
            assert isinstance(self._text_right, np.ndarray)
            text = np.einsum("pd,pd->p", self._text_left[i], self._text_right[j])
        else:
            text = _rowwise_dot(self._text_left, i, self._text_right, j)
        text = text.astype(np.float32)
        hours = availability_hours(
            mentees.availability[i], mentors.availability[j], self.hours_per_slot, outer=False
        )
        availability = availability_score(hours, w, rules)
        profile = profile_factors(
            self._left_profiles.take(i), self._right_profiles.take(j), rules, outer=False
        )
        profile_points = profile_score(profile, w)
        rank = (
            np.asarray(self._rankings[i, j]).reshape(-1).astype(np.int32)
            if len(i)
            else (np.zeros(0, np.int32))
        )
        preference = self._preference_value(rank, self._ranked_count[i])
        excluded = (
            np.asarray(self.problem.excluded[i, j]).reshape(-1) != 0
            if len(i)
            else np.zeros(0, bool)
        )
        same_org = (mentees.org_unit[i] >= 0) & (mentees.org_unit[i] == mentors.org_unit[j])
        feasible = (
            profile.language_ok
            & profile.requirements_ok
            & profile.seniority_ok
            & np.isfinite(availability)
            & ~excluded
        )
        if rules.exclude_same_org_unit:
            feasible &= ~same_org
        if self.problem.is_pool:
            feasible &= i != j
        score = (
            np.float32(w.shared_goals) * shared_goals
            + np.float32(w.text_similarity) * text
            + np.where(np.isfinite(availability), availability, 0)
            + np.where(np.isfinite(profile_points), profile_points, 0)
            + np.float32(w.ranked_preference) * preference
        ).astype(np.float32)
        score = np.where(feasible, score, NEG_INF).astype(np.float32)
        return PairFactors(
            mentee=i,
            mentor=j,
            shared_goals=shared_goals,
            text_similarity=text,
            hours=hours,
            availability=np.where(np.isfinite(availability), availability, 0).astype(np.float32),
            profile=profile,
            rank=rank,
            ranked_preference=preference,
            excluded=excluded,
            same_org_unit=same_org,
            feasible=feasible,
            score=score,
        )

    def pair_scores(
        self, mentee: NDArray[np.integer[Any]], mentor: NDArray[np.integer[Any]]
    ) -> FloatArray:
        return self.pair_factors(mentee, mentor).score


def _as_dense(matrix: sp.csr_matrix | FloatArray) -> FloatArray:
    if isinstance(matrix, np.ndarray):
        return np.asarray(matrix, dtype=np.float32)
    return np.asarray(matrix.toarray(), dtype=np.float32)


def _add_sparse_dense(left: sp.csr_matrix, right: FloatArray, out: FloatArray) -> None:
    """``out += left @ right`` without a temporary the size of ``out``."""
    if (
        _csr_matvecs is not None
        and out.flags.c_contiguous
        and right.flags.c_contiguous
        and left.dtype == right.dtype == out.dtype == np.float32
    ):
        n_rows, n_inner = left.shape
        _csr_matvecs(
            n_rows,
            n_inner,
            right.shape[1],
            left.indptr,
            left.indices,
            left.data,
            right.reshape(-1),
            out.reshape(-1),
        )
    else:
        out += left @ right


def _rowwise_dot(
    left: sp.csr_matrix | FloatArray,
    i: IntArray,
    right: sp.csr_matrix | FloatArray,
    j: IntArray,
) -> FloatArray:
    if len(i) == 0:
        return np.zeros(0, np.float32)
    if sp.issparse(left):
        product = sp.csr_matrix(left[i]).multiply(sp.csr_matrix(right[j]))
        return np.asarray(product.sum(axis=1)).reshape(-1).astype(np.float32)
    return np.einsum("pd,pd->p", left[i], right[j]).astype(np.float32)


def _untie(values: FloatArray) -> FloatArray:
    """Replace -inf by distinct huge negatives: introselect degrades badly on long runs of
    equal values, and infeasible pairs are most of a row."""
    finite = np.isfinite(values)
    if finite.all():
        return values
    ramp = (-1e30 * (1 + np.arange(values.shape[-1]) / 2**22)).astype(np.float32)
    return np.where(finite, values, ramp)


def _top_k_rows(scores: FloatArray, k: int, block: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Finite top-``k`` entries of each row, best first within a row.

    Columns are cut into blocks (block q = columns q, q + n_blocks, ...; strided so the
    block maxima are a fast elementwise reduction). The ``k`` largest entries of a row sit
    in at most ``k`` blocks, and those blocks have the ``k`` largest maxima, so a partition
    over block maxima and one over ``k * block`` survivors replace a partition of the row.
    """
    n_rows, n_cols = scores.shape
    if n_rows == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty.copy(), np.zeros(0, np.float32)
    n_blocks = n_cols // block
    if k * block < n_cols and n_blocks > k and n_blocks * block == n_cols:
        strided = scores.reshape(n_rows, block, n_blocks)
        maxima = _untie(strided.max(axis=1))
        top_blocks = np.argpartition(maxima, n_blocks - k, axis=1)[:, -k:]
        row_base = np.arange(n_rows, dtype=np.int64)[:, None, None] * n_cols
        within = np.arange(block, dtype=np.int64)[None, :, None] * n_blocks
        flat = (row_base + within + top_blocks[:, None, :]).reshape(n_rows, -1)
        survivors = np.take(scores.reshape(-1), flat)
        pick = np.argpartition(_untie(survivors), survivors.shape[1] - k, axis=1)[:, -k:]
        cols = np.take_along_axis(flat, pick, axis=1) - row_base[:, :, 0]
    elif k < n_cols:
        cols = np.argpartition(_untie(scores), n_cols - k, axis=1)[:, -k:]
    else:
        cols = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    vals = np.take_along_axis(scores, cols, axis=1)
    order = np.argsort(-_untie(vals), axis=1, kind="stable")
    cols = np.take_along_axis(cols, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    finite = np.isfinite(vals)
    rows = np.broadcast_to(np.arange(n_rows)[:, None], cols.shape)
    return rows[finite].astype(np.int64), cols[finite].astype(np.int64), vals[finite]
