"""Plain data types shared by every solver of the matching engine."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

Factor = dict[str, Any]
"""One reason a pair was proposed: ``{"code": ..., <values>..., "points": ...}``."""

FloatArray = NDArray[np.float32]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class AvailabilityGrid:
    """The program's representative period, cut into UTC slots.

    ``n_slots`` slots of ``slot_minutes`` each, starting at the period's first UTC instant;
    168 hourly slots is one week, 336 is two weeks (useful when a DST change falls inside).
    """

    n_slots: int = 168
    slot_minutes: int = 60

    @property
    def n_words(self) -> int:
        return (self.n_slots + 63) // 64

    @property
    def weeks(self) -> float:
        return self.n_slots * self.slot_minutes / (60 * 168)

    def hours_per_week(self, shared_slots: NDArray[Any] | int) -> NDArray[np.float64]:
        return np.asarray(shared_slots, dtype=np.float64) * (self.slot_minutes / 60) / self.weeks


@dataclass(frozen=True)
class Vocabulary:
    """Codes behind every integer column of :class:`ParticipantArrays`."""

    languages: tuple[str, ...]
    tags: tuple[str, ...]
    countries: tuple[str, ...]
    org_units: tuple[str, ...]
    traits: tuple[str, ...]
    terms: tuple[str, ...]
    grid: AvailabilityGrid = field(default_factory=AvailabilityGrid)


@dataclass(frozen=True, eq=False)
class ParticipantArrays:
    """One side of a program (all mentees, all mentors, or a peer pool) as arrays.

    Row ``r`` of every array describes the person ``ids[r]``.

    * ``language_levels``: (n, L) uint8, proficiency 1-5 per ``vocabulary.languages``, 0 = none.
    * ``country`` / ``org_unit``: (n,) int32 codes into the vocabulary, -1 when unknown.
    * ``expertise`` / ``goals``: (n, T) CSR 0/1 over ``vocabulary.tags``.
    * ``text_counts``: (n, V) CSR term counts over ``vocabulary.terms``: a mentee's goal text,
      a mentor's expertise text (a peer's both).
    * ``availability``: (n, W) uint64 packed bitsets over ``vocabulary.grid`` UTC slots
      (bit ``s % 64`` of word ``s // 64`` is slot ``s``).
    * ``seniority``: (n,) float32, any monotone scale (years, grade...).
    * ``capacity``: (n,) int32, mentees a mentor can take (ignored for mentees).
    * ``traits``: (n, Wt) uint64 bitsets over ``vocabulary.traits`` ("country:BR", "lang:pt",
      "mode:video"...): what others may require of this person.
    * ``requirements``: (n, R, Wt) uint64. Each of the R groups is an OR of traits the other
      person must have one of; all groups must hold (AND); an all-zero group is no requirement.
    * ``embedding``: optional (n, d) float32 L2-normalised text embeddings; when both sides
      have one it replaces the lexical TF-IDF similarity.
    """

    ids: tuple[Hashable, ...]
    language_levels: NDArray[np.uint8]
    country: NDArray[np.int32]
    org_unit: NDArray[np.int32]
    expertise: sp.csr_matrix
    goals: sp.csr_matrix
    text_counts: sp.csr_matrix
    availability: NDArray[np.uint64]
    seniority: NDArray[np.float32]
    capacity: NDArray[np.int32]
    traits: NDArray[np.uint64]
    requirements: NDArray[np.uint64]
    vocabulary: Vocabulary
    embedding: FloatArray | None = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class MatchingProblem:
    """Both sides of a program plus the pair-level facts that only make sense together.

    * ``excluded``: (n_mentees, n_mentors) CSR, nonzero = never pair (previous or blocked).
    * ``mentee_rankings``: (n_mentees, n_mentors) CSR, value = 1-based rank the mentee gave.
    * ``mentor_rankings``: (n_mentors, n_mentees) CSR, value = 1-based rank the mentor gave.
    * ``mentor_load``: (n_mentors,) mentees a mentor already has; remaining capacity is
      ``mentors.capacity - mentor_load``.
    * ``is_pool``: mentees and mentors are the same people (co-mentoring peer pool).
    """

    mentees: ParticipantArrays
    mentors: ParticipantArrays
    excluded: sp.csr_matrix
    mentee_rankings: sp.csr_matrix
    mentor_rankings: sp.csr_matrix
    mentor_load: NDArray[np.int32]
    is_pool: bool = False

    @property
    def vocabulary(self) -> Vocabulary:
        return self.mentees.vocabulary

    @property
    def remaining_capacity(self) -> NDArray[np.int32]:
        return np.maximum(self.mentors.capacity - self.mentor_load, 0).astype(np.int32)


@dataclass(frozen=True)
class ProgramWeights:
    """Weights of the soft factors; each factor is scaled to [0, 1] before weighting."""

    shared_goals: float = 3.0
    text_similarity: float = 2.0
    availability: float = 1.5
    language: float = 1.0
    seniority: float = 0.0
    cross_border: float = 0.0
    ranked_preference: float = 2.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"weight {name} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True)
class MatchRules:
    """Hard constraints and the parameters of the soft factors."""

    min_language_level: int = 3
    """Both people need at least this proficiency (1-5) in one shared language."""
    min_overlap_hours: float = 1.0
    """Hours per week both are available; 0 turns the constraint off (asynchronous programs)."""
    target_overlap_hours: float = 4.0
    """Overlap that earns the full availability factor."""
    exclude_same_org_unit: bool = False
    min_seniority_gap: float | None = None
    """Hierarchical programs: mentor seniority - mentee seniority must be at least this."""
    target_seniority_gap: float = 2.0
    """Seniority gap that earns the full seniority factor."""
    candidates_per_mentee: int = 50
    """K of the top-K candidate graph the solvers work on."""
    min_text_similarity: float = 0.05
    """Below this the text similarity is not mentioned in explanations."""

    def __post_init__(self) -> None:
        if not 1 <= self.min_language_level <= 5:
            raise ValueError("min_language_level must be within 1..5")
        if self.min_overlap_hours < 0 or self.target_overlap_hours <= 0:
            raise ValueError("overlap hours must be >= 0 and the target > 0")
        if self.target_seniority_gap <= 0:
            raise ValueError("target_seniority_gap must be > 0")
        if self.candidates_per_mentee < 1:
            raise ValueError("candidates_per_mentee must be >= 1")


@dataclass(frozen=True)
class MatchedPair:
    mentee: Hashable
    mentor: Hashable
    mentee_index: int
    mentor_index: int
    score: float
    factors: tuple[Factor, ...]


@dataclass(frozen=True)
class UnmatchedPerson:
    person: Hashable
    index: int
    reasons: tuple[str, ...]


@dataclass
class AssignmentResult:
    """Pairs (``mentee_index[k]`` with ``mentor_index[k]``) plus everyone left out."""

    mentee_index: IntArray
    mentor_index: IntArray
    scores: FloatArray
    pairs: list[MatchedPair]
    unmatched: list[UnmatchedPerson]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def total_score(self) -> float:
        return float(np.sum(self.scores, dtype=np.float64))

    @property
    def matched(self) -> int:
        return len(self.mentee_index)


@dataclass(frozen=True)
class Recommendation:
    mentor: Hashable
    mentor_index: int
    score: float
    factors: tuple[Factor, ...]


@dataclass(frozen=True)
class Group:
    mentor: Hashable
    mentor_index: int
    mentees: tuple[Hashable, ...]
    mentee_indices: tuple[int, ...]
    score: float
    factors: tuple[Factor, ...]


@dataclass
class GroupResult:
    groups: list[Group]
    unmatched: list[UnmatchedPerson]


@dataclass
class PeerResult:
    """Peer pairs ``(first[k], second[k])`` plus an upper bound on the best total score."""

    first: IntArray
    second: IntArray
    scores: FloatArray
    pairs: list[MatchedPair]
    unmatched: list[UnmatchedPerson]
    upper_bound: float
    exact: bool
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def total_score(self) -> float:
        return float(np.sum(self.scores, dtype=np.float64))
