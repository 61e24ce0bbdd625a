from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from openmentor.messaging import services
from openmentor.messaging.models import Message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_send_store_one_message(conversation: Any, carol: Any) -> None:
    barrier = threading.Barrier(4)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            result = services.send_message(
                carol, conversation, body="sent from a flaky train", client_id="same-id"
            )
            results.append((result.message.pk, result.created))
        except BaseException as error:  # reported below, not swallowed
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({pk for pk, _created in results}) == 1
    assert sum(created for _pk, created in results) == 1
    assert Message.objects.filter(sender=carol).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_batching_the_same_retry_store_it_once(
    conversation: Any, carol: Any, bob: Any
) -> None:
    """Two socket processes each group-commit a batch holding the same resent client id:
    the unique constraint stops the second batch, which falls back to one send at a time
    and answers with the first message."""
    barrier = threading.Barrier(2)
    answers: list[list[Any]] = []
    errors: list[BaseException] = []

    def batch(own_id: str) -> None:
        try:
            barrier.wait()
            answers.append(
                services.send_messages(
                    [
                        services.SendRequest(carol, conversation.pk, "resent", "shared-id"),
                        services.SendRequest(bob, conversation.pk, "mine", own_id),
                    ]
                )
            )
        except BaseException as error:  # reported below, not swallowed
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=batch, args=(f"own-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    shared = [answer[0] for answer in answers]
    assert len({result.message.pk for result in shared}) == 1
    assert sorted(result.created for result in shared) == [False, True]
    assert all(answer[1].created for answer in answers)
    assert Message.objects.filter(sender=carol, client_id="shared-id").count() == 1
    assert Message.objects.filter(sender=bob).count() == 2
