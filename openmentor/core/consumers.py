"""The one WebSocket endpoint. Each signed-in person's socket joins a group named after
them; apps push events to that group after their transaction commits (see
``openmentor.notifications.services.publish_event``). Pushes are hints: clients catch up
from the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone, translation

from .socket_auth import TOKEN_RECHECK_SECONDS, sign_in_ends_at, token_is_active

logger = logging.getLogger(__name__)


def user_group_name(user_id: int) -> str:
    return f"user.{user_id}"


SIGNED_OUT = 4401  # the close code a client takes as "signed out": it stops reconnecting


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """Frames from the client and pushes from the channel layer each have a loop of their
    own, instead of Channels' dispatcher, which waits on both sources with
    ``asyncio.wait`` and starts a new task for every frame and every push (measured with
    ``bench/messaging.py``: a large share of a busy socket's event-loop time). A push is
    therefore not held back while the person's own send waits for the database. Pushes
    start after the handshake and the ``hello``; handlers never use the ORM directly
    (database calls go through ``database_sync_to_async``, which closes old connections
    around each call), so the per-frame ``close_old_connections`` hop is left out."""

    _pushes: asyncio.Task[None] | None = None
    _sign_in_watch: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scope = scope
        self.base_send = send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:  # however the socket ended (disconnect, error), its tasks stop here
            await self._stop_pushes()
            if self._sign_in_watch is not None:
                self._sign_in_watch.cancel()

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def start_pushes(self) -> None:
        self._pushes = asyncio.get_running_loop().create_task(self._deliver_pushes())
        self._pushes.add_done_callback(self._pushes_stopped)

    async def _deliver_pushes(self) -> None:
        receive, channel = self.channel_layer.receive, self.channel_name
        while True:
            await self.dispatch(await receive(channel))

    def _pushes_stopped(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        # A push that fails leaves the socket without pushes: close it, and the client
        # reconnects and catches up from the event log. (A client that just went away
        # fails with an OSError; its disconnect is on its way and ends the consumer.)
        error = task.exception()
        if not isinstance(error, OSError):
            logger.error("Push delivery stopped", exc_info=error)
            asyncio.get_running_loop().create_task(self._close_quietly())

    async def _close_quietly(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            await self.close(code=1011)

    async def _stop_pushes(self) -> None:
        if self._pushes is not None and not self._pushes.done():
            self._pushes.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pushes

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accepted to be closed as signed out: a refused handshake (403) would look
            # the same as a page from another site (the origin check) to a client.
            await self.accept()
            await self.close(code=SIGNED_OUT)
            return
        self.group_name = user_group_name(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        # The sign-in this socket belongs to: a session (signing out or a new password ends
        # it), or a token (revoking it, or closing the account, ends it).
        self.sign_in = self.scope.get("sign_in")
        await self.accept()
        await self.send_json({"type": "hello", "user": user.pk})
        self.start_pushes()
        token_id = self.scope.get("token_id")
        if token_id is not None:
            self._sign_in_watch = asyncio.get_running_loop().create_task(
                self._close_when_token_ends(token_id)
            )
        elif self.scope.get("session") is not None and self.sign_in is not None:
            # As read when the socket signed in (``core.sessions``): no other query here.
            ends_at = getattr(self.scope["session"], "stored_expiry", None)
            self._sign_in_watch = asyncio.get_running_loop().create_task(
                self._close_when_sign_in_ends(user.pk, ends_at)
            )

    async def _close_when_sign_in_ends(self, user_id: int, ends_at: datetime | None) -> None:
        # A socket outliving its session would go on receiving the person's messages on a
        # computer where the sign-in has lapsed. Wake at the stored expiry and read it
        # again: visiting pages may have extended it meanwhile.
        while True:
            if ends_at is not None:
                await asyncio.sleep(max((ends_at - timezone.now()).total_seconds(), 0.05))
            ends_at = await database_sync_to_async(sign_in_ends_at)(self.sign_in, user_id)
            if ends_at is None:
                with contextlib.suppress(OSError, RuntimeError):
                    await self.close(code=SIGNED_OUT)
                return

    async def _close_when_token_ends(self, token_id: int) -> None:
        # Revoking pushes a close at once (``session.ended``), but pushes can be lost: the
        # token is read again every minute, as a session's expiry is.
        while await database_sync_to_async(token_is_active)(token_id):
            await asyncio.sleep(TOKEN_RECHECK_SECONDS)
        with contextlib.suppress(OSError, RuntimeError):
            await self.close(code=SIGNED_OUT)

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "group_name", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        # A frame that is not a JSON object (binary, cut off, nested too deep) is answered
        # with an error frame; it used to end the socket without a word (close 1006).
        try:
            content = await self.decode_json(text_data) if text_data is not None else None
        except (ValueError, RecursionError):
            content = None
        if not isinstance(content, dict):
            user = self.scope.get("user")
            with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
                message = translation.gettext("A frame must be a JSON object with a type.")
            await self.send_json({"type": "error", "code": "invalid", "message": message})
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def session_ended(self, message: dict[str, Any]) -> None:
        # Sent to the person's group (``core.events``): one sign-in ended (signing out,
        # perhaps in another tab of a shared computer), or all the others (a new
        # password). A socket of an ended sign-in must not go on as that person.
        sign_in = getattr(self, "sign_in", None)
        if message.get("everyone"):  # the account is closed
            await self.close(code=SIGNED_OUT)
            return
        if message["others"] and self.scope.get("token_id") is not None:
            return  # a new password leaves tokens alone: they are revoked on their own
        if (message["sign_in"] == sign_in) != message["others"]:
            await self.close(code=SIGNED_OUT)

    async def user_event(self, message: dict[str, Any]) -> None:
        # Encoded once per event (core.events); sent as is.
        await self.base_send({"type": "websocket.send", "text": message["text"]})
