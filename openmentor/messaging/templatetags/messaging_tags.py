import html
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from openmentor.messaging.formatting import render_markdown

register = template.Library()

_TAG = re.compile(r"(<[^>]*>)")


@register.filter
def markdown_safe(text: str) -> SafeString:
    # nh3 has sanitised the HTML, so it is safe to mark as such.
    return mark_safe(render_markdown(text))  # noqa: S308


@register.filter
def file_size(size: int) -> str:
    """An attachment's size, written exactly as ``messaging.js`` (``sizeText``) writes it for
    a message that arrives live, so both look the same."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, int(size / 1024 + 0.5))} KB"


@register.simple_tag
def seen_label(message_id: int, cursors: dict[int, int]) -> str:
    """How far one's own message has been read by the others: "seen" with one other person;
    in a group "seen by everyone" or "seen by 2 of 3"; nothing when nobody has read it.
    ``messaging.js`` words it the same way when read events arrive."""
    readers = sum(1 for cursor in cursors.values() if cursor >= message_id)
    if not readers:
        return ""
    if len(cursors) == 1:
        return gettext("seen")
    if readers == len(cursors):
        return gettext("seen by everyone")
    return seen_by_pattern() % {"n": readers, "total": len(cursors)}


@register.simple_tag
def seen_by_pattern() -> str:
    """The group wording "seen by %(n)s of %(total)s" in the person's language, for the script. Not
    ``{% translate %}``: a template's literal with ``%`` is looked up as ``%%(n)s``, a
    catalog entry of its own that this one would never match."""
    return gettext("seen by %(n)s of %(total)s")


@register.filter
def highlight(sanitised_html: str, query: str) -> SafeString:
    """``<mark>`` around each case-insensitive match of ``query`` in the text of already
    sanitised HTML (never inside a tag or an entity: the text between tags is unescaped,
    matched and escaped again). A match that crosses a tag is left unmarked."""
    needle = (query or "").strip()
    if not needle:
        return mark_safe(sanitised_html)  # noqa: S308 - the input is sanitised HTML
    pattern = re.compile(f"({re.escape(needle)})", re.IGNORECASE)
    marked = []
    for part in _TAG.split(str(sanitised_html)):
        if part.startswith("<"):
            marked.append(part)
            continue
        for index, piece in enumerate(pattern.split(html.unescape(part))):
            marked.append(f"<mark>{escape(piece)}</mark>" if index % 2 else escape(piece))
    return mark_safe("".join(marked))  # noqa: S308 - tags kept as sanitised, text escaped
