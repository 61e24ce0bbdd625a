"""Why a pair was proposed and why a person was left out, as data and as plain English.

Explanations are structured (a factor code plus values) so the Django side can store and
translate them; :func:`render_factor` and :func:`render_reason` are deliberately simple
English renderings kept apart from the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .bitsets import unpack
from .scoring import PairFactors, Scorer, availability_hours, profile_factors
from .types import Factor, FloatArray, IntArray, MatchedPair

NO_SHARED_LANGUAGE = "no_shared_language"
NO_AVAILABILITY_OVERLAP = "no_availability_overlap"
REQUIREMENTS_NOT_MET = "requirements_not_met"
NO_MORE_SENIOR_MENTOR = "no_more_senior_mentor"
EXCLUDED = "excluded"
ALL_SUITABLE_MENTORS_FULL = "all_suitable_mentors_full"
NOT_SELECTED = "not_selected"
NO_MENTORS = "no_mentors"
GROUP_TOO_SMALL = "group_too_small"
NO_COMPATIBLE_GROUP = "no_compatible_group"
ODD_ONE_OUT = "odd_one_out"

REASON_TEXT = {
    NO_MENTORS: "The program has no mentors yet.",
    NO_SHARED_LANGUAGE: "No mentor speaks one of your languages well enough.",
    NO_AVAILABILITY_OVERLAP: (
        "No mentor who shares your language is free at the same times as you."
    ),
    REQUIREMENTS_NOT_MET: "No available mentor meets every requirement you or they set.",
    NO_MORE_SENIOR_MENTOR: "No otherwise suitable mentor is senior enough.",
    EXCLUDED: "Every otherwise suitable mentor is excluded (same unit, past or blocked pair).",
    ALL_SUITABLE_MENTORS_FULL: "Every suitable mentor is already full.",
    NOT_SELECTED: "A suitable mentor had room, but the match went to other people.",
    GROUP_TOO_SMALL: "Not enough compatible people to form a group of the minimum size.",
    NO_COMPATIBLE_GROUP: (
        "Every suitable mentor's circle was full or had no time or language left in common."
    ),
    ODD_ONE_OUT: "Every compatible peer was paired with someone else.",
}


def _row_lists(matrix: sp.csr_matrix) -> list[list[int]]:
    """Column indices of every row of a CSR matrix, as Python lists."""
    matrix = sp.csr_matrix(matrix)
    matrix.eliminate_zeros()
    indices = matrix.indices.tolist()
    bounds = matrix.indptr.tolist()
    return [indices[bounds[r] : bounds[r + 1]] for r in range(matrix.shape[0])]


def _shared_columns(
    left: sp.csr_matrix, i: IntArray, right: sp.csr_matrix, j: IntArray
) -> list[list[int]]:
    both = sp.csr_matrix(left[i]).multiply(sp.csr_matrix(right[j]) != 0)
    return _row_lists(sp.csr_matrix(both))


def _languages_per_pair(scorer: Scorer, i: IntArray, j: IntArray) -> list[list[str]]:
    problem = scorer.problem
    level = scorer.rules.min_language_level
    shared = (problem.mentees.language_levels[i] >= level) & (
        problem.mentors.language_levels[j] >= level
    )
    names = problem.vocabulary.languages
    cache: dict[bytes, list[str]] = {}
    out = []
    for row in shared:
        key = row.tobytes()
        if key not in cache:
            cache[key] = [names[x] for x in np.flatnonzero(row).tolist()]
        out.append(cache[key])
    return out


def _requirement_traits(scorer: Scorer, i: int, j: int) -> list[str]:
    problem = scorer.problem
    traits = problem.vocabulary.traits
    asked = np.bitwise_or.reduce(problem.mentees.requirements[i], axis=0) | np.bitwise_or.reduce(
        problem.mentors.requirements[j], axis=0
    )
    if not asked.any():
        return []
    offered = problem.mentees.traits[i] | problem.mentors.traits[j]
    met = unpack((asked & offered).reshape(1, -1), len(traits))[0]
    return [traits[t] for t in np.flatnonzero(met)]


def explain_pairs(scorer: Scorer, factors: PairFactors) -> list[tuple[Factor, ...]]:
    """Factors that are true of each pair, largest contribution first.

    Everything is gathered for all pairs at once and turned into Python lists before the
    per-pair loop, which only assembles dicts: explanations for 100,000 pairs stay cheap.
    """
    w = scorer.weights
    rules = scorer.rules
    problem = scorer.problem
    vocab = problem.vocabulary
    mentees, mentors = problem.mentees, problem.mentors
    i, j = factors.mentee, factors.mentor
    n = len(i)
    languages = _languages_per_pair(scorer, i, j)
    level = np.rint(factors.profile.language * 5).astype(int).tolist()
    language_points = (w.language * factors.profile.language).tolist()
    hours = factors.hours.tolist()
    availability_points = factors.availability.tolist()
    tags: list[list[int]] = [[] for _ in range(n)]
    if w.shared_goals:
        tags = _shared_columns(mentees.goals, i, mentors.expertise, j)
    goal_points = (w.shared_goals * factors.shared_goals).tolist()
    idf = scorer.tag_idf.tolist()
    similarity = factors.text_similarity.tolist()
    terms: list[list[int]] = [[] for _ in range(n)]
    if w.text_similarity and not scorer.uses_embedding:
        terms = _shared_columns(mentees.text_counts, i, mentors.text_counts, j)
    senior_i = mentees.seniority[i].tolist()
    senior_j = mentors.seniority[j].tolist()
    seniority_points = (w.seniority * factors.profile.seniority).tolist()
    cross = np.asarray(factors.profile.cross_border).tolist()
    country_i = mentees.country[i].tolist()
    country_j = mentors.country[j].tolist()
    rank = factors.rank.tolist()
    preference_points = (w.ranked_preference * factors.ranked_preference).tolist()
    asks = (
        np.any(mentees.requirements[i] != 0, axis=(1, 2))
        | np.any(mentors.requirements[j] != 0, axis=(1, 2))
    ).tolist()
    out: list[tuple[Factor, ...]] = []
    for p in range(n):
        found: list[Factor] = []
        if languages[p]:
            found.append(
                {
                    "code": "shared_language",
                    "languages": languages[p],
                    "level": level[p],
                    "points": round(language_points[p], 3),
                }
            )
        if hours[p] > 0:
            found.append(
                {
                    "code": "availability_overlap",
                    "hours_per_week": round(hours[p], 1),
                    "points": round(availability_points[p], 3),
                }
            )
        if tags[p]:
            ordered = sorted(tags[p], key=lambda t: (-idf[t], t))
            found.append(
                {
                    "code": "shared_goals",
                    "tags": [vocab.tags[t] for t in ordered],
                    "points": round(goal_points[p], 3),
                }
            )
        if w.text_similarity and similarity[p] >= rules.min_text_similarity:
            factor: Factor = {
                "code": "goal_text_similarity",
                "similarity": round(similarity[p], 2),
                "points": round(w.text_similarity * similarity[p], 3),
            }
            if not scorer.uses_embedding:
                factor["terms"] = sorted(vocab.terms[t] for t in terms[p])[:5]
            found.append(factor)
        if w.seniority and senior_j[p] > senior_i[p]:
            found.append(
                {
                    "code": "seniority_gap",
                    "mentee_seniority": senior_i[p],
                    "mentor_seniority": senior_j[p],
                    "points": round(seniority_points[p], 3),
                }
            )
        if w.cross_border and cross[p]:
            found.append(
                {
                    "code": "cross_border",
                    "countries": [vocab.countries[country_i[p]], vocab.countries[country_j[p]]],
                    "points": round(w.cross_border, 3),
                }
            )
        if rank[p] > 0:
            found.append(
                {
                    "code": "ranked_preference",
                    "rank": rank[p],
                    "points": round(preference_points[p], 3),
                }
            )
        if asks[p]:
            met = _requirement_traits(scorer, int(i[p]), int(j[p]))
            if met:
                found.append({"code": "requirements_met", "traits": met, "points": 0.0})
        found.sort(key=lambda f: -float(f["points"]))
        out.append(tuple(found))
    return out


def diagnose_unmatched(
    scorer: Scorer,
    mentees: NDArray[np.integer[Any]],
    spare_capacity: NDArray[np.integer[Any]],
) -> list[tuple[str, ...]]:
    """Reason codes (all true) for each unmatched mentee, given mentors' capacity left.

    Hard constraints are peeled in a fixed order so each code says which constraint
    emptied the set of mentors: language, then availability, then requirements, then
    seniority, then exclusions; among the fully compatible, capacity.
    """
    rows_all = np.asarray(mentees, dtype=np.int64)
    if scorer.n_mentors == 0:
        return [(NO_MENTORS,)] * len(rows_all)
    problem = scorer.problem
    rules = scorer.rules
    cols = np.arange(scorer.n_mentors)
    spare = np.asarray(spare_capacity) > 0
    reasons: list[tuple[str, ...]] = []
    step = max(1, (1 << 21) // scorer.n_mentors)
    left = scorer._left_profiles
    right = scorer._right_profiles
    for start in range(0, len(rows_all), step):
        rows = rows_all[start : start + step]
        prof = profile_factors(left.take(rows), right.take(cols), rules, outer=True)
        hours = availability_hours(
            problem.mentees.availability[rows],
            problem.mentors.availability,
            scorer.hours_per_slot,
            outer=True,
        )
        language = prof.language_ok
        overlap = hours >= np.float32(rules.min_overlap_hours) - 1e-4
        if rules.min_overlap_hours <= 0:
            overlap = np.ones_like(language)
        excluded = problem.excluded[rows].toarray() != 0
        if rules.exclude_same_org_unit:
            org = problem.mentees.org_unit[rows]
            excluded |= (org[:, None] == problem.mentors.org_unit[None, :]) & (org >= 0)[:, None]
        if problem.is_pool:
            excluded[np.arange(len(rows)), rows] = True
        stages = [
            (NO_SHARED_LANGUAGE, language),
            (NO_AVAILABILITY_OVERLAP, overlap),
            (REQUIREMENTS_NOT_MET, prof.requirements_ok),
            (NO_MORE_SENIOR_MENTOR, prof.seniority_ok),
            (EXCLUDED, ~excluded),
        ]
        alive = np.ones(language.shape, dtype=bool)
        codes: list[list[str]] = [[] for _ in rows]
        for code, passes in stages:
            before = np.asarray(alive.any(axis=1), bool)
            alive &= passes
            after = np.asarray(alive.any(axis=1), bool)
            for emptied in np.flatnonzero(before & ~after).tolist():
                codes[emptied].append(code)
        feasible_any = np.asarray(alive.any(axis=1), bool)
        with_room = np.asarray((alive & spare[None, :]).any(axis=1), bool)
        for r in range(len(rows)):
            if feasible_any[r]:
                codes[r].append(NOT_SELECTED if with_room[r] else ALL_SUITABLE_MENTORS_FULL)
            reasons.append(tuple(codes[r]))
    return reasons


def pair_records(
    scorer: Scorer,
    mentee: IntArray,
    mentor: IntArray,
    scores: FloatArray,
    *,
    explain: bool = True,
    batch: int = 20_000,
) -> list[tuple[Factor, ...]]:
    if not explain:
        return [() for _ in range(len(mentee))]
    out: list[tuple[Factor, ...]] = []
    for start in range(0, len(mentee), batch):
        pf = scorer.pair_factors(mentee[start : start + batch], mentor[start : start + batch])
        out.extend(explain_pairs(scorer, pf))
    return out


def matched_pairs(
    scorer: Scorer,
    mentee: IntArray,
    mentor: IntArray,
    scores: FloatArray,
    *,
    explain: bool = True,
    peers: bool = False,
) -> list[MatchedPair]:
    """The chosen pairs with their scores and reasons; with ``peers`` both sides are
    indices into the mentees (peer programs pair mentees with each other)."""
    problem = scorer.problem
    mentor_ids = problem.mentees.ids if peers else problem.mentors.ids
    factors = pair_records(scorer, mentee, mentor, scores, explain=explain)
    return [
        MatchedPair(
            mentee=problem.mentees.ids[i],
            mentor=mentor_ids[j],
            mentee_index=int(i),
            mentor_index=int(j),
            score=float(s),
            factors=f,
        )
        for i, j, s, f in zip(
            mentee.tolist(), mentor.tolist(), scores.tolist(), factors, strict=True
        )
    ]


def render_factor(factor: Factor) -> str:
    """One plain-English sentence for a factor (the Django side translates its own)."""
    code = factor.get("code")
    if code == "shared_language":
        return f"You both speak {', '.join(factor['languages'])}."
    if code == "availability_overlap":
        return f"You are both free about {factor['hours_per_week']:g} hours a week."
    if code == "shared_goals":
        return f"Their expertise covers your goals: {', '.join(factor['tags'])}."
    if code == "goal_text_similarity":
        terms = factor.get("terms")
        if terms:
            return f"Your goals and their experience both mention {', '.join(terms)}."
        return "Your goals read close to their experience."
    if code == "seniority_gap":
        return "They are further along in their career than you."
    if code == "cross_border":
        return f"A cross-border pair: {factor['countries'][0]} and {factor['countries'][1]}."
    if code == "ranked_preference":
        return f"You ranked them number {factor['rank']}."
    if code == "requirements_met":
        return f"Meets the requirements: {', '.join(factor['traits'])}."
    if code == "group_availability":
        return f"The whole group is free about {factor['hours_per_week']:g} hours a week."
    return str(code)


def render_explanation(factors: tuple[Factor, ...] | list[Factor]) -> str:
    return " ".join(render_factor(f) for f in factors)


def render_reason(code: str) -> str:
    return REASON_TEXT.get(code, code)
