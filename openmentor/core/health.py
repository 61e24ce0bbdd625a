"""Readiness checks behind /healthz: each returns (ok, detail) and never raises."""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from huey.contrib.djhuey import HUEY


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


def check_channel_layer() -> tuple[bool, str]:
    layer = get_channel_layer()
    if layer is None:
        return False, "not configured"
    try:
        channel = async_to_sync(layer.new_channel)()
        token = uuid.uuid4().hex
        async_to_sync(layer.send)(channel, {"type": "health.ping", "token": token})
        message = async_to_sync(layer.receive)(channel)
    except Exception as exc:
        return False, type(exc).__name__
    if message.get("token") != token:
        return False, "echo mismatch"
    return True, type(layer).__name__


def run_checks() -> dict[str, dict[str, object]]:
    results = {
        "database": check_database(),
        "queue": check_queue(),
        "channel_layer": check_channel_layer(),
    }
    return {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()}
