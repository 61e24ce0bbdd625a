"""Someone who leaves the program while their group goes on keeps their part of it to
read: their goals, the sessions and notes from before they left, and the conversation until
then. Before, their participation was deleted and all of it vanished for them, and matching
forgot the group as a past pairing. Nothing new reaches them, and they write nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openmentor.core.errors import NotAllowed
from openmentor.matching.adapter import past_pairs
from openmentor.mentorships import services as mentorship_services
from openmentor.mentorships.models import MentorshipParticipant, Note
from openmentor.messaging import services
from openmentor.messaging.models import Message
from openmentor.notifications.models import Notification, UserEvent
from openmentor.programs.services import leave_program

pytestmark = pytest.mark.django_db


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


def test_the_conversation_reads_until_they_left_and_takes_nothing_from_them(
    circle: Any, program: Any, carol: Any, erin: Any, client_for: Any
) -> None:
    mine = services.send_message(erin, circle, body="My **question**", client_id="e1").message
    before = services.send_message(
        carol, circle, body="An answer", client_id="c1", attachments=[pdf("before.pdf")]
    ).message
    leave_program(erin, program, "mentee")
    services.edit_message(carol, before.pk, "Rewritten after she left")
    after = services.send_message(
        carol, circle, body="Said after she left", client_id="c2", attachments=[pdf("after.pdf")]
    ).message
    erin_browser = client_for(erin)

    page = erin_browser.get(f"/messages/{circle.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "You have not been in this group since" in text
    assert "<h1>Bob Mentee, Carol Mentor</h1>" in text  # the others, as the live thread
    # As it read when she left: a later edit does not show, nor do later messages.
    assert "My <strong>question</strong>" in text and "An answer" in text
    assert "Rewritten after she left" not in text and "(edited)" not in text
    assert "Said after she left" not in text and "after.pdf" not in text
    listed = erin_browser.get("/messages/").content.decode()
    assert "Groups you are no longer in" in listed and f'href="/messages/{circle.pk}/"' in listed
    assert 'id="composer"' not in text and "/edit/" not in text and "/report/" not in text
    # The mentorship's "Messages" link leads there too.
    assert erin_browser.get(f"/mentorships/{circle.mentorship_id}/messages/").url == (
        f"/messages/{circle.pk}/"
    )
    # Files sent before she left download; later ones do not.
    kept, later = before.attachments.get(), after.attachments.get()
    assert erin_browser.get(f"/messages/attachments/{kept.pk}/").content == (b"%PDF-1.4 before.pdf")
    assert erin_browser.get(f"/messages/attachments/{later.pk}/").status_code == 404

    # A message from a page still open when she left is not sent; her text is given back.
    refused = erin_browser.post(
        f"/messages/{circle.pk}/", {"body": "Hello again?", "client_id": "e2"}
    )
    assert refused.status_code == 403
    assert '<h2 id="unsent-title">Not sent</h2>' in refused.content.decode()
    assert ">Hello again?</textarea>" in refused.content.decode()
    assert not Message.objects.filter(sender=erin, client_id="e2").exists()
    # Nor can she change what she wrote, report, or read it over the API.
    for url in (
        f"/messages/message/{mine.pk}/edit/",
        f"/messages/message/{mine.pk}/history/",
        f"/messages/message/{before.pk}/report/",
        f"/api/v1/messaging/conversations/{circle.pk}/messages",
    ):
        assert erin_browser.get(url).status_code == 404, url
    assert erin_browser.post(f"/messages/message/{mine.pk}/delete/").status_code == 404
    mine.refresh_from_db()
    assert mine.deleted_at is None


def test_nobody_else_reads_through_the_left_behind_page(
    circle: Any, program: Any, carol: Any, erin: Any, alice: Any, dave: Any, client_for: Any
) -> None:
    services.send_message(carol, circle, body="For the group", client_id="c1")
    leave_program(erin, program, "mentee")
    # The coordinator reads activity, never bodies; an outsider learns nothing.
    for person in (alice, dave):
        assert client_for(person).get(f"/messages/{circle.pk}/").status_code == 404
    # Someone added back reads the whole conversation again, and writes in it.
    MentorshipParticipant.objects.create(mentorship=circle.mentorship, user=erin, role="mentee")
    services.mentorship_conversation(circle.mentorship)
    back = client_for(erin).get(f"/messages/{circle.pk}/").content.decode()
    assert 'id="composer"' in back and "You have not been in this group" not in back


def test_an_open_page_is_told_that_its_reader_left(
    circle: Any, program: Any, erin: Any, bob: Any
) -> None:
    leave_program(erin, program, "mentee")
    told = UserEvent.objects.filter(type="conversation.left")
    assert [(e.user_id, e.payload) for e in told] == [(erin.pk, {"conversation": circle.pk})]


def test_the_mentorship_page_keeps_their_goals_and_the_record_until_they_left(
    circle: Any, program: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    mentorship = circle.mentorship
    goal = mentorship_services.create_goal(erin, mentorship, {"title": "Finish chapter two"})
    mentorship_services.add_milestone(erin, goal, title="Draft", due_on=date(2027, 1, 15))
    bobs = mentorship_services.create_goal(bob, mentorship, {"title": "Bob's reading"})
    asked = mentorship_services.add_action_item(
        bob, bobs, title="Send Bob a paper", assignee_id=erin.pk
    )
    mentorship_services.comment_on_goal(carol, goal, "Good plan")
    for_carol = mentorship_services.add_action_item(
        erin, goal, title="Carol reads the draft", assignee_id=carol.pk
    )
    mentorship_services.log_session(
        carol,
        mentorship,
        held_on=date(2026, 10, 1),
        duration_minutes=45,
        kind="video",
        summary="Planning the chapter",
    )
    own = mentorship_services.add_note(erin, mentorship, body="Erin's own thought", is_private=True)
    shared = mentorship_services.add_note(erin, mentorship, body="Erin shares", is_private=False)
    mentorship_services.add_note(carol, mentorship, body="Shared before", is_private=False)
    mentorship_services.add_note(carol, mentorship, body="Carol's private", is_private=True)
    leave_program(erin, program, "mentee")
    told_before = Notification.objects.filter(user=erin).count()
    mentorship_services.comment_on_goal(carol, goal, "Sad to see you go")
    assert Notification.objects.filter(user=erin).count() == told_before  # not hers to follow
    mentorship_services.add_note(carol, mentorship, body="Shared after", is_private=False)
    mentorship_services.set_action_done(carol, for_carol)
    mentorship_services.create_goal(bob, mentorship, {"title": "Bob's later goal"})

    text = client_for(erin).get(f"/mentorships/{mentorship.pk}/").content.decode()
    for kept in (
        "You have not been in this group since",
        "Bob Mentee, Carol Mentor",
        "Finish chapter two",
        "Draft",
        "Good plan",
        "Planning the chapter",
        "Erin&#x27;s own thought",
        "Shared before",
    ):
        assert kept in text, kept
    # As it stood when she left: Carol's later tick does not show.
    assert "Carol reads the draft" in text
    assert '<span class="badge ok">Done</span> Carol reads the draft' not in text
    for hidden in ("Sad to see you go", "Shared after", "Carol&#x27;s private", "Bob&#x27;s later"):
        assert hidden not in text, hidden
    listed = client_for(erin).get("/mentorships/").content.decode()
    assert "Groups you are no longer in" in listed and f"/mentorships/{mentorship.pk}/" in listed
    # A shared note is the group's too: she cannot delete it. Her private one she can.
    assert client_for(erin).delete(f"/api/v1/notes/{shared.pk}").status_code == 404
    client_for(erin).post(f"/mentorships/notes/{shared.pk}/delete/", {"confirmed": "1"})
    assert Note.objects.filter(pk=shared.pk).exists()
    assert f'action="/mentorships/notes/{own.pk}/delete/"' in text  # offered on her page
    assert f'action="/mentorships/notes/{shared.pk}/delete/"' not in text
    assert client_for(erin).delete(f"/api/v1/notes/{own.pk}").status_code == 204
    assert not Note.objects.filter(pk=own.pk).exists()
    # What Bob asked her to do goes back to him.
    asked.refresh_from_db()
    assert asked.assignee_id == bob.pk
    # A link from before (a notification about her goal) leads to what she keeps.
    followed = client_for(erin).get(f"/mentorships/goals/{goal.pk}/")
    assert followed.url == f"/mentorships/{mentorship.pk}/#goal-{goal.pk}"
    # Pages that change the mentorship stay closed to her (Bob, still in it, opens them).
    # Nor does any service let her change her goal (whatever page or endpoint calls it).
    milestone = goal.milestones.get()
    for change in (
        lambda: mentorship_services.update_goal(erin, goal, {"title": "Changed"}),
        lambda: mentorship_services.set_milestone_done(erin, milestone),
        lambda: mentorship_services.set_action_done(erin, for_carol, done=False),
        lambda: mentorship_services.add_milestone(
            erin, goal, title="More", due_on=date(2027, 2, 1)
        ),
    ):
        with pytest.raises(NotAllowed):
            change()
    agreement = f"/mentorships/{mentorship.pk}/agreement/"
    assert client_for(bob).get(agreement).status_code == 200
    assert client_for(erin).get(agreement).status_code == 404


def test_matching_still_counts_the_group_as_a_past_pairing(
    circle: Any, program: Any, carol: Any, erin: Any
) -> None:
    leave_program(erin, program, "mentee")
    assert (erin.pk, carol.pk) in past_pairs(program)


def test_a_group_named_after_its_people_drops_whoever_left_and_a_chosen_name_stays(
    circle: Any, program: Any, carol: Any, bob: Any, erin: Any
) -> None:
    from openmentor.mentorships.services import create_mentorship

    named = create_mentorship(
        program, mentors=[carol], mentees=[bob, erin], origin="test", title="Thesis circle"
    )
    assert circle.mentorship.title == "Carol Mentor, Bob Mentee & Erin Mentee"
    leave_program(erin, program, "mentee")
    circle.mentorship.refresh_from_db()
    named.refresh_from_db()
    assert circle.mentorship.title == "Carol Mentor & Bob Mentee"
    assert named.title == "Thesis circle"
