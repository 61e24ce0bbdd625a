"""In a group's meeting each person says whether they will come; one who cannot does not
cancel it for everyone."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from conftest import add_member
from openmentor.core.errors import Conflict, NotAllowed, ValidationFailed
from openmentor.mentorships.services import create_mentorship
from openmentor.notifications.models import Notification
from openmentor.scheduling import selectors, services
from openmentor.scheduling.models import AttendeeResponse, Meeting, MeetingStatus, SlotClaim

from .conftest import next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(program: Any, carol_available: Any, bob: Any, erin: Any) -> Any:
    return create_mentorship(program, mentors=[carol_available], mentees=[bob, erin], origin="t")


@pytest.fixture
def group_meeting(group: Any, bob: Any) -> Meeting:
    """Bob books it inside Carol's hours; Carol and Erin have not answered."""
    return services.book_meeting(bob, group, starts_at=next_weekday(2, 10), duration_minutes=60)


def response_of(meeting: Meeting, person: Any) -> str:
    return meeting.attendees.get(user=person).response


def calendar_methods() -> dict[str, str]:
    """Who got which .ics (REQUEST or CANCEL) since the outbox was cleared."""
    sent = {}
    for message in mail.outbox:
        for _name, content, _type in message.attachments:
            sent[message.to[0]] = str(Calendar.from_ical(content)["method"])
    return sent


def test_one_who_cannot_come_frees_their_time_and_the_others_are_told(
    group_meeting: Meeting,
    bob: Any,
    carol_available: Any,
    erin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.respond_to_meeting(erin, group_meeting, coming=False)
    group_meeting.refresh_from_db()
    assert group_meeting.status == MeetingStatus.CONFIRMED  # it goes on for the others
    assert response_of(group_meeting, erin) == AttendeeResponse.DECLINED
    assert not SlotClaim.objects.filter(meeting=group_meeting, user=erin).exists()
    assert SlotClaim.objects.filter(meeting=group_meeting, user=bob).count() == 4
    # Her calendar drops it; the others hear it in the app and by e-mail.
    assert calendar_methods() == {erin.email: "CANCEL"}
    told = {
        n.user: n.title
        for n in Notification.objects.filter(kind="meeting", title__contains="cannot come")
    }
    assert set(told) == {bob, carol_available}
    assert told[bob].startswith("Erin Mentee cannot come to the meeting on")
    assert {m.to[0] for m in mail.outbox if not m.attachments} == {
        bob.email,
        carol_available.email,
    }
    assert group_meeting not in selectors.feed_meetings(erin)
    assert group_meeting in selectors.feed_meetings(bob)
    listed = selectors.meetings_for_user(erin).get(pk=group_meeting.pk)
    assert listed.my_response == AttendeeResponse.DECLINED  # still listed: she may come after all
    reminders = services.send_due_reminders(group_meeting.starts_at - timedelta(minutes=30))
    assert (
        reminders == 2
        and not Notification.objects.filter(user=erin, kind="meeting_reminder").exists()
    )

    # She can come after all: her time is claimed again and the others are told.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.respond_to_meeting(erin, group_meeting, coming=True)
    assert response_of(group_meeting, erin) == AttendeeResponse.ACCEPTED
    assert SlotClaim.objects.filter(meeting=group_meeting, user=erin).count() == 4
    assert calendar_methods() == {erin.email: "REQUEST"}
    assert Notification.objects.filter(user=bob, title__contains="after all").count() == 1
    # Saying the same again changes nothing and tells no one.
    before = Notification.objects.count()
    services.respond_to_meeting(erin, group_meeting, coming=True)
    assert Notification.objects.count() == before


def test_a_first_yes_to_a_confirmed_meeting_is_recorded_quietly(
    group_meeting: Meeting, carol_available: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.respond_to_meeting(carol_available, group_meeting, coming=True)
    assert response_of(group_meeting, carol_available) == AttendeeResponse.ACCEPTED
    assert Notification.objects.count() == before and mail.outbox == []


def test_a_group_meeting_no_one_else_can_come_to_is_cancelled(
    group_meeting: Meeting, bob: Any, carol_available: Any, erin: Any
) -> None:
    services.respond_to_meeting(erin, group_meeting, coming=False)
    services.respond_to_meeting(carol_available, group_meeting, coming=False)
    group_meeting.refresh_from_db()
    assert group_meeting.status == MeetingStatus.CANCELLED
    assert group_meeting.status_reason == "No one else can come."
    assert not SlotClaim.objects.filter(meeting=group_meeting).exists()
    assert Notification.objects.filter(user=bob, title__endswith="cancelled").exists()


def test_a_proposal_in_a_group_is_accepted_by_saying_yes(group: Any, bob: Any, erin: Any) -> None:
    proposal = services.book_meeting(
        bob, group, starts_at=next_weekday(2, 10), duration_minutes=60, propose=True
    )
    services.respond_to_meeting(erin, proposal, coming=False)
    proposal.refresh_from_db()
    assert proposal.status == MeetingStatus.PROPOSED
    services.respond_to_meeting(erin, proposal, coming=True)  # changed her mind
    proposal.refresh_from_db()
    assert proposal.status == MeetingStatus.CONFIRMED
    assert response_of(proposal, erin) == AttendeeResponse.ACCEPTED
    assert SlotClaim.objects.filter(meeting=proposal, user=erin).count() == 4


def test_coming_after_all_is_refused_when_the_time_was_taken_meanwhile(
    program: Any, group_meeting: Meeting, erin: Any, charlie: Any
) -> None:
    services.respond_to_meeting(erin, group_meeting, coming=False)
    add_member(program, charlie, "mentor")
    pair = create_mentorship(program, mentors=[charlie], mentees=[erin], origin="t")
    services.book_meeting(
        erin, pair, starts_at=group_meeting.starts_at, duration_minutes=60, propose=True
    )
    with pytest.raises(Conflict, match="another meeting at that time"):
        services.respond_to_meeting(erin, group_meeting, coming=True)
    assert response_of(group_meeting, erin) == AttendeeResponse.DECLINED


def test_who_cannot_answer_this_way(
    group_meeting: Meeting, mentorship: Any, bob: Any, carol_available: Any, charlie: Any
) -> None:
    with pytest.raises(ValidationFailed, match="You set up this meeting"):
        services.respond_to_meeting(bob, group_meeting, coming=False)
    pair_meeting = services.book_meeting(
        bob, mentorship, starts_at=next_weekday(3, 10), duration_minutes=60
    )
    with pytest.raises(ValidationFailed, match="In a pair"):
        services.respond_to_meeting(carol_available, pair_meeting, coming=False)
    services.cancel_meeting(bob, group_meeting, reason="Holiday")
    with pytest.raises(Conflict, match="still ahead"):
        services.respond_to_meeting(carol_available, group_meeting, coming=False)


def test_the_meeting_page_asks_each_person_in_a_group(
    client_for: Any, group_meeting: Meeting, bob: Any, erin: Any
) -> None:
    page_url = reverse("scheduling:meeting", args=[group_meeting.pk])
    answer_url = reverse("scheduling:respond", args=[group_meeting.pk])
    page = client_for(erin).get(page_url).content.decode()
    assert "Will you come?" in page and "You have not answered yet." in page
    assert "Carol Mentor — Not answered" in page  # who has answered, in a group
    assert "Will you come?" not in client_for(bob).get(page_url).content.decode()  # his own

    nonsense = client_for(erin).post(answer_url, {"coming": "maybe"}, follow=True)
    assert "Choose whether you will come." in nonsense.content.decode()
    assert response_of(group_meeting, erin) == AttendeeResponse.NEEDS_ACTION

    answered = client_for(erin).post(answer_url, {"coming": "no"}, follow=True)
    text = answered.content.decode()
    assert "The others have been told you cannot come." in text
    assert "You said you cannot come." in text and "I will come" in text
    assert response_of(group_meeting, erin) == AttendeeResponse.DECLINED
    listing = client_for(erin).get(reverse("scheduling:my_meetings")).content.decode()
    assert "you cannot come" in listing
    erin.language = "es"
    erin.save(update_fields=["language"])
    spanish = client_for(erin).get(page_url).content.decode()
    assert "¿Vendrás?" in spanish and "Dijiste que no puedes venir." in spanish


def test_a_pairs_meeting_shows_no_answers_to_give(
    client_for: Any, mentorship: Any, bob: Any, carol_available: Any
) -> None:
    """Booked inside her hours, it is confirmed: "Carol — Not answered" beside it, with no
    way to answer, read as if something were missing."""
    pair_meeting = services.book_meeting(
        bob, mentorship, starts_at=next_weekday(3, 10), duration_minutes=60
    )
    page = client_for(carol_available).get(reverse("scheduling:meeting", args=[pair_meeting.pk]))
    text = page.content.decode()
    assert "Not answered" not in text and "Will you come?" not in text


def test_outsiders_cannot_answer_for_a_groups_meeting(
    client_for: Any, group_meeting: Meeting, mentorship: Any, alice: Any, charlie: Any, dave: Any
) -> None:
    answer_url = reverse("scheduling:respond", args=[group_meeting.pk])
    api_url = f"/api/v1/scheduling/meetings/{group_meeting.pk}/response"
    for person in (charlie, dave, alice):  # outsider, other program's and this one's coordinator
        assert client_for(person).post(answer_url, {"coming": "no"}).status_code == 404
        refused = client_for(person).post(
            api_url, {"coming": False}, content_type="application/json"
        )
        assert refused.status_code == 404
    assert not group_meeting.attendees.filter(response=AttendeeResponse.DECLINED).exists()


def test_the_api_takes_an_answer(client_for: Any, group_meeting: Meeting, erin: Any) -> None:
    url = f"/api/v1/scheduling/meetings/{group_meeting.pk}/response"
    bad = client_for(erin).post(url, {"coming": "perhaps"}, content_type="application/json")
    assert bad.status_code == 422
    answered = client_for(erin).post(url, {"coming": False}, content_type="application/json")
    assert answered.status_code == 200
    mine = [a for a in answered.json()["attendees"] if a["user_id"] == erin.pk]
    assert mine[0]["response"] == "declined" and answered.json()["status"] == "confirmed"


def test_accepting_a_proposal_after_saying_no_claims_the_time_again(
    program: Any, group: Any, bob: Any, erin: Any, charlie: Any, client_for: Any
) -> None:
    """The older "accept" button (a page left open) must not make a double booking."""
    starts = next_weekday(2, 10)
    proposal = services.book_meeting(
        bob, group, starts_at=starts, duration_minutes=60, propose=True
    )
    services.respond_to_meeting(erin, proposal, coming=False)
    add_member(program, charlie, "mentor")
    pair = create_mentorship(program, mentors=[charlie], mentees=[erin], origin="t")
    services.book_meeting(erin, pair, starts_at=starts, duration_minutes=60, propose=True)
    page = client_for(erin).post(reverse("scheduling:accept", args=[proposal.pk]), follow=True)
    assert "another meeting at that time" in page.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == MeetingStatus.PROPOSED
    assert response_of(proposal, erin) == AttendeeResponse.DECLINED


def test_one_who_said_no_hears_nothing_more_until_it_is_cancelled(
    program: Any,
    group: Any,
    bob: Any,
    erin: Any,
    carol_available: Any,
    charlie: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    proposal = services.book_meeting(
        bob, group, starts_at=next_weekday(2, 10), duration_minutes=60, propose=True
    )
    services.respond_to_meeting(erin, proposal, coming=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.respond_to_meeting(carol_available, proposal, coming=True)  # confirmed
    # No file puts it back on Erin's calendar.
    assert calendar_methods() == {bob.email: "REQUEST", carol_available.email: "REQUEST"}
    assert not Notification.objects.filter(user=erin, title__startswith="Meeting confirmed")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_meeting(bob, proposal, reason="Holiday")
    assert calendar_methods() == {
        erin.email: "CANCEL",
        carol_available.email: "CANCEL",
        bob.email: "CANCEL",
    }


def test_saying_no_frees_the_time_for_other_bookings_and_the_weekly_limit(
    program: Any, group_meeting: Meeting, erin: Any, charlie: Any
) -> None:
    starts = group_meeting.starts_at
    services.update_preferences(erin, max_sessions_per_week=1, reminder_minutes=[30])
    services.respond_to_meeting(erin, group_meeting, coming=False)
    seen = selectors.person(erin, starts - timedelta(hours=1), starts + timedelta(hours=2))
    assert seen.booked_per_week == {}
    add_member(program, charlie, "mentor")
    pair = create_mentorship(program, mentors=[charlie], mentees=[erin], origin="t")
    later = services.book_meeting(
        erin, pair, starts_at=starts + timedelta(hours=3), duration_minutes=60, propose=True
    )
    assert later.status == MeetingStatus.PROPOSED


def test_an_answer_from_a_page_showing_the_old_time_is_refused(
    client_for: Any, group_meeting: Meeting, erin: Any, carol_available: Any
) -> None:
    page = client_for(erin).get(reverse("scheduling:meeting", args=[group_meeting.pk]))
    seen = re.search(r'name="starts_at" value="([^"]+)"', page.content.decode())
    assert seen is not None
    services.reschedule_meeting(
        carol_available,
        group_meeting,
        starts_at=group_meeting.starts_at + timedelta(hours=4),
        duration_minutes=60,
        reason="A clash",
    )
    answer = client_for(erin).post(
        reverse("scheduling:respond", args=[group_meeting.pk]),
        {"coming": "yes", "starts_at": seen.group(1)},
        follow=True,
    )
    assert "The meeting has moved since you opened it." in answer.content.decode()
    group_meeting.refresh_from_db()
    assert group_meeting.status == MeetingStatus.PROPOSED
    assert response_of(group_meeting, erin) == AttendeeResponse.NEEDS_ACTION


def test_one_who_cannot_come_leaves_the_meeting_to_the_others(
    client_for: Any, group_meeting: Meeting, erin: Any
) -> None:
    """They could still cancel it for everyone, or move it."""
    services.respond_to_meeting(erin, group_meeting, coming=False)
    page = client_for(erin).get(reverse("scheduling:meeting", args=[group_meeting.pk]))
    assert "Cancel the meeting" not in page.content.decode()
    with pytest.raises(NotAllowed, match="the others decide"):
        services.cancel_meeting(erin, group_meeting, reason="Not for me")
    with pytest.raises(NotAllowed, match="the others decide"):
        services.reschedule_meeting(
            erin,
            group_meeting,
            starts_at=group_meeting.starts_at + timedelta(hours=2),
            duration_minutes=60,
            reason="Later",
        )
    group_meeting.refresh_from_db()
    assert group_meeting.status == MeetingStatus.CONFIRMED


def test_the_platforms_reason_is_read_in_each_persons_language(
    client_for: Any, group_meeting: Meeting, bob: Any, erin: Any, carol_available: Any
) -> None:
    """Cancelled because no one else could come, by Carol reading French: Bob read the
    reason in French."""
    from django.utils import translation

    services.respond_to_meeting(erin, group_meeting, coming=False)
    with translation.override("fr"):
        services.respond_to_meeting(carol_available, group_meeting, coming=False)
    page = client_for(bob).get(reverse("scheduling:meeting", args=[group_meeting.pk]))
    assert "Cancelled — No one else can come." in page.content.decode()
    bob.language = "es"
    bob.save(update_fields=["language"])
    page = client_for(bob).get(reverse("scheduling:meeting", args=[group_meeting.pk]))
    assert "Nadie más puede venir." in page.content.decode()


def test_a_quick_no_then_yes_sends_two_calendar_files_each_newer(
    group_meeting: Meeting, erin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Both files are sent after both answers (the worker was busy): the second must still
    be newer than the first, or her calendar keeps the meeting cancelled."""
    group_meeting.refresh_from_db()
    before = group_meeting.ics_sequence
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.respond_to_meeting(erin, group_meeting, coming=False)
        services.respond_to_meeting(erin, group_meeting, coming=True)
    mail.outbox.clear()
    for send in queued:
        send()
    files = [
        Calendar.from_ical(content)
        for message in mail.outbox
        if message.to == [erin.email]
        for _name, content, _type in message.attachments
    ]
    assert [(str(f["method"]), f.walk("VEVENT")[0]["sequence"]) for f in files] == [
        ("CANCEL", before + 1),
        ("REQUEST", before + 2),
    ]
