"""Times to the second, in the reader's language: a message's earlier versions, edited a
few seconds apart, must not all read "until 8:23 p.m."."""

import re
from datetime import datetime

from django import template
from django.utils import dateformat
from django.utils.formats import get_format

register = template.Library()

# The minutes of a locale's time, not escaped with a backslash ("\i" is a letter i).
_MINUTES = re.compile(r"(?<!\\)([GgHh]:i)")
_TWELVE_HOUR = re.compile(r"(?<!\\)P")  # "8:23 p.m.", "noon"


def format_with_seconds() -> str:
    """The current language's DATETIME_FORMAT with seconds after its minutes: "N j, Y,
    g:i:s a" in English, "j \\d\\e F \\d\\e Y à\\s H:i:s" in Portuguese."""
    pattern = str(get_format("DATETIME_FORMAT"))
    if _MINUTES.search(pattern):
        return _MINUTES.sub(r"\1:s", pattern, count=1)
    if _TWELVE_HOUR.search(pattern):
        return _TWELVE_HOUR.sub("g:i:s a", pattern, count=1)
    return f"{pattern} H:i:s"


@register.filter(expects_localtime=True)
def to_the_second(value: datetime | None) -> str:
    """A date and time as the language writes them (month names and word order included),
    on the reader's clock, with the seconds."""
    if not value:
        return ""
    return dateformat.format(value, format_with_seconds())
