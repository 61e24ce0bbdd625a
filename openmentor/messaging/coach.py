"""The etiquette coach: gentle hints before a message goes out. It never blocks sending.

Pure functions over the draft and the recipients' local time, so the page (no JS, via a
"check" button) and the API (called by the script while typing) give the same hints."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

MORNING = time(8, 0)
NIGHT_STARTS, NIGHT_ENDS = 22, 7
LONG_MESSAGE_CHARS = 2500
LONG_PARAGRAPH_CHARS = 1200

GREETINGS = {
    "en": ("hi", "hello", "hey", "dear", "good morning", "good afternoon", "good evening"),
    "es": ("hola", "buenos días", "buenos dias", "buenas tardes", "buenas noches", "estimad"),
    "pt": ("olá", "ola", "oi", "bom dia", "boa tarde", "boa noite", "prezad", "caro", "cara"),
    "fr": ("bonjour", "bonsoir", "salut", "cher", "chère", "coucou"),
}
HARSH_WORDS = {
    "en": ("stupid", "idiot", "useless", "lazy", "pathetic", "dumb", "shut up", "incompetent"),
    "es": ("estúpido", "estupido", "idiota", "inútil", "inutil", "vago", "cállate", "callate"),
    "pt": ("estúpido", "estupido", "idiota", "inútil", "inutil", "preguiçoso", "cala a boca"),
    "fr": ("stupide", "idiot", "nul", "incompétent", "incompetent", "paresseux", "tais-toi"),
}


@dataclass(frozen=True)
class Hint:
    code: str
    message: str
    suggested_send_at: datetime | None = field(default=None)


def _has_greeting(text: str) -> bool:
    opening = text.strip().casefold()[:60]
    words = [g for greetings in GREETINGS.values() for g in greetings]
    return any(re.match(rf"\W*{re.escape(g)}\b", opening) for g in words)


def _harsh_words(text: str) -> list[str]:
    folded = text.casefold()
    found = {
        word
        for words in HARSH_WORDS.values()
        for word in words
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded)
    }
    return sorted(found)


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7


def clock_of(when: datetime, zone_name: str, name: str) -> str:
    """A time on someone else's clock, "08:00 for Yasmin" (the page's times are the
    reader's own)."""
    their_time = when.astimezone(zoneinfo.ZoneInfo(zone_name))
    shown = their_time.strftime("%H:%M")
    if their_time.date() != timezone.localtime(when).date():
        shown = f"{date_format(their_time, 'D')} {shown}"  # their day is not the reader's
    return _("%(time)s for %(name)s") % {"time": shown, "name": name}


def next_morning(zone_name: str, now: datetime) -> datetime:
    """The next 08:00 in the given zone, as an aware datetime."""
    zone = zoneinfo.ZoneInfo(zone_name)
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), MORNING, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), MORNING, tzinfo=zone)
    return candidate


def is_night(zone_name: str, now: datetime) -> bool:
    hour = now.astimezone(zoneinfo.ZoneInfo(zone_name)).hour
    return hour >= NIGHT_STARTS or hour < NIGHT_ENDS


def hints(
    text: str,
    *,
    is_first_message: bool,
    recipients: Sequence[tuple[str, str]],
    now: datetime,
    for_their_morning: bool = False,
) -> list[Hint]:
    """``recipients`` are the (name, time zone) of the people it goes to; none for a
    support thread, which a team answers. ``for_their_morning``: the person has already
    chosen to send it at the recipient's morning, so their night is no reason to wait."""
    found: list[Hint] = []
    if not text.strip():
        return found
    if _shouting(text):
        found.append(
            Hint(
                "all_caps",
                _("Most of this is in capital letters, which can read as shouting."),
            )
        )
    if is_first_message and not _has_greeting(text):
        found.append(
            Hint("no_greeting", _("This is your first message here: a greeting sets a warm tone."))
        )
    longest_paragraph = max((len(p) for p in re.split(r"\n\s*\n", text)), default=0)
    if len(text) > LONG_MESSAGE_CHARS or longest_paragraph > LONG_PARAGRAPH_CHARS:
        found.append(
            Hint(
                "wall_of_text",
                _("This is a long block of text. Short paragraphs or a list are easier to read."),
            )
        )
    harsh = _harsh_words(text)
    if harsh:
        found.append(
            Hint(
                "harsh_words",
                _("Some words may come across as harsh: %(words)s.") % {"words": ", ".join(harsh)},
            )
        )
    asleep = [name for name, zone in recipients if zone and is_night(zone, now)]
    if asleep and len(recipients) == 1 and not for_their_morning:
        name, zone = recipients[0]
        morning = next_morning(zone, now)
        on_both_clocks = _("(%(their)s; %(yours)s your time)") % {
            "their": clock_of(morning, zone, name),
            "yours": date_format(timezone.localtime(morning), "D H:i"),
        }
        found.append(
            Hint(
                "recipient_night",
                _("It is night for the recipient. You can schedule this for their morning.")
                + f" {on_both_clocks}",
                suggested_send_at=morning,
            )
        )
    elif (
        asleep and len(recipients) > 1
    ):  # a group has no one morning to wait for: say whose night it is
        found.append(
            Hint(
                "members_night",
                _("It is night for %(names)s.") % {"names": ", ".join(asleep)},
            )
        )
    return found
