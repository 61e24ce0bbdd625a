"""A small Markdown subset, sanitised: emphasis, code (inline and fenced blocks), lists,
quotes and links. As in a chat, a line break is a line break, a bare web address becomes a
link, and text in angle brackets is shown as written (someone writing about HTML keeps
their words) instead of being read as markup."""

from __future__ import annotations

import re
import string
import threading
import xml.etree.ElementTree as ElementTree
from typing import Any

import markdown
import nh3
from markdown.inlinepatterns import IMAGE_LINK_RE, LINK_RE, InlineProcessor, LinkInlineProcessor
from markdown.preprocessors import Preprocessor

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# A numbered list may start at another number ("3. review"): a positive whole number only.
_LIST_START = re.compile(r"[0-9]{1,9}")

# Building a Markdown parser costs more than converting a chat message with it, so each
# thread keeps one and resets it between messages (an instance is not thread-safe).
_local = threading.local()


# An address ends before trailing punctuation that belongs to the sentence around it.
_BARE_URL = r"(?<![\w/\"'=.])((?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,:;!?)\]*_])"


class _BareLink(InlineProcessor):
    ANCESTOR_EXCLUDES = ("a",)  # the text of a written link stays its text

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, int, int]:
        link = ElementTree.Element("a")
        address = self.unescape(m.group(1))  # a backslash escape is a placeholder here
        # "www.example.org" as people write it: on the web, over https.
        link.set("href", address if "://" in address else f"https://{address}")
        link.text = markdown.util.AtomicString(m.group(1))
        return link, m.start(0), m.end(0)


class _Link(LinkInlineProcessor):
    """``[text](address "title")``, with an address that never swallows another link: a
    stray quote can make Markdown's parser read on past the closing bracket, over a link
    already set aside, whose placeholder would then leak into the address."""

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[Any, int | None, int | None]:
        link, start, end = super().handleMatch(m, data)
        if link is not None and any(
            markdown.util.INLINE_PLACEHOLDER_PREFIX in (link.get(name) or "")
            for name in ("href", "title")
        ):
            return None, None, None  # shown as written
        return link, start, end


_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|(\d{1,9})[.)])[ \t]+\S")


class _ListsWithoutBlankLines(Preprocessor):
    """People write "Plan:" and the list on the next line, or a numbered list right after a
    bulleted one; Python-Markdown needs a blank line before a list and would show "- read"
    as text (or merge the two lists). One is put in where CommonMark starts a list anyway:
    a bullet after text, a numbered list starting at 1 after text, a list of the other
    kind right after a list. A line that goes on without a marker stays in its item."""

    def run(self, lines: list[str]) -> list[str]:
        written: list[str] = []
        previous = ""  # "" (start or blank line), "text", "ul" or "ol"
        for line in lines:
            item = _LIST_ITEM.match(line)
            kind = ("ol" if item.group(1) else "ul") if item else ""
            if item and (
                (previous == "text" and (kind == "ul" or item.group(1) == "1"))
                or (previous in ("ul", "ol") and previous != kind)
            ):
                written.append("")
            written.append(line)
            if not line.strip():
                previous = ""
            elif kind:
                previous = kind
            elif not previous:
                previous = "text"
        return written


def _parser() -> markdown.Markdown:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = markdown.Markdown(
            output_format="html", extensions=["fenced_code", "sane_lists", "nl2br"]
        )
        # Raw HTML is text here: escaped, not parsed (and then stripped by the sanitiser).
        parser.preprocessors.deregister("html_block")
        parser.inlinePatterns.deregister("html")
        parser.inlinePatterns.register(_Link(LINK_RE, parser), "link", 160)
        # Images are not shown in messages: ``![name](address)`` becomes a link to it.
        parser.inlinePatterns.register(_Link(IMAGE_LINK_RE, parser), "image_link", 150)
        # After fenced code is set aside (25), so a code block's lines stay as written.
        parser.preprocessors.register(_ListsWithoutBlankLines(parser), "loose_lists", 20)
        # Below Markdown's own links and autolinks (higher numbers run first).
        parser.inlinePatterns.register(_BareLink(_BARE_URL, parser), "bare_link", 105)
        # A backslash makes any punctuation literal, as in CommonMark ("\\<b>", "\\~"), not
        # only Markdown's own syntax characters.
        parser.ESCAPED_CHARS.extend(c for c in string.punctuation if c not in parser.ESCAPED_CHARS)
    return parser


# Most chat messages are one line of words and plain punctuation, which Markdown renders as
# one escaped-free paragraph; recognising them skips the parser (about 0.2 ms a message on
# the send path). The first character is a letter so the line cannot start a list, a
# heading or a code block; without ``*_`[]<>&#/\~|`` no inline syntax or HTML can start.
_PLAIN_LINE = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.;:?!'\"()])*")


def _is_plain(text: str) -> bool:
    return (
        _PLAIN_LINE.fullmatch(text) is not None
        and not text[-1].isspace()
        and "www." not in text.casefold()  # a bare address to link
    )


def render_markdown(text: str) -> str:
    if _is_plain(text):
        return f"<p>{text}</p>"
    return _parse_and_sanitise(text)


def _allowed_value(tag: str, attribute: str, value: str) -> str | None:
    """An ``<ol start>`` is kept only as a positive whole number (written without leading
    zeros); every other allowed attribute is left to nh3's own checks."""
    if tag == "ol" and attribute == "start":
        if not _LIST_START.fullmatch(value) or int(value) < 1:
            return None
        return str(int(value))
    return value


def _parse_and_sanitise(text: str) -> str:
    html = _parser().reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_allowed_value,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
