"""The session-authenticated WebSocket endpoint, and the Redis-backed configuration."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from openmentor.core.tests.test_settings_and_demo import run_manage


def session_headers(client: Client) -> list[tuple[bytes, bytes]]:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", b"http://localhost")]


async def signed_in_socket(user: Any) -> WebsocketCommunicator:
    """``user``'s events socket, signed in with a real session cookie, past its hello."""
    client = Client()
    await sync_to_async(client.force_login)(user)
    communicator = WebsocketCommunicator(
        application, "/ws/events/", headers=session_headers(client)
    )
    connected, _code = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_anonymous_sockets_are_closed() -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/events/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _code = await communicator.connect()
    # Accepted, then closed as signed out: a client tells this from a refused origin.
    assert connected
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4401}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_signed_in_socket_receives_its_own_events_only(bob: Any, carol: Any) -> None:
    from openmentor.notifications.services import publish_event

    communicator = await signed_in_socket(bob)

    await sync_to_async(publish_event)([carol.pk], type="demo", payload={"for": "carol"})
    await sync_to_async(publish_event)([bob.pk], type="demo", payload={"for": "bob"})
    event = await communicator.receive_json_from(timeout=5)
    assert event["payload"] == {"for": "bob"}
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    assert await communicator.receive_nothing()
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_session_from_before_a_password_change_or_a_sign_out_opens_no_socket(
    bob: Any,
) -> None:
    changed, signed_out = Client(), Client()
    await sync_to_async(changed.force_login)(bob)
    await sync_to_async(signed_out.force_login)(bob)
    stale_headers, signed_out_headers = session_headers(changed), session_headers(signed_out)
    await sync_to_async(signed_out.logout)()

    def change_password() -> None:
        bob.set_password("a new and long passphrase")
        bob.save()

    await sync_to_async(change_password)()
    for headers in (stale_headers, signed_out_headers):
        communicator = WebsocketCommunicator(application, "/ws/messaging/", headers=headers)
        assert (await communicator.connect())[0]
        assert await communicator.receive_output() == {"type": "websocket.close", "code": 4401}


def _set_sign_in_expiry(client: Client, seconds: float) -> None:
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(seconds=seconds)
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_closes_as_signed_out_when_its_sign_in_expires(bob: Any) -> None:
    """A socket outliving its session would keep pushing Bob's messages to a computer where
    his sign-in has lapsed."""
    lapsing = Client()
    await sync_to_async(lapsing.force_login)(bob)
    await sync_to_async(_set_sign_in_expiry)(lapsing, 1)
    communicator = WebsocketCommunicator(
        application, "/ws/events/", headers=session_headers(lapsing)
    )
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from())["type"] == "hello"
    closed = await communicator.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()  # as the server would once the close went out


@pytest.mark.django_db
def test_the_sign_in_expiry_is_read_again_as_pages_extend_it(bob: Any, carol: Any) -> None:
    from openmentor.core.socket_auth import sign_in_ends_at

    browser = Client()
    browser.force_login(bob)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    _set_sign_in_expiry(browser, 60)
    first = sign_in_ends_at(key, bob.pk)
    _set_sign_in_expiry(browser, 3600)
    extended = sign_in_ends_at(key, bob.pk)
    # A socket knows the expiry from the read that signed it in, without another query.
    from django.contrib.sessions.models import Session

    from openmentor.core.sessions import SessionStore

    signing_in = SessionStore(key)
    signing_in.load()
    assert signing_in.stored_expiry == Session.objects.get(session_key=key).expire_date
    assert first is not None and extended is not None
    assert 3000 < (extended - first).total_seconds() < 3600
    assert sign_in_ends_at(key, carol.pk) is None  # not Carol's sign-in
    _set_sign_in_expiry(browser, -1)
    assert sign_in_ends_at(key, bob.pk) is None  # lapsed
    assert sign_in_ends_at("no-such-session", bob.pk) is None


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_closed_socket_leaves_its_group_and_gets_no_more_pushes(bob: Any) -> None:
    from channels.layers import get_channel_layer

    from openmentor.notifications.services import publish_event

    communicator = await signed_in_socket(bob)
    layer = get_channel_layer()
    (channel,) = layer.groups[f"user.{bob.pk}"]
    await communicator.disconnect()
    assert not layer.groups.get(f"user.{bob.pk}")
    await sync_to_async(publish_event)([bob.pk], type="demo", payload={})
    # (Channels of other tests' sockets may linger in this process's layer: look at its own.)
    assert channel not in layer.channels or not layer.channels[channel].messages


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_push_the_socket_cannot_deliver_closes_it_for_a_reconnect(bob: Any) -> None:
    """A socket whose pushes stopped would silently miss events: it closes instead (1011),
    and the client reconnects and catches up from the event log."""
    from channels.layers import get_channel_layer

    communicator = await signed_in_socket(bob)
    await get_channel_layer().group_send(f"user.{bob.pk}", {"type": "no.such.handler"})
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 1011}
    await communicator.disconnect()


@pytest.mark.redis
def test_with_redis_url_the_queue_layer_and_cache_use_redis(redis_url: str, tmp_path: Any) -> None:
    script = (
        "import json; from openmentor.core.health import run_checks; "
        "from django.conf import settings; "
        "from django.core.cache import cache; cache.set('k', 'v'); "
        "print(json.dumps({'checks': run_checks(), 'cache': cache.get('k'), "
        "'prefix': settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}))"
    )
    result = run_manage(
        "shell",
        "-c",
        script,
        REDIS_URL=redis_url,
        OPENMENTOR_VAR_DIR=str(tmp_path),
        HUEY_NAME="om-test",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    checks = report["checks"]
    assert checks["channel_layer"] == {"ok": True, "detail": "RedisPubSubLayer"}
    assert checks["queue"]["ok"] and checks["queue"]["detail"].startswith("RedisHuey")
    assert report["cache"] == "v"
    # Pub/sub ignores the database number: a deployment on another one has its own channels.
    assert report["prefix"] == f"openmentor{redis_url.rsplit('/', 1)[1]}"
