"""OpenMentor matching engine (pure numpy/scipy/OR-Tools; never imports Django)."""

from .assign import assign
from .build import PersonRecord, build_pool, build_problem
from .explain import render_explanation, render_factor, render_reason
from .recommend import recommend
from .scoring import Scorer
from .stable import StableResult, blocking_pairs, stable_match
from .types import (
    AssignmentResult,
    AvailabilityGrid,
    MatchedPair,
    MatchingProblem,
    MatchRules,
    ParticipantArrays,
    ProgramWeights,
    Recommendation,
    UnmatchedPerson,
    Vocabulary,
)

__all__ = [
    "AssignmentResult",
    "AvailabilityGrid",
    "MatchRules",
    "MatchedPair",
    "MatchingProblem",
    "ParticipantArrays",
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
    "recommend",
    "render_explanation",
    "render_factor",
    "render_reason",
    "stable_match",
]
