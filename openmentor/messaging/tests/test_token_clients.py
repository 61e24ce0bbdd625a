"""An app signed in with a personal access token: live events on the socket (no Origin
needed, closed when the token is revoked), the long poll, attachment downloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from config.asgi import application
from openmentor.accounts import services as accounts
from openmentor.core.socket_auth import bearer_of
from openmentor.messaging import services


def bearer(raw: str) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {raw}".encode())]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_app_gets_live_events_with_its_token_until_it_is_revoked(
    conversation: Any, carol: Any, bob: Any
) -> None:
    token, raw = await sync_to_async(accounts.create_access_token)(bob, "Phone")
    socket = WebsocketCommunicator(application, "/ws/messaging/", headers=bearer(raw))
    connected, _code = await socket.connect()
    assert connected  # no Origin: only code holding the token can send this header
    assert await socket.receive_json_from() == {"type": "hello", "user": bob.pk}
    await sync_to_async(services.send_message)(carol, conversation, body="Hi", client_id="t1")
    event = await socket.receive_json_from(timeout=5)
    assert (event["type"], event["payload"]["data"]["body"]) == ("message.new", "Hi")
    await sync_to_async(accounts.revoke_access_token)(bob, token.pk)
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_bad_token_is_told_it_is_signed_out_and_a_cookie_still_needs_our_origin(
    bob: Any,
) -> None:
    wrong = WebsocketCommunicator(application, "/ws/messaging/", headers=bearer("om_nope"))
    assert (await wrong.connect())[0]
    assert await wrong.receive_output() == {"type": "websocket.close", "code": 4401}
    client = Client()
    await sync_to_async(client.force_login)(bob)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    no_origin = WebsocketCommunicator(application, "/ws/messaging/", headers=[(b"cookie", cookie)])
    assert not (await no_origin.connect())[0]  # a page of another site sends the cookie too


def test_the_long_poll_and_downloads_take_a_token(
    conversation: Any, carol: Any, bob: Any, erin: Any
) -> None:
    _token, raw = accounts.create_access_token(bob, "Phone")
    plan = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    message = services.send_message(
        carol, conversation, body="The plan", client_id="p1", attachments=[plan]
    ).message
    app = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    polled = app.get("/messages/poll/?after=0&timeout=0")
    assert polled.status_code == 200
    assert [e["type"] for e in polled.json()["events"]] == ["message.new"]
    download = app.get(f"/messages/attachments/{message.attachments.get().pk}/")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 plan"
    # Someone else's token opens nothing of Bob's; a wrong token is told so, in JSON.
    _other, erins = accounts.create_access_token(erin, "Laptop")
    outsider = Client(HTTP_AUTHORIZATION=f"Bearer {erins}")
    assert outsider.get(f"/messages/attachments/{message.attachments.get().pk}/").status_code == 404
    wrong = Client(HTTP_AUTHORIZATION="Bearer om_wrong", HTTP_ACCEPT_LANGUAGE="es")
    refused = wrong.get("/messages/poll/?timeout=0")
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Bearer"
    assert refused.json() == {  # in the asker's language, as the API says it
        "code": "unauthenticated",
        "message": "Inicia sesión o envía un token de acceso válido.",
    }


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_token_socket_ends_with_its_token_even_if_the_push_saying_so_is_lost(
    bob: Any, monkeypatch: Any
) -> None:
    from openmentor.accounts.models import PersonalAccessToken
    from openmentor.core import consumers

    monkeypatch.setattr(consumers, "TOKEN_RECHECK_SECONDS", 0.05)
    for end in ("revoked", "account closed"):
        token, raw = await sync_to_async(accounts.create_access_token)(bob, end)
        socket = WebsocketCommunicator(application, "/ws/messaging/", headers=bearer(raw))
        assert (await socket.connect())[0]
        await socket.receive_json_from()  # hello
        if end == "revoked":  # straight in the database: no push tells the socket
            await sync_to_async(PersonalAccessToken.objects.filter(pk=token.pk).update)(
                revoked_at=timezone.now()
            )
        else:
            await sync_to_async(type(bob).objects.filter(pk=bob.pk).update)(is_active=False)
        assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_only_abearer_of_token_on_the_events_sockets_skips_the_origin_check(
    bob: Any,
) -> None:
    from openmentor.core.events import close_other_sockets_of_user

    client = Client()
    await sync_to_async(client.force_login)(bob)
    cookie = (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())
    origin = (b"origin", b"http://localhost")
    # A browser behind a proxy's basic-auth gate: its session, checked as any browser's.
    gated = [cookie, origin, (b"authorization", b"Basic cWE6cWE=")]
    socket = WebsocketCommunicator(application, "/ws/messaging/", headers=gated)
    assert (await socket.connect())[0]
    assert await socket.receive_json_from() == {"type": "hello", "user": bob.pk}
    await socket.disconnect()
    # A meeting room is a page's socket: a token there is no sign-in, so its origin is
    # checked as a browser's would be.
    _token, raw = await sync_to_async(accounts.create_access_token)(bob, "Phone")
    headers = [(b"authorization", f"Bearer {raw}".encode())]
    assert bearer_of({"path": "/ws/meetings/1/", "headers": headers}) is None
    assert bearer_of({"path": "/ws/messaging/", "headers": headers}) == raw
    # A new password ends the other sign-ins' sockets, not a token's (revoked on its own).
    app = WebsocketCommunicator(application, "/ws/messaging/", headers=bearer(raw))
    assert (await app.connect())[0]
    await app.receive_json_from()
    await sync_to_async(close_other_sockets_of_user)(bob.pk, keep_session_key=None)
    assert await app.receive_nothing(timeout=0.3)
    await app.disconnect()


def test_a_token_client_gets_times_in_the_persons_zone(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """The coach's night hint says "your time": in Carol's zone (Kolkata) with a token too,
    not in UTC (the zone middleware runs before the API's token sign-in)."""
    _token, raw = accounts.create_access_token(carol, "Script")
    ask = {"conversation_id": conversation.pk, "body": "Hello Bob, a question", "when": "now"}
    # 02:00 in São Paulo: Bob's night.
    with time_machine.travel(datetime(2026, 12, 2, 5, 0, tzinfo=UTC), tick=False):
        by_token = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
            "/api/v1/messaging/coach", ask, content_type="application/json"
        )
        by_session = client_for(carol).post(
            "/api/v1/messaging/coach", ask, content_type="application/json"
        )
    assert by_token.status_code == 200
    assert by_token.json() == by_session.json()
    assert "16:30" in json.dumps(by_token.json())  # 08:00 for Bob is 16:30 for her
