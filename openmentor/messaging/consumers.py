"""The messaging socket: everything the events socket does (pushes of the person's events,
ping/pong heartbeats), plus sending over the same connection.

A send over the socket is the same idempotent service as the HTTP API: the client keeps the
message in its outbox until it is confirmed, and resends with the same id after a reconnect
(or when no confirmation came). A new message is confirmed by its own ``message.new`` event,
which reaches the sending socket like every socket of the sender and carries the
``client_id`` and the rendered message; a retried id stores nothing and pushes nothing, so
it is confirmed by a ``message.ack`` (``created: false``); a refused send gets a
``message.error``.

Sends are group-committed: every socket of the process hands its send to one queue, and
whatever has queued up while the previous batch was in the database goes in the next
transaction (``services.send_messages``: one query per kind of read and write for the
whole batch, each send still checked, idempotent and answered on its own, pushes after the
commit). Nothing waits for a batch to fill; a lone send goes alone. One batch is in flight
per process (``OPENMENTOR_SEND_BATCHES_IN_FLIGHT`` allows more on PostgreSQL): on SQLite on
the single database thread, on PostgreSQL on a thread and pooled connection of its own."""

from __future__ import annotations

import asyncio
import os
import weakref
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation

from openmentor.core.consumers import EventsConsumer
from openmentor.core.errors import DomainError

from . import services

MAX_BATCH = 200


def _sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def _batches_in_flight() -> int:
    # Measured on 2 cores (bench/messaging.py, 500 clients): one batch in flight per process
    # gives bigger batches, fewer transactions and a shorter tail than four in parallel,
    # because the process is CPU-bound, not waiting on PostgreSQL. More may pay off with a
    # remote database (network round trips); at most the pool's size.
    wanted = int(os.environ.get("OPENMENTOR_SEND_BATCHES_IN_FLIGHT", "1"))
    if _sqlite():
        return 1  # one writer anyway
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    size = pool.get("max_size", wanted) if isinstance(pool, dict) else wanted
    return max(1, min(wanted, size))


def _unreadable(user: Any) -> str:
    with services.in_their_language(user):
        return translation.gettext(
            "The message could not be read: it needs a conversation (its id), a body (text) "
            "and a client_id (text)."
        )


def _send_batch(
    requests: list[services.SendRequest],
) -> list[services.SendResult | DomainError]:
    return services.send_messages(requests)


class SendQueue:
    """The process's queue of sends from all sockets (one per event loop)."""

    def __init__(self) -> None:
        self.pending: list[tuple[services.SendRequest, asyncio.Future[Any]]] = []
        self.running = 0
        self.parallel = _batches_in_flight()
        # SQLite: the thread-sensitive database thread, like every other database call of
        # the socket. PostgreSQL: a thread and a pooled connection of its own, so sends do
        # not queue behind the process's other database calls (sessions, pages).
        self.run_batch = database_sync_to_async(_send_batch, thread_sensitive=_sqlite())

    async def send(self, request: services.SendRequest) -> services.SendResult | DomainError:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending.append((request, future))
        if self.running < self.parallel:
            self.running += 1
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                try:
                    results = await self.run_batch([request for request, _f in batch])
                except Exception as error:  # the database failed: every send in it fails
                    for _request, future in batch:
                        if not future.done():
                            future.set_exception(error)
                else:
                    for (_request, future), result in zip(batch, results, strict=True):
                        if not future.done():
                            future.set_result(result)
        finally:
            self.running -= 1


_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SendQueue] = (
    weakref.WeakKeyDictionary()
)


def send_queue() -> SendQueue:
    loop = asyncio.get_running_loop()
    if loop not in _queues:
        _queues[loop] = SendQueue()
    return _queues[loop]


class MessagingConsumer(EventsConsumer):
    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if content.get("type") == "message.send":
            await self._handle_send(content)
            return
        await super().receive_json(content, **kwargs)

    async def _handle_send(self, content: dict[str, Any]) -> None:
        # Not cut or turned into text: a long id cut to 64 characters answered a new message
        # as a retry of another, and a body of null went out as "None". The service refuses
        # a bad id as the API does.
        raw_id, body = content.get("client_id", ""), content.get("body", "")
        client_id = raw_id if isinstance(raw_id, str) else ""  # echoed in the answer
        try:
            # The batch loads the conversation with the others and checks, as of now, that
            # the sender may write to it (audience, open mentorship, blocks).
            conversation_id = content.get("conversation")
            # A whole number within the database's ids: not 3.9 or true (which int() would
            # turn into another conversation's id), nor one the batch's query would fail on.
            if type(conversation_id) is not int or not 0 < conversation_id < 2**63:
                raise ValueError(conversation_id)
            if not isinstance(body, str) or client_id is not raw_id:
                raise TypeError(body)
            result = await send_queue().send(
                services.SendRequest(self.scope["user"], conversation_id, body, client_id)
            )
            if isinstance(result, DomainError):
                raise result
        except (TypeError, ValueError):
            await self.send_json(
                {
                    "type": "message.error",
                    "client_id": client_id,
                    "code": "invalid",
                    "message": _unreadable(self.scope["user"]),
                }
            )
        except DomainError as error:
            await self.send_json(
                {
                    **error.details,  # e.g. a rate limit's retry_after (never over the keys below)
                    "type": "message.error",
                    "client_id": client_id,
                    "code": error.code,
                    "message": error.message,
                }
            )
        else:
            # A new message needs no ack: its event already confirms it on this socket. A
            # second frame saying the same cost every send a frame on the sender's (perhaps
            # poor) connection and ~15 % of the server's time per message at 500 clients
            # (bench/messaging.py). If that push is lost, the client resends and gets an ack.
            if not result.created:
                await self.send_json(
                    {
                        "type": "message.ack",
                        "client_id": client_id,
                        "id": result.message.pk,
                        "created": False,
                    }
                )
