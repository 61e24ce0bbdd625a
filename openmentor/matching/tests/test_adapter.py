"""Profiles and availability windows become engine records; times follow time zones."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from openmentor.matching import adapter, services

pytestmark = pytest.mark.django_db

SUMMER = datetime(2026, 7, 6, tzinfo=UTC)  # a Monday; London on BST (UTC+1)
WINTER = datetime(2026, 12, 7, tzinfo=UTC)  # a Monday; London on GMT
DST_WEEK = datetime(2026, 3, 23, tzinfo=UTC)  # Europe moves its clocks on Sunday 29 March


def test_windows_become_utc_slots_with_the_offset_of_that_week() -> None:
    monday_nine_to_eleven = [(0, time(9), time(11), "Europe/London")]
    assert adapter.window_availability(monday_nine_to_eleven, SUMMER) == [8, 9]
    assert adapter.window_availability(monday_nine_to_eleven, WINTER) == [9, 10]
    # Kathmandu is UTC+05:45: 09:00-11:00 covers 03:15-05:15 UTC, so 03:00 and 04:00 count.
    assert adapter.window_availability([(0, time(9), time(11), "Asia/Kathmandu")], WINTER) == [
        3,
        4,
    ]


def test_a_window_after_the_clock_change_uses_the_new_offset() -> None:
    saturday = adapter.window_availability([(5, time(9), time(10), "Europe/Berlin")], DST_WEEK)
    sunday = adapter.window_availability([(6, time(9), time(10), "Europe/Berlin")], DST_WEEK)
    assert saturday == [5 * 24 + 8]  # CET, UTC+1
    assert sunday == [6 * 24 + 7]  # CEST, UTC+2


def test_an_evening_window_east_of_utc_wraps_into_the_week() -> None:
    # Monday 06:00-07:00 in Auckland (UTC+13 in December) is Sunday 17:00 UTC.
    assert adapter.window_availability([(0, time(6), time(7), "Pacific/Auckland")], WINTER) == [
        6 * 24 + 17
    ]


def test_people_without_shared_time_are_not_proposed_and_the_reason_says_so(
    matching_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    carol: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from openmentor.scheduling.models import AvailabilityWindow

    frank = matching_program.frank
    # Bob is free only on Saturday mornings in São Paulo; both mentors only on weekdays.
    AvailabilityWindow.objects.create(
        user=bob, weekday=5, start_time=time(8), end_time=time(12), time_zone="America/Sao_Paulo"
    )
    for mentor in (carol, frank):
        AvailabilityWindow.objects.create(
            user=mentor, weekday=1, start_time=time(9), end_time=time(17), time_zone="UTC"
        )
    with django_capture_on_commit_callbacks(execute=True):
        done = services.start_round(alice, matching_program)
    done.refresh_from_db()
    assert not done.proposals.filter(mentee=bob).exists()
    assert done.unmatched.get(user=bob).reasons == ["no_availability_overlap"]
    assert done.proposals.filter(mentee=erin).exists()


def test_language_names_inside_a_reason_are_written_as_each_language_writes_them() -> None:
    """French, Spanish and Portuguese write them in lowercase mid-sentence ("Os dois falam
    Inglês" read as a typo); English capitalises them."""
    from django.utils import translation

    from openmentor.matching.adapter import describe_factor

    shared = {"code": "shared_language", "languages": ["en", "pt"]}
    with translation.override("pt"):
        assert describe_factor(shared) == "Os dois falam inglês e português."
    with translation.override("en"):
        assert describe_factor(shared) == "Both speak English and Portuguese."
