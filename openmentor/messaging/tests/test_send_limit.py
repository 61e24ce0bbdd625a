"""One person may send ``MESSAGES_PER_MINUTE`` messages in any 60 seconds, over all their
conversations: a runaway script or a stuck key cannot flood a thread. A refused send
changes nothing, says when to send again, and a retry of a stored send is still answered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openmentor.api.tests.test_errors_and_openapi import error_validator, openapi
from openmentor.core.errors import TooManyRequests, ValidationFailed
from openmentor.messaging import services
from openmentor.messaging.models import Message
from openmentor.messaging.tests.test_api_and_pages import api_send
from openmentor.messaging.tests.test_consumers import connect

LIMIT = 3


@pytest.fixture(autouse=True)
def limit(settings: Any) -> None:
    settings.MESSAGES_PER_MINUTE = LIMIT


def send_up_to_the_limit(sender: Any, conversation: Any) -> list[Message]:
    return [
        services.send_message(sender, conversation, body=f"n{i}", client_id=f"n{i}").message
        for i in range(LIMIT)
    ]


def age(messages: list[Message], seconds: int) -> None:
    for message in messages:
        Message.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - timedelta(seconds=seconds)
        )


@pytest.mark.django_db
def test_the_send_over_the_limit_is_refused_and_says_when_the_next_one_goes(
    conversation: Any, carol: Any, bob: Any
) -> None:
    sent = send_up_to_the_limit(carol, conversation)
    age(sent[:1], 45)  # the oldest leaves the minute in about 15 seconds

    with pytest.raises(TooManyRequests) as refused:
        services.send_message(carol, conversation, body="one more", client_id="over")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert 14 <= refused.value.retry_after <= 16
    assert "3 messages in the last minute" in refused.value.message
    assert not Message.objects.filter(client_id="over").exists()

    # A retry of a send that was stored is answered, limit or not: it stores nothing.
    again = services.send_message(carol, conversation, body="n0", client_id="n0")
    assert (again.created, again.message.pk) == (False, sent[0].pk)
    # The limit is the sender's: the other person writes on.
    assert services.send_message(bob, conversation, body="hi", client_id="b1").created

    age(sent[:1], 61)
    assert services.send_message(carol, conversation, body="one more", client_id="over").created


@pytest.mark.django_db
def test_a_socket_batch_accepts_up_to_the_limit_per_sender(
    conversation: Any, carol: Any, bob: Any
) -> None:
    results = services.send_messages(
        [services.SendRequest(carol, conversation, f"c{i}", f"c{i}") for i in range(LIMIT + 2)]
        + [services.SendRequest(bob, conversation, "from bob", "b1")]
    )
    *carols, bobs = results
    assert all(isinstance(r, services.SendResult) for r in carols[:LIMIT])
    over = carols[LIMIT:]
    assert all(isinstance(r, TooManyRequests) for r in over)
    # The window is filled by messages written just now: the next one goes in a minute.
    assert [r.retry_after for r in over if isinstance(r, TooManyRequests)] == [60, 60]
    assert isinstance(bobs, services.SendResult)
    assert sorted(Message.objects.filter(sender=carol).values_list("client_id", flat=True)) == [
        "c0",
        "c1",
        "c2",
    ]


@pytest.mark.django_db
def test_the_api_answers_429_with_retry_after(
    conversation: Any, carol: Any, client_for: Any
) -> None:
    send_up_to_the_limit(carol, conversation)
    response = api_send(client_for(carol), conversation, "one more", "over")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "rate_limited"
    assert int(response["Retry-After"]) == body["retry_after"] > 0
    assert Message.objects.filter(sender=carol).count() == LIMIT
    # As documented: the Error schema, and the send operation lists 429 and its header.
    assert error_validator().is_valid(body)
    send = openapi()["paths"]["/api/v1/messaging/conversations/{conversation_id}/messages"]
    assert "Retry-After" in send["post"]["responses"]["429"]["headers"]


@pytest.mark.django_db
def test_the_page_without_javascript_keeps_the_text_and_says_why(
    conversation: Any, carol: Any, client_for: Any
) -> None:
    send_up_to_the_limit(carol, conversation)
    form = {"body": "Kept in the box", "when": "now", "client_id": "over", "action": "send"}
    page = client_for(carol).post(f"/messages/{conversation.pk}/", form)
    assert page.status_code == 400
    html = page.content.decode()
    assert "3 messages in the last minute" in html and "Kept in the box" in html
    assert Message.objects.filter(sender=carol).count() == LIMIT
    # A browser cannot put chosen files back: the page says to choose them again.
    plan = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    with_file = client_for(carol).post(
        f"/messages/{conversation.pk}/", {**form, "client_id": "over2", "attachments": plan}
    )
    assert "Your message was not sent, so choose its files again." in with_file.content.decode()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_says_rate_limited_with_the_wait(conversation: Any, carol: Any) -> None:
    await database_sync_to_async(send_up_to_the_limit)(carol, conversation)
    socket = await connect(carol)
    await socket.send_json_to(
        {"type": "message.send", "conversation": conversation.pk, "client_id": "x", "body": "x"}
    )
    error = await socket.receive_json_from()
    assert (error["type"], error["code"], error["client_id"]) == (
        "message.error",
        "rate_limited",
        "x",
    )
    assert 0 < error["retry_after"] <= 60
    await socket.disconnect()


@pytest.mark.django_db
def test_scheduled_messages_count_when_written_not_again_when_they_go_out(
    conversation: Any, carol: Any
) -> None:
    """Three "their morning" messages going out at 08:00 made her next typed message
    "the 4th of the last minute"."""
    due = timezone.now() + timedelta(hours=1)
    for i in range(LIMIT):
        services.send_message(carol, conversation, body=f"s{i}", client_id=f"s{i}", send_at=due)
    age(list(Message.objects.filter(sender=carol)), 3600)  # written an hour ago
    assert services.deliver_due_messages(now=timezone.now() + timedelta(hours=1)) == LIMIT
    assert services.send_message(carol, conversation, body="typed now", client_id="t1").created


@pytest.mark.django_db
def test_a_conversation_holds_at_most_so_many_waiting_messages_of_one_person(
    conversation: Any, carol: Any, settings: Any
) -> None:
    """The limit counts messages as they are written: a script could otherwise write 30 a
    minute for hours, all due at the same moment."""
    settings.MESSAGES_PER_MINUTE = 1000
    due = timezone.now() + timedelta(hours=1)
    for i in range(services.MAX_SCHEDULED):
        services.send_message(carol, conversation, body=f"s{i}", client_id=f"s{i}", send_at=due)
    with pytest.raises(ValidationFailed, match="already have 20 messages waiting"):
        services.send_message(carol, conversation, body="one more", client_id="over", send_at=due)
    # A retry of one already waiting is still answered; sending now is not limited by it.
    assert not services.send_message(
        carol, conversation, body="s0", client_id="s0", send_at=due
    ).created
    assert services.send_message(carol, conversation, body="now", client_id="n1").created
