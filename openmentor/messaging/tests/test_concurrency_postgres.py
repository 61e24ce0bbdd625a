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
