"""A body larger than any form needs is refused before it is received (core.body_limit)."""

from __future__ import annotations

import asyncio
import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from openmentor.core.body_limit import BodyLimit


def call(
    path: str, chunks: list[bytes], length: int | None, language: str = "en"
) -> tuple[int, bytes, int, bool]:
    """Runs one request through ``BodyLimit`` (limit 1,000 bytes) around an app that reads
    the whole body and echoes its size. Returns the status, the body, how many chunks were
    asked for and whether the app answered."""
    headers = [(b"accept-language", language.encode())]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {"type": "http", "path": path, "method": "POST", "headers": headers,
             "query_string": b"", "root_path": ""}  # fmt: skip
    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    asked = 0
    answered = False
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        return pending.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal answered
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # as Django does: stops, answers nothing
            size += len(message["body"])
            if not message["more_body"]:
                break
        answered = True
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})

    asyncio.run(BodyLimit(app, limit=1000)(scope, receive, send))
    return sent[0]["status"], sent[1]["body"], asked, answered


def test_a_body_declared_too_large_is_refused_without_reading_it() -> None:
    status, body, asked, answered = call("/messages/1/", [b"x" * 600] * 4, length=2400)
    assert (status, asked, answered) == (413, 0, False)
    assert body.decode().startswith("<!doctype html>")
    assert "This is too much to send at once" in body.decode()
    status, body, asked, answered = call("/api/v1/messaging/x", [b"{}"], length=5000, language="es")
    assert status == 413 and asked == 0
    answer = json.loads(body)
    assert answer["code"] == "too_large"
    assert answer["message"].startswith("Es demasiado para enviar de una vez")


def test_a_body_in_chunks_is_refused_once_it_passes_the_limit() -> None:
    status, _body, asked, answered = call("/messages/1/", [b"x" * 600] * 5, length=None)
    assert (status, answered) == (413, False)
    assert asked == 2  # stopped at the chunk that passed 1,000 bytes


def test_a_body_within_the_limit_reaches_the_app() -> None:
    assert call("/messages/1/", [b"x" * 400, b"y" * 600], length=1000)[:2] == (200, b"1000")
    assert call("/messages/1/", [b"x" * 400, b"y" * 600], length=None)[:2] == (200, b"1000")


@pytest.mark.django_db(transaction=True)
def test_the_served_platform_refuses_a_huge_upload_before_receiving_it(
    asgi_server: str, settings: Any
) -> None:
    """200 MB announced, nothing sent: the answer comes at once."""
    address = urlsplit(asgi_server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.putrequest("POST", "/messages/1/")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(200 * 1024 * 1024))
    connection.endheaders()
    answer = connection.getresponse()
    assert answer.status == 413
    assert "at most 51 MB" in answer.read().decode()
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_served_platform_stops_reading_a_body_sent_in_chunks_past_the_limit(
    asgi_server: str,
) -> None:
    """No length announced: counted as it arrives, and answered once past 51 MB."""
    import socket

    address = urlsplit(asgi_server)
    chunk = b"x" * (1024 * 1024)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(
            b"POST /messages/1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        sent = 0
        try:
            while sent < 80:  # more than the limit; the server stops reading before this
                conn.sendall(frame)
                sent += 1
        except OSError:
            pass  # the server closed the connection after answering
        answer = conn.recv(65536).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "at most 51 MB" in answer
