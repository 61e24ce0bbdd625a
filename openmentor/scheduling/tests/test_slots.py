"""Property tests of the pure slot finder against a brute-force minute scan."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openmentor.scheduling.slots import (
    DateWindow,
    Person,
    WeeklyWindow,
    brute_force_slots,
    find_slots,
    free_intervals,
    heatmap_svg,
    is_free_at,
    overlap_grid,
)

ZONES = [
    "America/Sao_Paulo",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/New_York",
    "UTC",
]
# Days around DST changes (London, New York, Lord Howe, Chatham) and Sao Paulo's old DST.
TRANSITION_DAYS = [
    date(2026, 3, 29),
    date(2026, 10, 25),
    date(2026, 3, 8),
    date(2026, 11, 1),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2026, 9, 27),
    date(2018, 11, 4),
    date(2019, 2, 17),
]

quarter_times = st.builds(
    lambda q: time(q // 4, (q % 4) * 15), st.integers(min_value=0, max_value=95)
)


@st.composite
def weekly_windows(draw: st.DrawFn) -> WeeklyWindow:
    weekday = draw(st.integers(0, 6))
    start = draw(quarter_times)
    length = draw(st.integers(1, 48)) * 15
    end_minutes = start.hour * 60 + start.minute + length
    end = MIDNIGHT_END if end_minutes >= 24 * 60 else time(end_minutes // 60, end_minutes % 60)
    return WeeklyWindow(weekday, start, end)


MIDNIGHT_END = time(0)


@st.composite
def people(draw: st.DrawFn, key: str, around: date) -> Person:
    zone = draw(st.sampled_from(ZONES))
    windows = draw(st.lists(weekly_windows(), min_size=1, max_size=8))
    # Windows touching every weekday near 00:00-03:00 exercise gaps and folds.
    windows += draw(
        st.lists(
            st.builds(
                lambda d, s: WeeklyWindow(d, time(s, 0), time(s + 2, 30)),
                st.integers(0, 6),
                st.integers(0, 3),
            ),
            max_size=3,
        )
    )
    blackouts = draw(
        st.lists(
            st.builds(
                lambda offset, whole, s: DateWindow(
                    around + timedelta(days=offset),
                    None if whole else time(s, 0),
                    None if whole else time(s + 1, 30),
                ),
                st.integers(-1, 2),
                st.booleans(),
                st.integers(0, 22),
            ),
            max_size=2,
        )
    )
    extras = draw(
        st.lists(
            st.builds(
                lambda offset, s: DateWindow(
                    around + timedelta(days=offset), time(s, 0), time(s, 45)
                ),
                st.integers(-1, 2),
                st.integers(0, 23),
            ),
            max_size=2,
        )
    )
    return Person(key, zone, windows, extras, blackouts)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_slots_match_a_brute_force_minute_scan(data: st.DataObject) -> None:
    around = data.draw(
        st.one_of(
            st.sampled_from(TRANSITION_DAYS),
            st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)),
        )
    )
    group = [data.draw(people(str(i), around)) for i in range(data.draw(st.integers(1, 3)))]
    start = datetime.combine(around - timedelta(days=1), time(0), tzinfo=UTC)
    start += timedelta(minutes=15 * data.draw(st.integers(0, 60)))
    end = start + timedelta(days=2)
    duration = timedelta(minutes=data.draw(st.sampled_from([15, 30, 45, 60, 90])))

    found = find_slots(group, start, end, duration=duration)
    expected = brute_force_slots(group, start, end, duration=duration)

    # Nothing missed that the minute scan finds, nothing invented.
    assert sorted(s.starts_at for s in found) == expected
    # Every slot lies inside every participant's availability, minute by minute.
    for slot in found:
        minute = slot.starts_at
        while minute < slot.ends_at:
            assert all(is_free_at(person, minute) for person in group)
            minute += timedelta(minutes=1)
        for person in group:
            assert slot.local_starts[person.key] == slot.starts_at.astimezone(ZoneInfo(person.zone))


def test_a_window_stays_at_18_local_across_the_dst_change() -> None:
    person = Person("p", "Europe/London", [WeeklyWindow(5, time(18), time(19))])
    start = datetime(2026, 3, 20, tzinfo=UTC)
    free = free_intervals(person, start, start + timedelta(days=16))
    assert [(lo.isoformat(), hi.isoformat()) for lo, hi in free] == [
        ("2026-03-21T18:00:00+00:00", "2026-03-21T19:00:00+00:00"),  # GMT
        ("2026-03-28T18:00:00+00:00", "2026-03-28T19:00:00+00:00"),  # last Saturday of GMT
        ("2026-04-04T17:00:00+00:00", "2026-04-04T18:00:00+00:00"),  # BST: still 18:00 local
    ]


def test_lord_howe_half_hour_change_and_kathmandu_offset() -> None:
    # Lord Howe moves its clocks 30 minutes on 2026-04-05 at 02:00 local (back to 01:30).
    howe = Person("h", "Australia/Lord_Howe", [WeeklyWindow(6, time(1, 0), time(3, 0))])
    start = datetime(2026, 4, 4, 12, tzinfo=UTC)
    free = free_intervals(howe, start, start + timedelta(days=1))
    total = sum((hi - lo for lo, hi in free), timedelta())
    assert total == timedelta(hours=2, minutes=30)  # 01:30-02:00 happens twice
    kathmandu = Person("k", "Asia/Kathmandu", [WeeklyWindow(0, time(9), time(10))])
    monday = datetime(2026, 6, 1, tzinfo=UTC)
    assert free_intervals(kathmandu, monday, monday + timedelta(days=1)) == [
        (datetime(2026, 6, 1, 3, 15, tzinfo=UTC), datetime(2026, 6, 1, 4, 15, tzinfo=UTC))
    ]


def test_fairness_spares_whoever_took_the_inconvenient_hours() -> None:
    tokyo = Person("tokyo", "Asia/Tokyo", [WeeklyWindow(0, time(0), MIDNIGHT_END)])
    lima_days = [WeeklyWindow(6, time(0), MIDNIGHT_END), WeeklyWindow(0, time(0), MIDNIGHT_END)]
    lima = Person("lima", "America/Lima", lima_days)
    window = (datetime(2026, 1, 4, 12, tzinfo=UTC), datetime(2026, 1, 5, 14, tzinfo=UTC))
    # With no history the best slot is 00:00 UTC: Tokyo 09:00 (fine), Lima 19:00 (late).
    fresh = find_slots([tokyo, lima], *window, duration=timedelta(hours=1))
    assert fresh[0].starts_at.hour == 0
    assert fresh[0].burden == {"tokyo": 0, "lima": 1}
    # Once Lima has taken five inconvenient meetings, the burden rotates to Tokyo.
    lima_tired = Person("lima", "America/Lima", lima_days, inconvenient_history=5)
    rotated = find_slots([tokyo, lima_tired], *window, duration=timedelta(hours=1))
    assert rotated[0].burden["lima"] == 0
    assert rotated[0].burden["tokyo"] > 0


def test_weekly_limit_drops_slots_in_full_weeks() -> None:
    free_all_week = [WeeklyWindow(d, time(9), time(10)) for d in range(7)]
    full = Person("m", "UTC", free_all_week, max_per_week=1, booked_per_week={(2026, 2): 1})
    start = datetime(2026, 1, 5, tzinfo=UTC)  # Monday of ISO week 2
    slots = find_slots([full], start, start + timedelta(days=14), duration=timedelta(hours=1))
    assert slots and all(s.starts_at.isocalendar().week == 3 for s in slots)


def test_heatmap_shows_where_availability_meets() -> None:
    a = Person("a", "UTC", [WeeklyWindow(0, time(9), time(12))])
    b = Person("b", "Asia/Kolkata", [WeeklyWindow(0, time(15, 30), time(18, 30))])  # 10-13 UTC
    start = datetime(2026, 1, 5, tzinfo=UTC)
    grid = overlap_grid([a, b], start, start + timedelta(days=7), "UTC")
    assert grid[0][9] == 0.5 and grid[0][10] == 1.0 and grid[0][11] == 1.0
    assert grid[0][12] == 0.5 and grid[1][10] == 0.0
    svg = heatmap_svg(grid, weekday_labels=list("MTWTFSS"), title="Overlap <you>")
    assert svg.startswith("<svg") and 'role="img"' in svg and "Overlap &lt;you&gt;" in svg
    assert svg.count("<rect") == 7 * 24
