"""Properties of scoring, the min-cost-flow assignment and recommendations."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from openmentor.matching.engine import (
    MatchRules,
    Scorer,
    assign,
    build_problem,
    recommend,
    render_explanation,
    render_reason,
)

from .test_engine_support import (
    Instance,
    feasible,
    instances,
    overlap_hours,
    remaining,
    shared_languages,
)

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def all_pairs(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    return i.ravel(), j.ravel()


def lp_optimum(
    scores: np.ndarray, mentee: np.ndarray, mentor: np.ndarray, capacity: np.ndarray, n: int
) -> tuple[float, float]:
    """(max matches, max score given max matches) and the plain max score, by HiGHS."""
    if len(scores) == 0:
        return 0.0, 0.0
    m = len(capacity)
    rows = np.concatenate([mentee, n + mentor])
    cols = np.concatenate([np.arange(len(scores))] * 2)
    a_ub = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + m, len(scores)))
    b_ub = np.concatenate([np.ones(n), capacity])
    plain = linprog(-scores, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    most = linprog(-np.ones(len(scores)), A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    a_eq = np.ones((1, len(scores)))
    lexi = linprog(
        -scores, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[-most.fun], bounds=(0, 1), method="highs"
    )
    return -lexi.fun, -plain.fun


@FAST
@given(instances(), st.sampled_from([1 << 25, 0]), st.sampled_from([1024, 0]))
def test_block_scores_equal_pair_scores(inst: Instance, table_limit: int, dense: int) -> None:
    """Tabulated and direct profile factors, dense and sparse products all agree."""
    problem = inst.problem()
    scorer = Scorer(
        problem, inst.weights, inst.rules, table_limit=table_limit, dense_feature_limit=dense
    )
    cols = scorer.columns()
    block = scorer.score_block(np.arange(scorer.n_mentees), cols)[:, : cols.size]
    i, j = all_pairs(scorer.n_mentees, scorer.n_mentors)
    pf = scorer.pair_factors(i, j)
    expected = pf.score.reshape(block.shape)
    assert np.array_equal(np.isfinite(block), np.isfinite(expected))
    finite = np.isfinite(block)
    assert np.allclose(block[finite], expected[finite], atol=1e-4)
    # Feasibility agrees with the record-level reference.
    for p in range(len(i)):
        ref = feasible(inst.mentees[i[p]], inst.mentors[j[p]], inst)
        assert bool(pf.feasible[p]) == ref


@FAST
@given(instances(), st.booleans())
def test_assignment_respects_capacity_and_hard_constraints(
    inst: Instance, maximize_matches: bool
) -> None:
    result = assign(inst.problem(), inst.weights, inst.rules, maximize_matches=maximize_matches)
    per_mentor = Counter(result.mentor_index.tolist())
    for j, taken in per_mentor.items():
        assert taken <= remaining(inst.mentors[j], inst)
    assert len(set(result.mentee_index.tolist())) == len(result.mentee_index)
    for pair in result.pairs:
        assert feasible(inst.mentees[pair.mentee_index], inst.mentors[pair.mentor_index], inst)
    matched = {p.mentee_index for p in result.pairs}
    assert matched.isdisjoint({u.index for u in result.unmatched})
    assert len(matched) + len(result.unmatched) == len(inst.mentees)


@FAST
@given(instances(max_mentees=9, max_mentors=5))
def test_assignment_equals_lp_optimum_with_full_candidate_lists(inst: Instance) -> None:
    rules = MatchRules(**{**vars(inst.rules), "candidates_per_mentee": 10})
    problem = inst.problem()
    scorer = Scorer(problem, inst.weights, rules)
    i, j = all_pairs(scorer.n_mentees, scorer.n_mentors)
    scores = scorer.pair_scores(i, j).astype(np.float64)
    ok = np.isfinite(scores)
    capacity = problem.remaining_capacity.astype(float)
    lexicographic, plain = lp_optimum(scores[ok], i[ok], j[ok], capacity, scorer.n_mentees)
    tolerance = 1e-3 * max(1, scorer.n_mentees)
    best = assign(problem, inst.weights, rules, maximize_matches=False, explain=False)
    assert best.total_score == pytest.approx(plain, abs=tolerance)
    most = assign(problem, inst.weights, rules, maximize_matches=True, explain=False)
    assert most.total_score == pytest.approx(lexicographic, abs=tolerance)
    assert most.matched >= best.matched


@FAST
@given(instances())
def test_explanations_name_only_true_factors(inst: Instance) -> None:
    result = assign(inst.problem(), inst.weights, inst.rules)
    rules = inst.rules
    for pair in result.pairs:
        mentee, mentor = inst.mentees[pair.mentee_index], inst.mentors[pair.mentor_index]
        codes = [f["code"] for f in pair.factors]
        assert len(codes) == len(set(codes))
        assert "shared_language" in codes
        for f in pair.factors:
            if f["code"] == "shared_language":
                assert f["languages"] == shared_languages(mentee, mentor, rules)
            elif f["code"] == "availability_overlap":
                assert f["hours_per_week"] == overlap_hours(mentee, mentor) > 0
            elif f["code"] == "shared_goals":
                assert f["tags"] and set(f["tags"]) <= set(mentee["goals"]) & set(
                    mentor["expertise"]
                )
            elif f["code"] == "goal_text_similarity":
                assert f["similarity"] > 0
                assert set(f["terms"]) <= set(mentee["text"].split()) & set(mentor["text"].split())
            elif f["code"] == "cross_border":
                assert mentee["country"] and mentor["country"]
                assert mentee["country"] != mentor["country"]
            elif f["code"] == "seniority_gap":
                assert mentor["seniority"] > mentee["seniority"]
            elif f["code"] == "ranked_preference":
                ranked = list(dict.fromkeys(mentee["ranking"]))
                assert ranked[f["rank"] - 1] == mentor["id"]
            elif f["code"] == "requirements_met":
                assert f["traits"]
            else:
                raise AssertionError(f"unknown factor {f}")
        # Factors that are true and weighted must be named.
        if inst.weights.shared_goals and set(mentee["goals"]) & set(mentor["expertise"]):
            assert "shared_goals" in codes
        if overlap_hours(mentee, mentor) > 0:
            assert "availability_overlap" in codes
        assert render_explanation(pair.factors)


@FAST
@given(instances())
def test_unmatched_reasons_are_true(inst: Instance) -> None:
    result = assign(inst.problem(), inst.weights, inst.rules)
    taken = Counter(result.mentor_index.tolist())
    for person in result.unmatched:
        mentee = inst.mentees[person.index]
        assert person.reasons
        suitable = [j for j, m in enumerate(inst.mentors) if feasible(mentee, m, inst)]
        for code in person.reasons:
            assert render_reason(code)
            if code == "no_mentors":
                assert not inst.mentors
            elif code == "no_shared_language":
                assert not any(shared_languages(mentee, m, inst.rules) for m in inst.mentors)
            elif code == "no_availability_overlap":
                assert inst.rules.min_overlap_hours > 0
                assert not any(
                    shared_languages(mentee, m, inst.rules)
                    and overlap_hours(mentee, m) >= inst.rules.min_overlap_hours
                    for m in inst.mentors
                )
            elif code in ("requirements_not_met", "no_more_senior_mentor", "excluded"):
                assert not suitable
            elif code == "all_suitable_mentors_full":
                assert suitable
                for j in suitable:
                    assert taken[j] >= remaining(inst.mentors[j], inst)
            else:
                raise AssertionError(f"unexpected reason {code}")


@FAST
@given(instances(max_mentees=4, max_mentors=8), st.integers(1, 5))
def test_recommendations_sorted_feasible_and_best(inst: Instance, k: int) -> None:
    problem = inst.problem()
    scorer = Scorer(problem, inst.weights, inst.rules)
    for i in range(scorer.n_mentees):
        recs = recommend(scorer, i, k)
        scores = [r.score for r in recs]
        assert scores == sorted(scores, reverse=True)
        open_feasible = [
            j
            for j, m in enumerate(inst.mentors)
            if remaining(m, inst) > 0 and feasible(inst.mentees[i], m, inst)
        ]
        assert {r.mentor_index for r in recs} <= set(open_feasible)
        assert len(recs) == min(k, len(open_feasible))
        if open_feasible:
            best = scorer.pair_scores(np.full(len(open_feasible), i), np.array(open_feasible))
            top = np.sort(best)[::-1][: len(recs)]
            assert np.allclose(scores, top, atol=1e-4)
        for r in recs:
            assert any(f["code"] == "shared_language" for f in r.factors)


def test_example_program_end_to_end() -> None:
    mentees = [
        {
            "id": "ana",
            "languages": {"pt": 5, "en": 3},
            "country": "BR",
            "goals": ["grant writing", "statistics"],
            "text": "grant writing and statistics for my lab",
            "availability": range(18, 22),
            "ranking": ["sam"],
        },
        {"id": "bo", "languages": {"fr": 5}, "availability": range(40, 44)},
    ]
    mentors = [
        {
            "id": "rui",
            "languages": {"pt": 4},
            "country": "PT",
            "expertise": ["grant writing", "statistics"],
            "text": "statistics and grant writing",
            "availability": range(17, 25),
        },
        {"id": "sam", "languages": {"en": 5}, "availability": range(0, 168), "capacity": 2},
    ]
    result = assign(build_problem(mentees, mentors))
    assert [(p.mentee, p.mentor) for p in result.pairs] == [("ana", "rui")]
    codes = {f["code"] for f in result.pairs[0].factors}
    assert {"shared_language", "shared_goals", "availability_overlap"} <= codes
    assert result.unmatched[0].person == "bo"
    assert result.unmatched[0].reasons == ("no_shared_language",)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.integers(0, 2**31 - 1))
def test_embeddings_replace_lexical_similarity(inst: Instance, seed: int) -> None:
    rng = np.random.default_rng(seed)
    problem = build_problem(
        inst.mentees,
        inst.mentors,
        min_language_level=inst.rules.min_language_level,
        excluded_pairs=inst.excluded,
        mentor_load=inst.load,
        mentee_embedding=rng.normal(size=(len(inst.mentees), 8)),
        mentor_embedding=rng.normal(size=(len(inst.mentors), 8)),
    )
    scorer = Scorer(problem, inst.weights, inst.rules)
    assert scorer.uses_embedding
    cols = scorer.columns()
    block = scorer.score_block(np.arange(scorer.n_mentees), cols)[:, : cols.size]
    i, j = all_pairs(scorer.n_mentees, scorer.n_mentors)
    expected = scorer.pair_scores(i, j).reshape(block.shape)
    assert np.array_equal(np.isfinite(block), np.isfinite(expected))
    assert np.allclose(block[np.isfinite(block)], expected[np.isfinite(expected)], atol=1e-4)
    for pair in assign(problem, inst.weights, inst.rules).pairs:
        for f in pair.factors:
            if f["code"] == "goal_text_similarity":
                assert "terms" not in f


def test_engine_never_imports_django() -> None:
    code = (
        "import sys; import openmentor.matching.engine as e; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])
