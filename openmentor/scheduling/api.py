"""Scheduling API: availability, slot finding, booking and meeting changes. Object-level
permission is checked by selectors and services; failures are 404 (not yours) or a
DomainError with a stable code."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from openmentor.core.errors import ValidationFailed
from openmentor.core.types import AuthenticatedRequest

from . import selectors, services, slots
from .models import AvailabilityWindow, Meeting

router = Router(tags=["scheduling"])


class WindowIn(Schema):
    weekday: int = Field(..., ge=0, le=6)
    start_time: time
    end_time: time


class WindowOut(Schema):
    id: int
    weekday: int
    start_time: time
    end_time: time
    time_zone: str


class AttendeeOut(Schema):
    user_id: int
    name: str
    time_zone: str
    local_start: datetime
    response: str
    attendance: str


class MeetingOut(Schema):
    id: int
    mentorship_id: int
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    place: str | None = None
    external_url: str | None = None
    # Agenda and notes: null for coordinators, who see metadata only.
    agenda: str | None = None
    notes: str | None = None
    status_reason: str | None = None
    ics_uid: str
    ics_sequence: int
    attendees: list[AttendeeOut]


class BookIn(Schema):
    starts_at: datetime
    duration_minutes: int = Field(60, ge=15, le=480)
    kind: str = Field("video", pattern="^(video|audio|external|in_person|chat)$")
    place: str = Field("", max_length=300)
    external_url: str = Field("", max_length=500)
    agenda: str = Field("", max_length=5000)
    propose: bool = False
    client_key: str | None = Field(None, max_length=64)


class RescheduleIn(Schema):
    starts_at: datetime
    duration_minutes: int = Field(60, ge=15, le=480)
    reason: str = Field(..., min_length=1, max_length=1000)


class CancelIn(Schema):
    reason: str = Field(..., min_length=1, max_length=1000)


class ResponseIn(Schema):
    coming: bool
    # The meeting's start as the person saw it: if it has moved since, the answer is refused.
    starts_at: datetime | None = None


class NotesIn(Schema):
    agenda: str = Field("", max_length=5000)
    notes: str = Field("", max_length=20000)


class LocalTimeOut(Schema):
    user_id: int
    time_zone: str
    local_start: datetime
    burden: int


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    score: float
    local_times: list[LocalTimeOut]


def _meeting_out(meeting: Meeting, access: str) -> MeetingOut:
    private = access == "participant"
    return MeetingOut(
        id=meeting.pk,
        mentorship_id=meeting.mentorship_id,
        kind=meeting.kind,
        status=meeting.status,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place if private else None,
        external_url=meeting.external_url if private else None,
        agenda=meeting.agenda if private else None,
        notes=meeting.notes if private else None,
        status_reason=meeting.shown_reason if private else None,
        ics_uid=meeting.ics_uid,
        ics_sequence=meeting.ics_sequence,
        attendees=[
            AttendeeOut(
                user_id=a.user_id,
                name=str(a.user),
                time_zone=a.user.time_zone,
                local_start=meeting.starts_at.astimezone(ZoneInfo(a.user.time_zone or "UTC")),
                response=a.response,
                attendance=a.attendance,
            )
            for a in selectors.attendees(meeting)
        ],
    )


def _aware(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        raise ValidationFailed(
            _("Give times with a UTC offset, e.g. 2026-12-01T18:00:00Z."),
            fields={"starts_at": _("A time zone offset is required.")},
        )
    return moment


@router.get("/scheduling/availability/windows", response=list[WindowOut])
def list_windows(request: AuthenticatedRequest) -> list[AvailabilityWindow]:
    return list(selectors.windows(request.user))


@router.post("/scheduling/availability/windows", response={201: WindowOut})
def add_window(request: AuthenticatedRequest, payload: WindowIn) -> Status:
    return Status(201, services.add_window(request.user, **payload.dict()))


@router.delete("/scheduling/availability/windows/{window_id}", response={204: None})
def remove_window(request: AuthenticatedRequest, window_id: int) -> Status:
    services.remove_window(request.user, window_id)
    return Status(204, None)


@router.get("/scheduling/mentorships/{mentorship_id}/slots", response=list[SlotOut])
def find_slots(
    request: AuthenticatedRequest,
    mentorship_id: int,
    start: date | None = None,
    days: int = Query(7, ge=1, le=28),
    duration_minutes: int = Query(60, ge=15, le=480),
    limit: int = Query(20, ge=1, le=200),
) -> list[SlotOut]:
    mentorship = selectors.mentorship_for_participant(request.user, mentorship_id)
    begin = datetime.combine(start or timezone.now().date() + timedelta(days=1), time(0), UTC)
    begin = max(begin, timezone.now() + timedelta(minutes=30))
    end = begin + timedelta(days=days)
    people = [selectors.person(p.user, begin, end) for p in selectors.participants(mentorship)]
    found = slots.find_slots(people, begin, end, duration=timedelta(minutes=duration_minutes))
    return [
        SlotOut(
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            score=slot.score,
            local_times=[
                LocalTimeOut(
                    user_id=int(key),
                    time_zone=str(local.tzinfo),
                    local_start=local,
                    burden=slot.burden[key],
                )
                for key, local in slot.local_starts.items()
            ],
        )
        for slot in found[:limit]
    ]


@router.get("/scheduling/meetings", response=list[MeetingOut])
def my_meetings(request: AuthenticatedRequest) -> list[MeetingOut]:
    return [_meeting_out(m, "participant") for m in selectors.meetings_for_user(request.user)]


@router.get("/scheduling/meetings/{meeting_id}", response=MeetingOut)
def get_meeting(request: AuthenticatedRequest, meeting_id: int) -> MeetingOut:
    meeting, access = selectors.meeting_for_viewer(request.user, meeting_id)
    return _meeting_out(meeting, access)


@router.post("/scheduling/mentorships/{mentorship_id}/meetings", response={201: MeetingOut})
def book(request: AuthenticatedRequest, mentorship_id: int, payload: BookIn) -> Status:
    mentorship = selectors.mentorship_for_participant(request.user, mentorship_id)
    data = payload.dict()
    data["starts_at"] = _aware(data["starts_at"])
    meeting = services.book_meeting(request.user, mentorship, **data)
    return Status(201, _meeting_out(meeting, "participant"))


@router.post("/scheduling/meetings/{meeting_id}/accept", response=MeetingOut)
def accept(request: AuthenticatedRequest, meeting_id: int) -> MeetingOut:
    meeting = selectors.meeting_for_participant(request.user, meeting_id)
    return _meeting_out(services.accept_meeting(request.user, meeting), "participant")


@router.post("/scheduling/meetings/{meeting_id}/response", response=MeetingOut)
def respond(request: AuthenticatedRequest, meeting_id: int, payload: ResponseIn) -> MeetingOut:
    """In a group's meeting: whether you will come (see ``services.respond_to_meeting``)."""
    meeting = selectors.meeting_for_participant(request.user, meeting_id)
    seen = _aware(payload.starts_at) if payload.starts_at else None
    answered = services.respond_to_meeting(
        request.user, meeting, coming=payload.coming, seen_starts_at=seen
    )
    return _meeting_out(answered, "participant")


@router.post("/scheduling/meetings/{meeting_id}/reschedule", response=MeetingOut)
def reschedule(request: AuthenticatedRequest, meeting_id: int, payload: RescheduleIn) -> MeetingOut:
    meeting = selectors.meeting_for_participant(request.user, meeting_id)
    moved = services.reschedule_meeting(
        request.user,
        meeting,
        starts_at=_aware(payload.starts_at),
        duration_minutes=payload.duration_minutes,
        reason=payload.reason,
    )
    return _meeting_out(moved, "participant")


@router.post("/scheduling/meetings/{meeting_id}/cancel", response=MeetingOut)
def cancel(request: AuthenticatedRequest, meeting_id: int, payload: CancelIn) -> MeetingOut:
    meeting = selectors.meeting_for_participant(request.user, meeting_id)
    cancelled = services.cancel_meeting(request.user, meeting, reason=payload.reason)
    return _meeting_out(cancelled, "participant")


@router.put("/scheduling/meetings/{meeting_id}/notes", response=MeetingOut)
def save_notes(request: AuthenticatedRequest, meeting_id: int, payload: NotesIn) -> MeetingOut:
    meeting = selectors.meeting_for_participant(request.user, meeting_id)
    saved = services.update_agenda_and_notes(request.user, meeting, **payload.dict())
    return _meeting_out(saved, "participant")
