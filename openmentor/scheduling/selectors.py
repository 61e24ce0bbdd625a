"""Reads for scheduling, with the permission questions: participants see a meeting in
full, the program's coordinators see its metadata only, everyone else sees nothing."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from openmentor.accounts.models import User
from openmentor.core.errors import NotFound
from openmentor.mentorships.models import Mentorship, MentorshipParticipant, ParticipantRole
from openmentor.programs.models import Program
from openmentor.programs.selectors import is_coordinator

from . import slots
from .models import (
    ACTIVE_STATUSES,
    COMING,
    DEFAULT_REMINDER_MINUTES,
    AttendeeResponse,
    AvailabilityOverride,
    AvailabilityWindow,
    CalendarFeed,
    Meeting,
    MeetingAttendee,
    MeetingStatus,
    OverrideKind,
    SchedulingPreference,
)

Access = Literal["participant", "coordinator"]


def participants(mentorship: Mentorship) -> list[MentorshipParticipant]:
    return list(
        MentorshipParticipant.objects.filter(mentorship=mentorship)
        .select_related("user")
        .order_by("role", "user__display_name", "user_id")
    )


def is_participant(user: User, mentorship: Mentorship) -> bool:
    return (
        user.is_authenticated
        and MentorshipParticipant.objects.filter(mentorship=mentorship, user=user).exists()
    )


def mentorship_for_participant(user: User, mentorship_id: int) -> Mentorship:
    """Only participants may find a time or book; others get 'not found' (no leak)."""
    mentorship = Mentorship.objects.select_related("program").filter(pk=mentorship_id).first()
    if mentorship is None or not is_participant(user, mentorship):
        raise NotFound(_("Mentorship not found."))
    return mentorship


def meeting_access(user: User, meeting: Meeting) -> Access | None:
    if not user.is_authenticated:
        return None
    # Not by attendance alone: someone who left the group has left its meetings too, past
    # ones included (their notes go on being written).
    if is_participant(user, meeting.mentorship):
        return "participant"
    if is_coordinator(user, meeting.mentorship.program):
        return "coordinator"
    return None


def meeting_for_viewer(user: User, meeting_id: int) -> tuple[Meeting, Access]:
    meeting = (
        Meeting.objects.select_related("mentorship__program", "created_by")
        .filter(pk=meeting_id)
        .first()
    )
    access = meeting_access(user, meeting) if meeting else None
    if meeting is None or access is None:
        raise NotFound(_("Meeting not found."))
    return meeting, access


def meeting_for_participant(user: User, meeting_id: int) -> Meeting:
    meeting, access = meeting_for_viewer(user, meeting_id)
    if access != "participant":
        raise NotFound(_("Meeting not found."))
    return meeting


def attendees(meeting: Meeting) -> list[MeetingAttendee]:
    return list(meeting.attendees.select_related("user").order_by("user__display_name"))


def _attended_by(user: User) -> QuerySet[Meeting]:
    """Meetings the person attends in mentorships they are still in: a group they left
    keeps their attendance (its record), not them."""
    return Meeting.objects.filter(
        attendees__user=user, mentorship__participants__user=user
    ).select_related("mentorship__program")


def meetings_for_user(user: User, *, upcoming: bool = True) -> QuerySet[Meeting]:
    """With ``my_response``: whether they said they will come (a group's meeting they
    cannot come to stays listed, so they can change their mind)."""
    qs = _attended_by(user).annotate(
        my_response=Subquery(
            MeetingAttendee.objects.filter(meeting=OuterRef("pk"), user=user).values("response")[:1]
        )
    )
    if upcoming:
        qs = qs.filter(ends_at__gte=timezone.now(), status__in=ACTIVE_STATUSES)
    return qs.order_by("starts_at").distinct()


def meetings_of_mentorship(mentorship: Mentorship) -> QuerySet[Meeting]:
    return Meeting.objects.filter(mentorship=mentorship).order_by("-starts_at")


def preference(user: User) -> SchedulingPreference:
    existing = SchedulingPreference.objects.filter(user=user).first()
    return existing or SchedulingPreference(
        user=user, reminder_minutes=list(DEFAULT_REMINDER_MINUTES)
    )


def reminder_minutes(user: User) -> list[int]:
    return list(preference(user).reminder_minutes or [])


def availability_zone(user: User) -> str:
    """A person's availability is kept in the zone of their first window (wall-clock
    times stay where they set them); with no windows yet, their current zone."""
    first = AvailabilityWindow.objects.filter(user=user).order_by("created_at", "pk").first()
    return first.time_zone if first else (user.time_zone or "UTC")


def windows(user: User) -> QuerySet[AvailabilityWindow]:
    return AvailabilityWindow.objects.filter(user=user)


def overrides(user: User, *, from_day: object = None) -> QuerySet[AvailabilityOverride]:
    qs = AvailabilityOverride.objects.filter(user=user)
    if from_day is not None:
        qs = qs.filter(day__gte=from_day)
    return qs


def _week_key(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    iso = moment.astimezone(zone).isocalendar()
    return iso.year, iso.week


def person(
    user: User,
    start: datetime,
    end: datetime,
    *,
    exclude_meeting: Meeting | None = None,
    with_busy: bool = True,
    open_if_unset: bool = True,
) -> slots.Person:
    """The pure slot finder's view of one person over ``[start, end)``.

    Someone who has set no weekly times yet (often a mentee) constrains nothing: all their
    hours count as free, less their meetings and blackouts."""
    zone_name = availability_zone(user)
    zone = ZoneInfo(zone_name)
    day_lo = (start - timedelta(days=1)).date()
    day_hi = (end + timedelta(days=1)).date()
    window_list = [slots.WeeklyWindow(w.weekday, w.start_time, w.end_time) for w in windows(user)]
    if not window_list and open_if_unset:
        window_list = [slots.WeeklyWindow(day, time(0), time(0)) for day in range(7)]
    extras: list[slots.DateWindow] = []
    blackouts: list[slots.DateWindow] = []
    for item in AvailabilityOverride.objects.filter(user=user, day__range=(day_lo, day_hi)):
        target = extras if item.kind == OverrideKind.EXTRA else blackouts
        target.append(slots.DateWindow(item.day, item.start_time, item.end_time))
    busy: list[slots.Interval] = []
    booked: Counter[tuple[int, int]] = Counter()
    if with_busy:
        active = Meeting.objects.filter(
            attendees__user=user,
            attendees__response__in=COMING,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=end + timedelta(days=7),
            ends_at__gt=start - timedelta(days=7),
        )
        if exclude_meeting is not None:
            active = active.exclude(pk=exclude_meeting.pk)
        for starts_at, ends_at in active.values_list("starts_at", "ends_at"):
            busy.append((starts_at, ends_at))
            booked[_week_key(starts_at, zone)] += 1
    pref = preference(user)
    return slots.Person(
        key=str(user.pk),
        zone=zone_name,
        windows=window_list,
        extras=extras,
        blackouts=blackouts,
        busy=slots.merge(busy),
        inconvenient_history=inconvenient_history(user),
        max_per_week=pref.max_sessions_per_week,
        booked_per_week=dict(booked),
    )


def inconvenient_history(user: User, *, last: int = 20) -> int:
    """How many of the person's recent meetings fell at inconvenient local hours."""
    rows = (
        MeetingAttendee.objects.filter(
            user=user,
            response__in=COMING,
            meeting__status__in=(MeetingStatus.CONFIRMED, MeetingStatus.HELD),
            meeting__starts_at__lt=timezone.now(),
        )
        .order_by("-meeting__starts_at")
        .values_list("meeting__starts_at", "time_zone")[:last]
    )
    return sum(
        1
        for starts_at, zone in rows
        if slots.inconvenience(starts_at.astimezone(ZoneInfo(zone))) > 0
    )


def hosts(mentorship: Mentorship, actor: User) -> list[User]:
    """Whose availability a direct booking must fit: the mentors (or, among peers, the
    other peers). Someone among them with no availability set can only be proposed a time."""
    parts = participants(mentorship)
    mentors = [p.user for p in parts if p.role == ParticipantRole.MENTOR]
    if mentors:
        return [m for m in mentors if m.pk != actor.pk]
    return [p.user for p in parts if p.user.pk != actor.pk]


def without_availability(people: list[User]) -> list[User]:
    """Those among ``people`` who set no weekly availability (one query for all)."""
    have = set(AvailabilityWindow.objects.filter(user__in=people).values_list("user_id", flat=True))
    return [person for person in people if person.pk not in have]


def hosts_without_availability(mentorship: Mentorship, actor: User) -> list[User]:
    """Hosts who set no availability: a time can be proposed to them, not booked."""
    return without_availability(hosts(mentorship, actor))


def is_inside_availability(user: User, starts_at: datetime, ends_at: datetime) -> bool:
    free = slots.free_intervals(
        person(user, starts_at, ends_at, with_busy=False, open_if_unset=False), starts_at, ends_at
    )
    return any(lo <= starts_at and ends_at <= hi for lo, hi in free)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_owner(token: str) -> User | None:
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    return feed.user if feed and feed.user.is_active else None


def active_feed(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_meetings(user: User) -> QuerySet[Meeting]:
    """What their calendar shows: not proposals, nor meetings they said they cannot come to."""
    since = timezone.now() - timedelta(days=90)
    declined = MeetingAttendee.objects.filter(user=user, response=AttendeeResponse.DECLINED)
    return (
        _attended_by(user)
        .filter(starts_at__gte=since)
        .exclude(status=MeetingStatus.PROPOSED)
        .exclude(pk__in=declined.values("meeting_id"))
        .order_by("starts_at")
        .distinct()
    )


def program_meetings(program: Program) -> QuerySet[Meeting]:
    """A program's meetings for its coordinators: times, kinds, status, no content."""
    return (
        Meeting.objects.filter(mentorship__program=program)
        .select_related("mentorship")
        .prefetch_related("attendees__user")
        .only("id", "kind", "status", "starts_at", "ends_at", "mentorship__id", "mentorship__title")
        .order_by("-starts_at")
    )
