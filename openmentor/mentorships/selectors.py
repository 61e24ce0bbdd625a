from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import OPEN_STATUSES, Mentorship, MentorshipParticipant


def mentorships_for_user(user_id: int, *, open_only: bool = True) -> QuerySet[Mentorship]:
    qs = Mentorship.objects.filter(participants__user_id=user_id)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    return (
        qs.select_related("program")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=MentorshipParticipant.objects.select_related("user"),
            )
        )
        .distinct()
    )


def is_participant(mentorship_id: int, user_id: int) -> bool:
    return MentorshipParticipant.objects.filter(
        mentorship_id=mentorship_id, user_id=user_id
    ).exists()
