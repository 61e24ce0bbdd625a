"""Turn plain Python records into :class:`ParticipantArrays` so callers stay thin."""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .bitsets import n_words, pack_bits
from .types import AvailabilityGrid, MatchingProblem, ParticipantArrays, Vocabulary

# Function words carry no signal about goals or expertise and would make every pair look alike.
_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further get got had has have having he her here hers herself him himself his how i if in
    into is it its itself just like me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own really same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very want wants was we were what when where which while who whom why will with would
    you your yours yourself yourselves also help learn improve better get getting"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def tokenize(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def normalise_tag(tag: str) -> str:
    return " ".join(tag.lower().split())


@dataclass(frozen=True)
class PersonRecord:
    """One participant as the Django side knows them.

    ``languages`` maps a language code to proficiency 1-5. ``availability`` lists the UTC slot
    indices of the program's :class:`AvailabilityGrid` in which the person is free.
    ``text`` is a mentee's goal text or a mentor's expertise text (a peer's both).
    ``traits`` adds requirable facts beyond the automatic ``country:XX`` and ``lang:xx``
    (e.g. ``"mode:video"``). ``requires`` maps a trait family to the acceptable values,
    e.g. ``{"country": ["BR", "PT"], "mode": ["in_person"]}``: every family must be met by one
    of its values. ``ranking`` lists ids on the other side, most preferred first.
    """

    id: Hashable
    languages: Mapping[str, int] = field(default_factory=dict)
    country: str | None = None
    org_unit: str | None = None
    expertise: Collection[str] = ()
    goals: Collection[str] = ()
    text: str = ""
    availability: Iterable[int] = ()
    seniority: float = 0.0
    capacity: int = 1
    traits: Collection[str] = ()
    requires: Mapping[str, Collection[str]] = field(default_factory=dict)
    ranking: Sequence[Hashable] = ()


RecordLike = PersonRecord | Mapping[str, Any]


def _as_record(record: RecordLike) -> PersonRecord:
    return record if isinstance(record, PersonRecord) else PersonRecord(**record)


def _auto_traits(person: PersonRecord, min_language_level: int) -> set[str]:
    traits = {t.strip() for t in person.traits}
    if person.country:
        traits.add(f"country:{person.country}")
    traits.update(
        f"lang:{code}" for code, level in person.languages.items() if level >= min_language_level
    )
    return traits


def _requirement_groups(person: PersonRecord) -> list[set[str]]:
    return [
        {f"{family}:{value}" for value in values}
        for family, values in sorted(person.requires.items())
        if values
    ]


def _index(values: Iterable[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(set(values)))}


def _incidence(rows: Sequence[Iterable[str]], index: Mapping[str, int]) -> sp.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    for row in rows:
        cols = sorted({index[v] for v in row})
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
        shape=(len(rows), len(index)),
    )


def _term_counts(docs: Sequence[list[str]], index: Mapping[str, int]) -> sp.csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    for r, words in enumerate(docs):
        rows.extend([r] * len(words))
        cols.extend(index[w] for w in words)
    data = np.ones(len(rows), dtype=np.float32)
    counts = sp.csr_matrix((data, (rows, cols)), shape=(len(docs), len(index)))
    counts.sum_duplicates()
    return counts


def _side_arrays(
    people: Sequence[PersonRecord],
    vocabulary: Vocabulary,
    traits: Sequence[set[str]],
    requirement_groups: Sequence[list[set[str]]],
    docs: Sequence[list[str]],
    embedding: NDArray[np.floating[Any]] | None,
) -> ParticipantArrays:
    lang = {c: i for i, c in enumerate(vocabulary.languages)}
    tags = {t: i for i, t in enumerate(vocabulary.tags)}
    countries = {c: i for i, c in enumerate(vocabulary.countries)}
    orgs = {o: i for i, o in enumerate(vocabulary.org_units)}
    trait_index = {t: i for i, t in enumerate(vocabulary.traits)}
    terms = {t: i for i, t in enumerate(vocabulary.terms)}
    n = len(people)
    levels = np.zeros((n, len(lang)), dtype=np.uint8)
    for r, p in enumerate(people):
        for code, level in p.languages.items():
            if not 0 <= int(level) <= 5:
                raise ValueError(f"language level must be 0..5 for {p.id!r}/{code}")
            levels[r, lang[code]] = int(level)
    n_groups = max([1, *(len(g) for g in requirement_groups)])
    n_traits = len(vocabulary.traits)
    requirements = np.zeros((n, n_groups, n_words(n_traits)), dtype=np.uint64)
    for r, groups in enumerate(requirement_groups):
        for g, group in enumerate(groups):
            requirements[r, g] = pack_bits([[trait_index[t] for t in group]], n_traits)[0]
    capacity = np.asarray([int(p.capacity) for p in people], dtype=np.int32)
    if (capacity < 0).any():
        raise ValueError("capacity must be >= 0")
    emb = None
    if embedding is not None:
        emb = np.asarray(embedding, dtype=np.float32)
        if emb.shape[0] != n:
            raise ValueError("embedding must have one row per person")
        norms = np.linalg.norm(emb, axis=1, keepdims=True)
        emb = np.ascontiguousarray(emb / np.maximum(norms, 1e-12), dtype=np.float32)
    return ParticipantArrays(
        ids=tuple(p.id for p in people),
        language_levels=levels,
        country=np.asarray([countries.get(p.country or "", -1) for p in people], dtype=np.int32),
        org_unit=np.asarray([orgs.get(p.org_unit or "", -1) for p in people], dtype=np.int32),
        expertise=_incidence([[normalise_tag(t) for t in p.expertise] for p in people], tags),
        goals=_incidence([[normalise_tag(t) for t in p.goals] for p in people], tags),
        text_counts=_term_counts(docs, terms),
        availability=pack_bits([list(p.availability) for p in people], vocabulary.grid.n_slots),
        seniority=np.asarray([float(p.seniority) for p in people], dtype=np.float32),
        capacity=capacity,
        traits=pack_bits([[trait_index[t] for t in ts] for ts in traits], n_traits),
        requirements=requirements,
        vocabulary=vocabulary,
        embedding=emb,
    )


def _pair_matrix(
    pairs: Iterable[tuple[Hashable, Hashable]],
    left: Mapping[Hashable, int],
    right: Mapping[Hashable, int],
) -> sp.csr_matrix:
    rows, cols = [], []
    for a, b in pairs:
        if a in left and b in right:
            rows.append(left[a])
            cols.append(right[b])
    data = np.ones(len(rows), dtype=np.int8)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(left), len(right)))
    matrix.sum_duplicates()
    matrix.data[:] = 1
    return matrix


def _ranking_matrix(
    people: Sequence[PersonRecord], other: Mapping[Hashable, int], n_other: int
) -> sp.csr_matrix:
    rows, cols, ranks = [], [], []
    for r, p in enumerate(people):
        seen: set[int] = set()
        for other_id in p.ranking:
            c = other.get(other_id)
            if c is None or c in seen:
                continue
            seen.add(c)
            rows.append(r)
            cols.append(c)
            ranks.append(len(seen))
    return sp.csr_matrix(
        (np.asarray(ranks, dtype=np.int32), (rows, cols)), shape=(len(people), n_other)
    )


def build_problem(
    mentees: Iterable[RecordLike],
    mentors: Iterable[RecordLike],
    *,
    grid: AvailabilityGrid | None = None,
    min_language_level: int = 3,
    excluded_pairs: Iterable[tuple[Hashable, Hashable]] = (),
    mentor_load: Mapping[Hashable, int] | None = None,
    mentee_embedding: NDArray[np.floating[Any]] | None = None,
    mentor_embedding: NDArray[np.floating[Any]] | None = None,
) -> MatchingProblem:
    """Build the arrays of a two-sided program from records (``PersonRecord`` or dicts).

    ``excluded_pairs`` are (mentee id, mentor id) pairs that must never be proposed: previous
    pairs and blocked pairs. ``mentor_load`` maps mentor id to mentees already taken.
    ``min_language_level`` decides which languages become requirable ``lang:xx`` traits; pass
    the program's :attr:`MatchRules.min_language_level`.
    """
    mentee_records = [_as_record(r) for r in mentees]
    mentor_records = [_as_record(r) for r in mentors]
    return _build(
        mentee_records,
        mentor_records,
        is_pool=False,
        grid=grid or AvailabilityGrid(),
        min_language_level=min_language_level,
        excluded_pairs=excluded_pairs,
        mentor_load=mentor_load,
        mentee_embedding=mentee_embedding,
        mentor_embedding=mentor_embedding,
    )


def build_pool(
    peers: Iterable[RecordLike],
    *,
    grid: AvailabilityGrid | None = None,
    min_language_level: int = 3,
    excluded_pairs: Iterable[tuple[Hashable, Hashable]] = (),
    embedding: NDArray[np.floating[Any]] | None = None,
) -> MatchingProblem:
    """Build a co-mentoring pool: every peer is both mentee (goals) and mentor (expertise)."""
    records = [_as_record(r) for r in peers]
    pairs = list(excluded_pairs)
    symmetric = pairs + [(b, a) for a, b in pairs]
    return _build(
        records,
        records,
        is_pool=True,
        grid=grid or AvailabilityGrid(),
        min_language_level=min_language_level,
        excluded_pairs=symmetric,
        mentor_load=None,
        mentee_embedding=embedding,
        mentor_embedding=embedding,
    )


def _build(
    mentee_records: list[PersonRecord],
    mentor_records: list[PersonRecord],
    *,
    is_pool: bool,
    grid: AvailabilityGrid,
    min_language_level: int,
    excluded_pairs: Iterable[tuple[Hashable, Hashable]],
    mentor_load: Mapping[Hashable, int] | None,
    mentee_embedding: NDArray[np.floating[Any]] | None,
    mentor_embedding: NDArray[np.floating[Any]] | None,
) -> MatchingProblem:
    everyone = mentee_records + ([] if is_pool else mentor_records)
    for one_side in (mentee_records, mentor_records):
        ids = [p.id for p in one_side]
        if len(set(ids)) != len(ids):
            raise ValueError("ids must be unique within a side")
    traits = {id(p): _auto_traits(p, min_language_level) for p in everyone}
    groups = {id(p): _requirement_groups(p) for p in everyone}
    docs = {id(p): tokenize(p.text) for p in everyone}
    vocabulary = Vocabulary(
        languages=tuple(_index(c for p in everyone for c in p.languages)),
        tags=tuple(_index(normalise_tag(t) for p in everyone for t in [*p.expertise, *p.goals])),
        countries=tuple(_index(p.country for p in everyone if p.country)),
        org_units=tuple(_index(p.org_unit for p in everyone if p.org_unit)),
        traits=tuple(
            _index(
                [t for p in everyone for t in traits[id(p)]]
                + [t for p in everyone for g in groups[id(p)] for t in g]
            )
        ),
        terms=tuple(_index(w for p in everyone for w in docs[id(p)])),
        grid=grid,
    )

    def side(people: list[PersonRecord], emb: Any) -> ParticipantArrays:
        return _side_arrays(
            people,
            vocabulary,
            [traits[id(p)] for p in people],
            [groups[id(p)] for p in people],
            [docs[id(p)] for p in people],
            emb,
        )

    mentee_arrays = side(mentee_records, mentee_embedding)
    mentor_arrays = mentee_arrays if is_pool else side(mentor_records, mentor_embedding)
    mentee_pos = {p.id: i for i, p in enumerate(mentee_records)}
    mentor_pos = {p.id: i for i, p in enumerate(mentor_records)}
    load = np.zeros(len(mentor_records), dtype=np.int32)
    for mentor_id, taken in (mentor_load or {}).items():
        if mentor_id in mentor_pos:
            load[mentor_pos[mentor_id]] = int(taken)
    return MatchingProblem(
        mentees=mentee_arrays,
        mentors=mentor_arrays,
        excluded=_pair_matrix(excluded_pairs, mentee_pos, mentor_pos),
        mentee_rankings=_ranking_matrix(mentee_records, mentor_pos, len(mentor_records)),
        mentor_rankings=_ranking_matrix(mentor_records, mentee_pos, len(mentee_records)),
        mentor_load=load,
        is_pool=is_pool,
    )
