"""The socket's group commit (``services.send_messages``) keeps every guarantee of
``send_message``: checks, idempotency, encryption, per-person events, pushes after commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from openmentor.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from openmentor.messaging import services
from openmentor.messaging.models import Message
from openmentor.notifications.models import UserEvent

pytestmark = pytest.mark.django_db


def request(sender: Any, conversation: Any, client_id: str, body: str = "hi") -> Any:
    return services.SendRequest(sender, conversation, body, client_id)


def test_a_batch_answers_each_send_as_send_message_would(
    conversation: Any,
    carol: Any,
    bob: Any,
    erin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = services.send_message(carol, conversation, body="earlier", client_id="old")
    with django_capture_on_commit_callbacks() as callbacks:
        results = services.send_messages(
            [
                request(carol, conversation, "b1", "one"),
                request(bob, conversation, "b2", "two"),
                request(carol, conversation, "old", "retried"),  # a retry of a stored send
                request(carol, conversation, "b1", "one"),  # resent before it was stored
                request(carol, conversation, "bad id!"),
                request(carol, conversation, "b3", "   "),
                request(erin, conversation, "e1"),  # not a participant
            ]
        )
    assert len(callbacks) == 1  # one push hop for the whole batch, after the commit
    one, two, old, again, bad_id, empty, outsider = results
    assert one.created and two.created
    assert (old.created, old.message.pk) == (False, first.message.pk)
    assert (again.created, again.message.pk) == (False, one.message.pk)
    assert isinstance(bad_id, ValidationFailed) and isinstance(empty, ValidationFailed)
    assert isinstance(outsider, NotFound)
    assert Message.objects.count() == 3
    assert Message.objects.get(pk=one.message.pk).body == "one"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT body_encrypted FROM messaging_message WHERE id = %s", [two.message.pk]
        )
        assert "two" not in cursor.fetchone()[0]
    events = UserEvent.objects.filter(type="message.new")
    assert sorted(e.payload["client_id"] for e in events.filter(user=bob)) == ["b1", "b2", "old"]
    assert sorted(e.payload["client_id"] for e in events.filter(user=carol)) == ["b1", "b2", "old"]
    conversation.refresh_from_db()
    assert conversation.message_count == 3
    assert conversation.last_message_at == Message.objects.get(pk=one.message.pk).sent_at


def test_a_batch_checks_blocks_ended_mentorships_and_reused_ids(
    conversation: Any, mentorship: Any, carol: Any, bob: Any
) -> None:
    services.block(bob, carol.pk)
    [blocked] = services.send_messages([request(carol, conversation, "x1")])
    assert isinstance(blocked, NotAllowed)
    services.unblock(bob, carol.pk)
    [sent] = services.send_messages([request(carol, conversation, "x1")])
    assert sent.created

    other = services.support_conversation(bob, conversation.program)
    [reused] = services.send_messages([request(bob, other, "b-x")])
    assert reused.created
    [clash] = services.send_messages([request(bob, conversation, "b-x")])
    assert isinstance(clash, Conflict)

    mentorship.status = "ended"
    mentorship.save(update_fields=["status"])
    closed, retried = services.send_messages(
        [request(carol, conversation, "x2"), request(carol, conversation, "x1")]
    )
    assert isinstance(closed, NotAllowed)
    assert (retried.created, retried.message.pk) == (False, sent.message.pk)
    assert Message.objects.count() == 2


def test_a_race_lost_to_another_process_falls_back_to_one_send_at_a_time(
    conversation: Any, carol: Any, monkeypatch: Any
) -> None:
    stored = services.send_message(carol, conversation, body="first", client_id="r1")
    # As if another process stored "r1" after this batch looked for retries.
    real_lookup = services.selectors.messages_by_client_id
    calls = {"n": 0}

    def lookup_missing_first(keys: Any) -> Any:
        calls["n"] += 1
        found = real_lookup(keys)
        return {} if calls["n"] == 1 else found

    monkeypatch.setattr(services.selectors, "messages_by_client_id", lookup_missing_first)
    results = services.send_messages(
        [request(carol, conversation, "r1"), request(carol, conversation, "r2")]
    )
    monkeypatch.undo()
    assert (results[0].created, results[0].message.pk) == (False, stored.message.pk)
    assert results[1].created
    assert Message.objects.filter(client_id="r1").count() == 1


def test_a_batch_loads_conversations_by_id(conversation: Any, carol: Any, erin: Any) -> None:
    sent, unknown, outsider = services.send_messages(
        [
            request(carol, conversation.pk, "i1"),
            request(carol, 987654, "i2"),
            request(erin, conversation.pk, "i3"),
        ]
    )
    assert sent.created and sent.message.conversation_id == conversation.pk
    assert isinstance(unknown, NotFound) and isinstance(outsider, NotFound)


def test_a_batch_writes_to_support_threads_for_their_person_and_coordinators(
    program: Any, alice: Any, bob: Any, erin: Any, dave: Any
) -> None:
    thread = services.support_conversation(bob, program)
    mine, coordinator, other_mentee, other_coordinator = services.send_messages(
        [
            request(bob, thread.pk, "s1", "I need help with my mentor"),
            request(alice, thread.pk, "s2", "Happy to help"),
            request(erin, thread.pk, "s3"),
            request(dave, thread.pk, "s4"),
        ]
    )
    assert mine.created and coordinator.created
    assert isinstance(other_mentee, NotFound) and isinstance(other_coordinator, NotFound)
    pushed_to = UserEvent.objects.filter(payload__client_id="s1").values_list("user", flat=True)
    assert set(pushed_to) == {bob.pk, alice.pk}


def test_retries_are_matched_on_sender_and_client_id_together(
    conversation: Any, carol: Any, bob: Any
) -> None:
    carols = services.send_message(carol, conversation, body="carol's", client_id="p1")
    bobs = services.send_message(bob, conversation, body="bob's", client_id="p2")
    crossed_carol, crossed_bob, retried_carol, retried_bob = services.send_messages(
        [
            request(carol, conversation, "p2", "new from carol"),
            request(bob, conversation, "p1", "new from bob"),
            request(carol, conversation, "p1"),
            request(bob, conversation, "p2"),
        ]
    )
    assert crossed_carol.created and crossed_bob.created
    assert crossed_carol.message.body == "new from carol"
    assert (retried_carol.created, retried_carol.message.pk) == (False, carols.message.pk)
    assert (retried_bob.created, retried_bob.message.pk) == (False, bobs.message.pk)
    assert Message.objects.count() == 4


def test_a_refusal_in_a_batch_is_written_in_the_senders_language(
    conversation: Any, carol: Any, bob: Any
) -> None:
    services.block(bob, carol.pk)
    bob.language = "fr"
    bob.save(update_fields=["language"])
    carol.language = "es"
    carol.save(update_fields=["language"])
    refused_fr, refused_es = services.send_messages(
        [request(bob, conversation, "fr-1"), request(carol, conversation, "es-1")]
    )
    assert isinstance(refused_fr, NotAllowed) and isinstance(refused_es, NotAllowed)
    assert refused_fr.message.startswith("Vous avez bloqué")
    assert refused_es.message == "No puedes enviar mensajes a esta persona."
