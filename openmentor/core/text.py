"""Text helpers shared by profiles, programs, matching, mentorships and messaging."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from .errors import ValidationFailed

_SPACES = re.compile(r"\s+")
TAG_MAX_LENGTH = 60


def normalise_tag(raw: str) -> str:
    """Case-fold, trim and collapse inner spacing so "Grant  Writing" == "grant writing"."""
    text = unicodedata.normalize("NFKC", raw).strip().casefold()
    text = _SPACES.sub(" ", text)
    return text[:TAG_MAX_LENGTH]


def split_tags(raw: str) -> list[str]:
    """Split a comma- or semicolon-separated list typed by a person, keeping order."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,;\n]", raw or ""):
        tag = normalise_tag(part)
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


# Characters that are letters or symbols to Unicode yet print as nothing (Hangul fillers,
# the blank braille pattern): a text of only these reads as empty.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def plain_text(text: str | None, field: str) -> str:
    """Trimmed; "" when nothing in it shows (only spaces, zero-width or blank-looking
    characters, which went out as a blank message, note or goal). A NUL is refused, as the
    pages' forms refuse it (PostgreSQL cannot store one in a text column)."""
    text = (text or "").replace("\r\n", "\n").strip()
    if "\x00" in text:
        message = _("Null characters are not allowed.")
        raise ValidationFailed(message, fields={field: message})
    if all(
        ch.isspace() or ch in BLANK_LETTERS or unicodedata.category(ch) in ("Cf", "Cc")
        for ch in text
    ):
        return ""
    return text
