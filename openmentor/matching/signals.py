"""Someone who leaves a program can no longer be paired in it (``services.leave_matching``);
nobody can once the program has closed (``services.close_matching``)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from openmentor.programs.models import Membership, Program
from openmentor.programs.signals import membership_left, program_closed

from . import services


@receiver(membership_left)
def leaving_the_program_ends_what_could_still_pair_them(
    membership: Membership, **kwargs: Any
) -> None:
    services.leave_matching(membership.user, membership.program_id, membership.role)


@receiver(program_closed)
def closing_the_program_ends_what_could_still_pair_people(program: Program, **kwargs: Any) -> None:
    services.close_matching(program.pk)
