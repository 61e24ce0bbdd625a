"""Someone who leaves a mentorship with its program leaves its upcoming meetings; a closed
mentorship's meetings still ahead are cancelled."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from openmentor.accounts.models import User
from openmentor.mentorships.models import Mentorship
from openmentor.mentorships.signals import left_mentorship, mentorship_closed

from . import services


@receiver(left_mentorship)
def leaving_a_mentorship_leaves_its_meetings(
    mentorship: Mentorship, user: User, reason: str, **kwargs: Any
) -> None:
    services.leave_meetings(mentorship, user, reason)


@receiver(mentorship_closed)
def a_closed_mentorship_meets_no_more(mentorship: Mentorship, **kwargs: Any) -> None:
    services.cancel_for_closed_mentorship(mentorship)
