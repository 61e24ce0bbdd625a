"""Reads for feedback. Coordinators get aggregates only, and none below the minimum
group size, so no answer can be traced to a person."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, QuerySet

from openmentor.accounts.models import User
from openmentor.programs.models import Program, QuestionKind

from .models import (
    MIN_GROUP_SIZE,
    SessionRating,
    Survey,
    SurveyInvitation,
    SurveyQuestion,
)


def questions_for(survey: Survey, role: str) -> list[SurveyQuestion]:
    return [q for q in survey.questions.all() if q.applies_to(role)]


def open_invitations(user: User) -> QuerySet[SurveyInvitation]:
    return SurveyInvitation.objects.filter(user=user, completed_at__isnull=True).select_related(
        "survey__program"
    )


@dataclass
class QuestionAggregate:
    prompt: str
    kind: str
    answers: int
    hidden: bool
    mean: float | None = None
    counts: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class RatingAggregate:
    answers: int
    hidden: bool
    mean: float | None
    distribution: list[tuple[int, int]]


def session_rating_aggregate(program: Program) -> RatingAggregate:
    qs = SessionRating.objects.filter(session__mentorship__program=program)
    summary = qs.aggregate(n=Count("id"), mean=Avg("score"))
    n = summary["n"] or 0
    if n < MIN_GROUP_SIZE:
        return RatingAggregate(answers=n, hidden=True, mean=None, distribution=[])
    by_score = dict(qs.values_list("score").annotate(c=Count("id")).values_list("score", "c"))
    return RatingAggregate(
        answers=n,
        hidden=False,
        mean=round(float(summary["mean"]), 2),
        distribution=[(score, by_score.get(score, 0)) for score in range(1, 6)],
    )


def survey_aggregate(survey: Survey) -> tuple[int, list[QuestionAggregate]]:
    """(responses, per-question aggregates). Text answers are never shown, only counted."""
    responses = list(survey.responses.values_list("answers", flat=True))
    total = len(responses)
    rows = []
    for question in survey.questions.all():
        values: list[Any] = [r[str(question.pk)] for r in responses if str(question.pk) in r]
        row = QuestionAggregate(
            prompt=question.shown_prompt,
            kind=question.kind,
            answers=len(values),
            hidden=len(values) < MIN_GROUP_SIZE,
        )
        if not row.hidden:
            if question.kind == QuestionKind.SCALE:
                row.mean = round(sum(values) / len(values), 2)
                counter = Counter(values)
                row.counts = [(str(n), counter.get(n, 0)) for n in range(1, 6)]
            elif question.kind == QuestionKind.SINGLE_CHOICE:
                counter = Counter(values)
                row.counts = [(c, counter.get(c, 0)) for c in question.choices]
            elif question.kind == QuestionKind.MULTIPLE_CHOICE:
                counter = Counter(v for chosen in values for v in chosen)
                row.counts = [(c, counter.get(c, 0)) for c in question.choices]
        rows.append(row)
    return total, rows
