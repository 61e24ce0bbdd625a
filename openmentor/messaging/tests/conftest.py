from __future__ import annotations

from typing import Any

import pytest

from openmentor.messaging import services


@pytest.fixture
def conversation(mentorship: Any) -> Any:
    """Carol (mentor) and Bob (mentee) talk; Erin, Alice, Charlie and Dave are outside."""
    return services.mentorship_conversation(mentorship)


@pytest.fixture
def send(conversation: Any) -> Any:
    counter = iter(range(1, 10_000))

    def do(sender: Any, body: str, client_id: str | None = None, **extra: Any) -> Any:
        return services.send_message(
            sender,
            conversation,
            body=body,
            client_id=client_id or f"c{next(counter)}",
            **extra,
        ).message

    return do


@pytest.fixture
def circle(program: Any, carol: Any, bob: Any, erin: Any) -> Any:
    """A group mentorship's conversation: Carol mentors Bob and Erin together."""
    from openmentor.mentorships.services import create_mentorship

    mentorship = create_mentorship(program, mentors=[carol], mentees=[bob, erin], origin="test")
    return services.mentorship_conversation(mentorship)
