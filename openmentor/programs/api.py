from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from openmentor.api.openapi import error_response
from openmentor.api.pagination import BoundedLimitOffsetPagination
from openmentor.core.types import AuthenticatedRequest

from . import selectors, services
from .models import Membership, Program

router = Router(tags=["programs"])


class ProgramOut(Schema):
    slug: str
    name: str
    summary: str
    description: str
    guidelines: str
    group_format: str
    max_group_size: int
    emphasis: str
    focus: str
    structure: str
    formality: str
    starts_on: date | None
    ends_on: date | None
    meeting_cadence: str
    objectives: str
    delivery: str
    enrolment_open: bool
    approval: str
    default_mentor_capacity: int
    matching_mode: str
    is_listed: bool
    closed_at: datetime | None


class ClosingOut(Schema):
    program: ProgramOut
    changed: bool = Field(
        ..., description="False when it already was closed (or open, for a reopening)."
    )
    completed_mentorships: int = Field(0, description="Mentorships completed by this closing.")
    ended_mentorships: int = Field(
        0, description="Proposed mentorships that never started and ended with the closing."
    )


class ProgramIn(Schema):
    name: str = Field(..., min_length=1, max_length=160)
    summary: str = Field("", max_length=280)
    description: str = Field("", max_length=10000)
    guidelines: str = Field("", max_length=10000)
    group_format: str = Field("one_to_one", pattern="^(one_to_one|group)$")
    max_group_size: int = Field(6, ge=2, le=30)
    emphasis: str = Field("balanced", pattern="^(synchronous|asynchronous|balanced)$")
    focus: str = Field("content", pattern="^(content|process)$")
    structure: str = Field("hierarchical", pattern="^(hierarchical|peer)$")
    formality: str = Field("informal", pattern="^(formal|informal)$")
    starts_on: date | None = None
    ends_on: date | None = None
    meeting_cadence: str = Field("flexible", pattern="^(weekly|fortnightly|monthly|flexible)$")
    objectives: str = Field("", max_length=5000)
    delivery: str = Field("online_only", pattern="^(online_only|hybrid)$")
    enrolment_open: bool = True
    approval: str = Field("manual", pattern="^(manual|automatic)$")
    default_mentor_capacity: int = Field(2, ge=1, le=50)
    matching_mode: str = Field("both", pattern="^(coordinator|self_service|both)$")
    is_listed: bool = True


class ProgramPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=160)
    summary: str | None = Field(None, max_length=280)
    description: str | None = Field(None, max_length=10000)
    guidelines: str | None = Field(None, max_length=10000)
    enrolment_open: bool | None = None
    approval: str | None = Field(None, pattern="^(manual|automatic)$")
    default_mentor_capacity: int | None = Field(None, ge=1, le=50)
    matching_mode: str | None = Field(None, pattern="^(coordinator|self_service|both)$")
    starts_on: date | None = None
    ends_on: date | None = None
    is_listed: bool | None = None


class QuestionOut(Schema):
    id: int
    prompt: str
    help_text: str
    kind: str
    choices: list[str]
    required: bool
    audience: str


class MembershipOut(Schema):
    id: int
    program: str = Field(..., alias="program.slug")
    user_id: int
    display_name: str
    role: str
    status: str
    capacity: int | None
    answers: dict[str, Any]
    motivation: str
    decision_message: str
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_display_name(obj: Membership) -> str:
        return str(obj.user)


class MyMembershipOut(Schema):
    id: int
    program: str = Field(..., alias="program.slug")
    role: str
    status: str
    decision_message: str


class ApplicationIn(Schema):
    role: str = Field(..., pattern="^(mentor|mentee|peer)$")
    answers: dict[str, Any] = Field(default_factory=dict)
    motivation: str = Field("", max_length=4000)
    accept_guidelines: bool = False


class DecisionIn(Schema):
    approve: bool
    message: str = Field("", max_length=2000)


class LeaveIn(Schema):
    role: str = Field(..., pattern="^(coordinator|mentor|mentee|peer)$")


def _program(request: AuthenticatedRequest, slug: str) -> Program:
    program = get_object_or_404(Program, slug=slug)
    if not selectors.can_view_program(request.user, program):
        raise Http404
    return program


def _coordinated(request: AuthenticatedRequest, slug: str) -> Program:
    program = _program(request, slug)
    if not selectors.is_coordinator(request.user, program):
        raise PermissionDenied
    return program


@router.get("/programs", response=list[ProgramOut], summary="Program directory")
@paginate(BoundedLimitOffsetPagination)
def list_programs(request: AuthenticatedRequest, q: str = "") -> Any:
    return selectors.directory(q[:100])


@router.post(
    "/programs", response={201: ProgramOut}, summary="Create a program (you coordinate it)"
)
def create_program(request: AuthenticatedRequest, payload: ProgramIn) -> Any:
    return Status(201, services.create_program(request.user, payload.dict()))


@router.get("/programs/{slug}", response=ProgramOut)
def get_program(request: AuthenticatedRequest, slug: str) -> Program:
    return _program(request, slug)


@router.patch("/programs/{slug}", response=ProgramOut, summary="Change a program's settings")
def update_program(request: AuthenticatedRequest, slug: str, payload: ProgramPatch) -> Program:
    program = _coordinated(request, slug)
    return services.update_program(request.user, program, payload.dict(exclude_unset=True))


def _closing(done: services.ClosingDone) -> dict[str, Any]:
    return {
        "program": done.program,
        "changed": done.changed,
        "completed_mentorships": done.completed,
        "ended_mentorships": done.ended,
    }


@router.post(
    "/programs/{slug}/close",
    response=ClosingOut,
    summary="Close a program at the end of its cycle (coordinators)",
    openapi_extra={
        "responses": {
            403: error_response("Not a coordinator of this program (`forbidden`)."),
            404: error_response("No such program, or one this person may not see."),
        }
    },
)
def close_program(request: AuthenticatedRequest, slug: str) -> Any:
    """Completes every open mentorship (a proposed one that never started ends), closes
    enrolment, takes the program out of the directory and refuses new applications,
    invitations, imports, matching rounds, mentor requests and surveys (`program_closed`,
    409). Each member is told once. Closing a closed program changes nothing
    (`changed: false`)."""
    return _closing(services.close_program(request.user, _coordinated(request, slug)))


@router.post(
    "/programs/{slug}/reopen",
    response=ClosingOut,
    summary="Reopen a closed program (coordinators)",
    openapi_extra={
        "responses": {
            403: error_response("Not a coordinator of this program (`forbidden`)."),
            404: error_response("No such program, or one this person may not see."),
        }
    },
)
def reopen_program(request: AuthenticatedRequest, slug: str) -> Any:
    """Enrolment stays closed and the program unlisted until a coordinator turns them
    back on (`PATCH /programs/{slug}`); completed mentorships stay completed. Reopening
    an open program changes nothing (`changed: false`)."""
    return _closing(services.reopen_program(request.user, _coordinated(request, slug)))


@router.get("/programs/{slug}/questions", response=list[QuestionOut])
def list_questions(request: AuthenticatedRequest, slug: str) -> Any:
    return _program(request, slug).questions.all()


@router.get(
    "/programs/{slug}/memberships", response=list[MembershipOut], summary="Members (coordinators)"
)
@paginate(BoundedLimitOffsetPagination)
def list_members(request: AuthenticatedRequest, slug: str, role: str = "") -> Any:
    return selectors.members(_coordinated(request, slug), role or None)


@router.get(
    "/programs/{slug}/applications",
    response=list[MembershipOut],
    summary="Pending applications (coordinators)",
)
@paginate(BoundedLimitOffsetPagination)
def list_applications(request: AuthenticatedRequest, slug: str) -> Any:
    return selectors.pending_applications(_coordinated(request, slug))


@router.post(
    "/programs/{slug}/applications", response={201: MyMembershipOut}, summary="Apply to a program"
)
def apply(request: AuthenticatedRequest, slug: str, payload: ApplicationIn) -> Any:
    membership = services.apply_to_program(
        request.user,
        _program(request, slug),
        role=payload.role,
        answers={str(k): v for k, v in payload.answers.items()},
        motivation=payload.motivation,
        accept_guidelines=payload.accept_guidelines,
    )
    return Status(201, membership)


@router.post(
    "/applications/{membership_id}/decision",
    response=MembershipOut,
    summary="Approve or decline (coordinators)",
)
def decide(request: AuthenticatedRequest, membership_id: int, payload: DecisionIn) -> Membership:
    membership = get_object_or_404(Membership.objects.select_related("program"), pk=membership_id)
    if not selectors.is_coordinator(request.user, membership.program):
        raise Http404
    return services.decide_application(
        request.user, membership_id, approve=payload.approve, message=payload.message
    )


@router.post("/programs/{slug}/leave", response=MyMembershipOut, summary="Leave a program")
def leave(request: AuthenticatedRequest, slug: str, payload: LeaveIn) -> Membership:
    return services.leave_program(request.user, _program(request, slug), payload.role)


@router.get(
    "/me/memberships", response=list[MyMembershipOut], summary="My programs and applications"
)
def my_memberships(request: AuthenticatedRequest) -> Any:
    return selectors.memberships_for_dashboard(request.user)
