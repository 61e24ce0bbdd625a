"""See ``formats/en/formats.py``."""

MEETING_DATETIME_FORMAT = "D j N Y, H:i"
MEETING_SHORT_FORMAT = "D j N, H:i"
MEETING_LONG_FORMAT = "l j F Y, H:i"
SHORT_DAY_FORMAT = "D j N Y"
