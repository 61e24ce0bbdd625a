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
from .models import Conversation


@database_sync_to_async
def _load_conversation(user: Any, conversation_id: int) -> Conversation:
    return selectors.conversation_for(user, conversation_id)


@database_sync_to_async
def _send(user: Any, conversation: Conversation, body: str, client_id: str) -> dict[str, Any]:
    result = services.send_message(user, conversation, body=body, client_id=client_id)
    return {"id": result.message.pk, "created": result.created}


class MessagingConsumer(EventsConsumer):
    # Conversations this socket has loaded. Only the row is cached: every send checks
    # again who may write (``send_message`` asks for the audience in the same query that
    # tells whether the mentorship is still open).
    conversations: dict[int, Conversation]

    async def _conversation(self, conversation_id: int) -> Conversation:
        if not hasattr(self, "conversations"):
            self.conversations = {}
        if conversation_id not in self.conversations:
            self.conversations[conversation_id] = await _load_conversation(
                self.scope["user"], conversation_id
            )
        return self.conversations[conversation_id]

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
            conversation = await self._conversation(int(content.get("conversation", 0)))
            result = await _send(
                self.scope["user"], conversation, str(content.get("body", "")), client_id
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
