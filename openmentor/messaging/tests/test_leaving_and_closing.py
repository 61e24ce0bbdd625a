"""People who go: someone who leaves a program leaves its mentorships and their
conversations; a closed account's open sockets close. Before, both kept reading and writing
in their circle over a socket they already had open, or even over the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone, translation

from openmentor.core.errors import NotAllowed, NotFound
from openmentor.mentorships.models import MentorshipStatus
from openmentor.mentorships.services import change_status
from openmentor.messaging import selectors, services
from openmentor.messaging.models import ConversationMember, Message, MessageStatus
from openmentor.messaging.tests.test_consumers import socket_of
from openmentor.notifications.models import Notification
from openmentor.programs.models import Membership
from openmentor.programs.services import leave_program, remove_member


@pytest.mark.django_db
def test_a_member_who_leaves_the_program_leaves_the_circle_and_its_conversation(
    circle: Any, program: Any, carol: Any, bob: Any, erin: Any
) -> None:
    services.send_message(carol, circle, body="Welcome both", client_id="w1")
    later = timezone.now() + timedelta(hours=2)
    scheduled = services.send_message(
        erin, circle, body="For tomorrow", client_id="e1", send_at=later
    ).message

    leave_program(erin, program, "mentee")

    mentorship = circle.mentorship
    mentorship.refresh_from_db()
    # Carol and Bob go on: still a mentor with a mentee.
    assert mentorship.status == MentorshipStatus.ACTIVE
    assert {p.user for p in mentorship.participants.all()} == {carol, bob}
    assert not ConversationMember.objects.filter(conversation=circle, user=erin).exists()
    assert not selectors.can_read(erin, circle)
    with pytest.raises(NotFound):
        services.send_message(erin, circle, body="Still here?", client_id="e2")
    with pytest.raises(NotAllowed):
        change_status(erin, mentorship, MentorshipStatus.ENDED, reason="Leaving anyway")
    for person in (carol, bob):
        told = Notification.objects.get(user=person, kind="status")
        assert told.shown_title == "Erin Mentee is no longer in the program, nor in this mentorship"
    # What she scheduled before leaving does not go out after.
    services.deliver_due_messages(now=later + timedelta(minutes=1))
    scheduled.refresh_from_db()
    assert scheduled.status == MessageStatus.NOT_SENT
    assert not Message.objects.filter(
        conversation=circle, status=MessageStatus.SENT, sender=erin
    ).exists()


@pytest.mark.django_db
def test_a_pair_ends_when_a_coordinator_removes_one_of_them(
    conversation: Any, program: Any, alice: Any, carol: Any, bob: Any
) -> None:
    membership = Membership.objects.get(program=program, user=bob, role="mentee")
    with translation.override("es"):  # the coordinator works in Spanish; Carol does not
        remove_member(alice, program, membership.pk)

    mentorship = conversation.mentorship
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.ENDED
    assert mentorship.ended_reason == "Bob Mentee is no longer in the program."
    told = Notification.objects.get(user=carol, kind="status")
    assert told.shown_title == "Your mentorship has ended: Bob Mentee is no longer in the program"
    # The conversation stays as it was, read-only, for both.
    assert selectors.can_read(carol, conversation) and selectors.can_read(bob, conversation)
    with pytest.raises(NotAllowed) as closed:
        services.send_message(carol, conversation, body="Bob?", client_id="c1")
    assert closed.value.code == "conversation_closed"


@pytest.mark.django_db
def test_leaving_in_another_role_leaves_these_mentorships_alone(
    conversation: Any, program: Any, carol: Any, bob: Any
) -> None:
    from conftest import add_member

    add_member(program, bob, "mentor")
    leave_program(bob, program, "mentor")
    conversation.mentorship.refresh_from_db()
    assert conversation.mentorship.status == MentorshipStatus.ACTIVE
    assert selectors.can_read(bob, conversation)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_closing_an_account_closes_its_open_sockets(
    conversation: Any, bob: Any, client_for: Any
) -> None:
    browser = await database_sync_to_async(client_for)(bob)
    socket = await socket_of(browser)

    def close_account() -> None:
        bob.is_active = False
        bob.save(update_fields=["is_active"])

    await database_sync_to_async(close_account)()
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db
def test_the_activity_page_says_who_cannot_be_written_to_and_where_a_block_is(
    circle: Any, program: Any, alice: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    services.block(erin, bob.pk)
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    page = client_for(alice).get(f"/messages/program/{program.slug}/").content.decode()
    # A block in a group stops messages between two of its people, not the group's.
    assert "a block between two of them" in page and "messaging blocked" not in page
    assert 'Carol Mentor <span class="muted">(account closed)</span>' in page
    assert f"/messages/program/{program.slug}/support/{carol.pk}/" not in page
    assert f"/messages/program/{program.slug}/support/{bob.pk}/" in page


@pytest.mark.django_db
def test_the_activity_page_offers_no_write_to_someone_no_longer_in_the_program(
    conversation: Any, program: Any, alice: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    membership = Membership.objects.get(program=program, user=bob, role="mentee")
    remove_member(alice, program, membership.pk)  # the pair ends
    page = client_for(alice).get(f"/messages/program/{program.slug}/").content.decode()
    assert 'Bob Mentee <span class="muted">(no longer in the program)</span>' in page
    assert f"/messages/program/{program.slug}/support/{bob.pk}/" not in page
    assert f"/messages/program/{program.slug}/support/{carol.pk}/" in page


@pytest.mark.django_db
def test_seen_by_does_not_wait_for_a_closed_account(
    circle: Any, carol: Any, bob: Any, erin: Any
) -> None:
    services.send_message(carol, circle, body="To you both", client_id="t1")
    services.mark_read(bob, circle)
    erin.is_active = False
    erin.save(update_fields=["is_active"])
    assert set(selectors.read_cursors_of_others(circle, carol.pk)) == {bob.pk}
