"""Reactions on messages: a nod (👍 ❤️ 🎉 🙏 😂 🤔) without writing a message. Only the
people who may read the conversation now react, only to sent messages that are still
there; the others see it live (``message.reacted``) without an unread count or a
notification; the thread page works without JavaScript; and a new message costs no query
for its (empty) reactions on the send path."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openmentor.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from openmentor.messaging import selectors, services
from openmentor.messaging.models import Conversation, Reaction
from openmentor.notifications.models import Notification, UserEvent
from openmentor.programs.services import leave_program

pytestmark = pytest.mark.django_db

THUMBS = "👍"
HEART = "❤️"


def reactions_of(message: Any) -> list[tuple[int, str]]:
    return list(Reaction.objects.filter(message=message).values_list("user_id", "emoji"))


def api_react(client: Any, message_id: int, body: Any) -> Any:
    return client.post(
        f"/api/v1/messaging/messages/{message_id}/reactions",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )


# --- the service ------------------------------------------------------------------------


def test_reacting_twice_is_reacting_once_and_taking_it_back_twice_too(
    send: Any, carol: Any, bob: Any
) -> None:
    message = send(carol, "Chapter two is in your inbox")
    services.set_reaction(bob, message.pk, THUMBS, True)
    services.set_reaction(bob, message.pk, THUMBS, True)
    services.set_reaction(bob, message.pk, HEART, True)
    services.set_reaction(carol, message.pk, THUMBS, True)
    assert sorted(reactions_of(message)) == sorted(
        [(bob.pk, THUMBS), (bob.pk, HEART), (carol.pk, THUMBS)]
    )
    # In the fixed order of the emoji, whoever came first first.
    assert services.serialize(message)["reactions"] == [
        {
            "emoji": THUMBS,
            "people": [{"id": bob.pk, "name": str(bob)}, {"id": carol.pk, "name": str(carol)}],
        },
        {"emoji": HEART, "people": [{"id": bob.pk, "name": str(bob)}]},
    ]
    services.set_reaction(bob, message.pk, THUMBS, False)
    services.set_reaction(bob, message.pk, THUMBS, False)
    assert sorted(reactions_of(message)) == sorted([(bob.pk, HEART), (carol.pk, THUMBS)])
    # Only a change is news: the repeats told no one anything.
    assert UserEvent.objects.filter(user=carol, type="message.reacted").count() == 4


def test_an_emoji_outside_the_set_is_refused_in_words_and_nothing_is_saved(
    send: Any, carol: Any, bob: Any
) -> None:
    message = send(carol, "Hello")
    for wrong in ("🍕", "", "👍👍", "thumbs up", "<b>"):
        with pytest.raises(ValidationFailed) as refused:
            services.set_reaction(bob, message.pk, wrong, True)
        assert "Choose one of these reactions" in refused.value.message
        assert THUMBS in refused.value.message
    assert not Reaction.objects.exists()
    assert not UserEvent.objects.filter(type="message.reacted").exists()


def test_only_the_people_who_may_read_the_conversation_now_react(
    circle: Any,
    program: Any,
    conversation: Any,
    carol: Any,
    bob: Any,
    erin: Any,
    alice: Any,
    charlie: Any,
) -> None:
    in_pair = services.send_message(carol, conversation, body="Pair", client_id="p1").message
    in_group = services.send_message(carol, circle, body="Group", client_id="g1").message
    # An outsider, the other mentee (not in this pair), the program's coordinator (who
    # reads a mentorship's messages only through a report): as if there were no message.
    for person in (charlie, erin, alice):
        with pytest.raises(NotFound):
            services.set_reaction(person, in_pair.pk, THUMBS, True)
    # Erin leaves the program, and so the group: she reads it up to then, nothing more.
    services.set_reaction(erin, in_group.pk, THUMBS, True)
    leave_program(erin, program, "mentee")
    with pytest.raises(NotFound):
        services.set_reaction(erin, in_group.pk, HEART, True)
    with pytest.raises(NotFound):
        services.set_reaction(erin, in_group.pk, THUMBS, False)
    with pytest.raises(NotFound):
        services.set_reaction(bob, 999_999, THUMBS, True)
    assert reactions_of(in_pair) == []
    assert reactions_of(in_group) == [(erin.pk, THUMBS)]  # from before she left, kept


def test_a_deleted_or_scheduled_message_gets_no_reactions(send: Any, carol: Any, bob: Any) -> None:
    gone = send(carol, "Oops")
    services.set_reaction(bob, gone.pk, THUMBS, True)
    services.delete_message(carol, gone.pk)
    assert reactions_of(gone) == []  # deleting takes the nods under it too
    with pytest.raises(Conflict):
        services.set_reaction(bob, gone.pk, THUMBS, True)
    later = send(carol, "Tomorrow", send_at=timezone.now() + timedelta(hours=5))
    with pytest.raises(NotFound):  # not sent: the others do not know it exists
        services.set_reaction(bob, later.pk, THUMBS, True)
    with pytest.raises(Conflict):  # its sender cannot nod at it either
        services.set_reaction(carol, later.pk, THUMBS, True)
    assert not Reaction.objects.exists()


def test_blocks_stop_reactions_as_they_stop_messages(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    from_carol = send(carol, "From Carol")
    from_bob = send(bob, "From Bob")
    services.block(bob, carol.pk)
    # Carol's messages are hidden from Bob, who blocked her: nothing there to react to.
    with pytest.raises(NotFound):
        services.set_reaction(bob, from_carol.pk, THUMBS, True)
    # Carol, blocked in a pair, writes nothing to Bob, a reaction neither.
    with pytest.raises(NotAllowed) as refused:
        services.set_reaction(carol, from_bob.pk, THUMBS, True)
    assert refused.value.code == "blocked"
    assert not Reaction.objects.exists()


def test_the_audience_hears_of_it_and_no_one_who_blocked_the_sender_or_reactor(
    circle: Any, carol: Any, bob: Any, erin: Any, monkeypatch: Any
) -> None:
    pushed: list[tuple[list[int], str, dict[str, Any], dict[str, Any] | None]] = []
    publish = services.publish_events

    def recording(items: Any) -> Any:
        items = [(list(ids), *rest) for ids, *rest in items]
        pushed.extend(items)
        return publish(items)

    question = services.send_message(bob, circle, body="Anyone?", client_id="b1").message
    services.block(erin, carol.pk)  # in a group: Carol's doings no longer reach Erin
    monkeypatch.setattr(services, "publish_events", recording)
    unread_before = {p.pk: selectors.unread_total(p) for p in (carol, bob, erin)}
    last_message_at = Conversation.objects.get(pk=circle.pk).last_message_at

    services.set_reaction(carol, question.pk, THUMBS, True)

    got = set(UserEvent.objects.filter(type="message.reacted").values_list("user_id", flat=True))
    assert got == {carol.pk, bob.pk}
    event = UserEvent.objects.get(user=bob, type="message.reacted")
    assert event.payload == {
        "conversation": circle.pk,
        "message": question.pk,
        "client_id": "b1",
        "sender": bob.pk,
        "user": carol.pk,
    }  # ids only: nothing of the text in the event log
    [(ids, kind, _payload, extra)] = pushed
    assert kind == "message.reacted" and sorted(ids) == sorted([carol.pk, bob.pk])
    assert extra is not None
    assert extra["data"]["reactions"] == [
        {"emoji": THUMBS, "people": [{"id": carol.pk, "name": str(carol)}]}
    ]
    # Erin, reading the message, does not see Carol's reaction (page and API alike).
    erin_view = selectors.thread_page(erin, circle).messages
    assert services.serialize(erin_view[0])["reactions"] == []
    # No unread count, no reordering of the list, no notification or e-mail.
    assert {p.pk: selectors.unread_total(p) for p in (carol, bob, erin)} == unread_before
    assert Conversation.objects.get(pk=circle.pk).last_message_at == last_message_at
    assert not Notification.objects.filter(kind__startswith="messaging").exists()

    # Bob blocks Carol: her messages (and reactions) no longer reach him; a reaction to her
    # message is not announced to him.
    pushed.clear()
    hers = services.send_message(carol, circle, body="Mine", client_id="c1").message
    services.unblock(erin, carol.pk)
    services.block(bob, carol.pk)
    services.set_reaction(erin, hers.pk, HEART, True)
    told = UserEvent.objects.filter(type="message.reacted", payload__message=hers.pk)
    assert set(told.values_list("user_id", flat=True)) == {carol.pk, erin.pk}


def test_a_reader_who_blocked_an_earlier_reactor_gets_a_copy_without_them(
    circle: Any, carol: Any, bob: Any, erin: Any, monkeypatch: Any
) -> None:
    pushed: list[Any] = []
    publish = services.publish_events

    def recording(items: Any) -> Any:
        items = [(list(ids), *rest) for ids, *rest in items]
        pushed.extend(items)
        return publish(items)

    message = services.send_message(bob, circle, body="News", client_id="b1").message
    services.set_reaction(carol, message.pk, THUMBS, True)
    services.block(erin, carol.pk)
    monkeypatch.setattr(services, "publish_events", recording)
    services.set_reaction(bob, message.pk, THUMBS, True)
    copies = {
        tuple(sorted(ids)): [p["id"] for p in extra["data"]["reactions"][0]["people"]]
        for ids, _kind, _payload, extra in pushed
    }
    assert copies == {
        tuple(sorted([carol.pk, bob.pk])): [carol.pk, bob.pk],
        (erin.pk,): [bob.pk],
    }


# --- the page, without JavaScript -------------------------------------------------------


def test_the_page_reacts_with_a_plain_form_and_shows_the_chip_pressed(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    message = send(carol, "Draft attached")
    bob_browser = client_for(bob)
    page = bob_browser.get(f"/messages/{conversation.pk}/").content.decode()
    assert f'action="/messages/message/{message.pk}/react/"' in page
    assert '<details class="react-picker"><summary>React</summary>' in page
    assert 'aria-label="React with 👍"' in page

    answer = bob_browser.post(f"/messages/message/{message.pk}/react/", {"on": THUMBS})
    assert answer.status_code == 302
    assert answer.url == f"/messages/{conversation.pk}/?at={message.pk}#m{message.pk}"
    assert reactions_of(message) == [(bob.pk, THUMBS)]
    page = bob_browser.get(answer.url).content.decode()
    assert "Your reaction was added." in page
    assert (
        f'<button type="submit" class="chip" name="off" value="{THUMBS}" aria-pressed="true" '
        f'title="Reacted with {THUMBS}: {bob}" aria-label="{THUMBS} 1: {bob}">{THUMBS} 1</button>'
    ) in page
    # Carol sees it too, not pressed (pressing adds hers).
    carols = client_for(carol).get(f"/messages/{conversation.pk}/").content.decode()
    assert f'name="on" value="{THUMBS}" aria-pressed="false"' in carols
    assert f">{THUMBS} 1</button>" in carols

    # The form sent again (a reload, a double click) changes nothing; "off" takes it back.
    bob_browser.post(f"/messages/message/{message.pk}/react/", {"on": THUMBS})
    assert reactions_of(message) == [(bob.pk, THUMBS)]
    answer = bob_browser.post(f"/messages/message/{message.pk}/react/", {"off": THUMBS})
    assert reactions_of(message) == []
    page = bob_browser.get(answer.url).content.decode()
    assert "Your reaction was removed." in page
    assert 'class="chip"' not in page


def test_the_page_says_what_is_wrong_and_hides_what_is_not_theirs(
    conversation: Any, send: Any, carol: Any, bob: Any, charlie: Any, client_for: Any
) -> None:
    message = send(carol, "Hello")
    bob_browser = client_for(bob)
    answer = bob_browser.post(f"/messages/message/{message.pk}/react/", {"on": "🍕"}, follow=True)
    assert "Choose one of these reactions" in answer.content.decode()
    assert not Reaction.objects.exists()
    assert (
        client_for(charlie)
        .post(f"/messages/message/{message.pk}/react/", {"on": THUMBS})
        .status_code
        == 404
    )
    assert bob_browser.get(f"/messages/message/{message.pk}/react/").status_code == 405
    assert not Reaction.objects.exists()


def test_no_reactions_on_deleted_scheduled_or_left_behind_messages(
    circle: Any, program: Any, carol: Any, erin: Any, client_for: Any
) -> None:
    kept = services.send_message(carol, circle, body="Kept", client_id="c1").message
    gone = services.send_message(carol, circle, body="Gone", client_id="c2").message
    later = services.send_message(
        carol, circle, body="Later", client_id="c3", send_at=timezone.now() + timedelta(hours=3)
    ).message
    services.set_reaction(erin, kept.pk, THUMBS, True)
    services.delete_message(carol, gone.pk)
    page = client_for(carol).get(f"/messages/{circle.pk}/").content.decode()
    assert f"/messages/message/{kept.pk}/react/" in page
    assert f"/messages/message/{gone.pk}/react/" not in page
    assert f"/messages/message/{later.pk}/react/" not in page
    leave_program(erin, program, "mentee")
    left_behind = client_for(erin).get(f"/messages/{circle.pk}/").content.decode()
    assert "You have not been in this group since" in left_behind
    assert "/react/" not in left_behind and 'class="reactions"' not in left_behind


# --- the API ------------------------------------------------------------------------------


def test_the_api_reacts_and_answers_with_the_message(
    conversation: Any, send: Any, carol: Any, bob: Any, charlie: Any, client_for: Any
) -> None:
    message = send(carol, "Hello")
    bob_api = client_for(bob)
    answer = api_react(bob_api, message.pk, {"emoji": THUMBS, "on": True})
    assert answer.status_code == 200
    data = answer.json()
    assert data["id"] == message.pk and data["body"] == "Hello"
    assert data["reactions"] == [{"emoji": THUMBS, "people": [{"id": bob.pk, "name": str(bob)}]}]
    # The message as any endpoint gives it, with its reactions.
    listed = bob_api.get(f"/api/v1/messaging/conversations/{conversation.pk}/messages").json()
    assert listed["messages"][0]["reactions"] == data["reactions"]
    one = bob_api.get(f"/api/v1/messaging/messages/{message.pk}").json()
    assert one["reactions"] == data["reactions"]

    assert api_react(bob_api, message.pk, {"emoji": THUMBS, "on": False}).json()["reactions"] == []
    # Outsiders: as if there were no message.
    outsider = api_react(client_for(charlie), message.pk, {"emoji": THUMBS, "on": True})
    assert outsider.status_code == 404 and outsider.json()["code"] == "not_found"
    assert api_react(bob_api, 999_999, {"emoji": THUMBS, "on": True}).status_code == 404
    # Bad bodies: said, and nothing changes.
    wrong = api_react(bob_api, message.pk, {"emoji": "🍕", "on": True})
    assert wrong.status_code == 422
    assert "Choose one of these reactions" in wrong.json()["message"]
    assert "emoji" in wrong.json()["fields"]
    for body in ({"on": True}, {"emoji": THUMBS, "on": "maybe"}, {"emoji": THUMBS, "onn": 1}):
        refused = api_react(bob_api, message.pk, body)
        assert refused.status_code == 422, body
    assert api_react(bob_api, message.pk, "{not json").status_code == 400
    assert not Reaction.objects.exists()
    # A heart typed without its variation selector ("❤", as many keyboards send it).
    heart = api_react(bob_api, message.pk, {"emoji": "\u2764", "on": True})
    assert heart.status_code == 200
    assert [r["emoji"] for r in heart.json()["reactions"]] == ["\u2764\ufe0f"]


# --- cost ---------------------------------------------------------------------------------


def _react_to_many(conversation: Any, send: Any, people: list[Any], n: int) -> None:
    for i in range(n):
        message = send(people[i % 2], f"Message {i}")
        for person in people:
            services.set_reaction(person, message.pk, THUMBS, True)
        services.set_reaction(people[0], message.pk, HEART, True)


def test_a_thread_page_and_the_api_read_reactions_in_one_query_however_many(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    bob_browser = client_for(bob)
    page_url = f"/messages/{conversation.pk}/?newest=1"
    api_url = f"/api/v1/messaging/conversations/{conversation.pk}/messages"

    def queries(url: str) -> tuple[int, int]:
        bob_browser.get(url)  # sessions and the like settled
        with CaptureQueriesContext(connection) as captured:
            answer = bob_browser.get(url)
        assert answer.status_code == 200
        on_reactions = [q for q in captured.captured_queries if "messaging_reaction" in q["sql"]]
        return len(captured.captured_queries), len(on_reactions)

    _react_to_many(conversation, send, [carol, bob], 2)
    few_page, few_api = queries(page_url), queries(api_url)
    _react_to_many(conversation, send, [carol, bob], 25)
    many_page, many_api = queries(page_url), queries(api_url)
    assert many_page == few_page and many_page[1] == 1
    assert many_api == few_api and many_api[1] == 1
    assert bob_browser.get(page_url).content.decode().count(f">{THUMBS} 2</button>") == 27


def test_sending_costs_no_query_for_reactions(
    conversation: Any, carol: Any, bob: Any, monkeypatch: Any
) -> None:
    pushed: list[Any] = []
    publish = services.publish_events

    def recording(items: Any) -> Any:
        items = list(items)
        pushed.extend(items)
        return publish(items)

    monkeypatch.setattr(services, "publish_events", recording)
    services.send_message(carol, conversation, body="warm up", client_id="w0")
    with CaptureQueriesContext(connection) as batch:
        results = services.send_messages(
            [
                services.SendRequest(carol, conversation.pk, "one", "q1"),
                services.SendRequest(bob, conversation.pk, "two", "q2"),
                services.SendRequest(carol, conversation.pk, "three", "q3"),
            ]
        )
    assert all(isinstance(r, services.SendResult) and r.created for r in results)
    with CaptureQueriesContext(connection) as single:
        services.send_message(carol, conversation, body="single", client_id="q4")
    for captured in (batch, single):
        assert not [q for q in captured.captured_queries if "messaging_reaction" in q["sql"]]
    new = [extra["data"] for _ids, kind, _payload, extra in pushed if kind == "message.new"]
    assert len(new) == 5 and all(data["reactions"] == [] for data in new)


# --- the browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_a_reaction_shows_live_on_the_other_page_and_goes_again_when_taken_back(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    from playwright.sync_api import expect

    from openmentor.messaging.tests.test_browser import open_thread

    message = services.send_message(bob, conversation, body="Chapter two!", client_id="b1").message
    opened = [
        open_thread(
            browser, asgi_server, client_for(person).cookies["sessionid"].value, conversation.pk
        )
        for person in (carol, bob)
    ]
    try:
        (_carol_context, carol_page), (_bob_context, bob_page) = opened
        carol_page.locator(f"#m{message.pk} .react-picker summary").click()
        carol_page.get_by_role("button", name=f"React with {THUMBS}").click()
        carols_chip = carol_page.locator(f"#m{message.pk} .reactions .chip")
        bobs_chip = bob_page.locator(f"#m{message.pk} .reactions .chip")
        # Bob's page, never reloaded, shows it as the server would; Carol's is pressed.
        expect(bobs_chip).to_have_text(f"{THUMBS} 1")
        expect(bobs_chip).to_have_attribute("aria-pressed", "false")
        expect(bobs_chip).to_have_attribute("title", f"Reacted with {THUMBS}: {carol}")
        expect(carols_chip).to_have_text(f"{THUMBS} 1")
        expect(carols_chip).to_have_attribute("aria-pressed", "true")
        assert reactions_of(message) == [(carol.pk, THUMBS)]
        # Done with fetch: no page load (the flash a form post leaves is not there).
        assert "Your reaction was added." not in carol_page.content()
        live = re.sub(
            r"<input[^>]*>", "", bob_page.locator(f"#m{message.pk} .reactions").inner_html()
        )
        bob_page.reload()
        expect(bobs_chip).to_have_text(f"{THUMBS} 1")

        # The same markup as the server's (the CSRF field aside: the script sets its value
        # as a property, the server writes it out).
        def markup(page: Any) -> str:
            html = page.locator(f"#m{message.pk} .reactions").inner_html()
            return re.sub(r"<input[^>]*>", "", html)

        assert markup(bob_page) == live

        carols_chip.click()  # pressed: takes it back
        expect(carols_chip).to_have_count(0)
        expect(bobs_chip).to_have_count(0)
        assert reactions_of(message) == []
    finally:
        for context, _page in opened:
            context.close()
