"""Hypothesis strategies and record-level reference checks shared by the engine tests.

The reference functions work on the plain records, never on engine arrays, so they check
the engine rather than restate it.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from openmentor.matching.engine import (
    MatchingProblem,
    MatchRules,
    ProgramWeights,
    build_pool,
    build_problem,
)

LANGUAGES = ["en", "pt"]
COUNTRIES = ["BR", "PT", "US", "IN"]
UNITS = ["u1", "u2"]
TAGS = ["python", "statistics", "grant writing", "design", "leadership"]
WORDS = ["python", "grant", "statistics", "design", "writing", "leadership", "data", "careers"]
MODES = ["mode:video", "mode:in_person"]


@dataclass
class Instance:
    mentees: list[dict[str, Any]]
    mentors: list[dict[str, Any]]
    rules: MatchRules
    weights: ProgramWeights
    excluded: set[tuple[Hashable, Hashable]] = field(default_factory=set)
    load: dict[Hashable, int] = field(default_factory=dict)

    def problem(self) -> MatchingProblem:
        return build_problem(
            self.mentees,
            self.mentors,
            min_language_level=self.rules.min_language_level,
            excluded_pairs=self.excluded,
            mentor_load=self.load,
        )

    def pool(self) -> MatchingProblem:
        return build_pool(
            self.mentees,
            min_language_level=self.rules.min_language_level,
            excluded_pairs=self.excluded,
        )


@st.composite
def people(draw: st.DrawFn, prefix: str, n: int) -> list[dict[str, Any]]:
    out = []
    for k in range(n):
        requires: dict[str, list[str]] = {}
        if draw(st.integers(0, 6)) == 0:
            requires["country"] = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2))
        if draw(st.integers(0, 6)) == 0:
            requires["mode"] = [draw(st.sampled_from(["video", "in_person"]))]
        out.append(
            {
                "id": f"{prefix}{k}",
                "languages": draw(
                    st.dictionaries(
                        st.sampled_from(LANGUAGES), st.integers(2, 5), min_size=1, max_size=2
                    )
                ),
                "country": draw(st.sampled_from([*COUNTRIES, None])),
                "org_unit": draw(st.sampled_from([*UNITS, None])),
                "expertise": sorted(draw(st.sets(st.sampled_from(TAGS), max_size=3))),
                "goals": sorted(draw(st.sets(st.sampled_from(TAGS), max_size=3))),
                "text": " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=4))),
                "availability": sorted(draw(st.sets(st.integers(0, 7), min_size=2, max_size=6))),
                "seniority": draw(st.integers(0, 4)),
                "capacity": draw(st.integers(1, 3)),
                "traits": sorted(draw(st.sets(st.sampled_from(MODES), max_size=2))),
                "requires": requires,
            }
        )
    return out


@st.composite
def rules_and_weights(draw: st.DrawFn) -> tuple[MatchRules, ProgramWeights]:
    rules = MatchRules(
        min_language_level=draw(st.integers(1, 3)),
        min_overlap_hours=draw(st.sampled_from([0.0, 1.0, 1.0, 2.0])),
        target_overlap_hours=draw(st.sampled_from([2.0, 4.0])),
        exclude_same_org_unit=draw(st.booleans()),
        min_seniority_gap=draw(st.sampled_from([None, None, 0.0, 1.0])),
        candidates_per_mentee=draw(st.integers(1, 6)),
    )
    weight = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])
    weights = ProgramWeights(
        shared_goals=draw(weight),
        text_similarity=draw(weight),
        availability=draw(weight),
        language=draw(weight),
        seniority=draw(weight),
        cross_border=draw(weight),
        ranked_preference=draw(weight),
    )
    return rules, weights


@st.composite
def instances(
    draw: st.DrawFn, max_mentees: int = 8, max_mentors: int = 5, pool: bool = False
) -> Instance:
    mentees = draw(people("e", draw(st.integers(0, max_mentees))))
    mentors = [] if pool else draw(people("m", draw(st.integers(min(1, max_mentors), max_mentors))))
    others = mentees if pool else mentors
    other_ids = [p["id"] for p in others]
    for person in mentees:
        person["ranking"] = draw(st.lists(st.sampled_from(other_ids), max_size=3)) if others else []
    for person in mentors:
        person["ranking"] = (
            draw(st.lists(st.sampled_from([p["id"] for p in mentees]), max_size=3))
            if mentees
            else []
        )
    rules, weights = draw(rules_and_weights())
    excluded: set[tuple[Hashable, Hashable]] = set()
    if mentees and others:
        excluded = draw(
            st.sets(
                st.tuples(st.sampled_from([p["id"] for p in mentees]), st.sampled_from(other_ids)),
                max_size=4,
            )
        )
    load = {}
    if mentors and draw(st.booleans()):
        load = {mentors[0]["id"]: draw(st.integers(0, 3))}
    return Instance(mentees, mentors, rules, weights, excluded, load)


def traits_of(person: dict[str, Any], rules: MatchRules) -> set[str]:
    traits = set(person["traits"])
    if person["country"]:
        traits.add(f"country:{person['country']}")
    traits |= {
        f"lang:{c}" for c, lv in person["languages"].items() if lv >= rules.min_language_level
    }
    return traits


def requirements_met(asker: dict[str, Any], other: dict[str, Any], rules: MatchRules) -> bool:
    offered = traits_of(other, rules)
    return all(
        any(f"{family}:{v}" in offered for v in values)
        for family, values in asker["requires"].items()
        if values
    )


def shared_languages(a: dict[str, Any], b: dict[str, Any], rules: MatchRules) -> list[str]:
    lv = rules.min_language_level
    return sorted(
        c for c, level in a["languages"].items() if level >= lv and b["languages"].get(c, 0) >= lv
    )


def overlap_hours(a: dict[str, Any], b: dict[str, Any]) -> int:
    return len(set(a["availability"]) & set(b["availability"]))


def feasible(mentee: dict[str, Any], mentor: dict[str, Any], inst: Instance) -> bool:
    rules = inst.rules
    if not shared_languages(mentee, mentor, rules):
        return False
    if rules.min_overlap_hours > 0 and overlap_hours(mentee, mentor) < rules.min_overlap_hours:
        return False
    if not requirements_met(mentee, mentor, rules) or not requirements_met(mentor, mentee, rules):
        return False
    if rules.min_seniority_gap is not None and (
        mentor["seniority"] - mentee["seniority"] < rules.min_seniority_gap
    ):
        return False
    if (mentee["id"], mentor["id"]) in inst.excluded:
        return False
    if mentee["id"] == mentor["id"]:
        return False
    return not (
        rules.exclude_same_org_unit
        and mentee["org_unit"] is not None
        and mentee["org_unit"] == mentor["org_unit"]
    )


def remaining(mentor: dict[str, Any], inst: Instance) -> int:
    return max(0, mentor["capacity"] - inst.load.get(mentor["id"], 0))
