"""Readiness checks behind /healthz and /healthz/worker (answered by
``core.middleware.HealthCheckMiddleware``): each returns (ok, detail) and never raises."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY

CHECK_TIMEOUT_S = 3.0
# The worker beats every minute (core.tasks.worker_heartbeat); three missed beats mean it
# has stopped, and with it scheduled messages, unread e-mails and reminders.
WORKER_HEARTBEAT_KEY = "openmentor.worker-heartbeat"
WORKER_SILENCE_S = 180
STARTED_AT = time.time()


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return False, type(exc).__name__
    return True, connection.vendor


def check_queue() -> tuple[bool, str]:
    try:
        pending = HUEY.pending_count()
    except Exception as exc:
        return False, type(exc).__name__
    return True, f"{type(HUEY).__name__}, {pending} pending"


async def _channel_layer_round_trip(layer: Any) -> bool:
    channel = await layer.new_channel()
    token = uuid.uuid4().hex
    receiver = asyncio.ensure_future(layer.receive(channel))
    try:
        # A pub/sub layer drops what is sent before the receiver has subscribed, so send
        # again until the message comes back (or the caller's time limit ends it).
        while True:
            await layer.send(channel, {"type": "health.ping", "token": token})
            done, _pending = await asyncio.wait({receiver}, timeout=0.1)
            if done:
                return bool(receiver.result().get("token") == token)
    finally:
        receiver.cancel()


def check_channel_layer() -> tuple[bool, str]:
    layer = get_channel_layer()
    if layer is None:
        return False, "not configured"

    async def bounded() -> bool:
        return await asyncio.wait_for(_channel_layer_round_trip(layer), timeout=CHECK_TIMEOUT_S)

    try:
        ok = async_to_sync(bounded)()
    except Exception as exc:
        return False, type(exc).__name__
    return (True, type(layer).__name__) if ok else (False, "echo mismatch")


def record_worker_heartbeat() -> None:
    HUEY.put(WORKER_HEARTBEAT_KEY, time.time())


def check_worker() -> tuple[bool, str]:
    try:
        beat = HUEY.get(WORKER_HEARTBEAT_KEY, peek=True)
    except Exception as exc:
        return False, type(exc).__name__
    if beat is None:  # just deployed: its first beat comes within the minute
        starting = time.time() - STARTED_AT < WORKER_SILENCE_S
        return starting, "no heartbeat yet" if starting else "no heartbeat"
    silent = time.time() - float(beat)
    return silent < WORKER_SILENCE_S, f"last heartbeat {silent:.0f} s ago"


def run_checks(worker: bool = False) -> dict[str, dict[str, object]]:
    """What this process needs to serve (``/healthz``, for a load balancer: a stopped worker
    is not a reason to take every web process out), or the worker alone
    (``/healthz/worker``, for monitoring)."""
    results = (
        {"worker": check_worker()}
        if worker
        else {
            "database": check_database(),
            "queue": check_queue(),
            "channel_layer": check_channel_layer(),
        }
    )
    return {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()}


@never_cache
def healthz(request: HttpRequest, worker: bool = False) -> JsonResponse:
    checks = run_checks(worker=worker)
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )
