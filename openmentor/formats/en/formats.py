"""Meeting times with their weekday, as each language writes them (Django's own formats
have no weekday; a fixed English pattern read "mar 1 Déc 2026" in French)."""

MEETING_DATETIME_FORMAT = "D j M Y, H:i"
MEETING_SHORT_FORMAT = "D j M, H:i"
MEETING_LONG_FORMAT = "l j F Y, H:i"
SHORT_DAY_FORMAT = "D j M Y"
