"""People who join later take part in the conversations that already exist: their unread
counts and unread e-mails come from their member row of each conversation."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from openmentor.mentorships.models import MentorshipParticipant
from openmentor.programs.models import Membership, MembershipStatus, Role

from . import services


@receiver(post_save, sender=Membership)
def coordinator_joins_or_leaves_support_threads(instance: Membership, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.role != Role.COORDINATOR:
        return
    if instance.status == MembershipStatus.ACTIVE:
        services.join_support_threads(instance.user_id, instance.program_id)
    else:
        services.leave_support_threads(instance.user_id, instance.program_id)


@receiver(post_save, sender=MentorshipParticipant)
def participant_joins_the_conversation(instance: MentorshipParticipant, **kwargs: Any) -> None:
    if kwargs.get("created") and not kwargs.get("raw"):
        services.join_mentorship_conversation(instance.mentorship_id)


@receiver(post_delete, sender=MentorshipParticipant)
def participant_leaves_the_conversation(instance: MentorshipParticipant, **kwargs: Any) -> None:
    services.leave_mentorship_conversation(instance.mentorship_id, instance.user_id)
