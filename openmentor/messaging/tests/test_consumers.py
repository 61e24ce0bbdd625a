from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from openmentor.messaging import services
from openmentor.messaging.consumers import MessagingConsumer
from openmentor.messaging.models import Message

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def connect(user: Any) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(MessagingConsumer.as_asgi(), "/ws/messaging/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


async def test_a_send_is_confirmed_by_its_own_event_and_a_retry_by_an_ack(
    conversation: Any, carol: Any, bob: Any
) -> None:
    carol_socket, bob_socket = await connect(carol), await connect(bob)
    send = {
        "type": "message.send",
        "conversation": conversation.pk,
        "client_id": "s1",
        "body": "Hello from Carol",
    }
    await carol_socket.send_json_to(send)
    # The sender's socket gets the new message's event (with her client id and the rendered
    # message) and nothing else: that event is the confirmation.
    confirmed = await carol_socket.receive_json_from()
    assert confirmed["type"] == "message.new"
    assert confirmed["payload"]["client_id"] == "s1"
    assert confirmed["payload"]["data"]["body"] == "Hello from Carol"
    assert await carol_socket.receive_nothing(timeout=0.2)
    pushed = await bob_socket.receive_json_from()
    assert pushed["type"] == "message.new"
    assert pushed["payload"]["data"]["body"] == "Hello from Carol"
    message_id = confirmed["payload"]["message"]
    assert pushed["payload"]["data"]["id"] == message_id

    # A retry after a lost confirmation returns the same message and pushes nothing new.
    await carol_socket.send_json_to(send)
    again = await carol_socket.receive_json_from()
    assert again == {"type": "message.ack", "client_id": "s1", "id": message_id, "created": False}
    assert await bob_socket.receive_nothing(timeout=0.2)
    assert await database_sync_to_async(Message.objects.count)() == 1
    await carol_socket.disconnect()
    await bob_socket.disconnect()


async def test_heartbeat_and_errors_on_the_socket(conversation: Any, erin: Any, bob: Any) -> None:
    socket = await connect(bob)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.send_json_to(
        {"type": "message.send", "conversation": conversation.pk, "client_id": "e1", "body": " "}
    )
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("message.error", "validation_failed")
    await socket.disconnect()

    outsider = await connect(erin)
    await outsider.send_json_to(
        {"type": "message.send", "conversation": conversation.pk, "client_id": "e2", "body": "hi"}
    )
    assert (await outsider.receive_json_from())["code"] == "not_found"
    await outsider.disconnect()


async def test_the_real_stack_needs_a_session(bob: Any, client_for: Any) -> None:
    anonymous = WebsocketCommunicator(
        application, "/ws/messaging/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    assert (await anonymous.connect())[0]
    assert await anonymous.receive_output() == {"type": "websocket.close", "code": 4401}
    client = await database_sync_to_async(client_for)(bob)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    signed_in = WebsocketCommunicator(
        application,
        "/ws/messaging/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", cookie), (b"host", b"127.0.0.1")],
    )
    connected, _ = await signed_in.connect()
    assert connected
    assert await signed_in.receive_json_from() == {"type": "hello", "user": bob.pk}
    await signed_in.disconnect()


async def test_push_is_sent_only_after_commit(conversation: Any, carol: Any, bob: Any) -> None:
    bob_socket = await connect(bob)

    @database_sync_to_async
    def send_then_roll_back() -> None:
        from django.db import transaction

        with transaction.atomic():
            services.send_message(carol, conversation, body="never", client_id="rb1")
            transaction.set_rollback(True)

    await send_then_roll_back()
    assert await bob_socket.receive_nothing(timeout=0.2)
    await bob_socket.disconnect()


async def socket_of(client: Any) -> WebsocketCommunicator:
    """A socket of the browser signed in as ``client`` (the whole stack, session cookie)."""
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketCommunicator(
        application,
        "/ws/messaging/",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"cookie", cookie),
            (b"host", b"127.0.0.1"),
        ],
    )
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    return socket


async def test_signing_out_closes_the_sockets_of_that_sign_in_only(
    bob: Any, client_for: Any
) -> None:
    shared_computer = await database_sync_to_async(client_for)(bob)
    phone = await database_sync_to_async(client_for)(bob)
    tab, phone_socket = await socket_of(shared_computer), await socket_of(phone)

    signed_out = await database_sync_to_async(shared_computer.post)("/accounts/logout/")
    assert signed_out.status_code == 302
    assert await tab.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    # Bob's phone is another sign-in: it stays live.
    await phone_socket.send_json_to({"type": "ping"})
    assert await phone_socket.receive_json_from() == {"type": "pong"}
    await phone_socket.disconnect()


async def test_an_id_beyond_the_database_is_refused_and_the_socket_stays(
    conversation: Any, bob: Any
) -> None:
    socket = await connect(bob)
    await socket.send_json_to(
        {"type": "message.send", "conversation": 2**70, "client_id": "big-1", "body": "hi"}
    )
    refused = await socket.receive_json_from()
    assert (refused["type"], refused["code"]) == ("message.error", "invalid")
    assert refused["message"] == (
        "The message could not be read: it needs a conversation (its id), a body (text) "
        "and a client_id (text)."
    )
    # Nor a number that would round to a conversation's id: no guessing where it goes.
    for not_an_id in (conversation.pk + 0.9, True, str(conversation.pk)):
        await socket.send_json_to(
            {"type": "message.send", "conversation": not_an_id, "client_id": "odd", "body": "hi"}
        )
        assert (await socket.receive_json_from())["code"] == "invalid"
    assert not await database_sync_to_async(Message.objects.exists)()
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


async def test_bad_frames_and_values_are_answered_and_the_socket_stays(
    conversation: Any, bob: Any
) -> None:
    socket = await connect(bob)
    send = {"type": "message.send", "conversation": conversation.pk}
    long_id = "x" * 64
    refused = [
        # Before, a long id was cut to 64 characters: the second was taken as a retry of
        # the first and never stored, and a body of null went out as the text "None".
        {**send, "client_id": long_id + "-1", "body": "first"},
        {**send, "client_id": long_id + "-2", "body": "second"},
        {**send, "client_id": "ok-1\n", "body": "a newline after the id"},
        {**send, "client_id": "ok-2", "body": None},
        {**send, "client_id": "ok-3", "body": {"a": 1}},
        {**send, "client_id": 12345, "body": "an id that is a number"},
    ]
    for frame in refused:
        await socket.send_json_to(frame)
        answer = await socket.receive_json_from()
        assert answer["type"] == "message.error", frame
        assert answer["code"] in ("invalid", "validation_failed"), frame
    # Frames that are not a JSON object are answered too; the socket used to end (1006).
    for text in ('{"type": "message.send", ', "[" * 100_000, '["ping"]', "null"):
        await socket.send_to(text_data=text)
        answer = await socket.receive_json_from()
        assert (answer["type"], answer["code"]) == ("error", "invalid")
        assert answer["message"] == "A frame must be a JSON object with a type."
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from())["type"] == "error"
    assert not await database_sync_to_async(Message.objects.exists)()
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


async def test_a_new_password_closes_the_sockets_of_other_sign_ins(bob: Any) -> None:
    """A lost phone's open conversation: changing the password elsewhere ends it."""
    from django.test import Client

    from conftest import PASSWORD

    def signed_in() -> Client:
        client = Client()
        signing_in = {"login": "bob@example.org", "password": PASSWORD}
        assert client.post("/accounts/login/", signing_in).status_code == 302
        return client

    lost_phone = await database_sync_to_async(signed_in)()
    laptop = await database_sync_to_async(signed_in)()
    phone_socket = await socket_of(lost_phone)
    new_password = "a-new-long-pass-2026"
    changed = await database_sync_to_async(laptop.post)(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert changed.status_code == 302
    assert await phone_socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    # The laptop stays signed in, and its new socket is live.
    laptop_socket = await socket_of(laptop)
    await laptop_socket.send_json_to({"type": "ping"})
    assert await laptop_socket.receive_json_from() == {"type": "pong"}
    await laptop_socket.disconnect()
