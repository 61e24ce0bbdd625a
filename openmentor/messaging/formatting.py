"""A small Markdown subset, sanitised: emphasis, code, lists, quotes and links."""

from __future__ import annotations

import threading

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

# Building a Markdown parser costs more than converting a chat message with it, so each
# thread keeps one and resets it between messages (an instance is not thread-safe).
_local = threading.local()


def _parser() -> markdown.Markdown:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = markdown.Markdown(output_format="html")
    return parser


def render_markdown(text: str) -> str:
    html = _parser().reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
