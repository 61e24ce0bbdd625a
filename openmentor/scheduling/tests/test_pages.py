from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from openmentor.scheduling import services
from openmentor.scheduling.models import AvailabilityWindow, Meeting, MeetingStatus

from .conftest import next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(mentorship: Any, bob: Any, carol_available: Any) -> Meeting:
    meeting = services.book_meeting(
        bob, mentorship, starts_at=next_weekday(2, 10), duration_minutes=60, agenda="Chapter 2"
    )
    services.update_agenda_and_notes(
        carol_available, meeting, agenda="Chapter 2", notes="Secret note about the thesis"
    )
    return meeting


def test_outsiders_get_404_on_every_meeting_page(
    client_for: Any,
    meeting: Meeting,
    mentorship: Any,
    charlie: Any,
    erin: Any,
    dave: Any,
    other_program: Any,
) -> None:
    pages = [
        reverse("scheduling:meeting", args=[meeting.pk]),
        reverse("scheduling:room", args=[meeting.pk]),
        reverse("scheduling:invitation", args=[meeting.pk]),
        reverse("scheduling:find_time", args=[mentorship.pk]),
        reverse("scheduling:book", args=[mentorship.pk]),
    ]
    for person in (charlie, erin, dave):
        client = client_for(person)
        for url in pages:
            assert client.get(url).status_code == 404, (person, url)
        response = client.post(reverse("scheduling:cancel", args=[meeting.pk]), {"reason": "x"})
        assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED


def test_coordinator_sees_metadata_but_not_notes(
    client_for: Any, meeting: Meeting, alice: Any
) -> None:
    client = client_for(alice)
    response = client.get(reverse("scheduling:meeting", args=[meeting.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Secret note" not in body and "Chapter 2" not in body
    assert "Confirmed" in body
    for name in ("room", "invitation"):
        assert client.get(reverse(f"scheduling:{name}", args=[meeting.pk])).status_code == 404
    response = client.post(
        reverse("scheduling:notes", args=[meeting.pk]), {"agenda": "x", "notes": "y"}
    )
    assert response.status_code == 404
    api = client.get(f"/api/v1/scheduling/meetings/{meeting.pk}")
    assert api.status_code == 200
    assert api.json()["notes"] is None and api.json()["agenda"] is None


def test_participant_sees_times_in_own_zone_with_the_others_alongside(
    client_for: Any, meeting: Meeting, bob: Any
) -> None:
    response = client_for(bob).get(reverse("scheduling:meeting", args=[meeting.pk]))
    body = response.content.decode()
    assert "Secret note about the thesis" in body
    # 10:00 UTC is 07:00 for Bob (Sao Paulo) and 15:30 for Carol (Kolkata).
    assert "07:00" in body and "15:30" in body
    assert "Asia/Kolkata" in body and "Join the live room" in body


def test_meeting_times_are_written_as_the_readers_language_writes_dates(
    client_for: Any, meeting: Meeting, bob: Any
) -> None:
    """A fixed English pattern read "Ter 1 Dez 2026" in Portuguese."""
    from django.utils import formats, translation

    bob.language = "pt"
    bob.save(update_fields=["language"])
    local = timezone.localtime(meeting.starts_at, ZoneInfo("America/Sao_Paulo"))
    with translation.override("pt"):
        written = formats.date_format(local, "MEETING_DATETIME_FORMAT")
    assert " de " in written  # "Ter, 1 de dez de 2026, 07:00"
    listed = client_for(bob).get(reverse("scheduling:my_meetings")).content.decode()
    assert written in listed


def test_availability_editor_adds_and_rejects(client_for: Any, bob: Any) -> None:
    client = client_for(bob)
    assert client.get(reverse("scheduling:availability")).status_code == 200
    response = client.post(
        reverse("scheduling:add_window"),
        {"weekday": "1", "start_time": "18:00", "end_time": "17:00"},
    )
    assert response.status_code == 400
    assert "The end time must be after the start time." in response.content.decode()
    assert not AvailabilityWindow.objects.exists()
    response = client.post(
        reverse("scheduling:add_window"),
        {"weekday": "1", "start_time": "18:00", "end_time": "20:00"},
    )
    assert response.status_code == 302
    window = AvailabilityWindow.objects.get()
    assert window.time_zone == "America/Sao_Paulo"
    response = client.post(
        reverse("scheduling:preferences"),
        {"max_sessions_per_week": "0", "reminder_minutes": ["60"]},
    )
    assert response.status_code == 400
    response = client.post(reverse("scheduling:remove_window", args=[window.pk]))
    assert response.status_code == 302 and not AvailabilityWindow.objects.exists()


def test_find_a_time_lists_slots_with_local_times_and_books_them(
    client_for: Any, mentorship: Any, bob: Any, carol_available: Any
) -> None:
    client = client_for(bob)
    response = client.get(
        reverse("scheduling:find_time", args=[mentorship.pk]), {"days": "2", "duration": "60"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "Asia/Kolkata" in body and "America/Sao_Paulo" in body
    rows = response.context["rows"]
    assert rows
    # At most three choices per day, on the half hour.
    days = [r["slot"].starts_at.astimezone(ZoneInfo("America/Sao_Paulo")).date() for r in rows]
    assert max(days.count(day) for day in days) <= 3
    assert {r["slot"].starts_at.minute for r in rows} <= {0, 30}
    partial = client.get(reverse("scheduling:find_time", args=[mentorship.pk]), {"days": "2"})
    assert partial.status_code == 200 and not partial.context["form"].errors
    slot = rows[0]["slot"]
    book_page = client.get(rows[0]["book_url"])
    assert book_page.status_code == 200
    form = book_page.context["form"]
    # The form shows the start in Bob's own zone.
    local = timezone.localtime(slot.starts_at, timezone.get_fixed_timezone(-180))
    assert form.initial["when"] == local.strftime("%Y-%m-%dT%H:%M")
    data = {
        "when": form.initial["when"],
        "duration": "60",
        "kind": "video",
        "repeat": "1",
        "client_key": form.initial["client_key"],
    }
    response = client.post(reverse("scheduling:book", args=[mentorship.pk]), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.starts_at == slot.starts_at
    # Pressing the button twice (same client key) books once.
    client.post(reverse("scheduling:book", args=[mentorship.pk]), data)
    assert Meeting.objects.count() == 1


def test_booking_errors_are_shown_and_nothing_is_saved(
    client_for: Any, mentorship: Any, bob: Any, carol_available: Any
) -> None:
    client = client_for(bob)
    when = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:00")
    response = client.post(
        reverse("scheduling:book", args=[mentorship.pk]),
        {"when": when, "duration": "60", "kind": "video", "repeat": "1"},
    )
    assert response.status_code == 400
    assert "That time has already passed." in response.content.decode()
    assert not Meeting.objects.exists()


def test_cancel_needs_a_reason(client_for: Any, meeting: Meeting, carol: Any) -> None:
    client = client_for(carol)
    response = client.post(reverse("scheduling:cancel", args=[meeting.pk]), {"reason": ""})
    assert response.status_code == 400
    response = client.post(reverse("scheduling:cancel", args=[meeting.pk]), {"reason": "Ill"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.status_reason == "Ill"


def test_calendar_feed_is_secret_and_revocable(client_for: Any, meeting: Meeting, bob: Any) -> None:
    client = client_for(bob)
    response = client.post(reverse("scheduling:calendar_feed"), {"action": "create"})
    url = response.context["new_url"]
    assert url.endswith(".ics")
    anonymous = client.__class__()
    feed = anonymous.get(url)
    assert feed.status_code == 200 and meeting.ics_uid in feed.content.decode()
    client.post(reverse("scheduling:calendar_feed"), {"action": "revoke"})
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(reverse("scheduling:feed", args=["guess"])).status_code == 404


def test_api_books_and_refuses_strangers(
    client_for: Any, mentorship: Any, bob: Any, erin: Any, carol_available: Any
) -> None:
    starts = next_weekday(3, 9).isoformat()
    payload = {"starts_at": starts, "duration_minutes": 60, "client_key": "api-1"}
    url = f"/api/v1/scheduling/mentorships/{mentorship.pk}/meetings"
    stranger = client_for(erin).post(url, payload, content_type="application/json")
    assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
    created = client_for(bob).post(url, payload, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "confirmed"
    clash = client_for(bob).post(
        url, {**payload, "client_key": "api-2"}, content_type="application/json"
    )
    assert clash.status_code == 409 and clash.json()["code"] == "conflict"
    slots = client_for(bob).get(f"/api/v1/scheduling/mentorships/{mentorship.pk}/slots?days=2")
    assert slots.status_code == 200 and slots.json()
    assert (
        client_for(erin).get(f"/api/v1/scheduling/mentorships/{mentorship.pk}/slots").status_code
        == 404
    )
    naive = client_for(bob).post(
        url,
        {**payload, "starts_at": starts[:19], "client_key": "api-3"},
        content_type="application/json",
    )
    assert naive.status_code == 422


def test_a_series_at_the_programs_cadence_and_a_proposal_accepted_on_the_page(
    client_for: Any, mentorship: Any, bob: Any, carol_available: Any
) -> None:
    client = client_for(bob)
    starts = timezone.localtime(next_weekday(2, 10), timezone.get_fixed_timezone(-180))
    response = client.post(
        reverse("scheduling:book", args=[mentorship.pk]),
        {
            "when": starts.strftime("%Y-%m-%dT%H:%M"),
            "duration": "60",
            "kind": "audio",
            "repeat": "3",
            "propose": "on",
        },
    )
    assert response.status_code == 302
    meetings = list(Meeting.objects.order_by("starts_at"))
    # The program meets fortnightly.
    assert [m.starts_at - meetings[0].starts_at for m in meetings] == [
        timedelta(0),
        timedelta(weeks=2),
        timedelta(weeks=4),
    ]
    assert {m.status for m in meetings} == {MeetingStatus.PROPOSED}
    carol = client_for(carol_available)
    page = carol.get(reverse("scheduling:meeting", args=[meetings[0].pk]))
    assert "Accept this time" in page.content.decode()
    carol.post(reverse("scheduling:accept", args=[meetings[0].pk]))
    meetings[0].refresh_from_db()
    assert meetings[0].status == MeetingStatus.CONFIRMED


def test_room_uses_ice_servers_from_the_environment(
    client_for: Any, meeting: Meeting, bob: Any, monkeypatch: Any
) -> None:
    servers = [{"urls": "turn:turn.example.org:3478", "username": "u", "credential": "c"}]
    monkeypatch.setenv("OPENMENTOR_ICE_SERVERS", json.dumps(servers))
    response = client_for(bob).get(reverse("scheduling:room", args=[meeting.pk]))
    assert response.status_code == 200
    assert response.context["ice_servers"] == servers
    assert 'id="ice-servers"' in response.content.decode()
    monkeypatch.setenv("OPENMENTOR_ICE_SERVERS", "not json")
    response = client_for(bob).get(reverse("scheduling:room", args=[meeting.pk]))
    assert response.context["ice_servers"] == []  # host candidates only


def test_coordinators_list_the_programs_meetings_without_content(
    client_for: Any,
    meeting: Meeting,
    program: Any,
    alice: Any,
    dave: Any,
    bob: Any,
    other_program: Any,
) -> None:
    url = reverse("scheduling:program_meetings", args=[program.slug])
    response = client_for(alice).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bob Mentee" in body and "Confirmed" in body
    assert "Secret note" not in body and "Chapter 2" not in body
    for outsider in (dave, bob):
        assert client_for(outsider).get(url).status_code == 404
    assert url in client_for(alice).get(reverse("scheduling:my_meetings")).content.decode()


def test_a_participant_changes_notes_time_and_attendance_through_the_pages(
    client_for: Any, meeting: Meeting, bob: Any, carol: Any
) -> None:
    client = client_for(bob)
    response = client.post(
        reverse("scheduling:notes", args=[meeting.pk]),
        {"agenda": "Chapter 3", "notes": "Bring the outline"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.agenda, meeting.notes) == ("Chapter 3", "Bring the outline")

    # Attendance before the meeting has started: a clear message, nothing recorded.
    too_early = client.post(
        reverse("scheduling:attendance", args=[meeting.pk]),
        {"outcome": "held", "present": [str(bob.pk), str(carol.pk)]},
    )
    assert too_early.status_code == 400
    assert "once the meeting has started" in too_early.content.decode()

    # A new time in the past is refused and changes nothing; a good one is proposed.
    starts_at = meeting.starts_at
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:00")
    refused = client.post(
        reverse("scheduling:reschedule", args=[meeting.pk]),
        {"when": past, "duration": "60", "reason": "Clash"},
    )
    assert refused.status_code == 400
    meeting.refresh_from_db()
    assert meeting.starts_at == starts_at
    later = timezone.localtime(starts_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    moved = client.post(
        reverse("scheduling:reschedule", args=[meeting.pk]),
        {"when": later, "duration": "45", "reason": "Clash"},
    )
    assert moved.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == starts_at + timedelta(days=1)
    assert meeting.status == MeetingStatus.PROPOSED


def test_a_time_free_only_because_someone_set_no_availability_is_proposed_to_them(
    client_for: Any, mentorship: Any, bob: Any, carol: Any
) -> None:
    """Carol, the mentor, set no availability: "Find a time" counts any time as free for
    her. It offered "Book", and booking was then refused as outside her availability."""
    from datetime import time

    for weekday in range(7):  # Bob has set his
        services.add_window(bob, weekday=weekday, start_time=time(0), end_time=time(23, 45))
    client = client_for(bob)
    page = client.get(reverse("scheduling:find_time", args=[mentorship.pk]), {"days": "2"})
    rows = page.context["rows"]
    assert rows and all(row["book_url"].endswith("&propose=1") for row in rows)
    assert ">Propose<span" in page.content.decode()
    book_page = client.get(rows[0]["book_url"])
    form = book_page.context["form"]
    assert form.initial["propose"] is True
    data = {
        "when": form.initial["when"],
        "duration": "60",
        "kind": "video",
        "repeat": "1",
        "propose": "on",
        "client_key": form.initial["client_key"],
    }
    assert client.post(reverse("scheduling:book", args=[mentorship.pk]), data).status_code == 302
    assert Meeting.objects.get().status == MeetingStatus.PROPOSED
    assert "Set my availability" not in page.content.decode()  # offered only to Carol
    # Opened directly, the booking page proposes too, and says why.
    direct = client.get(reverse("scheduling:book", args=[mentorship.pk]))
    assert direct.context["form"].initial["propose"] is True
    assert "Carol Mentor has not set a weekly availability yet" in direct.content.decode()


def test_each_label_names_its_own_field_where_two_forms_share_field_names(
    client_for: Any, meeting: Meeting, carol: Any
) -> None:
    """Move and cancel both ask a reason, weekly hours and date changes both a "From": the
    second field of each had no name for a screen reader (both labels pointed at the
    first)."""
    import re
    from collections import Counter

    client = client_for(carol)
    for url in (
        reverse("scheduling:meeting", args=[meeting.pk]),
        reverse("scheduling:availability"),
    ):
        page = client.get(url).content.decode()
        ids = Counter(re.findall(r'\sid="([^"]+)"', page))
        assert [name for name, count in ids.items() if count > 1] == [], url
        for target in re.findall(r'<label for="([^"]+)"', page):
            assert ids[target] == 1, (url, target)
    answered = client.post(reverse("scheduling:cancel", args=[meeting.pk]), {"reason": ""})
    assert 'id="id_cancel_reason_error"' in answered.content.decode()
