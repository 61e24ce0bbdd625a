"""Feedback endpoints: rate a session, answer a survey, and aggregates for coordinators
(hidden below the minimum group size)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from openmentor.core.types import AuthenticatedRequest
from openmentor.mentorships.models import SessionLog
from openmentor.mentorships.selectors import is_participant
from openmentor.programs.models import Program
from openmentor.programs.selectors import is_coordinator

from . import selectors, services
from .models import Survey

router = Router(tags=["feedback"])


class SurveyIn(Schema):
    kind: str = Field(..., pattern="^(midpoint|end)$")
    title: str = Field("", max_length=200)
    send_on: date | None = None
    standard_questions: bool = True


class SurveyOut(Schema):
    id: int
    kind: str
    title: str
    send_on: date
    sent_at: datetime | None

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return str(obj.shown_title)


class SurveyQuestionIn(Schema):
    prompt: str = Field(..., min_length=1, max_length=300)
    help_text: str = Field("", max_length=300)
    kind: str = Field(..., pattern="^(short_text|long_text|single_choice|multiple_choice|scale)$")
    choices: list[str] = Field(default_factory=list, max_length=30)
    required: bool = True
    audience: str = Field("everyone", pattern="^(everyone|mentee|mentor)$")


class SurveyQuestionOut(Schema):
    id: int
    prompt: str
    kind: str
    choices: list[str]
    required: bool

    @staticmethod
    def resolve_prompt(obj: Any) -> str:
        return obj.shown_prompt


class RatingIn(Schema):
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=2000)


class RatingOut(Schema):
    id: int
    session_id: int
    score: int
    comment: str


class AnswersIn(Schema):
    answers: dict[str, Any]


class RatingAggregateOut(Schema):
    answers: int
    hidden: bool
    mean: float | None
    distribution: list[tuple[int, int]]


class QuestionAggregateOut(Schema):
    prompt: str
    kind: str
    answers: int
    hidden: bool
    mean: float | None
    counts: list[tuple[str, int]]


class SurveyAggregateOut(Schema):
    responses: int
    questions: list[QuestionAggregateOut]


@router.post("/sessions/{session_id}/rating", response={201: RatingOut}, summary="Rate a session")
def rate(request: AuthenticatedRequest, session_id: int, payload: RatingIn) -> Any:
    session = get_object_or_404(SessionLog, pk=session_id)
    if not is_participant(session.mentorship_id, request.user.pk):
        raise Http404
    return Status(
        201,
        services.rate_session(request.user, session, score=payload.score, comment=payload.comment),
    )


@router.post("/surveys/{survey_id}/responses", response={201: None}, summary="Answer a survey")
def answer(request: AuthenticatedRequest, survey_id: int, payload: AnswersIn) -> Any:
    survey = get_object_or_404(Survey, pk=survey_id)
    services.answer_survey(request.user, survey, payload.answers)
    return Status(201, None)


def _coordinated(request: AuthenticatedRequest, slug: str) -> Program:
    program = get_object_or_404(Program, slug=slug)
    if not is_coordinator(request.user, program):
        raise PermissionDenied
    return program


@router.get("/programs/{slug}/feedback/ratings", response=RatingAggregateOut)
def rating_aggregate(request: AuthenticatedRequest, slug: str) -> Any:
    return selectors.session_rating_aggregate(_coordinated(request, slug))


@router.get("/programs/{slug}/feedback/surveys/{survey_id}", response=SurveyAggregateOut)
def survey_aggregate(request: AuthenticatedRequest, slug: str, survey_id: int) -> Any:
    program = _coordinated(request, slug)
    survey = get_object_or_404(Survey, pk=survey_id, program=program)
    responses, rows = selectors.survey_aggregate(survey)
    return {"responses": responses, "questions": rows}


@router.post("/programs/{slug}/surveys", response={201: SurveyOut}, summary="Create a survey")
def create_survey(request: AuthenticatedRequest, slug: str, payload: SurveyIn) -> Any:
    return Status(
        201, services.create_survey(request.user, _coordinated(request, slug), **payload.dict())
    )


@router.get("/programs/{slug}/surveys", response=list[SurveyOut])
def list_surveys(request: AuthenticatedRequest, slug: str) -> Any:
    return _coordinated(request, slug).surveys.all()


@router.post("/programs/{slug}/surveys/{survey_id}/questions", response={201: SurveyQuestionOut})
def add_question(
    request: AuthenticatedRequest, slug: str, survey_id: int, payload: SurveyQuestionIn
) -> Any:
    survey = get_object_or_404(Survey, pk=survey_id, program=_coordinated(request, slug))
    return Status(201, services.add_survey_question(request.user, survey, payload.dict()))


@router.get("/surveys/waiting", response=list[SurveyOut], summary="Surveys waiting for my answers")
def waiting(request: AuthenticatedRequest) -> Any:
    return [invitation.survey for invitation in selectors.open_invitations(request.user)]
