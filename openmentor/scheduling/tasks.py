"""Background jobs: .ics invitations by e-mail and the reminder sweep. Tasks take ids
and are enqueued after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import ics
from .models import Meeting


@db_task(retries=3, retry_delay=60)
def send_meeting_invitation(meeting_id: int, method: str) -> None:
    meeting = (
        Meeting.objects.select_related("mentorship__program", "created_by")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return
    attachment = ics.invitation(meeting, method)
    for attendee in meeting.attendees.select_related("user"):
        person = attendee.user
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
