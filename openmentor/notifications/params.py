"""The values written into a notification's words, kept so that the page can write them
again later in the person's language and time zone of the moment.

A time is kept as ``{"datetime": iso}`` and shown in the zone and format of whoever reads
it, a day as ``{"date": iso}`` in their format; a word of the product (a role's name, a lazy text) is kept untranslated as
``{"word": source}`` and translated when read; numbers stay numbers for ``%(n)d``; any
other value (a name, a program) is kept as its text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext


def storable(params: dict[str, Any]) -> dict[str, Any]:
    return {name: _storable(value) for name, value in params.items()}


def _storable(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
        return {"datetime": aware.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Promise):
        with translation.override(None):
            return {"word": str(value)}
    if isinstance(value, int | float):
        return value
    return str(value)


def readable(stored: dict[str, Any]) -> dict[str, Any]:
    """The stored values as the active language and time zone write them. Raises
    ``ValueError`` for a value that is not what ``storable`` writes (a row changed by
    hand): the caller then shows the text as it was written."""
    try:
        return {name: _readable(value) for name, value in stored.items()}
    except (TypeError, AttributeError) as error:
        raise ValueError(f"unreadable notification params: {error}") from error


def _readable(value: Any) -> Any:
    if isinstance(value, dict):
        if "datetime" in value:
            moment = datetime.fromisoformat(value["datetime"])
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=UTC)
            return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
        if "date" in value:
            return date_format(date.fromisoformat(value["date"]), "DATE_FORMAT")
        if "word" in value:
            return gettext(value["word"])
    return value
