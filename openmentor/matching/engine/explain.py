"""Why a pair was proposed and why a person was left out, as data and as plain English.

Explanations are structured (a factor code plus values) so the Django side can store and
translate them; :func:`render_factor` and :func:`render_reason` are deliberately simple
English renderings kept apart from the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .bitsets import unpack
from .scoring import PairFactors, Scorer, availability_hours, profile_factors
from .types import Factor, FloatArray, IntArray

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


def _tags_of(scorer: Scorer, i: int, j: int) -> list[str]:
    problem = scorer.problem
    goals = problem.mentees.goals
    expertise = problem.mentors.expertise
    g = set(goals.indices[goals.indptr[i] : goals.indptr[i + 1]].tolist())
    e = set(expertise.indices[expertise.indptr[j] : expertise.indptr[j + 1]].tolist())
    shared = sorted(g & e, key=lambda t: (-float(scorer.tag_idf[t]), t))
    return [problem.vocabulary.tags[t] for t in shared]


def _terms_of(scorer: Scorer, i: int, j: int, limit: int = 5) -> list[str]:
    problem = scorer.problem
    left = problem.mentees.text_counts
    right = problem.mentors.text_counts
    a = set(left.indices[left.indptr[i] : left.indptr[i + 1]].tolist())
    b = set(right.indices[right.indptr[j] : right.indptr[j + 1]].tolist())
    return sorted(problem.vocabulary.terms[t] for t in a & b)[:limit]


def _languages_of(scorer: Scorer, i: int, j: int) -> list[str]:
    problem = scorer.problem
    level = scorer.rules.min_language_level
    li = problem.mentees.language_levels[i]
    lj = problem.mentors.language_levels[j]
    shared = np.flatnonzero((li >= level) & (lj >= level))
    return [problem.vocabulary.languages[x] for x in shared]


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
    """Factors that are true of each pair, largest contribution first."""
    w = scorer.weights
    rules = scorer.rules
    vocab = scorer.problem.vocabulary
    mentees, mentors = scorer.problem.mentees, scorer.problem.mentors
    out: list[tuple[Factor, ...]] = []
    for p in range(len(factors.mentee)):
        i, j = int(factors.mentee[p]), int(factors.mentor[p])
        found: list[Factor] = []
        languages = _languages_of(scorer, i, j)
        if languages:
            found.append(
                {
                    "code": "shared_language",
                    "languages": languages,
                    "level": round(float(factors.profile.language[p]) * 5),
                    "points": round(w.language * float(factors.profile.language[p]), 3),
                }
            )
        hours = float(factors.hours[p])
        if hours > 0:
            found.append(
                {
                    "code": "availability_overlap",
                    "hours_per_week": round(hours, 1),
                    "points": round(float(factors.availability[p]), 3),
                }
            )
        if w.shared_goals:
            tags = _tags_of(scorer, i, j)
            if tags:
                found.append(
                    {
                        "code": "shared_goals",
                        "tags": tags,
                        "points": round(w.shared_goals * float(factors.shared_goals[p]), 3),
                    }
                )
        similarity = float(factors.text_similarity[p])
        if w.text_similarity and similarity >= rules.min_text_similarity:
            factor: Factor = {
                "code": "goal_text_similarity",
                "similarity": round(similarity, 2),
                "points": round(w.text_similarity * similarity, 3),
            }
            if not scorer.uses_embedding:
                factor["terms"] = _terms_of(scorer, i, j)
            found.append(factor)
        gap = float(mentors.seniority[j] - mentees.seniority[i])
        if w.seniority and gap > 0:
            found.append(
                {
                    "code": "seniority_gap",
                    "mentee_seniority": float(mentees.seniority[i]),
                    "mentor_seniority": float(mentors.seniority[j]),
                    "points": round(w.seniority * float(factors.profile.seniority[p]), 3),
                }
            )
        if w.cross_border and bool(factors.profile.cross_border[p]):
            found.append(
                {
                    "code": "cross_border",
                    "countries": [
                        vocab.countries[mentees.country[i]],
                        vocab.countries[mentors.country[j]],
                    ],
                    "points": round(w.cross_border, 3),
                }
            )
        if int(factors.rank[p]) > 0:
            found.append(
                {
                    "code": "ranked_preference",
                    "rank": int(factors.rank[p]),
                    "points": round(w.ranked_preference * float(factors.ranked_preference[p]), 3),
                }
            )
        met = _requirement_traits(scorer, i, j)
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
