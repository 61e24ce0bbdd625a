"""Per-person events for messaging.

The stored event (``notifications.UserEvent``, the catch-up log) carries ids only, because
message bodies are never stored in plaintext. The push over the channel layer also
carries the rendered message, so an open page can show it without a second request;
a client that missed the push fetches the message from the API after catching up.

Pushes leave after the transaction commits, all recipients in one hop to the event loop
(a send runs in the socket's database thread, which should not wait once per person)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from openmentor.core.consumers import user_group_name
from openmentor.notifications.models import UserEvent


def _push_all(pushes: list[tuple[int, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None or not pushes:
        return

    async def send_all() -> None:
        await asyncio.gather(
            *(
                layer.group_send(user_group_name(user_id), {"type": "user.event", "event": event})
                for user_id, event in pushes
            )
        )

    async_to_sync(send_all)()


def publish(
    user_ids: Iterable[int],
    *,
    type: str,
    payload: dict[str, Any],
    push_extra: dict[str, Any] | None = None,
) -> list[UserEvent]:
    return publish_many([(user_ids, type, payload, push_extra)])


def publish_many(
    items: Iterable[tuple[Iterable[int], str, dict[str, Any], dict[str, Any] | None]],
) -> list[UserEvent]:
    """``publish`` for many events at once (a batch of sends): one insert for every
    person's event row, one hop to the event loop for every push, after the commit."""
    rows: list[UserEvent] = []
    extras: list[dict[str, Any] | None] = []
    for user_ids, type, payload, push_extra in items:
        for user_id in dict.fromkeys(user_ids):
            rows.append(UserEvent(user_id=user_id, type=type, payload=payload))
            extras.append(push_extra)
    if not rows:
        return []
    events = UserEvent.objects.bulk_create(rows)
    pushes = [
        (
            event.user_id,
            {"id": event.pk, "type": event.type, "payload": {**event.payload, **(extra or {})}},
        )
        for event, extra in zip(events, extras, strict=True)
    ]
    transaction.on_commit(lambda: _push_all(pushes))
    return events
