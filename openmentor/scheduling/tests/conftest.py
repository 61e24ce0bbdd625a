from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from openmentor.scheduling import services


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
