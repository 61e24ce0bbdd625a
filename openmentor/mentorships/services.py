"""Writes for mentorships. Matching (rounds, requests) and coordinators create them here."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openmentor.accounts.models import User
from openmentor.core.errors import ValidationFailed
from openmentor.programs.models import Program

from .models import Mentorship, MentorshipParticipant, MentorshipStatus, ParticipantRole


@transaction.atomic
def create_mentorship(
    program: Program,
    *,
    mentors: Sequence[User] = (),
    mentees: Sequence[User] = (),
    peers: Sequence[User] = (),
    origin: str = "manual",
    status: str = MentorshipStatus.ACTIVE,
    title: str = "",
) -> Mentorship:
    """One relationship: 1..n mentors with 1..n mentees (a circle), or 2+ peers."""
    if peers:
        if mentors or mentees or len(peers) < 2:
            raise ValidationFailed(_("A peer mentorship has two or more peers and no other roles."))
    elif not mentors or not mentees:
        raise ValidationFailed(_("A mentorship needs at least one mentor and one mentee."))
    people = [*mentors, *mentees, *peers]
    if len({person.pk for person in people}) != len(people):
        raise ValidationFailed(_("Each person can take only one role in a mentorship."))
    mentorship = Mentorship.objects.create(
        program=program,
        status=status,
        origin=origin,
        title=title,
        started_on=timezone.localdate() if status == MentorshipStatus.ACTIVE else None,
        ends_on=program.ends_on if program.is_formal else None,
    )
    MentorshipParticipant.objects.bulk_create(
        [
            *(
                MentorshipParticipant(mentorship=mentorship, user=u, role=ParticipantRole.MENTOR)
                for u in mentors
            ),
            *(
                MentorshipParticipant(mentorship=mentorship, user=u, role=ParticipantRole.MENTEE)
                for u in mentees
            ),
            *(
                MentorshipParticipant(mentorship=mentorship, user=u, role=ParticipantRole.PEER)
                for u in peers
            ),
        ]
    )
    return mentorship
