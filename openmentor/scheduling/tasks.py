"""Background jobs: .ics invitations by e-mail and the reminder sweep. Tasks take ids
and are enqueued after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from openmentor.accounts.models import User

from . import ics
from .models import Meeting


@db_task(retries=3, retry_delay=60)
def send_meeting_invitation(meeting_id: int, method: str, only_to: list[int] | None = None) -> None:
    """The meeting's .ics to its attendees; ``only_to``: to these people only, attendees
    or not (a CANCEL to someone taken off it, for their calendar)."""
    meeting = (
        Meeting.objects.select_related("mentorship__program", "created_by")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return
    attachment = ics.invitation(meeting, method)
    people = (
        User.objects.filter(pk__in=only_to)
        if only_to is not None
        else [attendee.user for attendee in meeting.attendees.select_related("user")]
    )
    for person in people:
        if not person.is_active or not person.email:
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            subject = (
                _("Cancelled: mentoring meeting") if method == "CANCEL" else _("Mentoring meeting")
            )
            body = _("The calendar file is attached. Details: %(url)s") % {
                "url": ics.meeting_url(meeting)
            }
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
        message.attach("invite.ics", attachment, f"text/calendar; method={method}")
        message.send(fail_silently=False)


@db_periodic_task(crontab(minute="*"))
def send_reminders() -> None:
    from .services import send_due_reminders

    send_due_reminders()
