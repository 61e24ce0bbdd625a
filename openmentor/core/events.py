"""Push an event to a person's sockets once the surrounding transaction has committed."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .consumers import user_group_name


def push_to_users_on_commit(user_ids: list[int], event: dict[str, Any]) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for user_id in user_ids:
            async_to_sync(layer.group_send)(
                user_group_name(user_id), {"type": "user.event", "event": event}
            )

    transaction.on_commit(send)
