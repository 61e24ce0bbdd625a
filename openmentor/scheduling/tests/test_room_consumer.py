"""The room's signalling consumer. The scenarios run on their own event loop in a worker
thread: a session-wide Playwright browser (browser tests) keeps an event loop running in
the main thread, where neither asyncio.run nor async_to_sync may start another."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from openmentor.messaging.models import Message
from openmentor.scheduling import services
from openmentor.scheduling.models import Meeting
from openmentor.scheduling.routing import websocket_urlpatterns

from .conftest import in_thread, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)


def communicator(user: Any, meeting_id: int) -> WebsocketCommunicator:
    app = URLRouter(websocket_urlpatterns)
    socket = WebsocketCommunicator(app, f"/ws/meetings/{meeting_id}/")
    socket.scope["user"] = user
    return socket


@pytest.fixture
def video_meeting(mentorship: Any, bob: Any, carol_available: Any) -> Any:
    return in_thread(
        lambda: services.book_meeting(
            bob, mentorship, starts_at=next_weekday(2, 10), duration_minutes=60
        )
    )


def test_only_the_meetings_participants_enter_the_room(
    video_meeting: Any, charlie: Any, erin: Any, alice: Any, dave: Any
) -> None:
    async def scenario() -> list[tuple[bool, int]]:
        results = []
        for stranger in (charlie, erin, alice, dave):
            results.append(await communicator(stranger, video_meeting.pk).connect())
        return results

    assert in_thread(lambda: asyncio.run(scenario())) == [(False, 4403)] * 4


def test_signals_are_relayed_to_the_addressed_peer_only(
    video_meeting: Any, bob: Any, carol: Any
) -> None:
    async def scenario() -> None:
        bob_socket = communicator(bob, video_meeting.pk)
        assert (await bob_socket.connect())[0]
        bob_id = (await bob_socket.receive_json_from())["peer"]
        carol_socket = communicator(carol, video_meeting.pk)
        assert (await carol_socket.connect())[0]
        carol_id = (await carol_socket.receive_json_from())["peer"]
        joined = await bob_socket.receive_json_from()
        assert joined == {"type": "peer-joined", "peer": carol_id, "name": "Carol Mentor"}

        offer = {"description": {"type": "offer", "sdp": "v=0"}}
        await bob_socket.send_json_to({"type": "signal", "to": carol_id, "data": offer})
        received = await carol_socket.receive_json_from()
        assert received["type"] == "signal" and received["from"] == bob_id
        assert received["data"] == offer
        assert await bob_socket.receive_nothing()  # not echoed to the sender

        chat = {"type": "chat", "text": "Can you hear me?", "client_id": "room-1"}
        await carol_socket.send_json_to(chat)
        for socket in (bob_socket, carol_socket):
            message = await socket.receive_json_from()
            assert message["type"] == "chat" and message["text"] == "Can you hear me?"
        await carol_socket.send_json_to(chat)  # a client retry
        for socket in (bob_socket, carol_socket):
            await socket.receive_json_from()

        await carol_socket.disconnect()
        assert (await bob_socket.receive_json_from()) == {"type": "peer-left", "peer": carol_id}
        await bob_socket.disconnect()

    in_thread(lambda: asyncio.run(scenario()))
    # The line is kept in the mentorship's conversation, once despite the retry.
    assert [m.body for m in Message.objects.filter(sender=carol)] == ["Can you hear me?"]


def test_a_cancelled_meeting_has_no_room(video_meeting: Any, bob: Any) -> None:
    in_thread(lambda: services.cancel_meeting(bob, video_meeting, reason="Ill"))

    async def scenario() -> tuple[bool, int]:
        return await communicator(bob, video_meeting.pk).connect()

    assert in_thread(lambda: asyncio.run(scenario())) == (False, 4403)


def test_someone_who_leaves_the_program_is_put_out_of_the_room(
    program: Any, carol_available: Any, bob: Any, erin: Any
) -> None:
    from channels.db import database_sync_to_async

    from openmentor.mentorships.services import create_mentorship
    from openmentor.programs.services import leave_program

    def book_for_the_group() -> Any:
        group = create_mentorship(
            program, mentors=[carol_available], mentees=[bob, erin], origin="test"
        )
        return services.book_meeting(bob, group, starts_at=next_weekday(2, 10), duration_minutes=60)

    meeting = in_thread(book_for_the_group)

    async def scenario() -> None:
        bob_socket, erin_socket = communicator(bob, meeting.pk), communicator(erin, meeting.pk)
        for socket in (bob_socket, erin_socket):
            assert (await socket.connect())[0]
            await socket.receive_json_from()  # welcome
        await bob_socket.receive_json_from()  # Erin joined
        # The call runs past its planned end: she is put out all the same.
        await database_sync_to_async(
            lambda: Meeting.objects.filter(pk=meeting.pk).update(
                starts_at=timezone.now() - timedelta(hours=2),
                ends_at=timezone.now() - timedelta(minutes=10),
            )
        )()
        await database_sync_to_async(leave_program)(erin, program, "mentee")
        assert await erin_socket.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": 4403,
        }
        assert (await bob_socket.receive_json_from())["type"] == "peer-left"
        # What is said after she left does not reach her; she cannot come back in.
        await bob_socket.send_json_to({"type": "chat", "text": "Just us now", "client_id": "b1"})
        assert (await bob_socket.receive_json_from())["text"] == "Just us now"
        assert await erin_socket.receive_nothing()
        assert (await communicator(erin, meeting.pk).connect()) == (False, 4403)
        await bob_socket.disconnect()

    in_thread(lambda: asyncio.run(scenario()))


def test_a_chat_line_of_the_wrong_shape_is_refused_and_nothing_is_kept(
    video_meeting: Any, bob: Any
) -> None:
    async def scenario() -> list[str]:
        socket = communicator(bob, video_meeting.pk)
        assert (await socket.connect())[0]
        await socket.receive_json_from()  # welcome
        answers = []
        for line in (
            {"type": "chat", "text": None, "client_id": "c1"},
            {"type": "chat", "text": {"a": 1}, "client_id": "c2"},
            {"type": "chat", "text": "Hello", "client_id": 42},
            {"type": "chat", "text": "Hello", "client_id": "x" * 65},
        ):
            await socket.send_json_to(line)
            answers.append((await socket.receive_json_from())["type"])
        await socket.disconnect()
        return answers

    assert in_thread(lambda: asyncio.run(scenario())) == ["chat-error"] * 4
    assert not Message.objects.exists()


def test_a_chat_line_from_someone_blocked_does_not_reach_the_one_who_blocked_them(
    program: Any, carol_available: Any, bob: Any, erin: Any
) -> None:
    from openmentor.mentorships.services import create_mentorship
    from openmentor.messaging import services as messaging

    def book_for_the_group() -> Any:
        group = create_mentorship(
            program, mentors=[carol_available], mentees=[bob, erin], origin="test"
        )
        messaging.mentorship_conversation(group)
        messaging.block(erin, bob.pk)
        return services.book_meeting(bob, group, starts_at=next_weekday(2, 10), duration_minutes=60)

    meeting = in_thread(book_for_the_group)

    async def scenario() -> None:
        sockets = [communicator(person, meeting.pk) for person in (bob, erin, carol_available)]
        for socket in sockets:
            assert (await socket.connect())[0]
            await socket.receive_json_from()  # welcome
        bob_socket, erin_socket, carol_socket = sockets
        for _joined in range(2):
            await bob_socket.receive_json_from()
        await erin_socket.receive_json_from()  # Carol joined
        await bob_socket.send_json_to({"type": "chat", "text": "Erin?", "client_id": "b1"})
        assert (await carol_socket.receive_json_from())["text"] == "Erin?"
        assert (await bob_socket.receive_json_from())["text"] == "Erin?"
        assert await erin_socket.receive_nothing()
        await carol_socket.send_json_to({"type": "chat", "text": "Hello all", "client_id": "c1"})
        assert (await erin_socket.receive_json_from())["text"] == "Hello all"
        for socket in sockets:
            await socket.disconnect()

    in_thread(lambda: asyncio.run(scenario()))
