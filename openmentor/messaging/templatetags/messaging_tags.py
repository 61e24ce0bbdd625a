import html
import re
from datetime import datetime
from typing import Any

from django import template
from django.utils import dateformat
from django.utils.formats import get_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from openmentor.messaging import coach, selectors, services, textsearch
from openmentor.messaging.formatting import render_markdown
from openmentor.messaging.models import REACTION_EMOJI
from openmentor.notifications.selectors import latest_event_id

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
        return gettext("%(size)s MB") % {"size": number_format(size / (1024 * 1024), 1)}
    if size < 1024:
        return gettext("%(size)s B") % {"size": size}  # a short note is 78 bytes, not "1 KB"
    return gettext("%(size)s KB") % {"size": int(size / 1024 + 0.5)}


@register.simple_tag
def times_for(when: datetime, people: list[Any]) -> str:
    """A scheduled message's time on the others' clocks ("08:00 for Yasmin"; in a group
    each one's): the page shows times on the reader's own clock, and the sender chose the
    other's morning."""
    return "; ".join(
        coach.clock_of(when, person.time_zone, str(person)) for person in people if person.time_zone
    )


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
    """``<mark>`` around each match of ``query`` in the text of already sanitised HTML,
    without case or accents as search matches, also across formatting ("quarterly report"
    in "**quarterly** report": one mark in each piece of text). Never inside a tag or an
    entity: the text between tags is unescaped, matched and escaped again."""
    if not (query or "").strip():
        return mark_safe(sanitised_html)  # noqa: S308 - the input is sanitised HTML
    # Each piece with its text unescaped, or None for a tag.
    parts = [
        (part, None if part.startswith("<") else html.unescape(part))
        for part in _TAG.split(str(sanitised_html))
    ]
    found = textsearch.spans("".join(text for _tag, text in parts if text is not None), query)
    marked, offset = [], 0
    for tag, text in parts:
        if text is None:
            marked.append(tag)
            continue
        done = 0
        for match_start, match_end in found:  # the part of each match in this text
            start, end = max(match_start - offset, done), min(match_end - offset, len(text))
            if start < end:
                marked.append(f"{escape(text[done:start])}<mark>{escape(text[start:end])}</mark>")
                done = end
        marked.append(escape(text[done:]))
        offset += len(text)
    return mark_safe("".join(marked))  # noqa: S308 - tags kept as sanitised, text escaped


SEARCH_RESULT_CHARS = 400


@register.filter
def search_result(body: str, query: str) -> SafeString:
    """A search result as the thread shows it, with the matches marked; a long message as
    an excerpt of its text around the first match, which may be far down."""
    rendered = render_markdown(body)
    text = textsearch.text_of(rendered)
    if len(text) <= SEARCH_RESULT_CHARS:
        return highlight(rendered, query)
    return highlight(
        f"<p>{escape(textsearch.excerpt(text, query, SEARCH_RESULT_CHARS))}</p>", query
    )


@register.simple_tag
def composer_limits() -> dict[str, Any]:
    """The service's limits and refusals for ``messaging.js`` to check a message before it
    goes (on a slow connection, an 11 MB file takes minutes to be refused; a pasted text
    over the limit is said at once, not cut)."""
    return {
        "max_chars": services.MAX_BODY_CHARS,
        "too_long": services.too_long_message(),
        "max_bytes": services.MAX_ATTACHMENT_BYTES,
        "max_files": services.MAX_ATTACHMENTS,
        "too_large": services.too_large_message("%(name)s"),
        "too_many": services.too_many_files_message(),
        "suffixes": " ".join(services.attachment_suffixes()),
        "wrong_type": services.wrong_type_message("%(name)s"),
    }


@register.simple_tag
def unread_pattern(count: int) -> str:
    """The "%(n)s unread" of the navigation and the conversation list, in the person's
    language and in the plural form for ``count``, with ``%(n)s`` left for ``messaging.js``
    to fill in when counts change live (the same catalog entry as the templates'
    ``{% blocktranslate count %}``, which cannot leave the number out)."""
    return ngettext("%(n)s unread", "%(n)s unread", count)


@register.simple_tag
def last_event_id(user: Any) -> int:
    """The person's newest event, as of which a page is rendered: ``messaging.js`` catches
    up on the events after it. Read after the page's unread counts, so a message arriving
    in between is left out until a reload rather than counted twice."""
    return latest_event_id(user)


# Times to the second, in the reader's language: a message's earlier versions, edited a
# few seconds apart, must not all read "until 8:23 p.m.".
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


@register.simple_tag
def reactions_for(message: Any, viewer_id: int) -> list[dict[str, Any]]:
    """The message's chips, as ``messaging.js`` (``reactionsBox``) draws them from
    ``services.serialize``: by emoji in a fixed order, with the count, whether the reader
    is among those who reacted, and who did (prefetched with the page, without those of
    people the reader blocked)."""
    return [
        {
            "emoji": group.emoji,
            "count": group.count,
            "mine": group.includes(viewer_id),
            "title": reacted_by(group.emoji, group.names),
            "label": f"{group.emoji} {group.count}: {group.names}",
        }
        for group in selectors.reaction_groups(selectors.reactions_of(message))
    ]


def reacted_by(emoji: str, names: str) -> str:
    return gettext("Reacted with %(emoji)s: %(people)s") % {"emoji": emoji, "people": names}


@register.simple_tag
def reaction_emoji() -> tuple[str, ...]:
    """The reactions the "React" picker offers, in their order."""
    return REACTION_EMOJI
