"""Channel layers: the embedded one (one process) and the Redis one with batched sends.

Both offer ``group_send_many``, which ``core.events`` uses to push a batch of events."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer


class LocalChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer with the per-message costs taken out; same semantics
    (capacity, expiry, groups, flush).

    Measured on the messaging socket (``bench/messaging.py``) the stock layer spent more
    time moving a push than the push's own websocket frame: it deep-copies every message
    for every receiver, builds a new queue object on every send and receive even when one
    exists, runs one task per group member for ``group_send``, and scans every channel and
    group for expired entries on every call. Here a receiver gets a shallow copy (messages
    are plain data that consumers only read, as with the Redis layers, whose copies come
    from deserialisation), queues are made only when missing, a group send puts into each
    member's queue directly, and the expiry scan (minutes for messages, hours for groups)
    runs at most once a second."""

    clean_interval_s = 1.0
    _last_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < self.clean_interval_s:
            return
        self._last_clean = now
        super()._clean_expired()

    def _queue(self, channel: str) -> asyncio.Queue[Any]:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, dict(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        assert "__asgi_channel__" not in message
        self.require_valid_channel_name(channel)
        self._put(channel, message)

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _expires, message = await queue.get()
        finally:
            if queue.empty():
                self.channels.pop(channel, None)
        return message  # type: ignore[no-any-return]

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            with contextlib.suppress(ChannelFull):  # like the stock layer: a full one misses it
                self._put(channel, message)

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        for group, message in sends:
            await self.group_send(group, message)


class RedisPubSubLayer(RedisPubSubChannelLayer):
    """channels-redis' pub/sub layer, plus ``group_send_many``: its ``group_send`` takes
    the shard's lock and waits for one Redis round trip per group, so a batch of message
    pushes went out one round trip at a time. Here a batch is one pipeline per shard.
    Reaches into the layer's shards (channels-redis is pinned in pyproject.toml)."""

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        layer = self._get_layer()
        by_shard: dict[Any, list[tuple[str, bytes]]] = {}
        for group, message in sends:
            channel = layer._get_group_channel_name(group)
            by_shard.setdefault(layer._get_shard(channel), []).append(
                (channel, self.serialize(message))
            )
        for shard, publishes in by_shard.items():
            async with shard._lock:
                shard._ensure_redis()
                pipeline = shard._redis.pipeline(transaction=False)
                for channel, data in publishes:
                    pipeline.publish(channel, data)
                await pipeline.execute()
