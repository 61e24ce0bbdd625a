"""A streamed answer that streams under ASGI too.

Django's ``StreamingHttpResponse`` served by the ASGI handler reads a synchronous iterator
whole (``sync_to_async(list)``) before sending a byte, so a 100,000-row export would sit in
memory. This one hands the iterator's parts over in batches, each read in the request's
own thread (``thread_sensitive``: the database cursor an ``.iterator()`` holds open stays
on its connection). A WSGI server or the test client iterates it as usual."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial
from typing import cast

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse

BATCH_BYTES = 64 * 1024


def _take(parts: Iterator[bytes], limit: int) -> list[bytes]:
    """The next parts, up to about ``limit`` bytes; an empty list at the end."""
    batch: list[bytes] = []
    size = 0
    for part in parts:
        batch.append(part)
        size += len(part)
        if size >= limit:
            break
    return batch


class SyncStreamingResponse(StreamingHttpResponse):
    async def __aiter__(self) -> AsyncIterator[bytes]:  # type: ignore[override]
        parts = iter(cast("Iterator[bytes]", self.streaming_content))  # a synchronous one
        take = sync_to_async(partial(_take, parts, BATCH_BYTES))
        while batch := await take():
            for part in batch:
                yield part
