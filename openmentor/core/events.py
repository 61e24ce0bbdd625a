"""Push events to people's sockets once the surrounding transaction has committed."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .consumers import user_group_name


def push_to_users_on_commit(pushes: list[tuple[int, dict[str, Any]]]) -> None:
    """``pushes`` are (user id, event) pairs; all of them leave in one hop to the event
    loop after the commit (a caller in a database thread should not wait once per person)."""
    if not pushes:
        return

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return

        sends = [
            (user_group_name(user_id), {"type": "user.event", "event": event})
            for user_id, event in pushes
        ]
        async_to_sync(layer.group_send_many)(sends)

    transaction.on_commit(send)
