"""Availability, meetings, calendar feeds and reminders.

Invariants held by the database:
- nobody is booked twice at once: every meeting claims each 15-minute grid slot it covers
  for each attendee, and ``SlotClaim`` is unique on (user, slot start);
- a retried booking is a no-op: (created_by, client_key) is unique;
- a reminder is sent once: the notification's dedupe key is unique per person.
"""

from __future__ import annotations

import uuid
from datetime import time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openmentor.core.models import TimeStampedModel

SLOT_MINUTES = 15
SLOT = timedelta(minutes=SLOT_MINUTES)
DEFAULT_REMINDER_MINUTES = [24 * 60, 60]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def _ends_after_start() -> Q:
    # An end of 00:00 means "until midnight".
    return Q(end_time__gt=F("start_time")) | Q(end_time=time(0))


class AvailabilityWindow(models.Model):
    """A weekly window in local wall-clock time, in the zone the person had when adding it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_windows"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=_ends_after_start(), name="window_ends_after_start"),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="window_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class OverrideKind(models.TextChoices):
    EXTRA = "extra", _("Extra availability")
    BLACKOUT = "blackout", _("Not available")


class AvailabilityOverride(models.Model):
    """A date-specific change: an extra window, or a blackout (no times = the whole day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_overrides"
    )
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=OverrideKind.choices)
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True, end_time__isnull=True) & Q(kind="blackout"))
                | (Q(start_time__isnull=False, end_time__isnull=False) & _ends_after_start()),
                name="override_times_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}"


class SchedulingPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheduling_preference"
    )
    max_sessions_per_week = models.PositiveSmallIntegerField(
        _("maximum sessions per week"), null=True, blank=True
    )
    # Minutes before a meeting; each person chooses their own.
    reminder_minutes = models.JSONField(_("reminders"), default=list)

    def __str__(self) -> str:
        return f"Scheduling preferences of {self.user_id}"


class MeetingKind(models.TextChoices):
    VIDEO = "video", _("Video call (built in)")
    AUDIO = "audio", _("Audio call (built in)")
    EXTERNAL = "external", _("External link")
    IN_PERSON = "in_person", _("In person")
    CHAT = "chat", _("Chat session")


LIVE_ROOM_KINDS = (MeetingKind.VIDEO, MeetingKind.AUDIO)


class MeetingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")
    NO_SHOW = "no_show", _("No-show")


ACTIVE_STATUSES = (MeetingStatus.PROPOSED, MeetingStatus.CONFIRMED)


class MeetingSeries(TimeStampedModel):
    """Recurring meetings following a program's cadence; each occurrence is a Meeting."""

    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, related_name="meeting_series"
    )
    cadence = models.CharField(max_length=16)
    # The organiser's zone: occurrences repeat at the same local wall-clock time there.
    time_zone = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.cadence} series for {self.mentorship_id}"


def new_ics_uid() -> str:
    return f"{uuid.uuid4()}@openmentor"


class Meeting(TimeStampedModel):
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, related_name="meetings"
    )
    series = models.ForeignKey(
        MeetingSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=MeetingKind.choices, default=MeetingKind.VIDEO
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    external_url = models.URLField(_("meeting link"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PROPOSED
    )
    agenda = models.TextField(_("agenda"), max_length=5000, blank=True)
    notes = models.TextField(_("notes"), max_length=20000, blank=True)
    status_reason = models.TextField(_("reason"), max_length=1000, blank=True)
    ics_uid = models.CharField(max_length=120, unique=True, default=new_ics_uid)
    ics_sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    client_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["created_by", "client_key"],
                condition=Q(client_key__isnull=False),
                name="one_meeting_per_client_key",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="meeting_status_start")]

    def __str__(self) -> str:
        return f"Meeting #{self.pk} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def has_live_room(self) -> bool:
        return self.kind in LIVE_ROOM_KINDS

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def shown_reason(self) -> str:
        """The reason as the reader's language writes it when it is one of the platform's
        own (kept untranslated, see ``services.NO_ONE_ELSE_CAN_COME``); a person's words
        are found in no catalogue and stay as they are."""
        return gettext(self.status_reason) if self.status_reason else ""


class AttendeeResponse(models.TextChoices):
    NEEDS_ACTION = "needs_action", _("Not answered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


def is_group(attendee_count: int) -> bool:
    """Three or more people: each answers for themselves whether they will come. In a pair
    booking, accepting, moving and cancelling say it all."""
    return attendee_count > 2


# Whose time a meeting takes: everyone but those who said they cannot come.
COMING = (AttendeeResponse.NEEDS_ACTION, AttendeeResponse.ACCEPTED)


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", _("Not recorded")
    PRESENT = "present", _("Attended")
    ABSENT = "absent", _("Did not attend")


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_attendances"
    )
    response = models.CharField(
        max_length=12, choices=AttendeeResponse.choices, default=AttendeeResponse.NEEDS_ACTION
    )
    attendance = models.CharField(
        max_length=8, choices=Attendance.choices, default=Attendance.UNKNOWN
    )
    # The zone the person had when booked, for fairness history.
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_attendance_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at meeting {self.meeting_id}"


class SlotClaim(models.Model):
    """One row per attendee and 15-minute slot of an active meeting: the unique constraint
    makes double booking impossible on SQLite and PostgreSQL alike."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    slot_start = models.DateTimeField()
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slot_claims")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "slot_start"], name="one_booking_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} busy at {self.slot_start}"


class CalendarFeed(models.Model):
    """A secret subscription URL; only the SHA-256 of the token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
