"""The mentoring relationship that messaging, scheduling and goals attach to.

A mentorship has one or more mentors and one or more mentees (a circle), or peers in
co-mentoring programs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openmentor.core.models import TimeStampedModel


class MentorshipStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    ENDED = "ended", _("Ended early")


OPEN_STATUSES = (MentorshipStatus.PROPOSED, MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)


class Mentorship(TimeStampedModel):
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="mentorships"
    )
    title = models.CharField(max_length=160, blank=True)
    status = models.CharField(
        max_length=12, choices=MentorshipStatus.choices, default=MentorshipStatus.ACTIVE
    )
    started_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    ended_reason = models.TextField(max_length=2000, blank=True)
    origin = models.CharField(max_length=20, default="manual")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return self.title or f"Mentorship #{self.pk}"


class ParticipantRole(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")
    PEER = "peer", _("Peer")


class MentorshipParticipant(models.Model):
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorship_roles"
    )
    role = models.CharField(max_length=8, choices=ParticipantRole.choices)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "user"], name="one_participation_per_mentorship"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.mentorship}"
