"""Text helpers shared by profiles, programs and matching."""

from __future__ import annotations

import re
import unicodedata

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
