from __future__ import annotations

import asyncio
import json
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.utils import timezone

from openmentor.messaging import services
from openmentor.messaging.models import Message

from .servers import server_process


async def _open(address: str, session: str) -> Any:
    socket = await websockets.connect(
        f"ws://{address}/ws/messaging/",
        origin="http://127.0.0.1",
        additional_headers={"Cookie": f"sessionid={session}"},
    )
    hello = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert hello["type"] == "hello"
    return socket


async def _next_of_type(socket: Any, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["type"] == kind:
            return message


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_message_sent_through_process_a_reaches_a_socket_on_process_b(
    conversation: Any, carol: Any, bob: Any, client_for: Any, redis_url: str
) -> None:
    carol_session = client_for(carol).cookies["sessionid"].value
    bob_session = client_for(bob).cookies["sessionid"].value

    async def scenario(a: str, b: str) -> tuple[dict[str, Any], dict[str, Any]]:
        carol_socket = await _open(a, carol_session)
        bob_socket = await _open(b, bob_session)
        await carol_socket.send(
            json.dumps(
                {
                    "type": "message.send",
                    "conversation": conversation.pk,
                    "client_id": "x-proc-1",
                    "body": "Across processes",
                }
            )
        )
        # Carol's own event confirms her send (it went out through Redis too).
        confirmed = await _next_of_type(carol_socket, "message.new")
        pushed = await _next_of_type(bob_socket, "message.new")
        await carol_socket.close()
        await bob_socket.close()
        return confirmed, pushed

    with server_process(redis_url) as a, server_process(redis_url) as b:
        confirmed, pushed = asyncio.run(scenario(a, b))
    assert confirmed["payload"]["client_id"] == "x-proc-1"
    assert pushed["payload"]["data"]["body"] == "Across processes"
    assert pushed["payload"]["message"] == confirmed["payload"]["message"]
    assert Message.objects.get().pk == pushed["payload"]["message"]


@pytest.mark.django_db(transaction=True)
def test_embedded_mode_a_scheduled_message_sent_by_the_worker_reaches_the_open_socket(
    conversation: Any, carol: Any, bob: Any, client_for: Any, settings: Any
) -> None:
    """``make run``: one web process with the in-memory layer, and the worker (here, this
    test process) sends the scheduled message out; the push crosses the relay."""
    relay = str(Path(tempfile.mkdtemp(prefix="om-relay-")) / "push.sock")  # short: a Unix path
    bob_session = client_for(bob).cookies["sessionid"].value
    later = timezone.now() + timedelta(hours=8)
    scheduled = services.send_message(
        carol, conversation, body="Good morning, Bob", client_id="sched-1", send_at=later
    ).message
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "openmentor.core.channel_layers.LocalChannelLayer",
            "CONFIG": {"relay": relay},
        }
    }

    async def scenario(web: str) -> dict[str, Any]:
        bob_socket = await _open(web, bob_session)
        delivered = await sync_to_async(services.deliver_due_messages)(later)
        assert delivered == 1
        pushed = await _next_of_type(bob_socket, "message.new")
        await bob_socket.close()
        return pushed

    with server_process(push_relay=relay) as web:
        pushed = asyncio.run(scenario(web))
    # It went out as a new row, after what was said while it waited (same client id).
    assert pushed["payload"]["client_id"] == scheduled.client_id
    assert pushed["payload"]["message"] == Message.objects.get(client_id="sched-1").pk
    assert pushed["payload"]["data"]["body"] == "Good morning, Bob"
