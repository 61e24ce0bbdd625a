"""Per-person events for messaging.

The stored event (``notifications.UserEvent``, the catch-up log) carries ids only, because
message bodies are never stored in plaintext. The push over the channel layer also
carries the rendered message, so an open page can show it without a second request;
a client that missed the push fetches the message from the API after catching up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openmentor.core.events import push_to_users_on_commit
from openmentor.notifications.models import UserEvent


def publish(
    user_ids: Iterable[int],
    *,
    type: str,
    payload: dict[str, Any],
    push_extra: dict[str, Any] | None = None,
) -> list[UserEvent]:
    events = UserEvent.objects.bulk_create(
        UserEvent(user_id=user_id, type=type, payload=payload)
        for user_id in dict.fromkeys(user_ids)
    )
    for event in events:
        push_to_users_on_commit(
            [event.user_id],
            {
                "id": event.pk,
                "type": event.type,
                "payload": {**event.payload, **(push_extra or {})},
            },
        )
    return events
