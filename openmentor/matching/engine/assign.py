"""Optimal many-to-one assignment on the top-K candidate graph (OR-Tools min-cost flow)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from .explain import ALL_SUITABLE_MENTORS_FULL, diagnose_unmatched, matched_pairs
from .scoring import Candidates, Scorer
from .types import (
    AssignmentResult,
    FloatArray,
    IntArray,
    MatchingProblem,
    MatchRules,
    ProgramWeights,
    UnmatchedPerson,
)

SCORE_SCALE = 10_000
"""Min-cost flow needs integer costs: scores are kept to 1/10,000 of a point."""


def solve_flow(
    candidates: Candidates,
    n_mentees: int,
    capacity: NDArray[np.integer[Any]],
    *,
    maximize_matches: bool,
) -> NDArray[np.bool_]:
    """Which candidate edges to use: max total score, or max matches then max score."""
    n_edges = len(candidates.mentee)
    if n_edges == 0:
        return np.zeros(0, dtype=bool)
    mentee_nodes, mentee_of_edge = np.unique(candidates.mentee, return_inverse=True)
    mentor_nodes, mentor_of_edge = np.unique(candidates.mentor, return_inverse=True)
    n_left, n_right = len(mentee_nodes), len(mentor_nodes)
    source, sink = 0, 1 + n_left + n_right
    left_node = 1 + np.arange(n_left, dtype=np.int64)
    right_node = 1 + n_left + np.arange(n_right, dtype=np.int64)
    # +1 keeps every feasible pair strictly better than leaving the mentee out.
    edge_cost = -(np.rint(candidates.score.astype(np.float64) * SCORE_SCALE).astype(np.int64) + 1)
    tails = [np.full(n_left, source), 1 + mentee_of_edge, right_node]
    heads = [left_node, 1 + n_left + mentor_of_edge, np.full(n_right, sink)]
    caps = [
        np.ones(n_left, np.int64),
        np.ones(n_edges, np.int64),
        np.asarray(capacity, dtype=np.int64)[mentor_nodes],
    ]
    costs = [np.zeros(n_left, np.int64), edge_cost, np.zeros(n_right, np.int64)]
    if not maximize_matches:
        # A free source -> sink bypass lets flow skip any pair that would lower the total.
        tails.append(np.array([source]))
        heads.append(np.array([sink]))
        caps.append(np.array([n_left], np.int64))
        costs.append(np.zeros(1, np.int64))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(caps),
        np.concatenate(costs),
    )
    flow.set_nodes_supplies(np.array([source, sink], np.int32), np.array([n_left, -n_left]))
    status = flow.solve_max_flow_with_min_cost() if maximize_matches else flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    edge_arcs = n_left + np.arange(n_edges)
    return np.asarray(flow.flows(edge_arcs)) > 0


def fill_spare_capacity(
    scorer: Scorer,
    unmatched: IntArray,
    spare: NDArray[np.int64],
) -> tuple[IntArray, IntArray, FloatArray]:
    """Greedily give unmatched mentees any feasible mentor that still has room.

    The top-K graph can hide a mentor with room from a mentee whose K best are all full;
    every such pair adds a positive score, so adding them only improves the solution and
    makes "all suitable mentors are full" true for whoever stays unmatched.
    """
    got_i: list[IntArray] = []
    got_j: list[IntArray] = []
    got_s: list[FloatArray] = []
    waiting = np.asarray(unmatched, dtype=np.int64)
    spare = spare.copy()
    while len(waiting) and (spare > 0).any():
        cands = scorer.candidates(
            1, mentees=waiting, mentors=np.flatnonzero(spare > 0), include_ranked=False
        )
        if len(cands.mentee) == 0:
            break
        order = np.argsort(-cands.score, kind="stable")
        mi, mj, ms = cands.mentee[order], cands.mentor[order], cands.score[order]
        # Best-first within each mentor: the first `spare` proposers to a mentor get in.
        by_mentor = np.argsort(mj, kind="stable")
        rank_in_mentor = np.empty(len(mj), dtype=np.int64)
        sorted_j = mj[by_mentor]
        starts = np.flatnonzero(np.r_[True, sorted_j[1:] != sorted_j[:-1]])
        lengths = np.diff(np.r_[starts, len(sorted_j)])
        rank_in_mentor[by_mentor] = np.arange(len(mj)) - np.repeat(starts, lengths)
        accept = rank_in_mentor < spare[mj]
        got_i.append(mi[accept])
        got_j.append(mj[accept])
        got_s.append(ms[accept])
        np.subtract.at(spare, mj[accept], 1)
        waiting = np.setdiff1d(waiting, mi[accept])
    if not got_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(got_i), np.concatenate(got_j), np.concatenate(got_s)


def assign(
    problem: MatchingProblem,
    weights: ProgramWeights | None = None,
    rules: MatchRules | None = None,
    *,
    maximize_matches: bool = True,
    explain: bool = True,
    scorer: Scorer | None = None,
) -> AssignmentResult:
    """Propose mentee -> mentor pairs maximising the total score under capacities.

    ``maximize_matches=True`` is lexicographic: the most people matched, then the best total
    score among those solutions. Optimal on the top-``rules.candidates_per_mentee`` graph;
    a final pass gives unmatched mentees any feasible mentor that still has room.
    """
    if problem.is_pool:
        raise ValueError("a peer pool is matched with pair_peers(), not assign()")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    scorer = scorer or Scorer(problem, weights, rules)
    timings["prepare_s"] = time.perf_counter() - t0
    capacity = problem.remaining_capacity.astype(np.int64)
    t1 = time.perf_counter()
    open_mentors = np.flatnonzero(capacity > 0)
    cands = scorer.candidates(mentors=open_mentors)
    timings["candidates_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    use = solve_flow(cands, scorer.n_mentees, capacity, maximize_matches=maximize_matches)
    timings["flow_s"] = time.perf_counter() - t2
    mentee, mentor, scores = cands.mentee[use], cands.mentor[use], cands.score[use]
    t3 = time.perf_counter()
    spare = capacity - np.bincount(mentor, minlength=scorer.n_mentors)
    matched = np.zeros(scorer.n_mentees, dtype=bool)
    matched[mentee] = True
    extra_i, extra_j, extra_s = fill_spare_capacity(scorer, np.flatnonzero(~matched), spare)
    mentee = np.concatenate([mentee, extra_i])
    mentor = np.concatenate([mentor, extra_j])
    scores = np.concatenate([scores, extra_s]).astype(np.float32)
    spare -= np.bincount(extra_j, minlength=scorer.n_mentors)
    matched[extra_i] = True
    timings["fill_s"] = time.perf_counter() - t3
    return _result(
        scorer,
        mentee,
        mentor,
        scores,
        matched,
        spare,
        explain=explain,
        known_full=np.isin(np.arange(scorer.n_mentees), cands.mentee),
        stats={
            "candidates": len(cands.mentee),
            "filled_after_flow": len(extra_i),
            **timings,
        },
    )


def _result(
    scorer: Scorer,
    mentee: IntArray,
    mentor: IntArray,
    scores: FloatArray,
    matched: NDArray[np.bool_],
    spare: NDArray[np.int64],
    *,
    explain: bool,
    known_full: NDArray[np.bool_] | None,
    stats: dict[str, Any],
) -> AssignmentResult:
    t0 = time.perf_counter()
    order = np.argsort(mentee, kind="stable")
    mentee, mentor, scores = mentee[order], mentor[order], scores[order]
    problem = scorer.problem
    pairs = matched_pairs(scorer, mentee, mentor, scores, explain=explain)
    left_out = np.flatnonzero(~matched)
    # A mentee who had candidates yet stays unmatched after fill_spare_capacity has only full
    # suitable mentors; the costly constraint-by-constraint diagnosis is for the rest.
    full = np.zeros(len(left_out), bool) if known_full is None else known_full[left_out]
    diagnosed = iter(diagnose_unmatched(scorer, left_out[~full], spare))
    reasons = [(ALL_SUITABLE_MENTORS_FULL,) if f else next(diagnosed) for f in full.tolist()]
    unmatched = [
        UnmatchedPerson(person=problem.mentees.ids[r], index=int(r), reasons=why)
        for r, why in zip(left_out.tolist(), reasons, strict=True)
    ]
    stats["explain_s"] = time.perf_counter() - t0
    return AssignmentResult(
        mentee_index=mentee,
        mentor_index=mentor,
        scores=scores,
        pairs=pairs,
        unmatched=unmatched,
        stats=stats,
    )
