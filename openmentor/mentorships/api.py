"""Mentorship journey endpoints. Content (goals, notes, sessions) is for participants
only; a private note never leaves its author."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from openmentor.core.types import AuthenticatedRequest

from . import selectors, services
from .credentials import verify
from .models import Goal, Mentorship, Note

router = Router(tags=["mentorships"])


class ParticipantOut(Schema):
    user_id: int
    name: str
    role: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.user.name


class MentorshipOut(Schema):
    id: int
    program: str
    title: str
    status: str
    started_on: date | None
    ends_on: date | None
    ended_reason: str
    participants: list[ParticipantOut]

    @staticmethod
    def resolve_program(obj: Mentorship) -> str:
        return obj.program.slug

    @staticmethod
    def resolve_participants(obj: Mentorship) -> list[Any]:
        return list(obj.participants.all())


class StatusIn(Schema):
    to: str = Field(..., pattern="^(active|paused|completed|ended)$")
    reason: str = Field("", max_length=2000)


class AgreementOut(Schema):
    number: int
    text: str
    change_note: str
    created_at: datetime
    confirmed_by: list[int]

    @staticmethod
    def resolve_text(obj: Any) -> str:
        return str(obj.shown_text)  # the standard wording in the reader's language

    @staticmethod
    def resolve_confirmed_by(obj: Any) -> list[int]:
        return [c.user_id for c in obj.confirmations.all()]


class AgreementIn(Schema):
    text: str = Field(..., min_length=1, max_length=10000)
    change_note: str = Field("", max_length=300)


class ConfirmIn(Schema):
    version: int


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date
    done: bool

    @staticmethod
    def resolve_done(obj: Any) -> bool:
        return obj.done_at is not None


class CommentOut(Schema):
    author_id: int
    body: str
    created_at: datetime


class GoalOut(Schema):
    id: int
    owner_id: int
    title: str
    specific: str
    measurable: str
    achievable: str
    relevant: str
    target_date: date | None
    progress: int
    status: str
    milestones: list[MilestoneOut]
    comments: list[CommentOut]

    @staticmethod
    def resolve_milestones(obj: Goal) -> list[Any]:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_comments(obj: Goal) -> list[Any]:
        return list(obj.comments.all())


class GoalIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    specific: str = Field("", max_length=2000)
    measurable: str = Field("", max_length=2000)
    achievable: str = Field("", max_length=2000)
    relevant: str = Field("", max_length=2000)
    target_date: date | None = None


class GoalPatch(Schema):
    progress: int | None = Field(None, ge=0, le=100)
    status: str | None = Field(None, pattern="^(open|achieved|dropped)$")


class MilestoneIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    due_on: date


class CommentIn(Schema):
    body: str = Field(..., min_length=1, max_length=4000)


class SessionIn(Schema):
    held_on: date
    duration_minutes: int = Field(..., ge=5, le=600)
    kind: str = Field(..., pattern="^(video|audio|in_person|chat)$")
    summary: str = Field("", max_length=300)


class SessionOut(Schema):
    id: int
    held_on: date
    duration_minutes: int
    kind: str
    summary: str


class NoteIn(Schema):
    body: str = Field(..., min_length=1, max_length=10000)
    is_private: bool = True
    session_id: int | None = None


class NoteOut(Schema):
    id: int
    author_id: int
    body: str
    is_private: bool
    session_id: int | None
    created_at: datetime


class ReflectionIn(Schema):
    learned: str = Field(..., min_length=1, max_length=5000)
    thank_you: str = Field("", max_length=2000)
    stay_in_touch: bool = False


class ProgressOut(Schema):
    user_id: int
    name: str
    goals_total: int
    goals_achieved: int
    average_progress: int
    milestones_total: int
    milestones_done: int
    resources_shared: int
    resources_done: int
    sessions_held: int


class CredentialOut(Schema):
    id: UUID
    kind: str
    mentorship_id: int
    document: dict[str, Any]


class VerifyIn(Schema):
    credential: dict[str, Any]


class VerifyOut(Schema):
    valid: bool
    reasons: list[str]


def _mine(request: AuthenticatedRequest, pk: int) -> Mentorship:
    """Participants only; a 404 for everyone else, coordinators included."""
    mentorship = get_object_or_404(Mentorship.objects.select_related("program"), pk=pk)
    if selectors.participation(mentorship, request.user) is None:
        raise Http404
    return mentorship


def _visible(request: AuthenticatedRequest, pk: int) -> Mentorship:
    """Participants and the program's coordinators (metadata only)."""
    mentorship = get_object_or_404(Mentorship.objects.select_related("program"), pk=pk)
    if selectors.participation(mentorship, request.user) is None and not selectors.can_oversee(
        request.user, mentorship
    ):
        raise Http404
    return mentorship


def _goal(request: AuthenticatedRequest, goal_id: int) -> Goal:
    goal = get_object_or_404(Goal.objects.select_related("mentorship"), pk=goal_id)
    if not selectors.is_participant(goal.mentorship_id, request.user.pk):
        raise Http404
    return goal


@router.get("/mentorships", response=list[MentorshipOut], summary="My mentorships")
def list_mentorships(request: AuthenticatedRequest, include_closed: bool = False) -> Any:
    return selectors.mentorships_for_user(request.user.pk, open_only=not include_closed)


@router.get("/mentorships/{pk}", response=MentorshipOut)
def get_mentorship(request: AuthenticatedRequest, pk: int) -> Mentorship:
    return _visible(request, pk)


@router.post("/mentorships/{pk}/status", response=MentorshipOut, summary="Move along the lifecycle")
def change_status(request: AuthenticatedRequest, pk: int, payload: StatusIn) -> Mentorship:
    return services.change_status(
        request.user, _visible(request, pk), payload.to, reason=payload.reason
    )


@router.get(
    "/mentorships/{pk}/agreement",
    response=list[AgreementOut],
    summary="Agreement, newest version first",
)
def agreement(request: AuthenticatedRequest, pk: int) -> Any:
    mentorship = _mine(request, pk)
    services.ensure_agreement(mentorship)
    return selectors.agreement_history(mentorship)


@router.post(
    "/mentorships/{pk}/agreement", response={201: AgreementOut}, summary="Change the agreement"
)
def change_agreement(request: AuthenticatedRequest, pk: int, payload: AgreementIn) -> Any:
    return Status(
        201,
        services.change_agreement(
            request.user, _mine(request, pk), payload.text, change_note=payload.change_note
        ),
    )


@router.post("/mentorships/{pk}/agreement/confirm", response=AgreementOut)
def confirm_agreement(request: AuthenticatedRequest, pk: int, payload: ConfirmIn) -> Any:
    return services.confirm_agreement(request.user, _mine(request, pk), payload.version)


@router.get("/mentorships/{pk}/goals", response=list[GoalOut])
def list_goals(request: AuthenticatedRequest, pk: int) -> Any:
    return selectors.goals(_mine(request, pk))


@router.post("/mentorships/{pk}/goals", response={201: GoalOut})
def create_goal(request: AuthenticatedRequest, pk: int, payload: GoalIn) -> Any:
    return Status(201, services.create_goal(request.user, _mine(request, pk), payload.dict()))


@router.patch("/goals/{goal_id}", response=GoalOut, summary="Update progress or status")
def update_goal(request: AuthenticatedRequest, goal_id: int, payload: GoalPatch) -> Any:
    return services.update_goal(
        request.user, _goal(request, goal_id), payload.dict(exclude_none=True)
    )


@router.post("/goals/{goal_id}/milestones", response={201: MilestoneOut})
def add_milestone(request: AuthenticatedRequest, goal_id: int, payload: MilestoneIn) -> Any:
    return Status(
        201,
        services.add_milestone(
            request.user, _goal(request, goal_id), title=payload.title, due_on=payload.due_on
        ),
    )


@router.post("/goals/{goal_id}/comments", response={201: CommentOut})
def comment(request: AuthenticatedRequest, goal_id: int, payload: CommentIn) -> Any:
    return Status(
        201, services.comment_on_goal(request.user, _goal(request, goal_id), payload.body)
    )


@router.get("/mentorships/{pk}/sessions", response=list[SessionOut])
def list_sessions(request: AuthenticatedRequest, pk: int) -> Any:
    return selectors.sessions(_mine(request, pk))


@router.post("/mentorships/{pk}/sessions", response={201: SessionOut}, summary="Log a session")
def log_session(request: AuthenticatedRequest, pk: int, payload: SessionIn) -> Any:
    return Status(201, services.log_session(request.user, _mine(request, pk), **payload.dict()))


@router.get(
    "/mentorships/{pk}/notes",
    response=list[NoteOut],
    summary="Shared notes and my own private ones",
)
def list_notes(request: AuthenticatedRequest, pk: int) -> Any:
    return selectors.notes_visible_to(_mine(request, pk), request.user)


@router.post("/mentorships/{pk}/notes", response={201: NoteOut})
def add_note(request: AuthenticatedRequest, pk: int, payload: NoteIn) -> Any:
    return Status(
        201,
        services.add_note(
            request.user,
            _mine(request, pk),
            body=payload.body,
            is_private=payload.is_private,
            session_id=payload.session_id,
        ),
    )


@router.delete("/notes/{note_id}", response={204: None})
def delete_note(request: AuthenticatedRequest, note_id: int) -> Any:
    note = Note.objects.filter(pk=note_id, author=request.user).first()
    if note is None:
        raise Http404
    services.delete_note(request.user, note)
    return Status(204, None)


@router.get(
    "/mentorships/{pk}/progress", response=list[ProgressOut], summary="Each mentee's progress"
)
def progress(request: AuthenticatedRequest, pk: int) -> Any:
    return [
        {
            "user_id": row.person.pk,
            "name": row.person.name,
            **{
                k: getattr(row, k) for k in ProgressOut.model_fields if k not in ("user_id", "name")
            },
        }
        for row in selectors.mentee_progress(_mine(request, pk))
    ]


@router.post("/mentorships/{pk}/reflection", response={201: None}, summary="Reflect after closing")
def reflect(request: AuthenticatedRequest, pk: int, payload: ReflectionIn) -> Any:
    services.submit_reflection(request.user, _mine(request, pk), **payload.dict())
    return Status(201, None)


@router.get("/credentials", response=list[CredentialOut], summary="My credentials")
def my_credentials(request: AuthenticatedRequest) -> Any:
    return selectors.credentials_of(request.user)


@router.post(
    "/credentials/verify", response=VerifyOut, auth=None, summary="Verify a credential (public)"
)
def verify_credential(request: HttpRequest, payload: VerifyIn) -> Any:
    result = verify(payload.credential)
    return {"valid": result.valid, "reasons": result.reasons}
