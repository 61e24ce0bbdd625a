from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from openmentor.scheduling import services
from openmentor.scheduling.routing import websocket_urlpatterns

from .conftest import next_weekday

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def communicator(user: Any, meeting_id: int) -> WebsocketCommunicator:
    app = URLRouter(websocket_urlpatterns)
    connection = WebsocketCommunicator(app, f"/ws/meetings/{meeting_id}/")
    connection.scope["user"] = user
    return connection


@pytest.fixture
def video_meeting(mentorship: Any, bob: Any, carol_available: Any) -> Any:
    return services.book_meeting(
        bob, mentorship, starts_at=next_weekday(2, 10), duration_minutes=60
    )


async def test_only_the_meetings_participants_enter_the_room(
    video_meeting: Any, charlie: Any, erin: Any, alice: Any, dave: Any
) -> None:
    for stranger in (charlie, erin, alice, dave):
        connection = communicator(stranger, video_meeting.pk)
        connected, code = await connection.connect()
        assert not connected and code == 4403


async def test_signals_are_relayed_to_the_addressed_peer_only(
    video_meeting: Any, bob: Any, carol: Any
) -> None:
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

    await carol_socket.send_json_to({"type": "chat", "text": "Can you hear me?"})
    for socket in (bob_socket, carol_socket):
        message = await socket.receive_json_from()
        assert message["type"] == "chat" and message["text"] == "Can you hear me?"

    await carol_socket.disconnect()
    assert (await bob_socket.receive_json_from()) == {"type": "peer-left", "peer": carol_id}
    await bob_socket.disconnect()


async def test_a_cancelled_meeting_has_no_room(video_meeting: Any, bob: Any) -> None:
    await sync_to_async(services.cancel_meeting)(bob, video_meeting, reason="Ill")
    connection = communicator(bob, video_meeting.pk)
    connected, code = await connection.connect()
    assert not connected and code == 4403
