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
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
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

    Offsets are probed every 6 hours (no zone changes twice that fast) and each change is
    located to the second by bisection."""
    zone = ZoneInfo(zone_name)
    probe = timedelta(hours=6)
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


def _local_spans(
    person: Person, day: date
) -> tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]]:
    """Naive local (wall-clock) open spans and blackout spans for one local date."""

    def span(start: time | None, end: time | None) -> tuple[datetime, datetime]:
        begin = datetime.combine(day, start or MIDNIGHT)
        if end is None or end == MIDNIGHT:
            return begin, datetime.combine(day + timedelta(days=1), MIDNIGHT)
        return begin, datetime.combine(day, end)

    weekday = day.weekday()
    opens = [span(w.start, w.end) for w in person.windows if w.weekday == weekday]
    opens += [span(x.start, x.end) for x in person.extras if x.day == day]
    shut = [span(b.start, b.end) for b in person.blackouts if b.day == day]
    return [s for s in opens if s[0] < s[1]], [s for s in shut if s[0] < s[1]]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(base: list[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    result = base
    for cut_start, cut_end in merge(cuts):
        pieces: list[Interval] = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    i = j = 0
    out: list[Interval] = []
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def free_intervals(person: Person, start: datetime, end: datetime) -> list[Interval]:
    """The person's free time inside ``[start, end)`` as merged UTC intervals."""
    opens: list[Interval] = []
    shuts: list[Interval] = []
    for seg_start, seg_end, offset in offset_segments(person.zone, start, end):
        local_lo = (seg_start + offset).replace(tzinfo=None)
        local_hi = (seg_end + offset).replace(tzinfo=None)
        day = local_lo.date()
        while datetime.combine(day, MIDNIGHT) < local_hi:
            day_opens, day_shuts = _local_spans(person, day)
            for bucket, spans in ((opens, day_opens), (shuts, day_shuts)):
                for lo, hi in spans:
                    lo, hi = max(lo, local_lo), min(hi, local_hi)
                    if lo < hi:
                        bucket.append(
                            ((lo - offset).replace(tzinfo=UTC), (hi - offset).replace(tzinfo=UTC))
                        )
            day += timedelta(days=1)
    free = subtract(merge(opens), shuts)
    return subtract(free, person.busy)


# --- fairness ---------------------------------------------------------------------------


def inconvenience(local: datetime) -> int:
    """0 in ordinary working hours; grows the further a meeting is from them."""
    minutes = local.hour * 60 + local.minute
    if 9 * 60 <= minutes < 18 * 60:
        return 0
    if 8 * 60 <= minutes < 9 * 60 or 18 * 60 <= minutes < 20 * 60:
        return 1
    if 7 * 60 <= minutes < 8 * 60 or 20 * 60 <= minutes < 22 * 60:
        return 2
    return 4


def _week_key(local: datetime) -> tuple[int, int]:
    iso = local.isocalendar()
    return iso.year, iso.week


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
    common = free_intervals(people[0], start, end)
    for person in people[1:]:
        if not common:
            break
        common = intersect(common, free_intervals(person, start, end))
    zones = {p.key: ZoneInfo(p.zone) for p in people}
    step_seconds = int(step.total_seconds())
    slots: list[Slot] = []
    for lo, hi in common:
        offset = int((lo - EPOCH).total_seconds())
        first = EPOCH + timedelta(seconds=-(-offset // step_seconds) * step_seconds)
        cursor = first
        while cursor + duration <= hi:
            local = {key: cursor.astimezone(zone) for key, zone in zones.items()}
            if all(
                p.max_per_week is None
                or p.booked_per_week.get(_week_key(local[p.key]), 0) < p.max_per_week
                for p in people
            ):
                burden = {key: inconvenience(moment) for key, moment in local.items()}
                score = sum(burden[p.key] * (1 + p.inconvenient_history) for p in people)
                slots.append(Slot(cursor, cursor + duration, local, burden, float(score)))
            cursor += step
    slots.sort(key=lambda s: (s.score, max(s.burden.values(), default=0), s.starts_at))
    return slots[:limit] if limit is not None else slots


# --- heatmap ----------------------------------------------------------------------------


def overlap_grid(
    people: Sequence[Person], start: datetime, end: datetime, viewer_zone: str
) -> list[list[float]]:
    """7 × 24 (viewer's local weekday × hour): the share of participants free for the whole
    hour, averaged over the weeks in the range."""
    zone = ZoneInfo(viewer_zone)
    frees = [free_intervals(p, start, end) for p in people]
    starts = [[iv[0] for iv in free] for free in frees]
    totals = [[0.0] * 24 for _ in range(7)]
    counts = [[0] * 24 for _ in range(7)]
    cursor = start.replace(minute=0, second=0, microsecond=0)
    if cursor < start:
        cursor += timedelta(hours=1)
    while cursor + timedelta(hours=1) <= end:
        local = cursor.astimezone(zone)
        stop = cursor + timedelta(hours=1)
        share = 0
        for free, free_starts in zip(frees, starts, strict=True):
            index = bisect.bisect_right(free_starts, cursor) - 1
            if index >= 0 and free[index][1] >= stop:
                share += 1
        totals[local.weekday()][local.hour] += share / max(len(people), 1)
        counts[local.weekday()][local.hour] += 1
        cursor = stop
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
