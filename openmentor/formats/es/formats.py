"""See ``formats/en/formats.py``."""

MEETING_DATETIME_FORMAT = r"D j \d\e b \d\e Y, H:i"
MEETING_SHORT_FORMAT = r"D j \d\e b, H:i"
MEETING_LONG_FORMAT = r"l j \d\e F \d\e Y, H:i"
SHORT_DAY_FORMAT = r"D j \d\e b \d\e Y"
