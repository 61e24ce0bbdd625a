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


# Zones three to five hours apart around the world: whatever the hour the suite runs at,
# it is night (22:00-07:00) in one and day in another.
ZONES_AROUND_THE_WORLD = (
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Asia/Dhaka",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "America/Lima",
    "America/Los_Angeles",
    "Pacific/Honolulu",
)


def zone_where_it_is(night: bool) -> str:
    """A time zone where it is night (or day) right now, for the coach's night hint."""
    from django.utils import timezone

    from openmentor.messaging import coach

    now = timezone.now()
    return next(z for z in ZONES_AROUND_THE_WORLD if coach.is_night(z, now) == night)
