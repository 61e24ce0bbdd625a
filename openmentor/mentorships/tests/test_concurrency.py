"""Races on PostgreSQL, one connection per thread: simultaneous agreement changes get
distinct version numbers, double submissions of a rating or a reflection keep one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection

from openmentor.core.errors import DomainError
from openmentor.feedback import services as feedback_services
from openmentor.mentorships import services

CONTENDERS = 8


def race(actions: list[Callable[[], Any]]) -> list[str]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            action()
            result = "ok"
        except DomainError as error:
            result = error.code
        except Exception as error:
            result = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_agreement_changes_each_get_their_own_version(
    mentorship: Any, bob: Any
) -> None:
    outcomes = race(
        [
            (lambda n=n: services.change_agreement(bob, mentorship, f"Version text {n}"))
            for n in range(CONTENDERS)
        ]
    )
    assert outcomes == ["ok"] * CONTENDERS
    numbers = sorted(mentorship.agreement_versions.values_list("number", flat=True))
    assert numbers == list(range(1, CONTENDERS + 2))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_submitted_rating_and_reflection_keep_one(
    mentorship: Any, bob: Any, carol: Any
) -> None:
    session = services.log_session(
        carol, mentorship, held_on=date(2026, 11, 2), duration_minutes=30, kind="video"
    )
    outcomes = race([lambda: feedback_services.rate_session(bob, session, score=5)] * CONTENDERS)
    assert sorted(outcomes) == ["conflict"] * (CONTENDERS - 1) + ["ok"]
    assert session.ratings.count() == 1

    services.change_status(bob, mentorship, "completed")
    outcomes = race([lambda: services.submit_reflection(bob, mentorship, learned="x")] * CONTENDERS)
    assert sorted(outcomes) == ["conflict"] * (CONTENDERS - 1) + ["ok"]
    assert bob.credentials.count() == 1
