"""The messaging socket: everything the events socket does (pushes of the person's events,
ping/pong heartbeats), plus sending over the same connection.

A send over the socket is the same idempotent service call as the HTTP API: the client
keeps the message in its outbox until it sees the ack for its ``client_id``, and resends
with the same id after a reconnect."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from openmentor.core.consumers import EventsConsumer
from openmentor.core.errors import DomainError

from . import selectors, services


@database_sync_to_async
def _send(user: Any, conversation_id: int, body: str, client_id: str) -> dict[str, Any]:
    conversation = selectors.conversation_for(user, conversation_id)
    result = services.send_message(user, conversation, body=body, client_id=client_id)
    return {"id": result.message.pk, "created": result.created}


class MessagingConsumer(EventsConsumer):
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "message.send":
            await self._handle_send(content)
            return
        await super().receive_json(content, **kwargs)

    async def _handle_send(self, content: dict[str, Any]) -> None:
        client_id = str(content.get("client_id", ""))[:64]
        try:
            conversation_id = int(content.get("conversation", 0))
            result = await _send(
                self.scope["user"], conversation_id, str(content.get("body", "")), client_id
            )
        except (TypeError, ValueError):
            await self.send_json(
                {"type": "message.error", "client_id": client_id, "code": "invalid"}
            )
        except DomainError as error:
            await self.send_json(
                {
                    "type": "message.error",
                    "client_id": client_id,
                    "code": error.code,
                    "message": error.message,
                }
            )
        else:
            await self.send_json({"type": "message.ack", "client_id": client_id, **result})
