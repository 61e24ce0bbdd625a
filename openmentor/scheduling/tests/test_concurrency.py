"""Double booking under real concurrency: PostgreSQL, one connection per thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from conftest import make_person
from openmentor.core.errors import Conflict
from openmentor.mentorships.services import create_mentorship
from openmentor.scheduling import services
from openmentor.scheduling.models import Meeting, SlotClaim

from .conftest import next_weekday

CONTENDERS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_bookings_of_one_slot_exactly_one_succeeds(
    program: Any, carol: Any
) -> None:
    from conftest import add_member

    mentorships = []
    for index in range(CONTENDERS):
        mentee = make_person(f"mentee{index}@example.org", f"Mentee {index}")
        add_member(program, mentee, "mentee")
        mentorships.append((mentee, create_mentorship(program, mentors=[carol], mentees=[mentee])))
    starts = next_weekday(2, 10)
    barrier = threading.Barrier(CONTENDERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(mentee: Any, mentorship: Any) -> None:
        try:
            barrier.wait()
            services.book_meeting(
                mentee, mentorship, starts_at=starts, duration_minutes=60, propose=True
            )
            result = "booked"
        except Conflict:
            result = "conflict"
        except Exception as error:
            result = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=pair) for pair in mentorships]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(outcomes)) == ["booked", "conflict"], outcomes
    assert outcomes.count("booked") == 1
    assert Meeting.objects.count() == 1
    # Carol holds each of the four quarter-hours exactly once.
    assert SlotClaim.objects.filter(user=carol).count() == 4
