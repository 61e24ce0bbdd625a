"""The ``<id:…>`` path converter: a database id, 1 to 2**63 - 1.

Django's ``<id:…>`` takes any number of digits, and a number beyond what the database
stores failed in the query (a 500 on SQLite) instead of finding nothing (a 404)."""

from __future__ import annotations

MAX_ID = 2**63 - 1


def as_id(value: object) -> int | None:
    """A database id from text or a number, or None (not a whole number, or out of range)."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = as_id(value)
        if number is None:
            raise ValueError(value)  # the pattern does not match: a 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)
