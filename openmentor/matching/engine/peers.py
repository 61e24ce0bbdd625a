"""Co-mentoring: pair peers within one pool (non-bipartite maximum-weight matching).

Both people mentor each other, so a pair is allowed only when it is feasible in both
directions and its weight is the mean of the two directed scores. Pools up to
``exact_limit`` people go to CP-SAT over every feasible pair (exact when it proves optimality
within ``time_limit_s``, otherwise its best solution and its objective bound); larger pools get
greedy-by-weight on the top-K graph improved by 2-opt swaps. Every result reports an upper
bound (the tighter of CP-SAT's and every person's best feasible partner, halved) so the gap is
visible.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .explain import ODD_ONE_OUT, diagnose_unmatched, matched_pairs
from .scoring import Candidates, Scorer
from .types import (
    FloatArray,
    IntArray,
    MatchingProblem,
    MatchRules,
    PeerResult,
    ProgramWeights,
    UnmatchedPerson,
)

_SCALE = 10_000


def _peer_edges(scorer: Scorer, k: int | None) -> tuple[IntArray, IntArray, FloatArray]:
    """Unordered feasible pairs (a < b) with symmetric weights."""
    n = scorer.n_mentees
    if k is None:
        a, b = np.triu_indices(n, k=1)
    else:
        cands = scorer.candidates(k, include_ranked=True)
        a = np.minimum(cands.mentee, cands.mentor)
        b = np.maximum(cands.mentee, cands.mentor)
        keys = np.unique(a * np.int64(n) + b)
        a, b = keys // n, keys % n
    a = a.astype(np.int64)
    b = b.astype(np.int64)
    forward = scorer.pair_scores(a, b)
    backward = scorer.pair_scores(b, a)
    weight = (forward + backward) / 2
    ok = np.isfinite(weight) & (a != b)
    return a[ok], b[ok], weight[ok].astype(np.float32)


def _exact(
    n: int, a: IntArray, b: IntArray, w: FloatArray, hint: NDArray[np.bool_], time_limit_s: float
) -> tuple[NDArray[np.bool_], float, bool]:
    """CP-SAT over every feasible pair: (chosen edges, upper bound, proven optimal).

    Matching polytopes have fractional vertices (odd cycles), so the proof can take long on
    dense pools; within the time limit the solver's own objective bound is still a valid
    upper bound, because it covers every feasible pair.
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"e{e}") for e in range(len(a))]
    incident: list[list[Any]] = [[] for _ in range(n)]
    for e in range(len(a)):
        incident[int(a[e])].append(chosen[e])
        incident[int(b[e])].append(chosen[e])
        model.add_hint(chosen[e], bool(hint[e]))
    for edges in incident:
        if len(edges) > 1:
            model.add_at_most_one(edges)
    # +1 per pair: among equal totals prefer pairing more people.
    coefficients = (np.rint(w.astype(np.float64) * _SCALE).astype(np.int64) + 1).tolist()
    model.maximize(cp_model.LinearExpr.weighted_sum(chosen, coefficients))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, float("inf"), False
    picked = np.array([solver.value(x) for x in chosen], dtype=bool)
    # Each coefficient is at least weight * scale, so bound / scale bounds the total weight.
    return picked, float(solver.best_objective_bound) / _SCALE, status == cp_model.OPTIMAL


def _best_on_path(nodes: list[int], weight: list[float]) -> list[tuple[int, int]]:
    """Max-weight matching on a path nodes[0]-nodes[1]-...; weight[k] is edge (k, k+1)."""
    take = [0.0] * (len(nodes) + 1)
    for k in range(len(weight)):
        take[k + 2] = max(take[k + 1], take[k] + weight[k])
    chosen, k = [], len(weight) - 1
    while k >= 0:
        if take[k + 2] != take[k + 1]:
            chosen.append((nodes[k], nodes[k + 1]))
            k -= 2
        else:
            k -= 1
    return chosen


def _cycle_cover_start(n: int, a: IntArray, b: IntArray, w: FloatArray) -> IntArray:
    """Start from the best cycle cover (a bipartite assignment on the doubled graph, solved
    exactly by min-cost flow) and keep the better alternate edges of each path and cycle."""
    from .assign import solve_flow

    both = Candidates(
        np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, w]).astype(np.float32)
    )
    use = solve_flow(both, n, np.ones(n, np.int64), maximize_matches=False)
    successor = np.full(n, -1, np.int64)
    successor[both.mentee[use]] = both.mentor[use]
    has_predecessor = np.zeros(n, dtype=bool)
    has_predecessor[successor[successor >= 0]] = True
    weight_of = {(int(x), int(y)): float(v) for x, y, v in zip(a, b, w, strict=True)}
    mate = np.full(n, -1, np.int64)
    seen = np.zeros(n, dtype=bool)
    starts = [v for v in range(n) if not has_predecessor[v]] + list(range(n))
    for start in starts:
        if seen[start] or successor[start] < 0:
            continue
        nodes = [start]
        seen[start] = True
        v = int(successor[start])
        while v >= 0 and not seen[v]:
            nodes.append(v)
            seen[v] = True
            v = int(successor[v])
        closed = v == start
        weights = [weight_of[(min(x, y), max(x, y))] for x, y in itertools.pairwise(nodes)]
        options = [_best_on_path(nodes, weights)]
        if closed and len(nodes) > 2:
            # A cycle either skips its closing edge (a path) or uses it and drops both
            # neighbouring edges.
            inner = _best_on_path(nodes[1:-1], weights[1:-1])
            options.append([(nodes[-1], start), *inner])
            totals = [sum(weight_of[(min(x, y), max(x, y))] for x, y in o) for o in options]
            options = [options[int(np.argmax(totals))]]
        for x, y in options[0]:
            mate[x], mate[y] = y, x
    return mate


def _greedy_start(n: int, a: IntArray, b: IntArray, w: FloatArray) -> IntArray:
    mate = np.full(n, -1, np.int64)
    for e in np.argsort(-w, kind="stable").tolist():
        x, y = int(a[e]), int(b[e])
        if mate[x] < 0 and mate[y] < 0:
            mate[x], mate[y] = y, x
    return mate


def _heuristic(n: int, a: IntArray, b: IntArray, w: FloatArray) -> NDArray[np.bool_]:
    best, best_total = np.zeros(len(a), dtype=bool), -1.0
    for start in (_cycle_cover_start, _greedy_start):
        chosen = _two_opt(n, a, b, w, start(n, a, b, w))
        total = float(np.sum(w[chosen], dtype=np.float64))
        if total > best_total:
            best, best_total = chosen, total
    return best


def _two_opt(
    n: int, a: IntArray, b: IntArray, w: FloatArray, mate: IntArray, rounds: int = 3
) -> NDArray[np.bool_]:
    order = np.argsort(-w, kind="stable")
    mate = mate.copy()
    weight_of = {(int(x), int(y)): float(v) for x, y, v in zip(a, b, w, strict=True)}

    def wt(x: int, y: int) -> float | None:
        return weight_of.get((x, y) if x < y else (y, x))

    # 2-opt: for each candidate edge (x, y) between two matched people, try re-pairing the
    # four of them as (x, y) + (mate x, mate y); an unmatched endpoint just takes the edge.
    for _ in range(rounds):
        improved = False
        for e in order.tolist():
            x, y = int(a[e]), int(b[e])
            if mate[x] == y:
                continue
            mx, my = int(mate[x]), int(mate[y])
            old = (wt(x, mx) or 0.0) if mx >= 0 else 0.0
            old += (wt(y, my) or 0.0) if my >= 0 else 0.0
            rest = (wt(mx, my) or 0.0) if mx >= 0 and my >= 0 else 0.0
            gain = float(w[e]) + rest - old
            if gain > 1e-6:
                for p in (mx, my):
                    if p >= 0:
                        mate[p] = -1
                mate[x], mate[y] = y, x
                if mx >= 0 and my >= 0 and wt(mx, my) is not None:
                    mate[mx], mate[my] = my, mx
                improved = True
        if not improved:
            break
    # Swaps can free two people who share an edge: pair them so the matching stays maximal
    # (which is what makes "every compatible peer was paired" true for whoever is left).
    for e in order.tolist():
        x, y = int(a[e]), int(b[e])
        if mate[x] < 0 and mate[y] < 0:
            mate[x], mate[y] = y, x
    return (mate[a] == b) & (mate[b] == a)


def _upper_bound(scorer: Scorer) -> float:
    """Sum over people of their best feasible symmetric weight, halved: any matching's pair
    (x, y) weighs at most (best_x + best_y) / 2. Bounds the mean of the two directed scores
    by the larger of each person's best score as mentee and best score as mentor."""
    best_as_mentee = np.full(scorer.n_mentees, -np.inf, np.float32)
    best_as_mentor = np.full(scorer.n_mentors, -np.inf, np.float32)
    for rows, cols, block in scorer.iter_blocks():
        if cols.size == 0:
            continue
        best_as_mentee[rows] = block.max(axis=1)
        np.maximum.at(best_as_mentor, cols.mentors, block.max(axis=0))
    best = np.maximum(best_as_mentee, best_as_mentor)
    return float(np.sum(np.where(np.isfinite(best), best, 0), dtype=np.float64) / 2)


def pair_peers(
    problem: MatchingProblem,
    weights: ProgramWeights | None = None,
    rules: MatchRules | None = None,
    *,
    exact_limit: int = 200,
    time_limit_s: float = 10.0,
    explain: bool = True,
    scorer: Scorer | None = None,
) -> PeerResult:
    """Pair peers of a co-mentoring pool (built with ``build_pool``)."""
    if not problem.is_pool:
        raise ValueError("pair_peers() needs a pool built with build_pool()")
    if rules is not None and rules.min_seniority_gap is not None:
        raise ValueError("peers mentor each other: a pool has no seniority order to require")
    t0 = time.perf_counter()
    scorer = scorer or Scorer(problem, weights, rules)
    n = scorer.n_mentees
    small = n <= exact_limit
    a, b, w = _peer_edges(scorer, None if small else scorer.rules.candidates_per_mentee)
    chosen = _heuristic(n, a, b, w)
    exact = False
    bound = float("inf")
    if small:
        chosen, bound, exact = _exact(n, a, b, w, chosen, time_limit_s)
    first, second, scores = a[chosen], b[chosen], w[chosen]
    total = float(np.sum(scores, dtype=np.float64))
    if exact:
        bound = total
    bound = min(bound, _upper_bound(scorer))
    pairs = matched_pairs(scorer, first, second, scores, explain=explain, peers=True)
    paired = np.zeros(n, dtype=bool)
    paired[first] = True
    paired[second] = True
    has_edge = np.zeros(n, dtype=bool)
    has_edge[a] = True
    has_edge[b] = True
    alone = np.flatnonzero(~paired)
    no_edge = alone[~has_edge[alone]]
    diagnosed = dict(
        zip(
            no_edge.tolist(),
            diagnose_unmatched(scorer, no_edge, np.ones(n, dtype=np.int64)),
            strict=True,
        )
    )
    unmatched = [
        UnmatchedPerson(
            person=problem.mentees.ids[i],
            index=int(i),
            reasons=diagnosed.get(int(i), (ODD_ONE_OUT,)) or (ODD_ONE_OUT,),
        )
        for i in alone.tolist()
    ]
    return PeerResult(
        first=first,
        second=second,
        scores=scores,
        pairs=pairs,
        unmatched=unmatched,
        upper_bound=bound,
        exact=exact,
        stats={"edges": len(a), "wall_s": time.perf_counter() - t0},
    )
