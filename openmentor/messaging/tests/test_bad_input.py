"""Bad input from a page, a script or a hand-made request gets a clear answer and changes
nothing (found by a security pass: each of these was taken, or answered with a 500)."""

from __future__ import annotations

from typing import Any

import pytest

from openmentor.messaging import services
from openmentor.messaging.models import ConversationMember, Message, Report
from openmentor.messaging.views import POLL_SECONDS, poll_seconds

pytestmark = pytest.mark.django_db


def test_text_that_shows_nothing_or_holds_a_nul_is_refused_everywhere(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    api = client_for(bob)
    send = f"/api/v1/messaging/conversations/{conversation.pk}/messages"
    # Zero-width characters, a Hangul filler, the blank braille pattern: nothing shows.
    for n, shows_nothing in enumerate(("\u200b\u200b \ufeff", "\u3164", "\u2800\u2800")):
        blank = api.post(send, {"client_id": f"z{n}", "body": shows_nothing}, "application/json")
        assert blank.status_code == 422, repr(shows_nothing)
        assert blank.json()["message"] == "Write a message first."
    nul = api.post(send, {"client_id": "n1", "body": "a\u0000b"}, "application/json")
    assert nul.status_code == 422
    assert nul.json()["fields"] == {"body": "Null characters are not allowed."}
    # An emoji joined by zero-width joiners shows: it goes out.
    family = "\U0001f469\u200d\U0001f467"
    assert (
        api.post(send, {"client_id": "f1", "body": family}, "application/json").status_code == 201
    )

    theirs = services.send_message(carol, conversation, body="Hello", client_id="c1").message
    reason = f"/api/v1/messaging/messages/{theirs.pk}/report"
    for bad in ("", "\u0000", "\u200b"):
        refused = api.post(reason, {"reason": bad}, "application/json")
        assert refused.status_code == 422, repr(bad)
        assert refused.json()["fields"]["reason"] in (
            "Say briefly what is wrong (up to 2000 characters).",
            "Null characters are not allowed.",
        )
    mine = Message.objects.get(sender=bob)
    edit = f"/api/v1/messaging/messages/{mine.pk}"
    assert api.patch(edit, {"body": "x\u0000"}, "application/json").status_code == 422
    assert [m.body for m in Message.objects.filter(sender=bob)] == [family]
    assert not Report.objects.exists()


def test_marking_read_takes_an_object_and_known_names_only(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    services.send_message(carol, conversation, body="Unread", client_id="c1")
    api = client_for(bob)
    read = f"/api/v1/messaging/conversations/{conversation.pk}/read"
    for body in ('["garbage"]', '"all"', "null"):
        refused = api.post(read, body, "application/json")
        assert refused.status_code == 400, body
        assert refused.json()["message"] == (
            'The request body must be a JSON object, like {"name": value}.'
        )
    misspelt = api.post(read, {"message_idd": 5}, "application/json")
    assert misspelt.status_code == 422
    assert misspelt.json()["fields"] == {"message_idd": "This field is not known here."}
    missing = api.post(read, "", "application/json")
    assert missing.json()["fields"] == {"body": "This field is required."}
    member = ConversationMember.objects.get(conversation=conversation, user=bob)
    assert member.last_read_message_id == 0  # still unread


def test_a_page_posted_without_its_message_id_says_so_and_sends_on_the_next_try(
    conversation: Any, bob: Any, client_for: Any
) -> None:
    page = client_for(bob)
    refused = page.post(f"/messages/{conversation.pk}/", {"body": "Kept", "when": "now"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "This page was out of date and your message was not sent: send it again." in text
    assert ">\nKept</textarea>" in text
    fresh = refused.context["form"]["client_id"].value()
    assert fresh and not Message.objects.exists()
    again = page.post(
        f"/messages/{conversation.pk}/", {"body": "Kept", "when": "now", "client_id": fresh}
    )
    assert again.status_code == 302
    assert [m.body for m in Message.objects.all()] == ["Kept"]


@pytest.mark.parametrize(
    ("asked", "seconds"),
    [
        (None, POLL_SECONDS),
        ("3", 3),
        ("-5", 0),
        ("600", POLL_SECONDS),
        ("abc", POLL_SECONDS),
        ("nan", POLL_SECONDS),
        ("NaN", POLL_SECONDS),
        ("inf", POLL_SECONDS),
    ],
)
def test_a_long_poll_waits_what_was_asked_within_its_bounds(
    asked: str | None, seconds: float
) -> None:
    assert poll_seconds(asked) == seconds


def test_ids_beyond_the_database_or_below_one_find_nothing_and_change_nothing(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """Each of these was a 500; the coach switch was even turned off before it."""
    from openmentor.messaging.models import MessagingPreference

    browser = client_for(bob)
    for too_big in ("99999999999999999999999", str(2**63)):
        for page in (f"/mentorships/{too_big}/messages/", f"/feedback/surveys/{too_big}/"):
            assert browser.get(page).status_code == 404, page
            assert browser.post(page).status_code == 404, page
    assert browser.get(f"/mentorships/{2**63 - 1}/messages/").status_code == 404
    switched = browser.post("/messages/coach/", {"enabled": "0", "conversation": "-1"})
    assert switched.status_code == 302 and switched.url == "/messages/"
    assert not MessagingPreference.objects.get(user=bob).coach_enabled  # what was asked
    block = f"/messages/people/{carol.pk}/block/"
    asked = browser.post(block, {"next_conversation": "-1"})
    assert asked.status_code == 200 and 'href="/messages/"' in asked.content.decode()
    undone = browser.post(block, {"next_conversation": "-1", "undo": "1"})
    assert undone.status_code == 302 and undone.url == "/messages/"


def test_the_support_page_of_an_unlisted_program_is_not_found_for_outsiders(
    program: Any, charlie: Any, bob: Any, client_for: Any
) -> None:
    program.is_listed = False
    program.save(update_fields=["is_listed"])
    outsider = client_for(charlie).get(f"/messages/support/{program.slug}/")
    assert outsider.status_code == 404
    assert program.name not in outsider.content.decode()
    assert client_for(bob).get(f"/messages/support/{program.slug}/").status_code == 200
