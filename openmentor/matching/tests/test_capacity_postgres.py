"""Mentor capacity under concurrent acceptances and retried requests, on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from conftest import add_member, make_person
from openmentor.core.errors import DomainError
from openmentor.matching import services
from openmentor.matching.models import MentorRequest, RequestStatus
from openmentor.mentorships.models import MentorshipParticipant

from .conftest import give_profile

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 50


def race(work: Callable[[int], Any], n: int = N) -> list[str]:
    """Run ``work(i)`` in ``n`` threads released together; each uses its own connection."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
            result = "ok"
        except DomainError as error:
            result = error.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_fifty_concurrent_acceptances_never_exceed_capacity(program: Any, carol: Any) -> None:
    give_profile(carol, languages={"en": 5}, country="IN", expertise=["statistics"])
    requests = []
    for i in range(N):
        mentee = make_person(f"m{i}@example.org", f"Mentee {i}", time_zone="UTC")
        give_profile(mentee, languages={"en": 4}, country="GB", interests=["statistics"])
        add_member(program, mentee, "mentee")
        # Made directly: the race under test is the acceptance, not the asking.
        requests.append(
            MentorRequest.objects.create(
                program=program,
                mentee=mentee,
                mentor=carol,
                idempotency_key=f"key-{i:04d}-x",
                expires_at=timezone.now() + timedelta(days=7),
            )
        )

    outcomes = race(lambda i: services.accept_request(carol, requests[i].pk))

    assert connection.vendor == "postgresql"
    capacity = program.memberships.get(user=carol).effective_capacity
    assert outcomes.count("ok") == capacity == 2
    assert outcomes.count("capacity_full") == N - capacity
    assert MentorshipParticipant.objects.filter(user=carol, role="mentor").count() == capacity
    accepted = MentorRequest.objects.filter(status=RequestStatus.ACCEPTED).count()
    assert accepted == capacity


def test_fifty_concurrent_retries_of_one_request_make_one_request(
    program: Any, bob: Any, carol: Any
) -> None:
    give_profile(carol, languages={"en": 5}, country="IN")
    give_profile(bob, languages={"en": 5}, country="BR")

    outcomes = race(
        lambda i: services.create_request(
            bob, program, mentor_id=carol.pk, message="Hi", idempotency_key="same-key-123"
        )
    )

    assert outcomes.count("ok") == N
    assert MentorRequest.objects.filter(mentee=bob).count() == 1


def test_mentors_accepting_the_same_mentee_at_once_give_them_one_mentor(
    program: Any, bob: Any
) -> None:
    requests = []
    for i in range(10):
        mentor = make_person(f"mentor{i}@example.org", f"Mentor {i}", time_zone="UTC")
        add_member(program, mentor, "mentor")
        requests.append(
            MentorRequest.objects.create(
                program=program,
                mentee=bob,
                mentor=mentor,
                idempotency_key=f"bob-asks-{i:03d}",
                expires_at=timezone.now() + timedelta(days=7),
            )
        )

    outcomes = race(lambda i: services.accept_request(requests[i].mentor, requests[i].pk), n=10)

    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == 9
    assert MentorshipParticipant.objects.filter(user=bob, role="mentee").count() == 1
