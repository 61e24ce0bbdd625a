"""A person who leaves a program leaves its mentorships too (``services.leave_with_program``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from openmentor.programs.models import Membership, MembershipStatus, Role

from . import services
from .models import ParticipantRole

# The role someone takes part in a mentorship with, by their role in the program.
PARTICIPANT_ROLE = {
    Role.MENTOR: ParticipantRole.MENTOR,
    Role.MENTEE: ParticipantRole.MENTEE,
    Role.PEER: ParticipantRole.PEER,
}


@receiver(post_save, sender=Membership)
def leaving_the_program_leaves_its_mentorships(instance: Membership, **kwargs: Any) -> None:
    # A signal, not a call from programs.services: mentorships build on programs.
    if kwargs.get("raw") or instance.status != MembershipStatus.LEFT:
        return
    role = PARTICIPANT_ROLE.get(Role(instance.role))
    if role is not None:
        services.leave_with_program(instance.user, instance.program_id, role)
