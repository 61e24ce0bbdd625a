"""Double submissions race on PostgreSQL: the database keeps one membership per role."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from openmentor.core.errors import DomainError
from openmentor.programs.models import Membership
from openmentor.programs.services import apply_to_program


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_applications_from_one_person_make_one_membership(
    program: Any, charlie: Any
) -> None:
    question = program.questions.get()
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            barrier.wait()
            apply_to_program(
                charlie,
                program,
                role="mentee",
                answers={str(question.pk): "Oceanography"},
                accept_guidelines=True,
            )
            outcomes.append("created")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert connection.vendor == "postgresql"
    assert outcomes.count("created") == 1
    assert Membership.objects.filter(user=charlie, program=program).count() == 1
    assert set(outcomes) == {"created", "already_applied"}
