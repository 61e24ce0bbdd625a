"""Real server processes for the cross-process tests: uvicorn on the test database with a
Redis channel layer, as in a deployment with several stateless web processes, or with the
embedded layer and its push relay, as ``make run`` serves."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from openmentor.core.loopback import free_port, start_uvicorn, stop

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    data = connection.settings_dict
    if data["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{data['NAME']}"
    host, port = data.get("HOST") or "127.0.0.1", data.get("PORT") or 5432
    return f"postgres://{data['USER']}@{host}:{port}/{data['NAME']}"


@contextmanager
def server_process(redis_url: str | None = None, push_relay: str | None = None) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "OPENMENTOR_VAR_DIR": str(settings.VAR_DIR),  # same secret and message keys
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    if push_relay:
        env["OPENMENTOR_PUSH_RELAY"] = push_relay
    process = start_uvicorn(
        "config.asgi:application",
        env,
        port,
        options=["--log-level", "warning", "--lifespan", "off"],
        seconds=30,
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)
