"""iCalendar (RFC 5545) for invitations and the subscription feed.

Times are written in UTC ("Z"): unambiguous in every calendar app, whatever zone each
reader is in. The UID is stable per meeting and SEQUENCE increments on every change, so
calendar apps update or cancel the event they already have."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Meeting, MeetingKind, MeetingStatus

PRODID = "-//OpenMentor//Scheduling//EN"


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def meeting_url(meeting: Meeting) -> str:
    return settings.SITE_URL + reverse("scheduling:meeting", args=[meeting.pk])


def _event(meeting: Meeting, *, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", meeting.ics_uid)
    event.add("sequence", meeting.ics_sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    title = meeting.mentorship.title or meeting.mentorship.program.name
    event.add("summary", f"OpenMentor: {title}")
    url = meeting_url(meeting)
    event.add("url", url)
    # Agenda and notes stay on the site (they are private to participants).
    event.add("description", f"{meeting.get_kind_display()} — {url}")
    if meeting.kind == MeetingKind.IN_PERSON and meeting.place:
        event.add("location", meeting.place)
    elif meeting.kind == MeetingKind.EXTERNAL and meeting.external_url:
        event.add("location", meeting.external_url)
    else:
        event.add("location", url)
    if cancelled or meeting.status == MeetingStatus.CANCELLED:
        event.add("status", "CANCELLED")
    elif meeting.status == MeetingStatus.PROPOSED:
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    organiser = meeting.created_by
    if organiser is not None:
        address = vCalAddress(f"mailto:{organiser.email}")
        address.params["cn"] = vText(str(organiser))
        event.add("organizer", address)
    for attendee in meeting.attendees.select_related("user"):
        address = vCalAddress(f"mailto:{attendee.user.email}")
        address.params["cn"] = vText(str(attendee.user))
        address.params["partstat"] = vText(attendee.response.upper().replace("_", "-"))
        event.add("attendee", address)
    return event


def invitation(meeting: Meeting, method: str) -> bytes:
    """METHOD:REQUEST for a booking or an update, METHOD:CANCEL for a cancellation."""
    calendar = _calendar(method)
    calendar.add_component(_event(meeting, cancelled=method == "CANCEL"))
    return calendar.to_ical()


def feed(meetings: Iterable[Meeting], name: str) -> bytes:
    calendar = _calendar(None, name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, cancelled=False))
    return calendar.to_ical()
