"""What a client of the messaging API relies on: one message by id, pages that say what
lies on both sides, read cursors that stay in their conversation, the list of blocks,
conditional GETs, and pushes that carry messages as the REST API gives them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from openmentor.messaging import services
from openmentor.messaging.models import ConversationMember

pytestmark = pytest.mark.django_db


def page_url(conversation: Any) -> str:
    return f"/api/v1/messaging/conversations/{conversation.pk}/messages"


def test_one_message_by_id_for_those_who_may_read_it(
    conversation: Any, send: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    message = send(carol, "Hello **Bob**")
    answer = client_for(bob).get(f"/api/v1/messaging/messages/{message.pk}")
    assert answer.status_code == 200
    # The same message as in the conversation's page.
    assert answer.json() == client_for(bob).get(page_url(conversation)).json()["messages"][0]
    assert answer.json()["html"] == "<p>Hello <strong>Bob</strong></p>"
    # Not for someone outside the conversation, nor an id that does not exist.
    for person, pk in ((erin, message.pk), (bob, message.pk + 1000)):
        refused = client_for(person).get(f"/api/v1/messaging/messages/{pk}")
        assert refused.status_code == 404
        assert refused.json() == {"code": "not_found", "message": "Message not found."}
    # A message waiting to go out is its sender's only.
    later = send(carol, "tomorrow", send_at=timezone.now() + timedelta(hours=8))
    assert client_for(bob).get(f"/api/v1/messaging/messages/{later.pk}").status_code == 404
    mine = client_for(carol).get(f"/api/v1/messaging/messages/{later.pk}")
    assert mine.status_code == 200 and mine.json()["status"] == "scheduled"


def test_a_page_cannot_go_both_ways_nor_start_below_one(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    first = send(carol, "one")
    client = client_for(bob)
    both = client.get(page_url(conversation), {"before": first.pk + 1, "after": first.pk})
    assert both.status_code == 422
    assert both.json()["code"] == "validation_failed"
    assert set(both.json()["fields"]) == {"before", "after"}
    assert "not both" in both.json()["fields"]["after"]
    for cursor, value, least in (("before", 0, 1), ("before", -3, 1), ("after", -1, 0)):
        refused = client.get(page_url(conversation), {cursor: value})
        assert refused.status_code == 422
        assert refused.json()["fields"] == {cursor: f"Enter a number of at least {least}."}
    # After 0: from the first message on.
    assert [
        m["id"] for m in client.get(page_url(conversation), {"after": 0}).json()["messages"]
    ] == [first.pk]


def test_the_page_schema_states_its_bounds_and_both_sides() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/messaging/conversations/{conversation_id}/messages"]
    parameters = {p["name"]: p["schema"] for p in operation["get"]["parameters"]}
    assert parameters["limit"]["maximum"] == 200
    assert parameters["limit"]["minimum"] == 1
    assert {"minimum": 1, "type": "integer"} in parameters["before"]["anyOf"]
    assert {"minimum": 0, "type": "integer"} in parameters["after"]["anyOf"]
    page = schema["components"]["schemas"]["MessagePageOut"]
    assert {"has_older", "has_newer"} <= set(page["required"])


def test_a_page_says_whether_there_is_more_on_either_side(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    ids = [send(carol, f"m{i}").pk for i in range(5)]
    client = client_for(bob)

    def page(**query: int) -> tuple[list[int], bool, bool]:
        body = client.get(page_url(conversation), query).json()
        return [m["id"] for m in body["messages"]], body["has_older"], body["has_newer"]

    assert page(limit=2) == (ids[3:], True, False)
    assert page(limit=2, before=ids[3]) == (ids[1:3], True, True)
    assert page(limit=2, before=ids[1]) == (ids[:1], False, True)
    # Forward from a cursor: a full page that is not the end says so; the end does not.
    assert page(limit=2, after=ids[0]) == (ids[1:3], True, True)
    assert page(limit=2, after=ids[2]) == (ids[3:], True, False)
    assert page(limit=2, after=ids[4]) == ([], True, False)
    # Exactly the rest: nothing newer, though the page is full.
    assert page(limit=4, after=ids[0]) == (ids[1:], True, False)
    # What the reader cannot see does not count as newer (Carol's scheduled message).
    send(carol, "later", send_at=timezone.now() + timedelta(hours=8))
    assert page(limit=2, after=ids[2]) == (ids[3:], True, False)


def test_reading_up_to_a_message_of_another_conversation_is_refused(
    conversation: Any, circle: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    here = send(carol, "here")
    elsewhere = services.send_message(carol, circle, body="there", client_id="x1").message
    assert elsewhere.pk > here.pk
    client = client_for(bob)
    url = f"/api/v1/messaging/conversations/{conversation.pk}/read"
    for message_id in (elsewhere.pk, elsewhere.pk + 1000):
        refused = client.post(
            url, data=json.dumps({"message_id": message_id}), content_type="application/json"
        )
        assert refused.status_code == 404
        assert refused.json() == {"code": "not_found", "message": "Message not found."}
    cursor = ConversationMember.objects.filter(conversation=conversation, user=bob).first()
    assert cursor is None or cursor.last_read_message_id < here.pk
    done = client.post(
        url, data=json.dumps({"message_id": here.pk}), content_type="application/json"
    )
    assert done.status_code == 200
    assert done.json() == {"last_read_message_id": here.pk}


def test_the_people_one_has_blocked_can_be_listed_and_unblocked(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    client = client_for(bob)
    assert client.get("/api/v1/messaging/blocks").json() == []
    assert (
        client.post(
            "/api/v1/messaging/blocks",
            data=json.dumps({"user_id": carol.pk}),
            content_type="application/json",
        ).status_code
        == 201
    )
    assert client.get("/api/v1/messaging/blocks").json() == [
        {"id": carol.pk, "name": "Carol Mentor"}
    ]
    # One's own list only: Carol has blocked no one.
    assert client_for(carol).get("/api/v1/messaging/blocks").json() == []
    assert client.delete(f"/api/v1/messaging/blocks/{carol.pk}").json() == {"removed": 1}
    assert client.get("/api/v1/messaging/blocks").json() == []
    assert Client().get("/api/v1/messaging/blocks").status_code == 401


def test_a_repeated_get_with_its_etag_is_answered_304(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    send(carol, "hello")
    client = client_for(bob)
    url = "/api/v1/messaging/conversations"
    for compressed in (False, True):
        headers = {"HTTP_ACCEPT_ENCODING": "gzip"} if compressed else {}
        first = client.get(url, **headers)
        assert first.status_code == 200 and first["ETag"]
        # One person's answer: no proxy keeps it, and the browser asks again each time.
        assert set(first["Cache-Control"].split(", ")) == {"private", "no-cache"}
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **headers)
        assert again.status_code == 304
        assert again.content == b""
    # Something new: the list has changed, so it comes in full.
    send(carol, "and more")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200


def test_a_pushed_message_has_its_dates_as_the_rest_api_gives_them(
    conversation: Any, carol: Any, bob: Any, client_for: Any, monkeypatch: Any
) -> None:
    from openmentor.notifications import services as notifications

    pushed: list[tuple[int, str]] = []
    monkeypatch.setattr(notifications, "push_to_users_on_commit", pushed.extend)
    message = services.send_message(carol, conversation, body="hi", client_id="d1").message
    frame = json.loads(next(text for user_id, text in pushed if user_id == bob.pk))
    rest = client_for(bob).get(f"/api/v1/messaging/messages/{message.pk}").json()
    assert frame["payload"]["data"]["created_at"] == rest["created_at"]
    assert frame["payload"]["data"]["sent_at"] == rest["sent_at"]


def test_refusals_have_codes_a_client_can_act_on(
    conversation: Any, circle: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """Without reading the message, which is in the person's language."""
    bobs, carols = client_for(bob), client_for(carol)

    def code(response: Any) -> tuple[int, str]:
        return response.status_code, response.json()["code"]

    mine = services.send_message(carol, conversation, body="Hello", client_id="x1").message
    edit = f"/api/v1/messaging/messages/{mine.pk}"
    assert code(bobs.patch(edit, {"body": "Mine now"}, content_type="application/json")) == (
        403,
        "not_your_message",
    )
    services.delete_message(carol, mine.pk)
    assert code(carols.patch(edit, {"body": "Back"}, content_type="application/json")) == (
        409,
        "message_deleted",
    )
    send = f"/api/v1/messaging/conversations/{conversation.pk}/messages"
    again = {"client_id": "x1", "body": "Same id, other conversation"}
    other = f"/api/v1/messaging/conversations/{circle.pk}/messages"
    assert code(carols.post(other, again, content_type="application/json")) == (
        409,
        "client_id_reused",
    )
    services.block(bob, carol.pk)
    refused = carols.post(send, {"client_id": "x2", "body": "Hi"}, content_type="application/json")
    assert code(refused) == (403, "blocked")
    services.unblock(bob, carol.pk)
    conversation.mentorship.status = "ended"
    conversation.mentorship.save(update_fields=["status"])
    closed = carols.post(send, {"client_id": "x3", "body": "Hi"}, content_type="application/json")
    assert code(closed) == (403, "conversation_closed")
