"""Background jobs: .ics invitations by e-mail and the reminder sweep. Tasks take ids
and are enqueued after the transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from openmentor.accounts.models import User
from openmentor.core.mail import render_email
from openmentor.core.timezones import zone_of

from . import ics
from .models import AttendeeResponse, Meeting, MeetingAttendee, MeetingStatus


@db_task(retries=3, retry_delay=60)
def send_meeting_invitation(
    meeting_id: int, method: str, only_to: list[int] | None = None, sequence: int | None = None
) -> None:
    """The meeting's .ics to its attendees; ``only_to``: to these people only, attendees
    or not (a CANCEL to someone taken off it, for their calendar). ``sequence``: the
    change this file is for. Two changes sent after both were made (a quick "cannot come"
    then "will come") carried the same number, and calendars ignore a file that is not
    newer than the one they have."""
    meeting = (
        Meeting.objects.select_related("mentorship__program", "created_by")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return
    if sequence is not None:
        meeting.ics_sequence = sequence
    attendees = list(meeting.attendees.select_related("user"))
    people = (
        User.objects.filter(pk__in=only_to)
        if only_to is not None
        else [attendee.user for attendee in attendees]
    )
    for person in people:
        if not person.is_active or not person.email:
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            # The calendar file's words (the kind of meeting) in their language too.
            attachment = ics.invitation(meeting, method)
        subject, body = render_email(
            "scheduling/email/meeting",
            _email_context(meeting, attendees, person, method),
            person.language,
        )
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
        message.attach("invite.ics", attachment, f"text/calendar; method={method}")
        message.send(fail_silently=False)


def _email_context(
    meeting: Meeting, attendees: list[MeetingAttendee], person: User, method: str
) -> dict[str, Any]:
    """What the e-mail says beside the file: when in the person's own zone and language,
    with whom, and what is asked of them."""
    zone = zone_of(person)
    with translation.override(person.language or settings.LANGUAGE_CODE):
        when = date_format(timezone.localtime(meeting.starts_at, zone), "DATETIME_FORMAT")
        until = time_format(timezone.localtime(meeting.ends_at, zone), "TIME_FORMAT")
    others = [
        str(a.user)
        for a in attendees
        if a.user_id != person.pk and a.response != AttendeeResponse.DECLINED
    ]
    return {
        "meeting": meeting,
        "when": when,
        "until": until,
        "zone": str(zone),
        "others": ", ".join(others),
        "url": ics.meeting_url(meeting),
        # A CANCEL of a meeting that goes on: taken off their calendar (they left, or
        # cannot come).
        "kept": method != "CANCEL" or meeting.status == MeetingStatus.CANCELLED,
        "yours": meeting.created_by_id == person.pk,
    }


@db_periodic_task(crontab(minute="*"))
def send_reminders() -> None:
    from .services import send_due_reminders

    send_due_reminders()
