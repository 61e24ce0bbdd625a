from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format
from icalendar import Calendar

from openmentor.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from openmentor.notifications.models import Notification
from openmentor.scheduling import ics, selectors, services
from openmentor.scheduling.models import Meeting, MeetingStatus, SlotClaim

from .conftest import next_weekday

pytestmark = pytest.mark.django_db


def book(actor: Any, mentorship: Any, starts_at: datetime, **extra: Any) -> Meeting:
    return services.book_meeting(
        actor, mentorship, starts_at=starts_at, duration_minutes=extra.pop("minutes", 60), **extra
    )


def test_mentee_books_directly_inside_the_mentors_availability(
    mentorship: Any, bob: Any, carol_available: Any, django_capture_on_commit_callbacks: Any
) -> None:
    starts = next_weekday(2, 10)  # 15:30 in Kolkata
    with django_capture_on_commit_callbacks(execute=True):
        meeting = book(bob, mentorship, starts)
    assert meeting.status == MeetingStatus.CONFIRMED
    assert {a.user_id for a in meeting.attendees.all()} == {bob.pk, carol_available.pk}
    assert SlotClaim.objects.filter(meeting=meeting).count() == 2 * 4  # two people, 4 quarters
    # Both get the .ics invitation; Carol also gets an in-app notification.
    assert sorted(m.to[0] for m in mail.outbox) == [bob.email, carol_available.email]
    attachment = mail.outbox[0].attachments[0]
    calendar = Calendar.from_ical(attachment[1])
    assert calendar["method"] == "REQUEST"
    assert Notification.objects.filter(user=carol_available, kind="meeting").exists()


def test_meeting_notices_follow_the_readers_language_and_time_zone_after_they_change_them(
    mentorship: Any, bob: Any, carol_available: Any, client_for: Any
) -> None:
    """Bob books while reading Spanish; Carol reads English in Kolkata, then moves to
    São Paulo and reads Portuguese."""
    bob.language = "es"
    bob.save(update_fields=["language"])
    starts = next_weekday(2, 10)
    with translation.override("es"):
        book(bob, mentorship, starts)
    services.send_due_reminders(starts - timedelta(minutes=30))
    told = Notification.objects.get(user=carol_available, kind="meeting")
    with translation.override("en"):
        in_kolkata = date_format(starts.astimezone(ZoneInfo("Asia/Kolkata")), "DATETIME_FORMAT")
    assert told.title == f"Meeting booked for {in_kolkata}"
    carol_available.language = "pt"
    carol_available.time_zone = "America/Sao_Paulo"
    carol_available.save(update_fields=["language", "time_zone"])
    with translation.override("pt"):
        in_sao_paulo = date_format(
            starts.astimezone(ZoneInfo("America/Sao_Paulo")), "DATETIME_FORMAT"
        )
    page = client_for(carol_available).get("/notifications/").content.decode()
    assert f"Encontro agendado para {in_sao_paulo}" in page
    assert f"Lembrete: encontro de mentoria em {in_sao_paulo}" in page
    api = client_for(carol_available).get("/api/v1/notifications").json()
    assert f"Encontro agendado para {in_sao_paulo}" in [n["title"] for n in api]


def test_direct_booking_outside_availability_is_refused_and_saves_nothing(
    mentorship: Any, bob: Any, carol_available: Any
) -> None:
    starts = next_weekday(2, 20)  # 01:30 in Kolkata
    with pytest.raises(ValidationFailed, match="not available"):
        book(bob, mentorship, starts)
    assert not Meeting.objects.exists() and not SlotClaim.objects.exists()
    # Proposing the same time works; Carol accepts it.
    proposal = book(bob, mentorship, starts, propose=True)
    assert proposal.status == MeetingStatus.PROPOSED
    with pytest.raises(ValidationFailed):
        services.accept_meeting(bob, proposal)  # not your own proposal
    accepted = services.accept_meeting(carol_available, proposal)
    assert accepted.status == MeetingStatus.CONFIRMED and accepted.ics_sequence == 1


def test_nobody_can_be_double_booked(
    mentorship: Any, program: Any, bob: Any, erin: Any, carol_available: Any
) -> None:
    from openmentor.mentorships.services import create_mentorship

    other = create_mentorship(program, mentors=[carol_available], mentees=[erin])
    starts = next_weekday(3, 8)
    book(bob, mentorship, starts)
    # Erin's meeting overlaps Carol's existing one by 15 minutes.
    with pytest.raises(Conflict):
        book(erin, other, starts + timedelta(minutes=45))
    assert Meeting.objects.count() == 1
    book(erin, other, starts + timedelta(hours=1))  # right after is fine


def test_retry_with_the_same_client_key_returns_the_first_meeting(
    mentorship: Any, bob: Any, carol_available: Any
) -> None:
    starts = next_weekday(4, 9)
    first = book(bob, mentorship, starts, client_key="k-1")
    again = book(bob, mentorship, starts, client_key="k-1")
    assert again.pk == first.pk and Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"minutes": 50}, "steps of 15"),
        ({"minutes": 0}, "15 minutes"),
        ({"kind": "in_person", "place": "Library"}, "online only"),
        ({"kind": "external", "external_url": "ftp://x"}, "link"),
        ({"kind": "teleport"}, "kind"),
    ],
)
def test_bad_bookings_get_a_clear_error_and_save_nothing(
    mentorship: Any, bob: Any, carol_available: Any, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        book(bob, mentorship, next_weekday(2, 10), **change)
    with pytest.raises(ValidationFailed, match="quarter"):
        book(bob, mentorship, next_weekday(2, 10, 5))
    with pytest.raises(ValidationFailed, match="passed"):
        book(bob, mentorship, datetime(2020, 1, 1, 10, tzinfo=UTC))
    assert not Meeting.objects.exists()


def test_in_person_meetings_in_hybrid_programs(
    mentorship: Any, program: Any, bob: Any, carol_available: Any
) -> None:
    program.delivery = "hybrid"
    program.save()
    with pytest.raises(ValidationFailed, match="where"):
        book(bob, mentorship, next_weekday(2, 10), kind="in_person")
    meeting = book(bob, mentorship, next_weekday(2, 10), kind="in_person", place="Room 4")
    assert meeting.place == "Room 4"


def test_outsiders_cannot_book_or_change_meetings(
    mentorship: Any, bob: Any, erin: Any, charlie: Any, alice: Any, carol_available: Any
) -> None:
    for stranger in (erin, charlie, alice):
        with pytest.raises(NotAllowed):
            book(stranger, mentorship, next_weekday(2, 10))
    meeting = book(bob, mentorship, next_weekday(2, 10))
    for stranger in (erin, charlie, alice):
        with pytest.raises(NotAllowed):
            services.cancel_meeting(stranger, meeting, reason="no")
        with pytest.raises(NotAllowed):
            services.update_agenda_and_notes(stranger, meeting, agenda="x", notes="y")


def test_no_new_meetings_once_the_mentorship_has_closed(
    mentorship: Any, bob: Any, carol_available: Any
) -> None:
    mentorship.status = "completed"
    mentorship.save()
    with pytest.raises(Conflict, match="closed"):
        book(bob, mentorship, next_weekday(2, 10))
    assert not Meeting.objects.exists()


def test_weekly_limit_is_enforced(mentorship: Any, bob: Any, carol_available: Any) -> None:
    services.update_preferences(carol_available, max_sessions_per_week=1, reminder_minutes=[60])
    monday = next_weekday(0, 6)
    book(bob, mentorship, monday)
    with pytest.raises(Conflict, match="limit"):
        book(bob, mentorship, monday + timedelta(days=1))
    book(bob, mentorship, monday + timedelta(days=7))


def test_reschedule_and_cancel_keep_the_uid_and_raise_the_sequence(
    mentorship: Any, bob: Any, carol_available: Any, django_capture_on_commit_callbacks: Any
) -> None:
    starts = next_weekday(2, 10)
    meeting = book(bob, mentorship, starts)
    uid = meeting.ics_uid
    with pytest.raises(ValidationFailed, match="reason"):
        services.cancel_meeting(carol_available, meeting, reason="  ")
    moved = services.reschedule_meeting(
        carol_available,
        meeting,
        starts_at=starts + timedelta(hours=2),
        duration_minutes=30,
        reason="Clinic ran late",
    )
    assert moved.status == MeetingStatus.PROPOSED and moved.ics_sequence == 1
    assert SlotClaim.objects.filter(meeting=moved).count() == 2 * 2
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_meeting(bob, moved, reason="Exams")
    assert not SlotClaim.objects.filter(meeting=cancelled).exists()
    events = []
    for message in mail.outbox:
        calendar = Calendar.from_ical(message.attachments[0][1])
        assert calendar["method"] == "CANCEL"
        events.extend(calendar.walk("VEVENT"))
    assert {str(e["uid"]) for e in events} == {uid}
    assert {int(e["sequence"]) for e in events} == {2}
    assert {str(e["status"]) for e in events} == {"CANCELLED"}


def test_invitation_times_are_correct_across_zones(
    mentorship: Any, bob: Any, carol_available: Any
) -> None:
    starts = next_weekday(2, 10)
    meeting = book(bob, mentorship, starts, minutes=45)
    event = Calendar.from_ical(ics.invitation(meeting, "REQUEST")).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtend") == starts + timedelta(minutes=45)
    # Carol reads it as 15:30 in Kolkata, Bob as 07:00 in Sao Paulo.
    assert (
        event.decoded("dtstart").astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M") == "15:30"
    )
    assert event.decoded("dtstart").astimezone(ZoneInfo("America/Sao_Paulo")).hour == 7


def test_series_follows_the_cadence_at_the_same_local_time_across_dst(
    mentorship: Any, program: Any, carol: Any, bob: Any
) -> None:
    """Carol (the mentor) books fortnightly at 18:00 London time across the October change."""
    carol.time_zone = "Europe/London"
    carol.save()
    london = ZoneInfo("Europe/London")
    first = datetime(2027, 10, 13, 18, 0, tzinfo=london)  # before the 31 Oct change
    program.ends_on = datetime(2028, 6, 30).date()
    program.save()
    mentorship.ends_on = None
    mentorship.save()
    with mock.patch("django.utils.timezone.now", return_value=datetime(2027, 10, 1, tzinfo=UTC)):
        meetings = services.book_series(
            carol, mentorship, starts_at=first, duration_minutes=60, count=3
        )
    assert [m.starts_at.astimezone(london).strftime("%d %H:%M") for m in meetings] == [
        "13 18:00",
        "27 18:00",
        "10 18:00",
    ]
    assert [m.starts_at.astimezone(UTC).hour for m in meetings] == [17, 17, 18]
    assert len({m.series_id for m in meetings}) == 1


def test_feed_expands_with_recurring_ical_events(
    mentorship: Any, bob: Any, carol_available: Any
) -> None:
    first = book(bob, mentorship, next_weekday(1, 10))
    second = book(bob, mentorship, next_weekday(1, 10) + timedelta(days=7))
    cancelled = book(bob, mentorship, next_weekday(1, 12))
    services.cancel_meeting(bob, cancelled, reason="Clash")
    feed, token = services.create_calendar_feed(bob)
    assert selectors.feed_owner(token) == bob and feed.token_hash != token
    calendar = Calendar.from_ical(ics.feed(selectors.feed_meetings(bob), name="OpenMentor"))
    window = (timezone.now(), timezone.now() + timedelta(days=30))
    occurrences = recurring_ical_events.of(calendar).between(*window)
    active = sorted(
        (o.decoded("dtstart"), str(o["uid"]))
        for o in occurrences
        if str(o["status"]) != "CANCELLED"
    )
    assert active == [(first.starts_at, first.ics_uid), (second.starts_at, second.ics_uid)]
    # A new address revokes the old one.
    _feed, new_token = services.create_calendar_feed(bob)
    assert selectors.feed_owner(token) is None and selectors.feed_owner(new_token) == bob
    services.revoke_calendar_feeds(bob)
    assert selectors.feed_owner(new_token) is None


def test_reminders_are_sent_once_even_if_the_job_runs_twice(
    mentorship: Any, bob: Any, carol_available: Any
) -> None:
    starts = next_weekday(2, 10)
    book(bob, mentorship, starts)
    services.update_preferences(bob, max_sessions_per_week=None, reminder_minutes=[1440, 60])
    assert services.send_due_reminders(starts - timedelta(hours=30)) == 0
    day_before = starts - timedelta(hours=23)
    assert services.send_due_reminders(day_before) == 2  # Bob and Carol (defaults)
    assert services.send_due_reminders(day_before + timedelta(minutes=1)) == 0
    hour_before = starts - timedelta(minutes=50)
    assert services.send_due_reminders(hour_before) == 2
    assert services.send_due_reminders(hour_before) == 0
    assert Notification.objects.filter(kind="meeting_reminder").count() == 4


def test_a_worker_that_dies_mid_run_does_not_send_twice(
    mentorship: Any, bob: Any, carol_available: Any
) -> None:
    starts = next_weekday(2, 10)
    book(bob, mentorship, starts)
    now = starts - timedelta(minutes=30)
    real_notify = services.notify
    calls = {"n": 0}

    def crash_after_first(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real_notify(*args, **kwargs)

    with mock.patch.object(services, "notify", crash_after_first), pytest.raises(SystemExit):
        services.send_due_reminders(now)
    assert Notification.objects.filter(kind="meeting_reminder").count() == 1
    assert services.send_due_reminders(now) == 1  # the restarted worker sends the rest
    assert services.send_due_reminders(now) == 0
    per_person = Notification.objects.filter(kind="meeting_reminder").values_list(
        "user_id", flat=True
    )
    assert sorted(per_person) == sorted([bob.pk, carol_available.pk])


def test_attendance_and_notes(mentorship: Any, bob: Any, carol_available: Any) -> None:
    starts = next_weekday(2, 10)
    meeting = book(bob, mentorship, starts)
    with pytest.raises(ValidationFailed, match="started"):
        services.record_attendance(bob, meeting, held=True, present_user_ids=[bob.pk])
    services.update_agenda_and_notes(carol_available, meeting, agenda="Thesis plan", notes="Good")
    with mock.patch("django.utils.timezone.now", return_value=starts + timedelta(hours=2)):
        with pytest.raises(ValidationFailed):
            services.record_attendance(bob, meeting, held=True, present_user_ids=[999999])
        held = services.record_attendance(
            bob, meeting, held=True, present_user_ids=[bob.pk, carol_available.pk]
        )
    assert held.status == MeetingStatus.HELD and held.agenda == "Thesis plan"
    assert set(held.attendees.values_list("attendance", flat=True)) == {"present"}


def test_window_stays_at_18_local_across_dst(bob: Any) -> None:
    bob.time_zone = "Europe/London"
    bob.save()
    services.add_window(bob, weekday=5, start_time=time(18), end_time=time(19))
    start = datetime(2026, 10, 17, tzinfo=UTC)
    end = start + timedelta(days=15)
    person = selectors.person(bob, start, end)
    from openmentor.scheduling.slots import free_intervals

    frees = free_intervals(person, start, end)
    london = ZoneInfo("Europe/London")
    assert [lo.astimezone(london).strftime("%d %H:%M") for lo, _hi in frees] == [
        "17 18:00",
        "24 18:00",
        "31 18:00",  # after the change on 25 October: still 18:00 local, 18:00 UTC
    ]
    assert [lo.hour for lo, _hi in frees] == [17, 17, 18]
    with pytest.raises(ValidationFailed, match="after the start"):
        services.add_window(bob, weekday=5, start_time=time(19), end_time=time(18))


def test_someone_who_leaves_the_program_leaves_the_groups_upcoming_meetings(
    program: Any, carol_available: Any, bob: Any, erin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from openmentor.mentorships.services import create_mentorship
    from openmentor.programs.services import leave_program

    group = create_mentorship(program, mentors=[carol_available], mentees=[bob, erin], origin="t")
    meeting = book(erin, group, next_weekday(2, 10))  # she booked it
    last_week = Meeting.objects.create(
        mentorship=group,
        starts_at=timezone.now() - timedelta(days=7),
        ends_at=timezone.now() - timedelta(days=7, minutes=-60),
        status=MeetingStatus.CONFIRMED,
    )
    for person in (carol_available, bob, erin):
        last_week.attendees.create(user=person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        leave_program(erin, program, "mentee")

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED  # Bob and Carol still meet
    assert {a.user_id for a in meeting.attendees.all()} == {bob.pk, carol_available.pk}
    assert not SlotClaim.objects.filter(meeting=meeting, user=erin).exists()
    assert meeting.created_by == bob  # calendar replies go to someone still in it
    # Neither this meeting nor last week's, whose notes go on being written, opens for her.
    for gone in (meeting, last_week):
        with pytest.raises(NotFound):
            selectors.meeting_for_viewer(erin, gone.pk)
    assert not selectors.meetings_for_user(erin, upcoming=False).exists()
    assert not selectors.feed_meetings(erin).exists()  # nor in her calendar feed
    # Erin's calendar drops it; Bob's and Carol's drop her from it.
    calendars = [
        (m.to[0], Calendar.from_ical(m.attachments[0][1])) for m in mail.outbox if m.attachments
    ]
    assert sorted((to, str(c["method"])) for to, c in calendars) == sorted(
        [(erin.email, "CANCEL"), (bob.email, "REQUEST"), (carol_available.email, "REQUEST")]
    )
    sent = dict(calendars)
    for person in (bob, carol_available):
        event = next(iter(sent[person.email].walk("VEVENT")))
        attendees = (
            event["attendee"] if isinstance(event["attendee"], list) else [event["attendee"]]
        )
        assert sent[person.email]["method"] == "REQUEST" and int(event["sequence"]) == 1
        assert f"mailto:{erin.email}" not in {str(a) for a in attendees}


def test_a_pairs_upcoming_meetings_are_cancelled_when_one_of_them_is_removed(
    mentorship: Any, program: Any, alice: Any, bob: Any, carol_available: Any
) -> None:
    from openmentor.programs.models import Membership
    from openmentor.programs.services import remove_member

    meeting = book(bob, mentorship, next_weekday(2, 10))
    remove_member(alice, program, Membership.objects.get(program=program, user=bob).pk)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.status_reason == "Bob Mentee is no longer in the program."
    assert not SlotClaim.objects.filter(meeting=meeting).exists()
    told = Notification.objects.filter(user=carol_available, kind="meeting").latest("id")
    assert told.title.startswith("Meeting on") and told.title.endswith("cancelled")
    removed = Notification.objects.get(user=bob, kind="membership")
    assert removed.title == "A coordinator removed you from Global Doctoral Mentoring (Mentee)"
    bob.language = "es"
    bob.save(update_fields=["language"])
    with translation.override("es"):  # the role's name follows his language too
        assert (
            removed.shown_title
            == "Un coordinador te retiró de Global Doctoral Mentoring (Mentorado)"
        )


def test_a_groups_upcoming_meetings_are_cancelled_when_it_ends_with_someone_leaving(
    program: Any, carol_available: Any, bob: Any, erin: Any
) -> None:
    from openmentor.mentorships.services import create_mentorship
    from openmentor.programs.services import leave_program

    group = create_mentorship(program, mentors=[carol_available], mentees=[bob, erin], origin="t")
    meeting = book(bob, group, next_weekday(2, 10))
    leave_program(carol_available, program, "mentor")  # no mentor left: the group ends
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.status_reason == "Carol Mentor is no longer in the program."
    assert not SlotClaim.objects.filter(meeting=meeting).exists()


def test_meeting_emails_say_when_with_whom_and_what_is_asked_in_the_readers_words(
    mentorship: Any, bob: Any, carol_available: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Every meeting e-mail read "The calendar file is attached", whatever had happened."""
    carol_available.language = "pt"
    carol_available.save(update_fields=["language"])
    starts = next_weekday(2, 10)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = book(bob, mentorship, starts, propose=True)
    to_carol = next(m for m in mail.outbox if m.to == [carol_available.email])
    with translation.override("pt"):
        in_kolkata = date_format(starts.astimezone(ZoneInfo("Asia/Kolkata")), "DATETIME_FORMAT")
    assert to_carol.subject == f"Proposto: encontro de mentoria em {in_kolkata} — você pode ir?"
    to_bob = next(m for m in mail.outbox if m.to == [bob.email])
    assert to_bob.subject.startswith("You proposed: mentoring meeting on")  # not "can you?"
    assert "Com: Bob Mentee" in to_carol.body and "(seu horário, Asia/Kolkata)" in to_carol.body
    assert "Abra o encontro para aceitá-lo" in to_carol.body
    calendar = Calendar.from_ical(to_carol.attachments[0][1])
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["description"]).startswith("Chamada de vídeo")  # the file's words too
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(carol_available, meeting, reason="Estou doente")
    to_bob = next(m for m in mail.outbox if m.to == [bob.email])
    assert to_bob.subject.startswith("Cancelled: mentoring meeting on")
    assert "This meeting is cancelled. Reason: Estou doente" in to_bob.body


def test_a_closed_mentorship_cancels_its_meetings_ahead_and_sends_no_reminders(
    mentorship: Any, bob: Any, carol_available: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Completed, it kept its confirmed meeting next week, the live room, and reminders."""
    from django.core import mail

    from openmentor.mentorships.services import change_status

    meeting = services.book_meeting(
        bob, mentorship, starts_at=next_weekday(2, 10), duration_minutes=60
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_status(carol_available, mentorship, "completed")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.shown_reason == "The mentorship has closed."
    assert {m.to[0] for m in mail.outbox if m.attachments} == {bob.email, carol_available.email}
    assert services.send_due_reminders(meeting.starts_at - timedelta(minutes=30)) == 0
