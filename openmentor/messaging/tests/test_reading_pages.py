"""The pages around a message read as the thread does: in the writer's direction, formatted,
with times that tell versions apart, and in the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

from django.test.html import parse_html
from django.utils import dateformat, translation
from django.utils.formats import date_format

from openmentor.messaging import services
from openmentor.messaging.models import MessageRevision, Report
from openmentor.messaging.templatetags.messaging_tags import seen_label

HEBREW = "שלום, מה שלומך היום?"
ARABIC = "مرحبا، كيف حالك اليوم؟"


def count(page: str, fragment: str) -> int:
    """How many times ``fragment`` occurs in the page as HTML (attribute order aside)."""
    return parse_html(page).count(parse_html(fragment))


def text_of(response: Any) -> str:
    """The page's words with its tags taken out, entities read ("Jusqu'au")."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_message_bodies_take_their_direction_from_their_own_text(
    conversation: Any, carol: Any, bob: Any, send: Any, client_for: Any
) -> None:
    message = send(carol, HEBREW)
    reader = client_for(bob)
    thread = reader.get(f"/messages/{conversation.pk}/").content.decode()
    assert count(thread, f'<div class="body" dir="auto"><p>{HEBREW}</p></div>') == 1
    # The message box too, for the answer: it turns right to left as one writes Hebrew.
    assert re.search(r'<textarea[^>]*dir="auto"', thread)

    services.edit_message(carol, message.pk, ARABIC)
    history = reader.get(f"/messages/message/{message.pk}/history/").content.decode()
    assert count(history, f'<div class="body" dir="auto"><p>{ARABIC}</p></div>') == 1
    assert count(history, f'<div class="body" dir="auto"><p>{HEBREW}</p></div>') == 1
    report = reader.get(f"/messages/message/{message.pk}/report/").content.decode()
    assert count(report, f'<blockquote class="card body" dir="auto"><p>{ARABIC}</p></blockquote>')
    edit = client_for(carol).get(f"/messages/message/{message.pk}/edit/").content.decode()
    assert re.search(r'<textarea[^>]*dir="auto"', edit)

    found = reader.get("/messages/search/", {"q": "مرحبا"}).content.decode()
    snippet = re.search(r'<div class="body"([^>]*)>(.*?)</div>', found, re.DOTALL)
    assert snippet and "كيف حالك" in snippet.group(2)
    assert 'dir="auto"' in snippet.group(1)


def test_the_report_pages_quote_the_message_formatted_as_the_thread_shows_it(
    conversation: Any, alice: Any, carol: Any, bob: Any, send: Any, client_for: Any
) -> None:
    message = send(carol, "See **chapter two** by Friday:\n- read it\n- mark it up")
    page = client_for(bob).get(f"/messages/message/{message.pk}/report/").content.decode()
    quoted = re.search(r"<blockquote[^>]*>(.*?)</blockquote>", page, re.DOTALL)
    assert quoted is not None
    assert "<strong>chapter two</strong>" in quoted.group(1)
    assert "<li>read it</li>" in quoted.group(1)
    assert "**" not in quoted.group(1)

    services.edit_message(carol, message.pk, "See _chapter three_ instead")
    services.report_message(bob, message.pk, "Unkind.")
    report = Report.objects.get(message=message)
    detail = client_for(alice).get(f"/messages/reports/{report.pk}/").content.decode()
    quotes = re.findall(r"<blockquote[^>]*>(.*?)</blockquote>", detail, re.DOTALL)
    assert len(quotes) == 2  # as it reads now, and before the edit
    assert "<em>chapter three</em>" in quotes[0] and "_" not in quotes[0]
    assert "<strong>chapter two</strong>" in quotes[1] and "**" not in quotes[1]


def _edited_twice_in_one_minute(carol: Any, send: Any) -> Any:
    """Sent at 20:21:00 and edited at 20:23:05 and 20:23:41 on Bob's clock (São Paulo)."""
    message = send(carol, "first try")
    services.edit_message(carol, message.pk, "second try")
    services.edit_message(carol, message.pk, "third try")
    message.sent_at = datetime(2026, 11, 29, 23, 21, 0, tzinfo=UTC)
    message.save(update_fields=["sent_at"])
    first, second = MessageRevision.objects.filter(message=message).order_by("id")
    MessageRevision.objects.filter(pk=first.pk).update(
        replaced_at=datetime(2026, 11, 29, 23, 23, 5, tzinfo=UTC)
    )
    MessageRevision.objects.filter(pk=second.pk).update(
        replaced_at=datetime(2026, 11, 29, 23, 23, 41, tzinfo=UTC)
    )
    return message


def test_history_tells_versions_apart_and_says_when_the_original_was_sent(
    conversation: Any, carol: Any, bob: Any, send: Any, client_for: Any
) -> None:
    message = _edited_twice_in_one_minute(carol, send)
    path = f"/messages/message/{message.pk}/history/"
    english = text_of(client_for(bob).get(path))
    assert (
        "Now third try "
        "Version 2 Until Nov. 29, 2026, 8:23:41 p.m. second try "
        "Original version Sent Nov. 29, 2026, 8:21:00 p.m. · "
        "Until Nov. 29, 2026, 8:23:05 p.m. first try"
    ) in english
    # In the other languages, in their own words and order.
    expected = {
        "es": [
            "Versión 2 Hasta el 29 de noviembre de 2026 a las 20:23:41",
            "Versión original Enviado el 29 de noviembre de 2026 a las 20:21:00 · "
            "Hasta el 29 de noviembre de 2026 a las 20:23:05",
        ],
        "fr": [
            "Version 2 Jusqu'au 29 novembre 2026 20:23:41",
            "Version d'origine Envoyé le 29 novembre 2026 20:21:00 · "
            "Jusqu'au 29 novembre 2026 20:23:05",
        ],
        "pt": [
            "Versão 2 Até 29 de novembro de 2026 às 20:23:41",
            "Versão original Enviada em 29 de novembro de 2026 às 20:21:00 · "
            "Até 29 de novembro de 2026 às 20:23:05",
        ],
    }
    for language, lines in expected.items():
        page = text_of(client_for(bob).get(path, HTTP_ACCEPT_LANGUAGE=language))
        for line in lines:
            assert line in page, (language, line)


def test_the_support_start_page_says_what_opening_it_does(
    program: Any, bob: Any, client_for: Any
) -> None:
    path = f"/messages/support/{program.slug}/"
    page = client_for(bob).get(path).content.decode()
    assert count(page, "<h1>Write to the coordinators of Global Doctoral Mentoring</h1>") == 1
    assert (
        "This opens a conversation with the coordinators of Global Doctoral Mentoring. "
        "They can read everything you write there."
    ) in page
    portuguese = client_for(bob).get(path, HTTP_ACCEPT_LANGUAGE="pt").content.decode()
    assert count(portuguese, "<h1>Escrever para a coordenação de Global Doctoral Mentoring</h1>")
    assert "que poderá ler tudo o que você escrever nela" in portuguese
    for language, words in [("es", "podrá leer todo lo que escribas"), ("fr", "Ils peuvent lire")]:
        assert words in client_for(bob).get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_portuguese_seen_agrees_with_mensagem_and_months_are_lowercase(
    circle: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    # "Mensagem" is feminine: "vista", in a pair and in a group alike.
    with translation.override("pt"):
        assert seen_label(7, {bob.pk: 7}) == "vista"
        assert seen_label(7, {bob.pk: 7, erin.pk: 9}) == "vista por todos"
        assert seen_label(7, {bob.pk: 7, erin.pk: 3}) == "vista por 1 de 2"
    services.send_message(carol, circle, body="Olá a todos", client_id="pt-1")
    services.mark_read(bob, circle)
    page = client_for(carol).get(f"/messages/{circle.pk}/", HTTP_ACCEPT_LANGUAGE="pt")
    html = page.content.decode()
    assert '<span class="muted seen">vista por 1 de 2</span>' in html
    # The words the script uses when read events arrive.
    assert 'data-t-seen-by-everyone="vista por todos"' in html
    assert 'data-t-seen-by="vista por %(n)s de %(total)s"' in html

    day = datetime(2026, 11, 29, 12, tzinfo=UTC)
    with translation.override("pt"):
        assert date_format(day, "DATE_FORMAT") == "29 de novembro de 2026"
        assert dateformat.format(day, "N") == "nov."  # abbreviated
        assert dateformat.format(day, "E") == "novembro"  # the "alt. month" form
        assert [dateformat.format(day.replace(month=m), "F") for m in (1, 3, 5, 8)] == [
            "janeiro",
            "março",
            "maio",
            "agosto",
        ]
        assert [dateformat.format(day.replace(month=m), "N") for m in (3, 5, 6, 9)] == [
            "março",
            "maio",
            "jun.",
            "set.",
        ]
    # Only Portuguese: the other languages keep Django's own month names.
    with translation.override("fr"):
        assert date_format(day, "DATE_FORMAT") == "29 novembre 2026"
    with translation.override("en"):
        assert date_format(day, "DATE_FORMAT") == "Nov. 29, 2026"


def test_the_held_back_countdown_is_in_the_readers_language(
    conversation: Any, bob: Any, client_for: Any
) -> None:
    """Its %(time)s went through {% translate %}, which looked the text up with %% and
    found nothing: it stayed English on a Spanish page."""
    page = client_for(bob).get(f"/messages/{conversation.pk}/", HTTP_ACCEPT_LANGUAGE="es")
    assert (
        'data-t-held="retenido (muchos mensajes en el último minuto); sale solo en %(time)s"'
    ) in page.content.decode()
