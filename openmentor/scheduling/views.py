"""Scheduling pages. Each view parses, authorises (through selectors), calls one service
and renders. Every time is shown in the viewer's zone (the active zone) with the other
people's local times alongside."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openmentor.core.errors import DomainError, NotFound
from openmentor.core.forms import apply_domain_error, submit
from openmentor.core.timezones import utc_offset_label
from openmentor.core.types import AuthenticatedRequest
from openmentor.mentorships.models import Mentorship
from openmentor.programs.models import Cadence

from . import ics, selectors, services, slots
from .forms import (
    AttendanceForm,
    BookForm,
    CancelForm,
    FindTimeForm,
    NotesForm,
    OverrideForm,
    PreferenceForm,
    RescheduleForm,
    WindowForm,
    in_viewer_zone,
)
from .models import LIVE_ROOM_KINDS, Meeting, MeetingStatus, Weekday, is_group


def _mentorship(request: AuthenticatedRequest, pk: int) -> Mentorship:
    try:
        return selectors.mentorship_for_participant(request.user, pk)
    except NotFound as error:
        raise Http404 from error


def _meeting(request: AuthenticatedRequest, pk: int) -> tuple[Meeting, str]:
    try:
        return selectors.meeting_for_viewer(request.user, pk)
    except NotFound as error:
        raise Http404 from error


def _participant_meeting(request: AuthenticatedRequest, pk: int) -> Meeting:
    meeting, access = _meeting(request, pk)
    if access != "participant":
        raise Http404
    return meeting


def _local_times(moment: datetime, people: list[Any]) -> list[dict[str, Any]]:
    """Each person's wall-clock time for ``moment``, with their zone and UTC offset."""
    rows = []
    for person in people:
        zone = person.time_zone or "UTC"
        rows.append(
            {
                "person": person,
                "local": moment.astimezone(ZoneInfo(zone)),
                "zone": zone,
                "offset": utc_offset_label(zone, moment),
            }
        )
    return rows


# --- my meetings and availability -----------------------------------------------------------


@login_required
@require_GET
def my_meetings(request: AuthenticatedRequest) -> HttpResponse:
    from openmentor.mentorships.selectors import mentorships_for_user
    from openmentor.programs.models import Membership, MembershipStatus, Role

    coordinated = Membership.objects.filter(
        user=request.user, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE
    ).select_related("program")
    return render(
        request,
        "scheduling/my_meetings.html",
        {
            "meetings": selectors.meetings_for_user(request.user),
            "mentorships": mentorships_for_user(request.user.id),
            "coordinated": [m.program for m in coordinated],
        },
    )


def _availability_page(
    request: AuthenticatedRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    preference = selectors.preference(request.user)
    context = {
        "windows": selectors.windows(request.user),
        "overrides": selectors.overrides(request.user, from_day=timezone.localdate()),
        "zone": selectors.availability_zone(request.user),
        "window_form": forms.get("window_form") or WindowForm(),
        "override_form": forms.get("override_form") or OverrideForm(),
        "preference_form": forms.get("preference_form")
        or PreferenceForm(
            initial={
                "max_sessions_per_week": preference.max_sessions_per_week,
                "reminder_minutes": preference.reminder_minutes,
            }
        ),
    }
    return render(request, "scheduling/availability.html", context, status=status)


@login_required
@require_GET
def availability(request: AuthenticatedRequest) -> HttpResponse:
    return _availability_page(request)


@login_required
@require_POST
def add_window(request: AuthenticatedRequest) -> HttpResponse:
    form = WindowForm(request.POST)
    if submit(form, lambda data: services.add_window(request.user, **data)):
        messages.success(request, _("Availability added."))
        return redirect("scheduling:availability")
    return _availability_page(request, status=400, window_form=form)


@login_required
@require_POST
def remove_window(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        services.remove_window(request.user, pk)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("scheduling:availability")


@login_required
@require_POST
def add_override(request: AuthenticatedRequest) -> HttpResponse:
    form = OverrideForm(request.POST)
    if submit(form, lambda data: services.add_override(request.user, **data)):
        messages.success(request, _("Date change added."))
        return redirect("scheduling:availability")
    return _availability_page(request, status=400, override_form=form)


@login_required
@require_POST
def remove_override(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        services.remove_override(request.user, pk)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("scheduling:availability")


@login_required
@require_POST
def update_preferences(request: AuthenticatedRequest) -> HttpResponse:
    form = PreferenceForm(request.POST)
    if submit(form, lambda data: services.update_preferences(request.user, **data)):
        messages.success(request, _("Preferences saved."))
        return redirect("scheduling:availability")
    return _availability_page(request, status=400, preference_form=form)


# --- finding a time and booking ------------------------------------------------------------


def _weekday_labels() -> list[str]:
    return [str(label)[:3] for _value, label in Weekday.choices]


@login_required
@require_GET
def find_time(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mentorship = _mentorship(request, pk)
    # Missing fields take their defaults, so a bare link or a partial query still works.
    data = {"days": "7", "duration": "60", **request.GET.dict()} if request.GET else None
    form = FindTimeForm(data, initial={"days": 7, "duration": 60})
    days, duration, start_day = 7, 60, timezone.localdate() + timedelta(days=1)
    status = 200
    if form.is_bound:
        if form.is_valid():
            days = form.cleaned_data["days"]
            duration = form.cleaned_data["duration"]
            start_day = form.cleaned_data["start"] or start_day
        else:
            status = 400
    viewer_zone = timezone.get_current_timezone()
    start = max(
        datetime.combine(start_day, time(0), tzinfo=viewer_zone).astimezone(UTC),
        timezone.now() + timedelta(minutes=30),
    )
    end = datetime.combine(start_day + timedelta(days=days), time(0), tzinfo=viewer_zone)
    end = end.astimezone(UTC)
    parts = selectors.participants(mentorship)
    people = [selectors.person(p.user, start, end) for p in parts]
    ranked = slots.find_slots(
        people, start, end, duration=timedelta(minutes=duration), step=timedelta(minutes=30)
    )
    found = _varied(ranked, per_day=3, limit=30)
    users = [p.user for p in parts]
    without_availability = selectors.without_availability(users)
    # A time that counts as free only because someone set no availability can be proposed
    # to them, not booked over their head (booking would be refused).
    propose = any(
        host in without_availability for host in selectors.hosts(mentorship, request.user)
    )
    rows = [
        {
            "slot": slot,
            "times": _local_times(slot.starts_at, users),
            "book_url": reverse("scheduling:book", args=[mentorship.pk])
            + "?"
            + f"starts_at={slot.starts_at.strftime('%Y-%m-%dT%H:%MZ')}&duration={duration}"
            + ("&propose=1" if propose else ""),
        }
        for slot in found
    ]
    grid = slots.overlap_grid(people, start, end, str(viewer_zone))
    heatmap = slots.heatmap_svg(
        grid,
        weekday_labels=_weekday_labels(),
        title=_("When everyone is available, by weekday and hour of your day"),
        cell_label=_("{day} {hour:02d}:00: {percent}% of people available"),
    )
    return render(
        request,
        "scheduling/find_time.html",
        {
            "mentorship": mentorship,
            "form": form,
            "rows": rows,
            "participants": _local_times(timezone.now(), users),
            "without_availability": without_availability,
            "propose": propose,
            "heatmap": heatmap,
            "start": start,
            "end": end,
        },
        status=status,
    )


def _varied(ranked: list[slots.Slot], *, per_day: int, limit: int) -> list[slots.Slot]:
    """The fairest slots, at most ``per_day`` on each of the viewer's days, so the list
    offers real choices rather than the same hour every quarter."""
    chosen: list[slots.Slot] = []
    per: dict[object, int] = {}
    for slot in ranked:
        day = timezone.localtime(slot.starts_at).date()
        if per.get(day, 0) < per_day:
            per[day] = per.get(day, 0) + 1
            chosen.append(slot)
            if len(chosen) == limit:
                break
    return chosen


def _parse_utc(value: str) -> datetime | None:
    try:
        parsed = datetime.strptime(value, "%Y-%m-%dT%H:%MZ")
    except (TypeError, ValueError):
        return None
    return parsed.replace(tzinfo=UTC)


@login_required
def book(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mentorship = _mentorship(request, pk)
    unset_hosts = selectors.hosts_without_availability(mentorship, request.user)
    with_repeat = mentorship.program.meeting_cadence != Cadence.FLEXIBLE
    if request.method == "POST":
        form = BookForm(request.POST, with_repeat=with_repeat)
        if form.is_valid():
            data = form.cleaned_data
            common = {
                "starts_at": form.starts_at(),
                "duration_minutes": data["duration"],
                "kind": data["kind"],
                "place": data["place"],
                "external_url": data["external_url"],
                "agenda": data["agenda"],
                "propose": data["propose"],
            }
            try:
                if data.get("repeat", 1) > 1:
                    meetings = services.book_series(
                        request.user, mentorship, count=data["repeat"], **common
                    )
                    meeting = meetings[0]
                else:
                    meeting = services.book_meeting(
                        request.user, mentorship, client_key=data["client_key"], **common
                    )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if meeting.status == MeetingStatus.PROPOSED:
                    messages.success(request, _("Proposal sent. The others can accept it."))
                else:
                    messages.success(request, _("Meeting booked. Invitations are on their way."))
                return redirect("scheduling:meeting", pk=meeting.pk)
        status = 400
    else:
        initial: dict[str, Any] = {"kind": "video", "duration": 60, "repeat": 1}
        starts = _parse_utc(request.GET.get("starts_at", ""))
        if starts is not None:
            initial["when"] = timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M")
        if request.GET.get("duration", "").isdigit():
            initial["duration"] = int(request.GET["duration"])
        # From "Find a time" (find_time), or a host who set no availability: booking over
        # their head would be refused, so the time is proposed to them.
        if request.GET.get("propose") == "1" or unset_hosts:
            initial["propose"] = True
        form = BookForm(initial=initial, with_repeat=with_repeat)
        status = 200
    parts = selectors.participants(mentorship)
    return render(
        request,
        "scheduling/book.html",
        {
            "mentorship": mentorship,
            "form": form,
            "participants": _local_times(timezone.now(), [p.user for p in parts]),
            "cadence": mentorship.program.get_meeting_cadence_display(),
            "unset_hosts": unset_hosts,
        },
        status=status,
    )


# --- one meeting ----------------------------------------------------------------------------


def _meeting_page(
    request: AuthenticatedRequest, meeting: Meeting, access: str, status: int = 200, **forms: Any
) -> HttpResponse:
    people = selectors.attendees(meeting)
    # In a pair there are no answers to show or give (see is_group).
    in_group = is_group(len(people))
    context: dict[str, Any] = {
        "meeting": meeting,
        "access": access,
        "attendees": people,
        "times": _local_times(meeting.starts_at, [a.user for a in people]),
        "has_room": meeting.kind in LIVE_ROOM_KINDS and meeting.is_active,
        "in_group": in_group,
    }
    if access == "participant":
        mine = next((a for a in people if a.user_id == request.user.pk), None)
        context.update(
            notes_form=forms.get("notes_form")
            or NotesForm(initial={"agenda": meeting.agenda, "notes": meeting.notes}),
            cancel_form=forms.get("cancel_form") or CancelForm(),
            reschedule_form=forms.get("reschedule_form")
            or RescheduleForm(
                initial={
                    "when": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
                    "duration": int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
                }
            ),
            attendance_form=forms.get("attendance_form")
            or AttendanceForm(people=[(a.user_id, str(a.user)) for a in people]),
            can_accept=not in_group
            and meeting.status == MeetingStatus.PROPOSED
            and meeting.created_by_id != request.user.pk,
            # In a group each person answers for themselves (see respond_to_meeting).
            can_answer=in_group
            and mine is not None
            and meeting.is_active
            and meeting.starts_at > timezone.now()
            and meeting.created_by_id != request.user.pk,
            my_response=mine.response if mine else "",
            declined_in_group=in_group and mine is not None and mine.response == "declined",
            # The time the answer is about: a meeting moved meanwhile refuses it.
            seen_starts_at=format_html(
                '<input type="hidden" name="starts_at" value="{}">',
                meeting.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"),
            ),
            # A refused attendance form stays on the page with its reason, even where
            # the form would not be offered (a page left open from before the meeting).
            can_record="attendance_form" in forms
            or (
                meeting.starts_at <= timezone.now()
                and meeting.status
                in (MeetingStatus.CONFIRMED, MeetingStatus.HELD, MeetingStatus.NO_SHOW)
            ),
        )
    return render(request, "scheduling/meeting.html", context, status=status)


@login_required
@require_GET
def meeting_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting, access = _meeting(request, pk)
    return _meeting_page(request, meeting, access)


@login_required
@require_POST
def accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = _participant_meeting(request, pk)
    try:
        services.accept_meeting(
            request.user, meeting, seen_starts_at=_parse_utc(request.POST.get("starts_at", ""))
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Meeting confirmed."))
    return redirect("scheduling:meeting", pk=pk)


@login_required
@require_POST
def respond(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = _participant_meeting(request, pk)
    answer = request.POST.get("coming")
    if answer not in ("yes", "no"):
        messages.error(request, _("Choose whether you will come."))
        return redirect("scheduling:meeting", pk=pk)
    try:
        answered = services.respond_to_meeting(
            request.user,
            meeting,
            coming=answer == "yes",
            seen_starts_at=_parse_utc(request.POST.get("starts_at", "")),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if answered.status == MeetingStatus.CANCELLED:
            messages.success(
                request,
                _("No one else could come, so the meeting is cancelled. Everyone has been told."),
            )
        elif answer == "yes":
            messages.success(request, _("The others can see you will come."))
        else:
            messages.success(request, _("The others have been told you cannot come."))
    return redirect("scheduling:meeting", pk=pk)


@login_required
@require_POST
def cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = _participant_meeting(request, pk)
    form = CancelForm(request.POST)
    if submit(form, lambda data: services.cancel_meeting(request.user, meeting, **data)):
        messages.success(request, _("Meeting cancelled. Everyone has been told."))
        return redirect("scheduling:meeting", pk=pk)
    return _meeting_page(request, meeting, "participant", status=400, cancel_form=form)


@login_required
@require_POST
def reschedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = _participant_meeting(request, pk)
    form = RescheduleForm(request.POST)
    if submit(
        form,
        lambda data: services.reschedule_meeting(
            request.user,
            meeting,
            starts_at=in_viewer_zone(data["when"]),
            duration_minutes=data["duration"],
            reason=data["reason"],
        ),
    ):
        messages.success(request, _("New time proposed. The others can accept it."))
        return redirect("scheduling:meeting", pk=pk)
    return _meeting_page(request, meeting, "participant", status=400, reschedule_form=form)


@login_required
@require_POST
def save_notes(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = _participant_meeting(request, pk)
    form = NotesForm(request.POST)
    if submit(form, lambda data: services.update_agenda_and_notes(request.user, meeting, **data)):
        messages.success(request, _("Agenda and notes saved."))
        return redirect("scheduling:meeting", pk=pk)
    return _meeting_page(request, meeting, "participant", status=400, notes_form=form)


@login_required
@require_POST
def attendance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = _participant_meeting(request, pk)
    people = [(a.user_id, str(a.user)) for a in selectors.attendees(meeting)]
    form = AttendanceForm(request.POST, people=people)
    if submit(
        form,
        lambda data: services.record_attendance(
            request.user,
            meeting,
            held=data["outcome"] == "held",
            present_user_ids=data["present"],
        ),
    ):
        messages.success(request, _("Attendance saved."))
        return redirect("scheduling:meeting", pk=pk)
    return _meeting_page(request, meeting, "participant", status=400, attendance_form=form)


@login_required
@require_GET
def invitation_file(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = _participant_meeting(request, pk)
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    response = HttpResponse(ics.invitation(meeting, method), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


# --- the live room ----------------------------------------------------------------------------


def ice_servers() -> list[dict[str, Any]]:
    """STUN/TURN from OPENMENTOR_ICE_SERVERS (JSON, RTCIceServer list); none = host
    candidates only, which works on one network and on localhost."""
    raw = getattr(settings, "OPENMENTOR_ICE_SERVERS", None) or os.environ.get(
        "OPENMENTOR_ICE_SERVERS", ""
    )
    if isinstance(raw, list):
        return raw
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def ice_transport_policy() -> str:
    """OPENMENTOR_ICE_TRANSPORT_POLICY=relay sends all media through TURN (hides
    addresses from the other side); the default 'all' also tries direct paths."""
    policy = os.environ.get("OPENMENTOR_ICE_TRANSPORT_POLICY", "all")
    return policy if policy in ("all", "relay") else "all"


@login_required
@require_GET
def room(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = _participant_meeting(request, pk)
    if meeting.kind not in LIVE_ROOM_KINDS or not meeting.is_active:
        messages.error(request, _("This meeting has no live room."))
        return redirect("scheduling:meeting", pk=pk)
    return render(
        request,
        "scheduling/room.html",
        {
            "meeting": meeting,
            "ice_servers": ice_servers(),
            "audio_only": meeting.kind == "audio",
            "ice_policy": ice_transport_policy(),
            "connect_timeout_ms": getattr(settings, "OPENMENTOR_ROOM_CONNECT_TIMEOUT_MS", 15000),
            "conversation_url": _conversation_url(request, meeting),
        },
    )


def _conversation_url(request: AuthenticatedRequest, meeting: Meeting) -> str:
    """The mentorship's conversation: where room chat is kept and the last fallback."""
    from openmentor.messaging.services import open_mentorship_conversation

    try:
        conversation = open_mentorship_conversation(request.user, meeting.mentorship_id)
    except DomainError:
        return ""
    return reverse("messaging_thread", args=[conversation.pk])


@login_required
@require_GET
def program_meetings(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Coordinators see when and how the program's pairs meet, never what is said."""
    from django.shortcuts import get_object_or_404

    from openmentor.programs.models import Program
    from openmentor.programs.selectors import is_coordinator

    program = get_object_or_404(Program, slug=slug)
    if not is_coordinator(request.user, program):
        raise Http404
    meetings = list(selectors.program_meetings(program)[:200])
    counts = {status: 0 for status, _label in MeetingStatus.choices}
    for meeting in meetings:
        counts[meeting.status] += 1
    return render(
        request,
        "scheduling/program_meetings.html",
        {
            "program": program,
            "meetings": meetings,
            "counts": [(label, counts[value]) for value, label in MeetingStatus.choices],
        },
    )


# --- calendar feed ---------------------------------------------------------------------------------


@login_required
def calendar_feed_settings(request: AuthenticatedRequest) -> HttpResponse:
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.revoke_calendar_feeds(request.user)
            messages.success(request, _("The calendar feed address no longer works."))
            return redirect("scheduling:calendar_feed")
        _feed, token = services.create_calendar_feed(request.user)
        # The secret is shown once, on this response; only its hash is stored.
        new_url = request.build_absolute_uri(reverse("scheduling:feed", args=[token]))
    return render(
        request,
        "scheduling/calendar_feed.html",
        {"feed": selectors.active_feed(request.user), "new_url": new_url},
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    owner = selectors.feed_owner(token)
    if owner is None:
        raise Http404
    body = ics.feed(selectors.feed_meetings(owner), name="OpenMentor")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
