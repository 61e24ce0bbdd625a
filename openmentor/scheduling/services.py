"""Every write for scheduling: availability, booking, changes, attendance, feeds and
reminders. Services check object-level permission themselves, so pages and the API share
one set of rules."""

from __future__ import annotations

import calendar
import secrets
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from openmentor.accounts.models import User
from openmentor.core.errors import Conflict, NotAllowed, ValidationFailed, conflict_if_duplicate
from openmentor.core.events import send_to_group_on_commit
from openmentor.mentorships.models import OPEN_STATUSES, Mentorship, MentorshipStatus
from openmentor.notifications.services import notify, publish_event
from openmentor.programs.models import Cadence, Delivery

from . import selectors
from .consumers import room_group
from .models import (
    ACTIVE_STATUSES,
    COMING,
    LIVE_ROOM_KINDS,
    SLOT,
    SLOT_MINUTES,
    Attendance,
    AttendeeResponse,
    AvailabilityOverride,
    AvailabilityWindow,
    CalendarFeed,
    Meeting,
    MeetingAttendee,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    OverrideKind,
    SchedulingPreference,
    SlotClaim,
    is_group,
)
from .tasks import send_meeting_invitation

MAX_DURATION_MINUTES = 8 * 60
# Kept untranslated: each reader sees it in their language (``Meeting.shown_reason``).
NO_ONE_ELSE_CAN_COME = gettext_noop("No one else can come.")
MENTORSHIP_CLOSED = gettext_noop("The mentorship has closed.")
MAX_LIVE_ROOM_PEOPLE = 4  # the browser mesh: every person sends to every other
MAX_SERIES = 52
REMINDER_HORIZON = timedelta(days=8)


# --- availability -----------------------------------------------------------------------


def _check_times(start: time | None, end: time | None) -> None:
    if start is None or end is None:
        raise ValidationFailed(_("Give both a start and an end time."))
    if not (end > start or end == time(0)):
        raise ValidationFailed(
            _("The end time must be after the start time."),
            fields={"end_time": _("The end time must be after the start time.")},
        )


def add_window(user: User, *, weekday: int, start_time: time, end_time: time) -> AvailabilityWindow:
    if weekday not in range(7):
        raise ValidationFailed(
            _("Choose a day of the week."), fields={"weekday": _("Choose a day.")}
        )
    _check_times(start_time, end_time)
    return AvailabilityWindow.objects.create(
        user=user,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        time_zone=selectors.availability_zone(user),
    )


def remove_window(user: User, window_id: int) -> None:
    deleted, _rows = AvailabilityWindow.objects.filter(user=user, pk=window_id).delete()
    if not deleted:
        raise ValidationFailed(_("That window no longer exists."))


def add_override(
    user: User, *, day: date, kind: str, start_time: time | None, end_time: time | None
) -> AvailabilityOverride:
    if kind not in OverrideKind.values:
        raise ValidationFailed(_("Choose extra availability or a blackout."))
    if kind == OverrideKind.BLACKOUT and start_time is None and end_time is None:
        pass  # the whole day
    else:
        _check_times(start_time, end_time)
    return AvailabilityOverride.objects.create(
        user=user,
        day=day,
        kind=kind,
        start_time=start_time,
        end_time=end_time,
        time_zone=selectors.availability_zone(user),
    )


def remove_override(user: User, override_id: int) -> None:
    deleted, _rows = AvailabilityOverride.objects.filter(user=user, pk=override_id).delete()
    if not deleted:
        raise ValidationFailed(_("That date change no longer exists."))


def update_preferences(
    user: User, *, max_sessions_per_week: int | None, reminder_minutes: list[int]
) -> SchedulingPreference:
    if max_sessions_per_week is not None and not 1 <= max_sessions_per_week <= 50:
        raise ValidationFailed(
            _("Choose between 1 and 50 sessions a week, or leave it empty for no limit."),
            fields={"max_sessions_per_week": _("Choose between 1 and 50.")},
        )
    cleaned = sorted({int(m) for m in reminder_minutes}, reverse=True)
    if any(not 5 <= m <= 7 * 24 * 60 for m in cleaned) or len(cleaned) > 5:
        raise ValidationFailed(
            _("Reminders go from 5 minutes to 7 days before a meeting, at most five."),
            fields={"reminder_minutes": _("From 5 minutes to 7 days, at most five.")},
        )
    preference, _created = SchedulingPreference.objects.update_or_create(
        user=user,
        defaults={"max_sessions_per_week": max_sessions_per_week, "reminder_minutes": cleaned},
    )
    return preference


# --- booking ------------------------------------------------------------------------------


def _validate_slot(starts_at: datetime, duration_minutes: int) -> datetime:
    if timezone.is_naive(starts_at):
        raise ValidationFailed(_("The start time needs a time zone."))
    if not SLOT_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES or (
        duration_minutes % SLOT_MINUTES
    ):
        raise ValidationFailed(
            _("Meetings last from 15 minutes to 8 hours, in steps of 15 minutes."),
            fields={"duration": _("From 15 minutes to 8 hours, in steps of 15 minutes.")},
        )
    utc = starts_at.astimezone(ZoneInfo("UTC"))
    if utc.second or utc.microsecond or utc.minute % SLOT_MINUTES:
        raise ValidationFailed(
            _("Meetings start on a quarter hour."),
            fields={"starts_at": _("Choose a start on a quarter hour.")},
        )
    if utc <= timezone.now():
        raise ValidationFailed(
            _("That time has already passed."), fields={"starts_at": _("Choose a future time.")}
        )
    return utc


def _validate_kind(
    mentorship: Mentorship, kind: str, place: str, external_url: str, people: int
) -> None:
    if kind not in MeetingKind.values:
        raise ValidationFailed(_("Choose a kind of meeting."), fields={"kind": _("Choose a kind.")})
    if kind == MeetingKind.IN_PERSON:
        if mentorship.program.delivery != Delivery.HYBRID:
            raise ValidationFailed(
                _("This program meets online only."),
                fields={"kind": _("This program meets online only.")},
            )
        if not place.strip():
            raise ValidationFailed(
                _("Say where you will meet."), fields={"place": _("Say where you will meet.")}
            )
    if kind == MeetingKind.EXTERNAL and not external_url.startswith(("https://", "http://")):
        raise ValidationFailed(
            _("Give the meeting link (https://…)."),
            fields={"external_url": _("Give the meeting link (https://…).")},
        )
    if kind in LIVE_ROOM_KINDS and people > MAX_LIVE_ROOM_PEOPLE:
        raise ValidationFailed(
            _("The built-in call takes up to four people; use an external link for larger groups."),
            fields={"kind": _("Up to four people; use an external link.")},
        )


def _lock_people(user_ids: list[int]) -> list[User]:
    # Row locks in a fixed order serialise bookings that involve the same people.
    return list(User.objects.select_for_update().filter(pk__in=user_ids).order_by("pk"))


def _claim(meeting: Meeting, user_ids: list[int]) -> None:
    """Claim every 15-minute slot the meeting covers for every attendee, or fail."""
    starts = []
    cursor = meeting.starts_at
    while cursor < meeting.ends_at:
        starts.append(cursor)
        cursor += SLOT
    taken = SlotClaim.objects.filter(user_id__in=user_ids, slot_start__in=starts).exclude(
        meeting=meeting
    )
    already_booked = _("Someone is already booked at that time. Choose another time.")
    if taken.exists():
        raise Conflict(already_booked)
    with conflict_if_duplicate(already_booked):  # a booking that raced past the check
        SlotClaim.objects.bulk_create(
            SlotClaim(user_id=user_id, slot_start=start, meeting=meeting)
            for user_id in user_ids
            for start in starts
        )


def _check_weekly_limits(people: list[User], starts_at: datetime, exclude: Meeting | None) -> None:
    for person in people:
        limit = selectors.preference(person).max_sessions_per_week
        if limit is None:
            continue
        zone = ZoneInfo(selectors.availability_zone(person))
        local = starts_at.astimezone(zone)
        week_start = datetime.combine(
            local.date() - timedelta(days=local.weekday()), time(0), tzinfo=zone
        )
        booked = Meeting.objects.filter(
            attendees__user=person,
            attendees__response__in=COMING,
            status__in=ACTIVE_STATUSES,
            starts_at__gte=week_start,
            starts_at__lt=week_start + timedelta(days=7),
        )
        if exclude is not None:
            booked = booked.exclude(pk=exclude.pk)
        if booked.count() >= limit:
            raise Conflict(
                _("%(name)s has reached their limit of sessions for that week.") % {"name": person}
            )


def _announce(
    meeting: Meeting,
    method: str,
    *,
    title: Promise | str,
    actor: User | None,
    notify_people: bool = True,
    params: dict[str, Any] | None = None,
    calendar_to: list[int] | None = None,
    body: Promise | str = "",
) -> None:
    """``title`` is lazy, with the time as ``%(when)s``: each person reads it in their own
    language and time zone, also after they change them. Those who said they cannot come
    hear nothing more of it (no calendar file to put it back, no notice) unless it is
    cancelled. The .ics goes to everyone told, or with ``calendar_to`` only to those: the
    others then hear by e-mail too (as their preferences say), since no calendar file
    tells them."""
    attendees = list(meeting.attendees.select_related("user"))
    _publish_changed(meeting, [a.user_id for a in attendees])
    told = [
        a.user
        for a in attendees
        if meeting.status == MeetingStatus.CANCELLED or a.response != AttendeeResponse.DECLINED
    ]
    if calendar_to is None:
        calendar_to = [person.pk for person in told]
    url = reverse("scheduling:meeting", args=[meeting.pk])
    for person in told if notify_people else []:
        if actor is not None and person.pk == actor.pk:
            continue
        notify(
            person,
            kind="meeting",
            title=title,
            body=body,
            params={"when": meeting.starts_at, **(params or {})},
            url=url,
            email=person.pk not in calendar_to,
        )
    transaction.on_commit(
        partial(
            send_meeting_invitation,
            meeting.pk,
            method,
            only_to=calendar_to,
            sequence=meeting.ics_sequence,
        )
    )


def _publish_changed(meeting: Meeting, user_ids: list[int]) -> None:
    publish_event(
        user_ids,
        type="meeting.changed",
        payload={
            "id": meeting.pk,
            "status": meeting.status,
            "starts_at": meeting.starts_at.isoformat(),
        },
    )


def _create_meeting(
    actor: User,
    mentorship: Mentorship,
    *,
    starts_at: datetime,
    duration_minutes: int,
    kind: str,
    place: str,
    external_url: str,
    agenda: str,
    propose: bool,
    client_key: str | None,
    series: MeetingSeries | None = None,
) -> Meeting:
    parts = selectors.participants(mentorship)
    people = _lock_people([p.user_id for p in parts])
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    if not propose:
        for host in selectors.hosts(mentorship, actor):
            if not selectors.is_inside_availability(host, starts_at, ends_at):
                raise ValidationFailed(
                    _(
                        "%(name)s is not available then. Choose a time inside their availability or propose a time."
                    )
                    % {"name": host},
                    fields={"starts_at": _("Outside their availability.")},
                )
    _check_weekly_limits(people, starts_at, None)
    meeting = Meeting.objects.create(
        mentorship=mentorship,
        series=series,
        kind=kind,
        place=place.strip() if kind == MeetingKind.IN_PERSON else "",
        external_url=external_url.strip() if kind == MeetingKind.EXTERNAL else "",
        starts_at=starts_at,
        ends_at=ends_at,
        status=MeetingStatus.PROPOSED if propose else MeetingStatus.CONFIRMED,
        agenda=agenda.strip(),
        created_by=actor,
        client_key=client_key,
    )
    MeetingAttendee.objects.bulk_create(
        MeetingAttendee(
            meeting=meeting,
            user=p.user,
            time_zone=p.user.time_zone or "UTC",
            response=AttendeeResponse.ACCEPTED
            if p.user_id == actor.pk
            else AttendeeResponse.NEEDS_ACTION,
        )
        for p in parts
    )
    _claim(meeting, [p.user_id for p in parts])
    return meeting


def _require_participant(actor: User, mentorship: Mentorship) -> None:
    if not selectors.is_participant(actor, mentorship):
        raise NotAllowed(_("Only the people in this mentorship can schedule its meetings."))
    if mentorship.status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        raise Conflict(_("This mentorship has closed; no new meetings can be booked."))


def book_meeting(
    actor: User,
    mentorship: Mentorship,
    *,
    starts_at: datetime,
    duration_minutes: int,
    kind: str = MeetingKind.VIDEO,
    place: str = "",
    external_url: str = "",
    agenda: str = "",
    propose: bool = False,
    client_key: str | None = None,
) -> Meeting:
    """Book directly inside the mentor's availability, or propose a time for the others to
    accept. A retry with the same ``client_key`` returns the first meeting."""
    _require_participant(actor, mentorship)
    client_key = (client_key or "").strip()[:64] or None
    if client_key:
        existing = Meeting.objects.filter(created_by=actor, client_key=client_key).first()
        if existing is not None:
            return existing
    starts_at = _validate_slot(starts_at, duration_minutes)
    people = len(selectors.participants(mentorship))
    _validate_kind(mentorship, kind, place, external_url, people)
    try:
        with transaction.atomic():
            meeting = _create_meeting(
                actor,
                mentorship,
                starts_at=starts_at,
                duration_minutes=duration_minutes,
                kind=kind,
                place=place,
                external_url=external_url,
                agenda=agenda,
                propose=propose,
                client_key=client_key,
            )
            _announce(
                meeting,
                "REQUEST",
                title=gettext_lazy("New meeting proposed for %(when)s")
                if propose
                else gettext_lazy("Meeting booked for %(when)s"),
                actor=actor,
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race: return its meeting.
        if client_key:
            existing = Meeting.objects.filter(created_by=actor, client_key=client_key).first()
            if existing is not None:
                return existing
        raise Conflict(_("Someone is already booked at that time. Choose another time.")) from None
    return meeting


def _occurrence(first: datetime, cadence: str, index: int) -> datetime:
    """The ``index``-th occurrence (naive local wall-clock time) at the program's cadence."""
    if cadence == Cadence.WEEKLY:
        return first + timedelta(weeks=index)
    if cadence == Cadence.FORTNIGHTLY:
        return first + timedelta(weeks=2 * index)
    if cadence == Cadence.MONTHLY:
        # Same day of the month, clamped to the month's last day (31 Jan -> 28 Feb).
        month = first.month - 1 + index
        year, month = first.year + month // 12, month % 12 + 1
        last_day = calendar.monthrange(year, month)[1]
        return first.replace(year=year, month=month, day=min(first.day, last_day))
    raise ValidationFailed(_("This program has no fixed meeting cadence; book single meetings."))


def book_series(
    actor: User,
    mentorship: Mentorship,
    *,
    starts_at: datetime,
    duration_minutes: int,
    count: int,
    kind: str = MeetingKind.VIDEO,
    place: str = "",
    external_url: str = "",
    agenda: str = "",
    propose: bool = False,
) -> list[Meeting]:
    """Recurring meetings at the program's cadence, at the same local wall-clock time in
    the organiser's zone (so they stay at 18:00 across a DST change). All or nothing."""
    _require_participant(actor, mentorship)
    cadence = mentorship.program.meeting_cadence
    _occurrence(datetime(2000, 1, 1), cadence, 0)  # rejects a flexible cadence
    if not 2 <= count <= MAX_SERIES:
        raise ValidationFailed(
            _("A series has from 2 to 52 meetings."), fields={"count": _("From 2 to 52.")}
        )
    zone_name = actor.time_zone or "UTC"
    local_first = _validate_slot(starts_at, duration_minutes).astimezone(ZoneInfo(zone_name))
    people = len(selectors.participants(mentorship))
    _validate_kind(mentorship, kind, place, external_url, people)
    ends_on = mentorship.ends_on or mentorship.program.ends_on
    starts = []
    for index in range(count):
        naive = _occurrence(local_first.replace(tzinfo=None), cadence, index)
        local = naive.replace(tzinfo=ZoneInfo(zone_name))
        if ends_on and local.date() > ends_on:
            break
        starts.append(local.astimezone(ZoneInfo("UTC")))
    with transaction.atomic():
        series = MeetingSeries.objects.create(
            mentorship=mentorship,
            cadence=mentorship.program.meeting_cadence,
            time_zone=zone_name,
            created_by=actor,
        )
        meetings = [
            _create_meeting(
                actor,
                mentorship,
                starts_at=start,
                duration_minutes=duration_minutes,
                kind=kind,
                place=place,
                external_url=external_url,
                agenda=agenda,
                propose=propose,
                client_key=None,
                series=series,
            )
            for start in starts
        ]
        # One notification for the series; each occurrence still gets its own .ics.
        for index, meeting in enumerate(meetings):
            _announce(
                meeting,
                "REQUEST",
                title=gettext_lazy("Meeting booked for %(when)s"),
                actor=actor,
                notify_people=index == 0,
            )
    return meetings


def _participant_meeting(actor: User, meeting: Meeting) -> Meeting:
    """Re-read the meeting under a row lock; only its participants may change it."""
    if not selectors.is_participant(actor, meeting.mentorship):
        raise NotAllowed(_("Only the people in this mentorship can change its meetings."))
    return (
        Meeting.objects.select_for_update().select_related("mentorship__program").get(pk=meeting.pk)
    )


def _check_seen(meeting: Meeting, seen_starts_at: datetime | None) -> None:
    """An answer given on a page showing another time (moved meanwhile) is not an answer
    to the new time."""
    if seen_starts_at is not None and seen_starts_at != meeting.starts_at:
        raise Conflict(_("The meeting has moved since you opened it. Look at the new time first."))


def _claim_again(meeting: Meeting, actor: User) -> None:
    """Someone who said they cannot come comes after all: their time must still be free."""
    _check_weekly_limits(_lock_people([actor.pk]), meeting.starts_at, meeting)
    try:
        _claim(meeting, [actor.pk])
    except Conflict:
        raise Conflict(_("You have another meeting at that time now.")) from None


@transaction.atomic
def accept_meeting(
    actor: User, meeting: Meeting, *, seen_starts_at: datetime | None = None
) -> Meeting:
    meeting = _participant_meeting(actor, meeting)
    if meeting.status != MeetingStatus.PROPOSED:
        raise Conflict(_("Only a proposed meeting can be accepted."))
    if meeting.created_by_id == actor.pk:
        raise ValidationFailed(_("Someone else in the mentorship accepts your proposal."))
    _check_seen(meeting, seen_starts_at)
    if meeting.attendees.filter(user=actor, response=AttendeeResponse.DECLINED).exists():
        _claim_again(meeting, actor)
    return _confirm(meeting, actor)


def _confirm(meeting: Meeting, actor: User) -> Meeting:
    MeetingAttendee.objects.filter(meeting=meeting, user=actor).update(
        response=AttendeeResponse.ACCEPTED
    )
    meeting.status = MeetingStatus.CONFIRMED
    meeting.status_reason = ""  # why it was moved: said with the proposal, not kept after
    meeting.ics_sequence += 1
    meeting.save(update_fields=["status", "status_reason", "ics_sequence", "updated_at"])
    _announce(meeting, "REQUEST", title=gettext_lazy("Meeting confirmed for %(when)s"), actor=actor)
    return meeting


@transaction.atomic
def respond_to_meeting(
    actor: User, meeting: Meeting, *, coming: bool, seen_starts_at: datetime | None = None
) -> Meeting:
    """In a group, each person says whether they will come. Coming to a proposal accepts
    it, as in a pair. Not coming frees their time, takes the meeting off their calendar
    and tells the others; a meeting left with fewer than two people coming is cancelled.
    Coming after all claims their time again, if it is still free."""
    meeting = _participant_meeting(actor, meeting)
    attendees = list(meeting.attendees.select_related("user").order_by("pk"))
    mine = next((a for a in attendees if a.user_id == actor.pk), None)
    if mine is None or meeting.status not in ACTIVE_STATUSES or meeting.starts_at <= timezone.now():
        raise Conflict(_("You can answer only for a planned meeting still ahead of you."))
    if not is_group(len(attendees)):
        raise ValidationFailed(_("In a pair, accept, move or cancel the meeting instead."))
    if meeting.created_by_id == actor.pk:
        raise ValidationFailed(_("You set up this meeting: move or cancel it instead."))
    _check_seen(meeting, seen_starts_at)
    answer = AttendeeResponse.ACCEPTED if coming else AttendeeResponse.DECLINED
    if mine.response == answer:
        return meeting  # a repeated click changes nothing and tells no one again
    was_declined = mine.response == AttendeeResponse.DECLINED
    if coming and was_declined:
        _claim_again(meeting, actor)
    if coming and meeting.status == MeetingStatus.PROPOSED:
        return _confirm(meeting, actor)
    mine.response = answer
    mine.save(update_fields=["response"])
    if coming and not was_declined:  # a first yes to a confirmed meeting: nothing moves
        _publish_changed(meeting, [a.user_id for a in attendees])
        return meeting
    meeting.ics_sequence += 1
    body: Promise | str = ""
    if coming:
        meeting.save(update_fields=["ics_sequence", "updated_at"])
        title = gettext_lazy("%(name)s can come to the meeting on %(when)s after all")
        method = "REQUEST"
    else:
        SlotClaim.objects.filter(meeting=meeting, user=actor).delete()
        if sum(a.response != AttendeeResponse.DECLINED for a in attendees) < 2:
            return _cancel(meeting, actor, NO_ONE_ELSE_CAN_COME)
        meeting.save(update_fields=["ics_sequence", "updated_at"])
        title = gettext_lazy("%(name)s cannot come to the meeting on %(when)s")
        body = gettext_lazy("The meeting still takes place with the others.")
        method = "CANCEL"  # off the calendar of the one who cannot come
    _announce(
        meeting,
        method,
        title=title,
        params={"name": actor.name},
        body=body,
        actor=actor,
        calendar_to=[actor.pk],
    )
    return meeting


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            _("Give a short reason for the others."), fields={"reason": _("Give a reason.")}
        )
    return reason[:1000]


def _require_still_coming(actor: User, meeting: Meeting) -> None:
    """In a group, one who said they cannot come leaves the meeting to the others: it is
    theirs to move or cancel (one person could cancel it for everyone)."""
    if meeting.attendees.filter(
        user=actor, response=AttendeeResponse.DECLINED
    ).exists() and is_group(meeting.attendees.count()):
        raise NotAllowed(
            _(
                "You said you cannot come, so the others decide about this meeting. Say you will come to change it."
            )
        )


@transaction.atomic
def reschedule_meeting(
    actor: User, meeting: Meeting, *, starts_at: datetime, duration_minutes: int, reason: str
) -> Meeting:
    """Move the meeting; it becomes a proposal the others accept again (same UID)."""
    reason = _require_reason(reason)
    starts_at = _validate_slot(starts_at, duration_minutes)
    meeting = _participant_meeting(actor, meeting)
    if meeting.status not in ACTIVE_STATUSES:
        raise Conflict(_("Only a planned meeting can be moved."))
    _require_still_coming(actor, meeting)
    people = _lock_people(list(meeting.attendees.values_list("user_id", flat=True)))
    _check_weekly_limits(people, starts_at, meeting)
    SlotClaim.objects.filter(meeting=meeting).delete()
    meeting.starts_at = starts_at
    meeting.ends_at = starts_at + timedelta(minutes=duration_minutes)
    meeting.status = MeetingStatus.PROPOSED
    meeting.status_reason = reason
    meeting.created_by = actor
    meeting.ics_sequence += 1
    meeting.save()
    MeetingAttendee.objects.filter(meeting=meeting).update(response=AttendeeResponse.NEEDS_ACTION)
    MeetingAttendee.objects.filter(meeting=meeting, user=actor).update(
        response=AttendeeResponse.ACCEPTED
    )
    _claim(meeting, [p.pk for p in people])
    _announce(
        meeting,
        "REQUEST",
        title=gettext_lazy("New time proposed for the meeting: %(when)s"),
        actor=actor,
    )
    return meeting


@transaction.atomic
def cancel_meeting(actor: User, meeting: Meeting, *, reason: str) -> Meeting:
    reason = _require_reason(reason)
    meeting = _participant_meeting(actor, meeting)
    if meeting.status not in ACTIVE_STATUSES:
        raise Conflict(_("This meeting is not planned any more."))
    _require_still_coming(actor, meeting)
    meeting.ics_sequence += 1
    return _cancel(meeting, actor, reason)


def _cancel(meeting: Meeting, actor: User | None, reason: str) -> Meeting:
    """Cancel for everyone; the caller has counted the change in ``ics_sequence``."""
    SlotClaim.objects.filter(meeting=meeting).delete()
    meeting.status = MeetingStatus.CANCELLED
    meeting.status_reason = reason
    meeting.save(update_fields=["status", "status_reason", "ics_sequence", "updated_at"])
    _announce(meeting, "CANCEL", title=gettext_lazy("Meeting on %(when)s cancelled"), actor=actor)
    return meeting


@transaction.atomic
def cancel_for_closed_mentorship(mentorship: Mentorship) -> int:
    """A closed mentorship meets no more: its meetings still ahead are cancelled for
    everyone (a CANCEL for their calendars, no reminders, no live room). A completed
    mentorship had kept its confirmed meeting next week, and its reminders."""
    cancelled = 0
    for meeting in Meeting.objects.select_for_update().filter(
        mentorship=mentorship, status__in=ACTIVE_STATUSES, starts_at__gt=timezone.now()
    ):
        meeting.ics_sequence += 1
        _cancel(meeting, None, MENTORSHIP_CLOSED)
        cancelled += 1
    return cancelled


@transaction.atomic
def leave_meetings(mentorship: Mentorship, user: User, reason: str) -> None:
    """Someone left the mentorship with its program: they leave its upcoming meetings (no
    more pushes, reminders, e-mails; a live room they are in closes for them), and their
    calendar gets a cancellation. If the mentorship ended with them, or a meeting is left
    with one person, the meeting is cancelled for the others too."""
    now = timezone.now()
    attending = set(
        MeetingAttendee.objects.filter(meeting__mentorship=mentorship, user=user).values_list(
            "meeting_id", flat=True
        )
    )
    for meeting in Meeting.objects.select_for_update().filter(
        mentorship=mentorship, status__in=ACTIVE_STATUSES
    ):
        # Out of every open room of the mentorship, also one running past its planned end.
        send_to_group_on_commit(room_group(meeting.pk), {"type": "room.evict", "user": user.pk})
        if meeting.pk not in attending or meeting.ends_at <= now:
            continue
        meeting.attendees.filter(user=user).delete()
        SlotClaim.objects.filter(meeting=meeting, user=user).delete()
        meeting.ics_sequence += 1
        coming = meeting.attendees.exclude(response=AttendeeResponse.DECLINED)
        if not mentorship.is_open or coming.count() < 2:
            _cancel(meeting, None, reason)
        else:  # the others' calendars drop them from the meeting
            staying = coming.select_related("user").order_by("pk").first()
            if meeting.created_by_id == user.pk and staying is not None:
                meeting.created_by = staying.user  # calendar replies go to someone still in it
            meeting.save(update_fields=["created_by", "ics_sequence", "updated_at"])
            _announce(meeting, "REQUEST", title="", actor=None, notify_people=False)
        transaction.on_commit(
            partial(
                send_meeting_invitation,
                meeting.pk,
                "CANCEL",
                only_to=[user.pk],
                sequence=meeting.ics_sequence,
            )
        )


@transaction.atomic
def record_attendance(
    actor: User, meeting: Meeting, *, held: bool, present_user_ids: list[int]
) -> Meeting:
    meeting = _participant_meeting(actor, meeting)
    if meeting.status not in (MeetingStatus.CONFIRMED, MeetingStatus.HELD, MeetingStatus.NO_SHOW):
        raise Conflict(_("Attendance is recorded for confirmed meetings."))
    if meeting.starts_at > timezone.now():
        raise ValidationFailed(_("Attendance can be recorded once the meeting has started."))
    attendee_ids = set(meeting.attendees.values_list("user_id", flat=True))
    present = set(present_user_ids)
    if not present <= attendee_ids:
        raise ValidationFailed(_("Only the meeting's attendees can be marked present."))
    for user_id in attendee_ids:
        MeetingAttendee.objects.filter(meeting=meeting, user_id=user_id).update(
            attendance=Attendance.PRESENT if user_id in present else Attendance.ABSENT
        )
    meeting.status = MeetingStatus.HELD if held else MeetingStatus.NO_SHOW
    meeting.save(update_fields=["status", "updated_at"])
    return meeting


@transaction.atomic
def update_agenda_and_notes(actor: User, meeting: Meeting, *, agenda: str, notes: str) -> Meeting:
    meeting = _participant_meeting(actor, meeting)
    if len(agenda) > 5000 or len(notes) > 20000:
        raise ValidationFailed(_("The agenda or the notes are too long."))
    meeting.agenda = agenda.strip()
    meeting.notes = notes.strip()
    meeting.save(update_fields=["agenda", "notes", "updated_at"])
    return meeting


# --- calendar feeds ---------------------------------------------------------------------------


@transaction.atomic
def create_calendar_feed(user: User) -> tuple[CalendarFeed, str]:
    """A new secret URL (shown once); any older one stops working."""
    CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, token_hash=selectors.hash_token(token))
    return feed, token


def revoke_calendar_feeds(user: User) -> int:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- reminders ----------------------------------------------------------------------------------


def send_due_reminders(now: datetime | None = None) -> int:
    """Send each person the reminder now due for each of their coming meetings.

    Every reminder commits on its own with a unique dedupe key, so a worker that dies
    mid-run and starts again sends the rest and never repeats one. When several offsets
    are due at once (a meeting booked at short notice) only the nearest is sent."""
    now = now or timezone.now()
    sent = 0
    meetings = Meeting.objects.filter(
        status=MeetingStatus.CONFIRMED,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_HORIZON,
        mentorship__status__in=OPEN_STATUSES,  # a closed one's were cancelled; none slips by
    ).select_related("mentorship__program")
    for meeting in meetings:
        for attendee in meeting.attendees.select_related("user").exclude(
            response=AttendeeResponse.DECLINED
        ):
            person = attendee.user
            due = [
                m
                for m in selectors.reminder_minutes(person)
                if meeting.starts_at - timedelta(minutes=m) <= now
            ]
            if not due or not person.is_active:
                continue
            minutes = min(due)
            key = f"meeting-reminder:{meeting.pk}:{meeting.starts_at:%Y%m%dT%H%M}:{minutes}"
            with transaction.atomic():
                if notify(
                    person,
                    kind="meeting_reminder",
                    title=gettext_lazy("Reminder: mentoring meeting at %(when)s"),
                    params={"when": meeting.starts_at},
                    url=reverse("scheduling:meeting", args=[meeting.pk]),
                    dedupe_key=key,
                ):
                    sent += 1
    return sent
