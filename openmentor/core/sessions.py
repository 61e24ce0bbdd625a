"""Django's database sessions, which also keep the stored expiry they were read with.

A socket closes when its sign-in ends (``core.consumers``); knowing the expiry from the
read that signed the socket in saves every connect another trip to the database (measured
with ``bench/messaging.py``: that extra read, queued on SQLite's one database thread when
500 people connect, put p99 at 210-300 ms instead of 80-110 ms)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    stored_expiry: datetime | None = None

    def _get_session_from_db(self) -> Any:
        row = super()._get_session_from_db()  # type: ignore[misc]  # (not in the stubs)
        self.stored_expiry = row.expire_date if row is not None else None
        return row
