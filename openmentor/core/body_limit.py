"""Refuses a request body larger than any form here needs, before it is read.

Django reads a whole body (files into temporary files) before a view can say that a file
is too large, and uvicorn sets no limit: without this, a 200 MB upload is received and
written to disk in full first, only to be refused."""

from __future__ import annotations

import io
import json
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.utils import translation
from django.utils.html import escape


class BodyLimit:
    def __init__(self, app: Any, limit: int | None = None) -> None:
        self.app = app
        self.limit = limit if limit is not None else settings.MAX_REQUEST_BYTES

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        # A body sent in chunks, without its length: counted as it arrives.
        received, over, started = 0, False, False

        async def counted() -> dict[str, Any]:
            nonlocal received, over
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    return {"type": "http.disconnect"}  # Django stops reading and answers nothing
            return message

        async def watched(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, watched)
        if over and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: dict[str, Any], send: Any) -> None:
        request = ASGIRequest(scope, io.BytesIO())
        with translation.override(translation.get_language_from_request(request)):
            text = translation.gettext(
                "This is too much to send at once: at most %(mb)d MB, files included."
            ) % {"mb": self.limit // (1024 * 1024)}
        if scope["path"].startswith("/api/"):
            body = json.dumps({"code": "too_large", "message": text}).encode()
            content_type = b"application/json"
        else:
            body = f"<!doctype html><title>413</title><p>{escape(text)}</p>".encode()
            content_type = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
