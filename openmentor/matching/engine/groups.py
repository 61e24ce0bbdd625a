"""Mentoring circles: mentees grouped by shared goals and time, each group with a mentor.

A circle meets together, so beyond each mentee being a feasible pair with the mentor, the
whole circle needs one language everyone speaks (at the program's minimum level) and at least
``rules.min_overlap_hours`` a week when everyone is free. Greedy, hardest mentees first:
each joins the candidate circle where it adds the most (its score with the mentor plus the
goals it shares with the circle). Circles below ``min_size`` are dissolved and their members
re-placed where they fit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .bitsets import pack_dense
from .explain import GROUP_TOO_SMALL, NO_COMPATIBLE_GROUP, diagnose_unmatched
from .scoring import Scorer
from .types import (
    Factor,
    Group,
    GroupResult,
    MatchingProblem,
    MatchRules,
    ProgramWeights,
    UnmatchedPerson,
)


class _Circle:
    def __init__(self, mentor: int, limit: int, languages: NDArray[np.uint64], slots: Any) -> None:
        self.mentor = mentor
        self.limit = limit
        self.members: list[int] = []
        self.scores: list[float] = []
        self.languages = languages
        self.slots = slots
        self.goals: set[int] = set()


def form_groups(
    problem: MatchingProblem,
    weights: ProgramWeights | None = None,
    rules: MatchRules | None = None,
    *,
    min_size: int = 3,
    max_size: int = 6,
    scorer: Scorer | None = None,
) -> GroupResult:
    """Form circles of ``min_size..max_size`` mentees, one mentor each (at most one circle
    per mentor, never more mentees than the mentor's remaining capacity)."""
    if not 1 <= min_size <= max_size:
        raise ValueError("need 1 <= min_size <= max_size")
    scorer = scorer or Scorer(problem, weights, rules)
    rules = scorer.rules
    mentees, mentors = problem.mentees, problem.mentors
    capacity = problem.remaining_capacity
    limit = np.minimum(capacity, max_size)
    open_mentors = np.flatnonzero(limit >= min_size)
    cands = scorer.candidates(mentors=open_mentors)
    min_slots = int(np.ceil(rules.min_overlap_hours / scorer.hours_per_slot - 1e-9))
    level = rules.min_language_level
    mentee_langs = pack_dense(mentees.language_levels >= level)
    mentor_langs = pack_dense(mentors.language_levels >= level)
    goals = mentees.goals.tocsr()

    def goal_set(i: int) -> set[int]:
        return set(goals.indices[goals.indptr[i] : goals.indptr[i + 1]].tolist())

    circles: dict[int, _Circle] = {}
    starts = np.searchsorted(cands.mentee, np.arange(scorer.n_mentees), side="left")
    ends = np.searchsorted(cands.mentee, np.arange(scorer.n_mentees), side="right")
    options = ends - starts
    best = np.full(scorer.n_mentees, -np.inf)
    has = options > 0
    best[has] = cands.score[starts[has]]
    # Hardest first: fewest options, then the strongest fit, so flexible people fill in.
    order = [int(i) for i in np.lexsort((-best, options)) if options[i] > 0]

    def fits(circle: _Circle, i: int) -> bool:
        if len(circle.members) >= circle.limit:
            return False
        if not (circle.languages & mentee_langs[i]).any():
            return False
        shared = circle.slots & mentees.availability[i]
        return rules.min_overlap_hours <= 0 or int(np.bitwise_count(shared).sum()) >= min_slots

    def place(i: int, allowed: set[int] | None = None) -> bool:
        best_gain, best_circle, best_score = -np.inf, None, 0.0
        mine = goal_set(i)
        for e in range(starts[i], ends[i]):
            j = int(cands.mentor[e])
            if allowed is not None and j not in allowed:
                continue
            circle = circles.get(j)
            if circle is None:
                circle = _Circle(j, int(limit[j]), mentor_langs[j].copy(), mentors.availability[j])
            if not fits(circle, i):
                continue
            cohesion = len(mine & circle.goals) / max(len(mine), 1)
            gain = float(cands.score[e]) + scorer.weights.shared_goals * cohesion
            if gain > best_gain:
                best_gain, best_circle, best_score = gain, circle, float(cands.score[e])
        if best_circle is None:
            return False
        circles.setdefault(best_circle.mentor, best_circle)
        best_circle.members.append(i)
        best_circle.scores.append(best_score)
        best_circle.languages = best_circle.languages & mentee_langs[i]
        best_circle.slots = best_circle.slots & mentees.availability[i]
        best_circle.goals |= mine
        return True

    unplaced: list[int] = [i for i in order if not place(i)]
    dissolved: set[int] = set()
    while True:
        small = [c for c in circles.values() if 0 < len(c.members) < min_size]
        if not small:
            break
        victim = min(small, key=lambda c: (len(c.members), -c.mentor))
        del circles[victim.mentor]
        healthy = {j for j, c in circles.items() if len(c.members) >= 1}
        for i in victim.members:
            if not place(i, allowed=healthy):
                dissolved.add(i)
                unplaced.append(i)
    placed = {i for c in circles.values() for i in c.members}
    unplaced = [i for i in unplaced if i not in placed]
    groups = [_group(scorer, c) for c in sorted(circles.values(), key=lambda c: c.mentor)]
    no_option = np.flatnonzero(options == 0)
    # For circles a mentor "has room" only if it could still lead one: not already leading
    # and able to take min_size mentees.
    spare = np.where(limit >= min_size, capacity, 0).astype(np.int64)
    for c in circles.values():
        spare[c.mentor] = 0
    diagnosed = dict(
        zip(no_option.tolist(), diagnose_unmatched(scorer, no_option, spare), strict=True)
    )
    unmatched = [
        UnmatchedPerson(person=mentees.ids[i], index=i, reasons=diagnosed[i])
        for i in no_option.tolist()
    ] + [
        UnmatchedPerson(
            person=mentees.ids[i],
            index=i,
            reasons=(GROUP_TOO_SMALL,) if i in dissolved else (NO_COMPATIBLE_GROUP,),
        )
        for i in sorted(set(unplaced))
    ]
    return GroupResult(groups=groups, unmatched=sorted(unmatched, key=lambda u: u.index))


def _group(scorer: Scorer, circle: _Circle) -> Group:
    problem = scorer.problem
    vocab = problem.vocabulary
    mentees, mentors = problem.mentees, problem.mentors
    factors: list[Factor] = []
    level = scorer.rules.min_language_level
    members = np.array(circle.members)
    speak = (mentees.language_levels[members] >= level).all(axis=0) & (
        mentors.language_levels[circle.mentor] >= level
    )
    factors.append(
        {
            "code": "shared_language",
            "languages": [vocab.languages[x] for x in np.flatnonzero(speak)],
            "points": 0.0,
        }
    )
    hours = float(scorer.hours_per_slot * int(np.bitwise_count(circle.slots).sum()))
    if hours > 0:
        factors.append({"code": "group_availability", "hours_per_week": round(hours, 1)})
    goals = mentees.goals.tocsr()
    expertise = set(
        mentors.expertise.indices[
            mentors.expertise.indptr[circle.mentor] : mentors.expertise.indptr[circle.mentor + 1]
        ].tolist()
    )
    counts: dict[int, int] = {}
    for i in circle.members:
        for t in goals.indices[goals.indptr[i] : goals.indptr[i + 1]].tolist():
            counts[t] = counts.get(t, 0) + 1
    shared = sorted(t for t, c in counts.items() if c >= 2 or (t in expertise))
    common = [vocab.tags[t] for t in shared if t in expertise]
    if common:
        factors.append({"code": "shared_goals", "tags": common})
    return Group(
        mentor=mentors.ids[circle.mentor],
        mentor_index=circle.mentor,
        mentees=tuple(mentees.ids[i] for i in circle.members),
        mentee_indices=tuple(circle.members),
        score=float(np.sum(circle.scores)),
        factors=tuple(factors),
    )
