"""Circles and peer pairing respect hard constraints, sizes and their own claims."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openmentor.matching.engine import MatchRules, Scorer, form_groups, pair_peers

from .test_engine_support import (
    Instance,
    feasible,
    instances,
    remaining,
    shared_languages,
)

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def no_seniority(inst: Instance) -> Instance:
    inst.rules = MatchRules(**{**vars(inst.rules), "min_seniority_gap": None})
    return inst


@FAST
@given(instances(max_mentees=12, max_mentors=4), st.integers(1, 3), st.integers(0, 3))
def test_groups_respect_sizes_capacity_and_shared_time(
    inst: Instance, min_size: int, extra: int
) -> None:
    max_size = min_size + extra
    result = form_groups(
        inst.problem(), inst.weights, inst.rules, min_size=min_size, max_size=max_size
    )
    seen: set[int] = set()
    mentors_used = [g.mentor_index for g in result.groups]
    assert len(mentors_used) == len(set(mentors_used))
    for group in result.groups:
        members = list(group.mentee_indices)
        mentor = inst.mentors[group.mentor_index]
        assert min_size <= len(members) <= max_size
        assert len(members) <= remaining(mentor, inst)
        assert seen.isdisjoint(members)
        seen.update(members)
        for i in members:
            assert feasible(inst.mentees[i], mentor, inst)
        slots = set(mentor["availability"])
        for i in members:
            slots &= set(inst.mentees[i]["availability"])
        if inst.rules.min_overlap_hours > 0:
            assert len(slots) >= inst.rules.min_overlap_hours
        level = inst.rules.min_language_level
        common = {c for c, lv in mentor["languages"].items() if lv >= level}
        for i in members:
            common &= {c for c, lv in inst.mentees[i]["languages"].items() if lv >= level}
        assert common
        factors = {f["code"]: f for f in group.factors}
        assert sorted(factors["shared_language"]["languages"]) == sorted(common)
        if slots:
            assert factors["group_availability"]["hours_per_week"] == len(slots)
        for tag in factors.get("shared_goals", {}).get("tags", []):
            assert tag in mentor["expertise"]
            assert any(tag in inst.mentees[i]["goals"] for i in members)
    unmatched = {u.index for u in result.unmatched}
    assert unmatched.isdisjoint(seen)
    assert unmatched | seen == set(range(len(inst.mentees)))
    for u in result.unmatched:
        assert u.reasons
        if u.reasons[0] in ("group_too_small", "no_compatible_group"):
            assert any(feasible(inst.mentees[u.index], m, inst) for m in inst.mentors)


def brute_force_peer_optimum(inst: Instance) -> float:
    problem = inst.pool()
    scorer = Scorer(problem, inst.weights, inst.rules)
    n = len(inst.mentees)
    weight: dict[tuple[int, int], float] = {}
    for a, b in itertools.combinations(range(n), 2):
        f, r = scorer.pair_scores(np.array([a, b]), np.array([b, a]))
        if np.isfinite(f) and np.isfinite(r):
            weight[(a, b)] = (float(f) + float(r)) / 2

    best = 0.0

    def search(free: list[int], total: float) -> None:
        nonlocal best
        best = max(best, total)
        if len(free) < 2:
            return
        first, rest = free[0], free[1:]
        search(rest, total)
        for k, other in enumerate(rest):
            w = weight.get((first, other))
            if w is not None:
                search(rest[:k] + rest[k + 1 :], total + w)

    search(list(range(n)), 0.0)
    return best


@FAST
@given(instances(max_mentees=8, pool=True))
def test_peer_pairing_is_exact_on_small_pools(inst: Instance) -> None:
    inst = no_seniority(inst)
    result = pair_peers(inst.pool(), inst.weights, inst.rules)
    assert result.exact
    people = result.first.tolist() + result.second.tolist()
    assert len(people) == len(set(people))
    for a, b in zip(result.first.tolist(), result.second.tolist(), strict=True):
        assert feasible(inst.mentees[a], inst.mentees[b], inst)
        assert feasible(inst.mentees[b], inst.mentees[a], inst)
    assert result.total_score == pytest.approx(brute_force_peer_optimum(inst), abs=1e-3)
    for u in result.unmatched:
        if u.reasons == ("odd_one_out",):
            partners = [
                b
                for b in range(len(inst.mentees))
                if b != u.index
                and feasible(inst.mentees[u.index], inst.mentees[b], inst)
                and feasible(inst.mentees[b], inst.mentees[u.index], inst)
            ]
            assert partners and all(p in people for p in partners)
        else:
            assert "no_shared_language" not in u.reasons or not any(
                shared_languages(inst.mentees[u.index], other, inst.rules)
                for k, other in enumerate(inst.mentees)
                if k != u.index
            )


@FAST
@given(instances(max_mentees=14, pool=True))
def test_peer_heuristic_is_feasible_and_within_its_bound(inst: Instance) -> None:
    inst = no_seniority(inst)
    result = pair_peers(inst.pool(), inst.weights, inst.rules, exact_limit=0)
    assert result.exact == (not inst.mentees)
    people = result.first.tolist() + result.second.tolist()
    assert len(people) == len(set(people))
    for a, b in zip(result.first.tolist(), result.second.tolist(), strict=True):
        assert feasible(inst.mentees[a], inst.mentees[b], inst)
        assert feasible(inst.mentees[b], inst.mentees[a], inst)
    assert result.total_score <= result.upper_bound + 1e-3
    if len(inst.mentees) <= 8:
        assert brute_force_peer_optimum(inst) <= result.upper_bound + 1e-3
