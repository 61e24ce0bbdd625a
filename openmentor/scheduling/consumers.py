"""Signalling for the live room: relays WebRTC offers, answers and ICE candidates between
the people of one meeting. Media flows browser to browser (a mesh of up to four); the
server only sees signalling. Room chat is saved in the mentorship's conversation (so it
stays after the call, for whoever was not there) and relayed to the room."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from openmentor.core.errors import DomainError, NotFound

from . import selectors
from .models import LIVE_ROOM_KINDS

MAX_SIGNAL_BYTES = 64 * 1024
MAX_CHAT_CHARS = 2000


def room_group(meeting_id: int) -> str:
    return f"meeting-room.{meeting_id}"


@database_sync_to_async
def _admit(user: Any, meeting_id: int) -> tuple[str, int] | None:
    """(display name, mentorship id) if the person may enter this meeting's room."""
    if user is None or not user.is_authenticated:
        return None
    try:
        meeting = selectors.meeting_for_participant(user, meeting_id)
    except NotFound:
        return None
    if meeting.kind not in LIVE_ROOM_KINDS or not meeting.is_active:
        return None
    return str(user), meeting.mentorship_id


@database_sync_to_async
def _save_chat(user: Any, mentorship_id: int, text: str, client_id: str) -> tuple[str, list[int]]:
    """Store the line in the mentorship's conversation: ('', the people who blocked the
    sender, whom the line must not reach, as in the thread), or (the reason, [])."""
    from openmentor.messaging import selectors as messaging_selectors
    from openmentor.messaging import services as messaging

    try:
        conversation = messaging.open_mentorship_conversation(user, mentorship_id)
        messaging.send_message(user, conversation, body=text, client_id=client_id)
    except DomainError as error:
        return error.message, []
    return "", sorted(messaging_selectors.blockers_of(user.pk))


class MeetingRoomConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        self.user = self.scope.get("user")
        admitted = await _admit(self.user, self.meeting_id)
        if admitted is None:
            await self.close(code=4403)
            return
        self.peer_id = uuid.uuid4().hex
        self.name, self.mentorship_id = admitted
        self.group = room_group(self.meeting_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.in_room = True
        await self.accept()
        await self.send_json({"type": "welcome", "peer": self.peer_id})
        await self._broadcast({"type": "peer-joined", "peer": self.peer_id, "name": self.name})

    async def disconnect(self, code: int) -> None:
        await self._leave_room()

    async def _leave_room(self) -> None:
        """Once: the others are told (their pages drop this peer), nothing more is relayed."""
        if getattr(self, "in_room", False):
            self.in_room = False
            await self._broadcast({"type": "peer-left", "peer": self.peer_id})
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _broadcast(
        self, message: dict[str, Any], to: str | None = None, hidden_from: Sequence[int] = ()
    ) -> None:
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "room.message",
                "message": message,
                "sender": self.peer_id,
                "hidden_from": list(hidden_from),
                "to": to,
            },
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Put out of the room (room_evict): frames still arriving while it closes go nowhere.
        if not isinstance(content, dict) or not getattr(self, "in_room", False):
            return
        kind = content.get("type")
        if kind == "signal":
            target = content.get("to")
            data = content.get("data")
            if not isinstance(target, str) or not isinstance(data, dict):
                return
            if len(str(data)) > MAX_SIGNAL_BYTES:
                return
            await self._broadcast(
                {"type": "signal", "from": self.peer_id, "name": self.name, "data": data},
                to=target,
            )
        elif kind == "chat":
            # Not turned into text or cut: a null went out as "None", and an id cut to 64
            # characters answered a new line as a retry of another (send_message checks it).
            text, client_id = content.get("text"), content.get("client_id") or uuid.uuid4().hex
            if not isinstance(text, str) or not isinstance(client_id, str):
                unreadable = _("The chat line could not be read: it needs a text.")
                await self.send_json({"type": "chat-error", "message": unreadable})
                return
            text = text.strip()[:MAX_CHAT_CHARS]
            if not text:
                return
            problem, blockers = await _save_chat(self.user, self.mentorship_id, text, client_id)
            if problem:
                await self.send_json({"type": "chat-error", "message": problem})
                return
            await self._broadcast(
                {
                    "type": "chat",
                    "from": self.peer_id,
                    "name": self.name,
                    "text": text,
                    "client_id": client_id,
                },
                hidden_from=blockers,
            )
        elif kind == "ping":
            await self.send_json({"type": "pong"})

    async def room_evict(self, event: dict[str, Any]) -> None:
        # The person left the mentorship (services.leave_meetings): the room closes for them.
        if self.user is not None and event["user"] == self.user.pk:
            await self._leave_room()
            await self.close(code=4403)

    async def room_message(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if event.get("to") and event["to"] != self.peer_id:
            return
        # Nobody needs their own join/leave echoed; chat is echoed so the sender sees it.
        if event["sender"] == self.peer_id and message["type"] != "chat":
            return
        # A chat line is a message: as in the thread, one from someone this person blocked
        # does not reach them (they share the group's call, as they share its thread). The
        # sender's blockers come with the line, read once when it was saved.
        if self.user.pk in event.get("hidden_from", ()):
            return
        await self.send_json(message)
