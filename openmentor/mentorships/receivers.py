"""A person who leaves a program leaves its mentorships too (``services.leave_with_program``);
a program that closes completes its mentorships (``services.complete_with_program``); a
mentorship named after its people follows a change of name."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from openmentor.accounts.models import User
from openmentor.accounts.signals import name_changed
from openmentor.programs.models import Membership, Program, Role
from openmentor.programs.services import ClosedMentorships
from openmentor.programs.signals import membership_left, program_closed

from . import services
from .models import ParticipantRole

# The role someone takes part in a mentorship with, by their role in the program.
PARTICIPANT_ROLE = {
    Role.MENTOR: ParticipantRole.MENTOR,
    Role.MENTEE: ParticipantRole.MENTEE,
    Role.PEER: ParticipantRole.PEER,
}


@receiver(membership_left)
def leaving_the_program_leaves_its_mentorships(membership: Membership, **kwargs: Any) -> None:
    role = PARTICIPANT_ROLE.get(Role(membership.role))
    if role is not None:
        services.leave_with_program(membership.user, membership.program_id, role)


@receiver(name_changed)
def mentorships_named_after_them_follow(user: User, old_name: str, **kwargs: Any) -> None:
    services.rename_after_name_change(user, old_name)


@receiver(program_closed)
def closing_the_program_completes_its_mentorships(
    program: Program, **kwargs: Any
) -> ClosedMentorships:
    completed, ended, completed_for = services.complete_with_program(program)
    return ClosedMentorships(completed=completed, ended=ended, completed_for=completed_for)
