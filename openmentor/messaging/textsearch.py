"""Searching what a message shows: the visible text of its Markdown (not its asterisks or
link addresses), compared without case or accents, in one Unicode form (text pasted from
some systems arrives decomposed: "e" and a combining accent instead of "é")."""

from __future__ import annotations

import html
import re
import unicodedata

from .formatting import render_markdown

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def visible_text(body: str) -> str:
    return text_of(render_markdown(body))


def text_of(rendered: str) -> str:
    """The text of a message's rendered HTML. Block ends become spaces, so the last word of
    a paragraph or list item does not run into the next."""
    text = html.unescape(_TAG.sub(" ", rendered))
    return _SPACE.sub(" ", text).strip()


def spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where ``query`` occurs in ``text``, folded alike, as (start, end) in ``text``."""
    needle = fold(query.strip())
    if not needle:
        return []
    folded: list[str] = []
    origin: list[int] = []  # the index in ``text`` of each folded character
    for index, char in enumerate(text):
        for piece in _fold_char(char):
            folded.append(piece)
            origin.append(index)
    haystack = "".join(folded)
    found: list[tuple[int, int]] = []
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        text_end = origin[end - 1] + 1
        while text_end < len(text) and unicodedata.combining(text[text_end]):
            text_end += 1  # the accent on the last letter belongs to the match
        found.append((origin[start], text_end))
        start = haystack.find(needle, end)
    return found


def matches(body: str, folded_query: str) -> bool:
    return folded_query in fold(visible_text(body))


def excerpt(text: str, query: str, width: int = 300) -> str:
    """``width`` characters of ``text`` around the first match, with "…" where cut."""
    if len(text) <= width:
        return text
    found = spans(text, query)
    centre = found[0][0] if found else 0
    start = max(0, min(centre - width // 3, len(text) - width))
    end = start + width
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
