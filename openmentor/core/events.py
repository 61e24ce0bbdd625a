"""Push events to people's sockets once the surrounding transaction has committed."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .consumers import user_group_name

_scheduled: set[asyncio.Task[None]] = set()  # pushes scheduled on a running loop, until sent


def encode_event(event_id: int, type: str, payload_json: str) -> str:
    """The frame a socket sends for one event row: ``{"id", "type", "payload"}`` as JSON.

    ``payload_json`` is encoded once per event and shared by all its recipients (only the
    row id differs per person), so a push to three people costs one JSON encoding, and the
    channel layer carries a string instead of a nested dict."""
    return f'{{"id":{int(event_id)},"type":{json.dumps(type)},"payload":{payload_json}}}'


def encode_payload(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


def push_to_users_on_commit(pushes: list[tuple[int, str]]) -> None:
    """``pushes`` are (user id, encoded event) pairs; all of them leave in one hop to the
    event loop after the commit (a caller in a database thread should not wait once per
    person)."""
    if not pushes:
        return
    transaction.on_commit(
        lambda: _send_now(
            "group_send_many",
            [
                (user_group_name(user_id), {"type": "user.event", "text": text})
                for user_id, text in pushes
            ],
        )
    )


def send_to_group_on_commit(group: str, message: dict[str, Any]) -> None:
    """One channel-layer message to a group's sockets, in every process, after the commit."""
    transaction.on_commit(lambda: _send_now("group_send", group, message))


def close_sockets_of_sign_in(user_id: int, sign_in: str) -> None:
    """Every socket opened with this sign-in (a session's key, or a token's
    ``accounts.services.token_sign_in``) closes as signed out, in every process."""
    _end_sign_ins(user_id, sign_in, others=False)


def close_other_sockets_of_user(user_id: int, keep_session_key: str | None) -> None:
    """A new password ends the person's other sessions: their open sockets close too (a lost
    phone's open conversation), all but the ones of the session that changed it (tokens
    are revoked on their own)."""
    _end_sign_ins(user_id, keep_session_key, others=True)


def close_every_socket_of_user(user_id: int) -> None:
    """The account is closed: every socket of the person closes as signed out, those of
    their tokens too (their sign-ins stop working at the next request; a socket makes none)."""
    _end_sign_ins(user_id, None, others=True, everyone=True)


def _end_sign_ins(
    user_id: int, sign_in: str | None, *, others: bool, everyone: bool = False
) -> None:
    # Through the person's own group, which every socket has joined anyway: no group per
    # sign-in to join and leave on every connection.
    message = {"type": "session.ended", "sign_in": sign_in, "others": others}
    if everyone:
        message["everyone"] = True
    _send_now("group_send", user_group_name(user_id), message)


def _send_now(method: str, *args: Any) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    send = getattr(layer, method)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a request's or a worker's thread
        async_to_sync(send)(*args)
        return
    # Sync code called on a running event loop (a script, a test driving a browser)
    # cannot wait for the loop it is blocking: the message goes out when the loop runs.
    task = loop.create_task(send(*args))
    _scheduled.add(task)
    task.add_done_callback(_scheduled.discard)
