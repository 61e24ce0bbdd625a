"""OpenMentor matching engine: pure numpy/scipy/OR-Tools, never imports Django.

The Django side (matching rounds, proposals, self-service requests) builds arrays from
profiles once per program and calls one function per use case. Everything is plain
dataclasses and functions.

Building the input
------------------
``build_problem(mentees, mentors, *, grid=AvailabilityGrid(), min_language_level=3,
excluded_pairs=(), mentor_load=None, mentee_embedding=None, mentor_embedding=None)
-> MatchingProblem``
    Records are :class:`PersonRecord` or dicts with the same keys: ``id``, ``languages``
    ({code: proficiency 1-5}), ``country``, ``org_unit``, ``expertise`` / ``goals`` (tags),
    ``text`` (a mentee's goal text, a mentor's expertise text), ``availability`` (UTC slot
    indices of the program's :class:`AvailabilityGrid`, e.g. 0..167 for one week of hours;
    expand local wall-clock windows with zoneinfo before calling), ``seniority``,
    ``capacity``, ``traits`` (e.g. ``"mode:video"``; ``country:XX`` and ``lang:xx`` are
    added automatically), ``requires`` ({family: [values]}: a "must" filter on the other
    person, e.g. ``{"country": ["BR"], "mode": ["in_person"]}``) and ``ranking`` (ids on the
    other side, most preferred first). ``excluded_pairs`` are (mentee id, mentor id) pairs
    never to propose (previous and blocked pairs); ``mentor_load`` maps mentor id to mentees
    already taken. Optional embeddings (n, d) replace the lexical TF-IDF text similarity
    (the ``ai`` extra computes them with sentence-transformers).
``build_pool(peers, *, grid=None, min_language_level=3, excluded_pairs=(), embedding=None)
-> MatchingProblem``
    A co-mentoring pool: everyone is both mentee and mentor.

Program settings
----------------
``ProgramWeights(shared_goals=3, text_similarity=2, availability=1.5, language=1,
seniority=0, cross_border=0, ranked_preference=2)``: each soft factor is in [0, 1] before
weighting. ``MatchRules(min_language_level=3, min_overlap_hours=1, target_overlap_hours=4,
exclude_same_org_unit=False, min_seniority_gap=None, target_seniority_gap=2,
candidates_per_mentee=50, min_text_similarity=0.05)``: hard constraints and factor
parameters.

Solvers
-------
``assign(problem, weights=None, rules=None, *, maximize_matches=True, explain=True,
scorer=None) -> AssignmentResult``
    Optimal many-to-one assignment (OR-Tools min-cost flow) on the top-K candidate graph;
    ``maximize_matches`` = most people matched first, then best total score.
``stable_match(problem, weights=None, rules=None, *, complete=True, explain=True,
scorer=None) -> StableResult``
    Mentee-proposing deferred acceptance with capacities; ``result.blocking_pairs()`` and
    ``blocking_pairs(graph, held, n_mentees, capacity)`` check stability.
``recommend(scorer, mentee, k=10, *, mentor_load=None) -> list[Recommendation]``
    Top-k feasible mentors with room for one mentee; build ``Scorer(problem, weights,
    rules)`` once per program and reuse it.
``form_groups(problem, weights=None, rules=None, *, min_size=3, max_size=6, scorer=None)
-> GroupResult``
    Mentoring circles: one mentor each, a common language and common free time.
``pair_peers(problem, weights=None, rules=None, *, exact_limit=200, time_limit_s=10.0,
explain=True, scorer=None) -> PeerResult``
    Non-bipartite pairing of a pool: CP-SAT over all feasible pairs up to ``exact_limit``
    people (``result.exact`` when proven optimal in ``time_limit_s``), else greedy + 2-opt;
    ``result.upper_bound`` always bounds the best possible total.

Explanations
------------
Every proposed pair carries ``factors``: dicts such as ``{"code": "shared_language",
"languages": ["pt"], ...}``, ``{"code": "availability_overlap", "hours_per_week": 5}``,
``{"code": "shared_goals", "tags": [...]}``, ``goal_text_similarity``, ``seniority_gap``,
``cross_border``, ``ranked_preference``, ``requirements_met`` (circles add
``group_availability``), each with the ``points`` it added, and only when true of the pair.
Every unmatched person carries reason codes (``no_mentors``, ``no_shared_language``,
``no_availability_overlap``, ``requirements_not_met``, ``no_more_senior_mentor``,
``excluded``, ``all_suitable_mentors_full``, ``not_selected``, ``group_too_small``,
``no_compatible_group``, ``odd_one_out``). ``render_explanation(factors)``,
``render_factor(factor)`` and ``render_reason(code)`` give plain English; the Django side
translates from the codes instead.
"""

from .assign import assign
from .build import PersonRecord, build_pool, build_problem
from .explain import render_explanation, render_factor, render_reason
from .groups import form_groups
from .peers import pair_peers
from .recommend import recommend
from .scoring import Scorer
from .stable import StableResult, blocking_pairs, stable_match
from .types import (
    AssignmentResult,
    AvailabilityGrid,
    Factor,
    Group,
    GroupResult,
    MatchedPair,
    MatchingProblem,
    MatchRules,
    ParticipantArrays,
    PeerResult,
    ProgramWeights,
    Recommendation,
    UnmatchedPerson,
    Vocabulary,
)

__all__ = [
    "AssignmentResult",
    "AvailabilityGrid",
    "Factor",
    "Group",
    "GroupResult",
    "MatchRules",
    "MatchedPair",
    "MatchingProblem",
    "ParticipantArrays",
    "PeerResult",
    "PersonRecord",
    "ProgramWeights",
    "Recommendation",
    "Scorer",
    "StableResult",
    "UnmatchedPerson",
    "Vocabulary",
    "assign",
    "blocking_pairs",
    "build_pool",
    "build_problem",
    "form_groups",
    "pair_peers",
    "recommend",
    "render_explanation",
    "render_factor",
    "render_reason",
    "stable_match",
]
