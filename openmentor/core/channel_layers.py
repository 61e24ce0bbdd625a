"""Channel layers: the embedded one (one web process, with a relay for the worker's
pushes) and the Redis one with batched sends.

Both offer ``group_send_many``, which ``core.events`` uses to push a batch of events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections import deque
from pathlib import Path
from typing import Any

import msgpack
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

logger = logging.getLogger(__name__)

RELAY_LINE_LIMIT = 64 * 1024 * 1024  # one relayed batch of pushes is one line


class _Inbox:
    """One channel's pending messages and the receivers waiting for them."""

    __slots__ = ("messages", "waiters")

    def __init__(self) -> None:
        self.messages: deque[tuple[float, dict[str, Any]]] = deque()
        self.waiters: deque[asyncio.Future[None]] = deque()

    def wake_one(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


class LocalChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer with the per-message costs taken out; same semantics
    (capacity, expiry, groups, flush).

    Measured on the messaging socket (``bench/messaging.py``) the stock layer spent more
    time moving a push than the push's own websocket frame: it deep-copies every message
    for every receiver, builds a new ``asyncio.Queue`` on every send and receive and drops
    it once empty, runs one task per group member for ``group_send``, and scans every
    channel and group for expired entries on every call. Here a receiver gets a shallow
    copy (messages are plain data that consumers only read, as with the Redis layers,
    whose copies come from deserialisation), each channel keeps a small inbox while it
    is in use, a group send appends to each member's inbox directly, and the expiry scan
    (minutes for messages, hours for groups; it also forgets idle inboxes) runs at most
    once a second.

    **The relay.** Embedded mode has one web process but also a worker process (Huey),
    whose pushes (a scheduled message going out, a notification) have no socket in its
    own memory. With ``relay`` (a Unix socket path; ``OPENMENTOR_PUSH_RELAY``) the process
    that has people subscribed (the web process: its first ``group_add``) listens there,
    and every other process hands its group sends to it, one line of JSON per batch. No
    web process listening means no one to push to: the send is dropped, as a push to an
    empty group is (clients catch up from the event log)."""

    clean_interval_s = 1.0
    _last_clean = 0.0
    channels: dict[str, _Inbox]

    def __init__(self, relay: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.relay = Path(relay) if relay else None
        self._relay_server: asyncio.AbstractServer | None = None
        self._relay_loop: asyncio.AbstractEventLoop | None = None

    async def group_add(self, group: str, channel: str) -> None:
        if self.relay is not None:
            await self._serve_relay(self.relay)
        await super().group_add(group, channel)

    async def _serve_relay(self, path: Path) -> None:
        loop = asyncio.get_running_loop()
        if self._relay_loop is loop:
            return  # listening here already (or found that another process does)
        self._relay_loop = loop
        if self._relay_server is not None:
            with contextlib.suppress(Exception):  # the server of a loop that has ended
                self._relay_server.close()
            self._relay_server = None
        if path.exists():
            try:
                _reader, writer = await asyncio.open_unix_connection(path)
            except OSError:
                path.unlink(missing_ok=True)  # left by a process that has stopped
            else:
                writer.close()
                logger.warning(
                    "Another process serves the push relay at %s: with more than one web "
                    "process, set REDIS_URL so that every process gets every push.",
                    path,
                )
                return
        try:
            self._relay_server = await asyncio.start_unix_server(
                self._relayed, path, limit=RELAY_LINE_LIMIT
            )
            os.chmod(path, 0o600)
        except OSError as error:
            logger.warning("No push relay at %s (%s): only this process's pushes", path, error)

    async def _relayed(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                sends = json.loads(line)
                await self._send_here([(group, message) for group, message in sends])
        except (ValueError, TypeError, AssertionError, OSError) as error:
            logger.warning("A relayed push was not understood: %r", error)
        finally:
            writer.close()

    async def _relay(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        """Hand the sends to the process that serves the people (not needed in that one)."""
        if self.relay is None or self._relay_server is not None:
            return
        try:
            line = json.dumps(sends).encode() + b"\n"
        except TypeError:
            logger.warning("Pushes that are not JSON cannot cross to the web process")
            return
        try:
            _reader, writer = await asyncio.open_unix_connection(self.relay)
        except OSError:
            return  # no web process is running: there is no one to push to
        try:
            writer.write(line)
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < self.clean_interval_s:
            return
        self._last_clean = now
        wall = time.time()
        for channel, inbox in list(self.channels.items()):
            expired = False
            while inbox.messages and inbox.messages[0][0] < wall:
                inbox.messages.popleft()
                expired = True
            if expired:  # a receiver that stopped reading leaves its groups, as upstream
                self._remove_from_groups(channel)
            if not inbox.messages and not inbox.waiters:
                del self.channels[channel]
        deadline = int(wall) - self.group_expiry
        for members in self.groups.values():
            for name, joined in list(members.items()):
                if joined and joined < deadline:
                    members.pop(name, None)

    def _inbox(self, channel: str) -> _Inbox:
        inbox = self.channels.get(channel)
        if inbox is None:
            inbox = self.channels[channel] = _Inbox()
        return inbox

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        inbox = self._inbox(channel)
        if len(inbox.messages) >= self.get_capacity(channel):
            raise ChannelFull(channel)
        inbox.messages.append((time.time() + self.expiry, dict(message)))
        inbox.wake_one()

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        assert "__asgi_channel__" not in message
        self.require_valid_channel_name(channel)
        self._put(channel, message)

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        inbox = self._inbox(channel)
        while not inbox.messages:
            waiter = asyncio.get_running_loop().create_future()
            inbox.waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in inbox.waiters:
                    inbox.waiters.remove(waiter)
                elif waiter.done() and not waiter.cancelled():
                    inbox.wake_one()  # it was handed a message: let another receiver have it
                raise
            inbox = self._inbox(channel)  # a flush may have replaced it
        _expires, message = inbox.messages.popleft()
        return message

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self.group_send_many([(group, message)])

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        await self._send_here(sends)
        await self._relay(sends)

    async def _send_here(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        self._clean_expired()
        for group, message in sends:
            assert isinstance(message, dict), "Message is not a dict"
            self.require_valid_group_name(group)
            for channel in list(self.groups.get(group, ())):
                with contextlib.suppress(ChannelFull):  # as the stock layer: a full one misses it
                    self._put(channel, message)


class RedisPubSubLayer(RedisPubSubChannelLayer):
    """channels-redis' pub/sub layer, plus ``group_send_many`` for batches of pushes.

    A batch is one Redis message on one channel that every web process subscribes to
    (with its first ``group_add``); each process hands each push to its own members of
    the group and ignores the rest. Measured with ``bench/messaging.py`` (two web
    processes): one PUBLISH per push meant one pub/sub message per push in the receiving
    process, each through redis-py's per-message read path (timeouts, retries, parsing),
    which came to about a sixth of a web process's time. Every process reads every batch,
    which suits a handful of web processes; ``group_send`` is unchanged. Reaches into
    the per-loop layer's shards (channels-redis is pinned in pyproject.toml)."""

    async def group_add(self, group: str, channel: str) -> None:
        layer = self._get_layer()
        await self._receive_batches(layer)
        await layer.group_add(group, channel)

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        layer = self._get_layer()
        batch = [
            (layer._get_group_channel_name(group), self.serialize(message))
            for group, message in sends
        ]
        channel = _batch_channel(layer)
        await layer._get_shard(channel).publish(channel, msgpack.packb(batch))

    async def _receive_batches(self, layer: Any) -> None:
        channel = _batch_channel(layer)
        if channel not in layer.channels:
            layer.channels[channel] = _BatchFanOut(layer)  # the shard hands it each batch
            await layer._get_shard(channel).subscribe(channel)


def _batch_channel(layer: Any) -> str:
    return f"{layer.prefix}__push_batches__"


class _BatchFanOut:
    """Stands in the per-loop layer's channel table for the batch channel: the shard's
    reader calls ``put_nowait`` with each batch as it arrives."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer

    def put_nowait(self, data: bytes) -> None:
        channels, groups = self.layer.channels, self.layer.groups
        for group_channel, message in msgpack.unpackb(data):
            for channel in groups.get(group_channel, ()):
                inbox = channels.get(channel)
                if inbox is not None:
                    inbox.put_nowait(message)  # still serialised: its receiver decodes it
