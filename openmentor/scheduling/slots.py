"""The slot finder: pure Python, no Django imports, so it can be tested with hypothesis
and benchmarked on its own.

Semantics (what the property tests check against a brute-force minute scan): an instant
``t`` is free for a person when its local wall-clock time in the person's zone falls inside
one of the person's weekly windows for that local weekday, or inside an extra window on
that local date, and not inside a blackout on that local date, and ``t`` is not inside
one of the person's busy intervals. A slot is a start on the UTC grid of ``step`` minutes
whose whole ``[start, start + duration)`` is free for every participant.

Weekly windows are local wall-clock times, expanded with zoneinfo over constant-offset
segments between the zone's transitions: a window stays at 18:00 local across a DST
change, a window inside a spring-forward gap shrinks, and a window inside a fall-back
fold occurs twice, exactly as the wall clock does.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
# Interval arithmetic works on UTC datetimes and on epoch seconds alike.
Span = TypeVar("Span", tuple[datetime, datetime], tuple[int, int])
MIDNIGHT = time(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class WeeklyWindow:
    """``weekday`` is Monday=0. ``end`` of 00:00 means the window runs to midnight."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class DateWindow:
    """A window on one local date: an extra opening, or a blackout (``start`` None = all day)."""

    day: date
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class Person:
    key: str
    zone: str
    windows: Sequence[WeeklyWindow] = ()
    extras: Sequence[DateWindow] = ()
    blackouts: Sequence[DateWindow] = ()
    busy: Sequence[Interval] = ()
    # Past meetings this person took at inconvenient local hours (fairness rotation).
    inconvenient_history: int = 0
    max_per_week: int | None = None
    # Sessions already booked per local ISO week (year, week) -> count.
    booked_per_week: Mapping[tuple[int, int], int] = field(default_factory=dict)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    local_starts: dict[str, datetime]
    burden: dict[str, int]
    score: float


# --- time-zone segments -----------------------------------------------------------------


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


@lru_cache(maxsize=4096)
def offset_segments(
    zone_name: str, start: datetime, end: datetime
) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """Split ``[start, end)`` (UTC) into pieces with one constant UTC offset each.

    Offsets are probed once a day (no zone in the tz database changes twice within a
    day) and each change is located to the second by bisection."""
    zone = ZoneInfo(zone_name)
    probe = timedelta(days=1)
    segments: list[tuple[datetime, datetime, timedelta]] = []
    seg_start = start
    current = _offset(zone, start)
    cursor = start
    while cursor < end:
        nxt = min(cursor + probe, end)
        probe_at = nxt if nxt < end else end - timedelta(seconds=1)
        if probe_at > cursor and _offset(zone, probe_at) != current:
            low, high = cursor, probe_at  # offset(low) == current, offset(high) != current
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                mid = mid.replace(microsecond=0)
                if mid <= low:
                    break
                if _offset(zone, mid) == current:
                    low = mid
                else:
                    high = mid
            segments.append((seg_start, high, current))
            seg_start, current = high, _offset(zone, high)
        cursor = nxt
    segments.append((seg_start, end, current))
    return tuple(segments)


def merge(intervals: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(base: list[Span], cuts: Iterable[Span]) -> list[Span]:
    """``base`` (merged, sorted) minus ``cuts``, in one linear sweep."""
    cut_list = merge(cuts)
    if not cut_list:
        return base
    result: list[Span] = []
    j = 0
    for start, end in base:
        while j < len(cut_list) and cut_list[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < len(cut_list) and cut_list[k][0] < end:
            cut_start, cut_end = cut_list[k]
            if cut_start > cursor:
                result.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    i = j = 0
    len_a, len_b = len(a), len(b)
    out: list[Span] = []
    while i < len_a and j < len_b:
        a_lo, a_hi = a[i]
        b_lo, b_hi = b[j]
        start = a_lo if a_lo > b_lo else b_lo
        end = a_hi if a_hi < b_hi else b_hi
        if start < end:
            out.append((start, end))
        if a_hi < b_hi:
            i += 1
        else:
            j += 1
    return out


DAY = 86400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
EPOCH_WEEKDAY = 3  # 1 January 1970 was a Thursday


def _seconds(moment: datetime, *, ceil: bool = False) -> int:
    delta = moment - EPOCH
    whole = delta.days * DAY + delta.seconds
    return whole + 1 if ceil and delta.microseconds else whole


def _moment(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def _clock_seconds(value: time | None, *, end: bool) -> int:
    if value is None or (end and value == MIDNIGHT):
        return DAY if end else 0
    return value.hour * 3600 + value.minute * 60 + value.second


def _segments(zone: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """Constant-offset pieces of ``[start, end)`` in epoch seconds: (lo, hi, offset)."""
    return [
        (_seconds(lo), _seconds(hi), int(offset.total_seconds()))
        for lo, hi, offset in offset_segments(zone, _moment(start), _moment(end))
    ]


def _by_day(items: Sequence[DateWindow]) -> dict[int, list[tuple[int, int]]]:
    days: dict[int, list[tuple[int, int]]] = {}
    for item in items:
        span = (_clock_seconds(item.start, end=False), _clock_seconds(item.end, end=True))
        days.setdefault(item.day.toordinal() - EPOCH_ORDINAL, []).append(span)
    return days


def _free_seconds(person: Person, start: int, end: int) -> list[tuple[int, int]]:
    """The person's free time in ``[start, end)``: merged (lo, hi) epoch seconds.

    Works on integers (a local day is ``(utc + offset) // 86400``) because this loop runs
    for every person and every day of the range."""
    weekly: dict[int, list[tuple[int, int]]] = {}
    for window in person.windows:
        weekly.setdefault(window.weekday, []).append(
            (_clock_seconds(window.start, end=False), _clock_seconds(window.end, end=True))
        )
    extras = _by_day(person.extras)
    blackouts = _by_day(person.blackouts)
    opens: list[tuple[int, int]] = []
    shuts: list[tuple[int, int]] = []
    for seg_lo, seg_hi, offset in _segments(person.zone, start, end):
        local_lo, local_hi = seg_lo + offset, seg_hi + offset
        day = local_lo // DAY
        while day * DAY < local_hi:
            base = day * DAY
            spans = weekly.get((day + EPOCH_WEEKDAY) % 7, [])
            if extras:
                spans = spans + extras.get(day, [])
            for bucket, day_spans in ((opens, spans), (shuts, blackouts.get(day, ()))):
                for lo, hi in day_spans:
                    lo = max(base + lo, local_lo)
                    hi = min(base + hi, local_hi)
                    if lo < hi:
                        bucket.append((lo - offset, hi - offset))
            day += 1
    free = subtract(merge(opens), shuts)
    if person.busy:
        free = subtract(free, [(_seconds(lo), _seconds(hi, ceil=True)) for lo, hi in person.busy])
    return free


def free_intervals(person: Person, start: datetime, end: datetime) -> list[Interval]:
    """The person's free time inside ``[start, end)`` as merged UTC intervals."""
    seconds = _free_seconds(person, _seconds(start, ceil=True), _seconds(end))
    return [(_moment(lo), _moment(hi)) for lo, hi in seconds]


# --- fairness ---------------------------------------------------------------------------


def inconvenience(local: datetime) -> int:
    """0 in ordinary working hours; grows the further a meeting is from them."""
    return _inconvenience_minutes(local.hour * 60 + local.minute)


def _inconvenience_minutes(minutes: int) -> int:
    if 9 * 60 <= minutes < 18 * 60:
        return 0
    if 8 * 60 <= minutes < 9 * 60 or 18 * 60 <= minutes < 20 * 60:
        return 1
    if 7 * 60 <= minutes < 8 * 60 or 20 * 60 <= minutes < 22 * 60:
        return 2
    return 4


class _Clock:
    """A person's UTC offset at any instant of the range, by bisection over segments."""

    def __init__(self, zone: str, start: int, end: int) -> None:
        segments = _segments(zone, start, end)
        self.starts = [lo for lo, _hi, _offset in segments]
        self.offsets = [offset for _lo, _hi, offset in segments]

    def local(self, instant: int) -> int:
        return instant + self.offsets[max(bisect.bisect_right(self.starts, instant) - 1, 0)]


def find_slots(
    people: Sequence[Person],
    start: datetime,
    end: datetime,
    *,
    duration: timedelta,
    step: timedelta = timedelta(minutes=15),
    limit: int | None = None,
) -> list[Slot]:
    """Every grid start where all ``people`` are free for ``duration``, fairest first.

    The score weighs each person's local-hour burden by how many inconvenient meetings
    they already took, so the person who took the last 6 a.m. call is spared next."""
    if not people or duration <= timedelta(0) or start >= end:
        return []
    lo_s, hi_s = _seconds(start, ceil=True), _seconds(end)
    common = _free_seconds(people[0], lo_s, hi_s)
    for person in people[1:]:
        if not common:
            break
        common = intersect(common, _free_seconds(person, lo_s, hi_s))
    clocks = [_Clock(p.zone, lo_s, hi_s) for p in people]
    weights = [1 + p.inconvenient_history for p in people]
    step_s, need = int(step.total_seconds()), int(duration.total_seconds())
    candidates: list[tuple[int, int, int, tuple[int, ...]]] = []
    for lo, hi in common:
        instant = -(-lo // step_s) * step_s
        while instant + need <= hi:
            locals_ = [clock.local(instant) for clock in clocks]
            if all(
                p.max_per_week is None
                or p.booked_per_week.get(_iso_week(local), 0) < p.max_per_week
                for p, local in zip(people, locals_, strict=True)
            ):
                burdens = tuple(_inconvenience_minutes(local % DAY // 60) for local in locals_)
                score = sum(b * w for b, w in zip(burdens, weights, strict=True))
                candidates.append((score, max(burdens), instant, burdens))
            instant += step_s
    candidates.sort()
    if limit is not None:
        candidates = candidates[:limit]
    zones = [ZoneInfo(p.zone) for p in people]
    slots = []
    for score, _worst, instant, burdens in candidates:
        moment = _moment(instant)
        slots.append(
            Slot(
                moment,
                moment + duration,
                {p.key: moment.astimezone(z) for p, z in zip(people, zones, strict=True)},
                {p.key: b for p, b in zip(people, burdens, strict=True)},
                float(score),
            )
        )
    return slots


def _iso_week(local_seconds: int) -> tuple[int, int]:
    iso = date.fromordinal(EPOCH_ORDINAL + local_seconds // DAY).isocalendar()
    return iso.year, iso.week


# --- heatmap ----------------------------------------------------------------------------


def overlap_grid(
    people: Sequence[Person], start: datetime, end: datetime, viewer_zone: str
) -> list[list[float]]:
    """7 × 24 (viewer's local weekday × hour): the share of participants free for the whole
    hour, averaged over the weeks in the range."""
    lo_s, hi_s = _seconds(start, ceil=True), _seconds(end)
    frees = [_free_seconds(p, lo_s, hi_s) for p in people]
    starts = [[iv[0] for iv in free] for free in frees]
    viewer = _Clock(viewer_zone, lo_s, hi_s)
    totals = [[0.0] * 24 for _ in range(7)]
    counts = [[0] * 24 for _ in range(7)]
    instant = -(-lo_s // 3600) * 3600
    share_of_one = 1 / max(len(people), 1)
    while instant + 3600 <= hi_s:
        stop = instant + 3600
        share = 0
        for free, free_starts in zip(frees, starts, strict=True):
            index = bisect.bisect_right(free_starts, instant) - 1
            if index >= 0 and free[index][1] >= stop:
                share += 1
        local = viewer.local(instant)
        weekday, hour = (local // DAY + EPOCH_WEEKDAY) % 7, local % DAY // 3600
        totals[weekday][hour] += share * share_of_one
        counts[weekday][hour] += 1
        instant = stop
    return [
        [totals[d][h] / counts[d][h] if counts[d][h] else 0.0 for h in range(24)] for d in range(7)
    ]


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def heatmap_svg(
    grid: Sequence[Sequence[float]],
    *,
    weekday_labels: Sequence[str],
    title: str,
    cell_label: str = "{day} {hour:02d}:00 — {percent}%",
) -> str:
    """An accessible SVG (role=img, a <title>, one <title> per cell); colours are SVG
    presentation attributes, so a strict style-src CSP does not block them."""
    cell, left, top = 18, 40, 20
    width, height = left + 24 * cell + 2, top + 7 * cell + 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{_escape(title)}"><title>{_escape(title)}</title>'
    ]
    for hour in range(0, 24, 3):
        parts.append(
            f'<text x="{left + hour * cell + 2}" y="{top - 6}" font-size="10" '
            f'fill="#333">{hour:02d}</text>'
        )
    for day, row in enumerate(grid):
        y = top + day * cell
        parts.append(
            f'<text x="0" y="{y + 13}" font-size="11" fill="#333">'
            f"{_escape(weekday_labels[day])}</text>"
        )
        for hour, value in enumerate(row):
            percent = round(value * 100)
            label = cell_label.format(day=weekday_labels[day], hour=hour, percent=percent)
            parts.append(
                f'<rect x="{left + hour * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="#1f6f50" fill-opacity="{0.08 + 0.92 * value:.2f}" '
                f'data-value="{percent}"><title>{_escape(label)}</title></rect>'
            )
    parts.append("</svg>")
    return "".join(parts)


# --- the naive reference (tests and the benchmark baseline) ---------------------------


def is_free_at(person: Person, instant: datetime) -> bool:
    """Direct definition of 'free' for one instant: the brute-force oracle."""
    local = instant.astimezone(ZoneInfo(person.zone)).replace(tzinfo=None)
    wall = local.time()

    def inside(start: time | None, end: time | None) -> bool:
        lo = start or MIDNIGHT
        return wall >= lo and (end is None or end == MIDNIGHT or wall < end)

    day = local.date()
    opened = any(w.weekday == day.weekday() and inside(w.start, w.end) for w in person.windows)
    opened = opened or any(x.day == day and inside(x.start, x.end) for x in person.extras)
    if not opened:
        return False
    if any(b.day == day and inside(b.start, b.end) for b in person.blackouts):
        return False
    return not any(lo <= instant < hi for lo, hi in person.busy)


def brute_force_slots(
    people: Sequence[Person],
    start: datetime,
    end: datetime,
    *,
    duration: timedelta,
    step: timedelta = timedelta(minutes=15),
) -> list[datetime]:
    """Minute scan: the starts on the grid where every minute is free for everyone."""
    minutes = int((end - start).total_seconds() // 60)
    free = [
        all(is_free_at(p, start + timedelta(minutes=m)) for p in people) for m in range(minutes)
    ]
    need = int(duration.total_seconds() // 60)
    step_minutes = int(step.total_seconds() // 60)
    result = []
    for m in range(minutes - need + 1):
        instant = start + timedelta(minutes=m)
        if int((instant - EPOCH).total_seconds() // 60) % step_minutes:
            continue
        if all(free[m : m + need]):
            result.append(instant)
    return result
