"""Time-zone helpers. Times are stored in UTC; each person keeps an IANA zone name."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import TZPATH

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy as _


@lru_cache(maxsize=1)
def available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in available_timezones()


def zone_of(person: object) -> zoneinfo.ZoneInfo:
    """The person's zone, or UTC for none or a name no longer known."""
    name = getattr(person, "time_zone", "") or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def validate_timezone(name: str) -> None:
    """For the stored field: every time shown to or about the person goes through it (a
    made-up name such as "GMT+6" typed in the admin made the coach and schedules fail)."""
    if not is_valid_timezone(name):
        raise ValidationError(
            _("“%(zone)s” is not a time zone we know."),
            params={"zone": name},
            code="invalid_time_zone",
        )


@lru_cache(maxsize=1)
def _zone_links() -> dict[str, str]:
    """Old names (``Asia/Calcutta``) to current ones (``Asia/Kolkata``), from the tz
    database's own link table. Browsers built on ICU still report some old names."""
    links: dict[str, str] = {}
    try:
        text = (Path(TZPATH[0]) / "tzdata.zi").read_text() if TZPATH else ""
    except OSError:
        return links
    for line in text.splitlines():
        if line.startswith("L "):
            _marker, target, alias = line.split()[:3]
            links[alias] = target
    return links


def canonical_timezone(name: str) -> str:
    return _zone_links().get(name, name)


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    # Legacy aliases ("US/Eastern", "Etc/GMT+3") confuse people; offer canonical names.
    names = sorted(
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    )
    return [(name, name.replace("_", " ")) for name in names]


def utc_offset_label(name: str, at: datetime | None = None) -> str:
    """'UTC+05:45' for Asia/Kathmandu: shown next to times so people can compare zones."""
    zone = zoneinfo.ZoneInfo(name)
    moment = (at or datetime.now(tz=zoneinfo.ZoneInfo("UTC"))).astimezone(zone)
    offset = moment.utcoffset()
    total_minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if total_minutes >= 0 else "-"
    hours, minutes = divmod(abs(total_minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


# Times as the REST API writes them (ninja's encoder is Django's: milliseconds, "Z"), for
# the JSON written by hand (pushes, the long poll), so that the same time compares equal.
json_time = DjangoJSONEncoder().default
