"""Stable matching: no blocking pair among all feasible pairs, by brute force."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openmentor.matching.engine import (
    MatchRules,
    ProgramWeights,
    Scorer,
    blocking_pairs,
    build_problem,
    stable_match,
)
from openmentor.matching.engine.stable import preference_values

from .test_engine_support import Instance, feasible, instances, remaining

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rank_in(ranking: list[str], other: str) -> int:
    ranked = list(dict.fromkeys(ranking))
    return ranked.index(other) + 1 if other in ranked else 0


def brute_force_blocking(inst: Instance, mentee_of: dict[int, int]) -> list[tuple[int, int]]:
    problem = inst.problem()
    scorer = Scorer(problem, inst.weights, inst.rules)
    n, m = len(inst.mentees), len(inst.mentors)
    i, j = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    scores = scorer.pair_scores(i.ravel(), j.ravel()).reshape(n, m) if n and m else None
    ok = [[feasible(inst.mentees[a], inst.mentors[b], inst) for b in range(m)] for a in range(n)]

    def mentee_value(a: int, b: int) -> float:
        rank = rank_in(inst.mentees[a]["ranking"], inst.mentors[b]["id"])
        return float(preference_values(np.array([scores[a, b]]), np.array([rank]))[0])

    def mentor_value(b: int, a: int) -> float:
        rank = rank_in(inst.mentors[b]["ranking"], inst.mentees[a]["id"])
        return float(preference_values(np.array([scores[a, b]]), np.array([rank]))[0])

    held: dict[int, list[int]] = {b: [] for b in range(m)}
    for a, b in mentee_of.items():
        held[b].append(a)
    blocking = []
    for a in range(n):
        for b in range(m):
            if not ok[a][b] or mentee_of.get(a) == b:
                continue
            current = mentee_of.get(a)
            if current is not None and mentee_value(a, b) <= mentee_value(a, current):
                continue
            if len(held[b]) < remaining(inst.mentors[b], inst):
                blocking.append((a, b))
                continue
            if not held[b]:
                continue
            worst = min(held[b], key=lambda x: (mentor_value(b, x), -x))
            if (mentor_value(b, a), -a) > (mentor_value(b, worst), -worst):
                blocking.append((a, b))
    return blocking


@FAST
@given(instances(max_mentees=8, max_mentors=5))
def test_complete_stable_matching_has_no_blocking_pair(inst: Instance) -> None:
    result = stable_match(inst.problem(), inst.weights, inst.rules, complete=True)
    mentee_of = dict(zip(result.mentee_index.tolist(), result.mentor_index.tolist(), strict=True))
    assert len(mentee_of) == result.matched
    for b, taken in Counter(mentee_of.values()).items():
        assert taken <= remaining(inst.mentors[b], inst)
    for a, b in mentee_of.items():
        assert feasible(inst.mentees[a], inst.mentors[b], inst)
    assert brute_force_blocking(inst, mentee_of) == []
    assert len(result.blocking_pairs()) == 0
    taken = Counter(mentee_of.values())
    for person in result.unmatched:
        if "all_suitable_mentors_full" in person.reasons:
            suitable = [
                b
                for b, m in enumerate(inst.mentors)
                if feasible(inst.mentees[person.index], m, inst)
            ]
            assert suitable
            assert all(taken[b] >= remaining(inst.mentors[b], inst) for b in suitable)


@FAST
@given(instances(max_mentees=8, max_mentors=5), st.integers(1, 3))
def test_candidate_graph_stability_and_checker(inst: Instance, k: int) -> None:
    rules = MatchRules(**{**vars(inst.rules), "candidates_per_mentee": k})
    result = stable_match(inst.problem(), inst.weights, rules, complete=False, explain=False)
    assert len(result.blocking_pairs()) == 0
    # The checker does find blocking pairs: drop one matched pair and the pair blocks.
    if result.matched:
        assert result.graph is not None and result.held_edges is not None
        assert result.capacity is not None
        broken = blocking_pairs(
            result.graph, result.held_edges[1:], result.n_mentees, result.capacity
        )
        assert result.held_edges[0] in broken.tolist()


def test_unmatched_reasons_after_stable_match() -> None:
    mentees = [
        {"id": "a", "languages": {"en": 5}, "availability": [1, 2]},
        {"id": "b", "languages": {"en": 5}, "availability": [1, 2]},
    ]
    mentors = [{"id": "x", "languages": {"en": 5}, "availability": [1, 2], "capacity": 1}]
    result = stable_match(build_problem(mentees, mentors))
    assert result.matched == 1
    assert result.unmatched[0].reasons == ("all_suitable_mentors_full",)


def test_equal_scores_tie_the_same_way_whichever_path_computed_them() -> None:
    """Found by the property above: the candidate search gave one pair 3.0000002 and the
    pair's own score 3.0, so the engine preferred the later mentee where the scores tie,
    and the earlier one blocked. Scores now compare at SCORE_DECIMALS."""

    def person(i: int, side: str, **extra: object) -> dict[str, object]:
        base: dict[str, object] = {
            "id": f"{side}{i}", "languages": {"en": 2}, "country": "BR", "org_unit": "u1",
            "expertise": [], "goals": [], "text": "", "availability": [0, 1],
            "seniority": 0, "capacity": 1, "traits": [],
            "requires": {"country": ["BR"], "mode": ["video"]}, "ranking": [],
        }  # fmt: skip
        return {**base, **extra}

    video = {"traits": ["mode:video"], "requires": {"country": ["BR"]}}
    mentees = [
        person(0, "e"),
        person(1, "e", ranking=["m2"], **video),
        person(2, "e"),
        person(3, "e"),
        person(4, "e", goals=["design", "leadership", "python"], **video),
        person(5, "e"),
        person(6, "e", requires={"country": ["BR"]}),
    ]
    mentors = [
        person(0, "m", expertise=["python"]),
        person(1, "m", expertise=["python"]),
        person(2, "m", expertise=["design", "leadership", "python"]),
    ]
    rules = MatchRules(
        min_language_level=1,
        min_overlap_hours=0.0,
        target_overlap_hours=2.0,
        exclude_same_org_unit=False,
        min_seniority_gap=None,
        target_seniority_gap=2.0,
        candidates_per_mentee=1,
        min_text_similarity=0.05,
    )
    weights = ProgramWeights(
        shared_goals=3.0,
        text_similarity=0.0,
        availability=0.0,
        language=0.0,
        seniority=0.0,
        cross_border=0.0,
        ranked_preference=3.0,
    )
    inst = Instance(mentees, mentors, rules, weights)
    result = stable_match(inst.problem(), weights, rules, complete=True)
    mentee_of = dict(zip(result.mentee_index.tolist(), result.mentor_index.tolist(), strict=True))
    assert brute_force_blocking(inst, mentee_of) == []
    assert mentee_of[1] == 2  # e1 ranked m2 first, and m2 values e1 and e4 equally
