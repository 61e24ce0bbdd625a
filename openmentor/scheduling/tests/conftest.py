from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar

import pytest
from django.db import connection

from openmentor.scheduling import services

T = TypeVar("T")


def next_weekday(weekday: int, hour: int = 0, minute: int = 0, *, zone: Any = UTC) -> datetime:
    """The next date (at least two days ahead) falling on ``weekday``, at a local time."""
    today = datetime.now(tz=zone).date() + timedelta(days=2)
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


@pytest.fixture
def carol_available(carol: Any) -> Any:
    """Carol (Asia/Kolkata) is free every day 09:00-21:00 her time."""
    for weekday in range(7):
        services.add_window(carol, weekday=weekday, start_time=time(9), end_time=time(21))
    return carol


def in_thread(function: Callable[[], T]) -> T:
    """Run ``function`` in a worker thread. A session-wide Playwright browser keeps an
    event loop running in the main thread, where after-commit pushes (async_to_sync) and
    asyncio.run cannot start."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:
            outcome["error"] = error
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
