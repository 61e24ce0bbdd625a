"""The embedded (single-process) channel layer."""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer


class ThrottledInMemoryChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer scans every channel and group for expired entries on each
    send and receive, which costs O(open sockets) per message. Expiry is counted in
    minutes (messages) and hours (groups), so one scan a second removes the same entries
    without paying that cost for every message."""

    clean_interval_s = 1.0
    _last_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < self.clean_interval_s:
            return
        self._last_clean = now
        super()._clean_expired()
