"""Matching in the product: a program's settings, rounds with proposals, and self-service
requests. The scoring and solving live in :mod:`openmentor.matching.engine`."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from openmentor.core.models import TimeStampedModel

_WEIGHT = [MinValueValidator(0), MaxValueValidator(10)]


class SolverMode(models.TextChoices):
    OPTIMAL = "optimal", _("Best total fit (optimal assignment)")
    STABLE = "stable", _("Stable (nobody would both rather swap)")


class MatchingSettings(models.Model):
    """How one program matches: weights of the soft factors and the hard rules."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="matching_settings"
    )
    weight_shared_goals = models.FloatField(
        _("weight: shared goals"), default=3.0, validators=_WEIGHT
    )
    weight_text_similarity = models.FloatField(
        _("weight: goals read like their experience"), default=2.0, validators=_WEIGHT
    )
    weight_availability = models.FloatField(
        _("weight: shared free time"), default=1.5, validators=_WEIGHT
    )
    weight_language = models.FloatField(
        _("weight: language level"), default=1.0, validators=_WEIGHT
    )
    weight_seniority = models.FloatField(
        _("weight: career stage gap"), default=0.0, validators=_WEIGHT
    )
    cross_border_bonus = models.FloatField(
        _("bonus for pairs from different countries"), default=0.0, validators=_WEIGHT
    )
    min_language_level = models.PositiveSmallIntegerField(
        _("lowest shared language level (1 basic – 5 native)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    min_overlap_hours = models.FloatField(
        _("fewest shared free hours a week (0 = no live meetings needed)"),
        default=1.0,
        validators=[MinValueValidator(0), MaxValueValidator(40)],
    )
    exclude_same_org_unit = models.BooleanField(
        _("never pair people from the same organisation unit"), default=False
    )
    mode = models.CharField(
        _("solver"), max_length=12, choices=SolverMode.choices, default=SolverMode.OPTIMAL
    )
    candidates_per_mentee = models.PositiveSmallIntegerField(
        _("candidates considered per mentee (K)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    require_consent = models.BooleanField(
        _("participants accept or decline a proposed match"), default=False
    )
    max_pending_requests = models.PositiveSmallIntegerField(
        _("open requests a mentee may have at once"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    request_expiry_days = models.PositiveSmallIntegerField(
        _("days before an unanswered request expires"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    def __str__(self) -> str:
        return f"Matching settings of {self.program}"


class RoundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MatchingRound(TimeStampedModel):
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="matching_rounds"
    )
    status = models.CharField(
        max_length=10, choices=RoundStatus.choices, default=RoundStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    settings_snapshot = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveSmallIntegerField(default=0)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="round_progress_at_most_100"
            ),
            models.UniqueConstraint(
                fields=["program"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_round_per_program",
            ),
        ]

    def __str__(self) -> str:
        return f"Matching round #{self.pk} of {self.program}"

    @property
    def is_active(self) -> bool:
        return self.status in (RoundStatus.QUEUED, RoundStatus.RUNNING)


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    LOCKED = "locked", _("Locked")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")


class Consent(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    NOT_ASKED = "not_asked", _("Not asked")


class Proposal(TimeStampedModel):
    """One proposed pair of a round. In peer programs both people are peers; ``mentor`` is
    the one whose strengths meet the other's goals."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="proposals")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    explanation = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    is_manual = models.BooleanField(default=False)
    mentor_consent = models.CharField(
        max_length=10, choices=Consent.choices, default=Consent.NOT_ASKED
    )
    mentee_consent = models.CharField(
        max_length=10, choices=Consent.choices, default=Consent.NOT_ASKED
    )
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "mentee"],
                condition=~models.Q(status="rejected"),
                name="one_live_proposal_per_mentee_per_round",
            ),
            models.CheckConstraint(
                condition=~models.Q(mentor=models.F("mentee")), name="proposal_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} ↔ {self.mentee} ({self.get_status_display()})"


class UnmatchedReason(models.Model):
    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="unmatched")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["user__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="one_unmatched_row_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} unmatched in round #{self.round_id}"


class BlockedPair(models.Model):
    """Two people a coordinator never wants matched (either direction)."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="blocked_pairs"
    )
    first = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "first", "second"], name="one_block_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first} ✕ {self.second}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class MentorRequest(TimeStampedModel):
    """A mentee (or a peer) asks one mentor (or peer) directly, from the recommendations."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="mentor_requests"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_mentor_requests"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="received_mentor_requests"
    )
    message = models.TextField(max_length=2000, blank=True)
    idempotency_key = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    score = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    response_message = models.TextField(max_length=2000, blank=True)
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A retried submission finds the first request instead of making a second one.
            models.UniqueConstraint(
                fields=["mentee", "idempotency_key"], name="one_request_per_idempotency_key"
            ),
            models.UniqueConstraint(
                fields=["program", "mentee", "mentor"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_pair",
            ),
            models.CheckConstraint(
                condition=~models.Q(mentor=models.F("mentee")), name="request_two_people"
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.mentee} → {self.mentor} ({self.get_status_display()})"


MAX_RANKED_MENTORS = 3


class MatchingPreference(TimeStampedModel):
    """What a mentee (or a peer) asks of their match: "must" filters the engine never
    breaks, and up to three mentors ranked in order. One per membership; the service
    validates every list (known codes, active mentors of the same program, no repeats)."""

    membership = models.OneToOneField(
        "programs.Membership", on_delete=models.CASCADE, related_name="matching_preference"
    )
    must_speak = models.JSONField(
        _("my match must speak one of these languages"), default=list, blank=True
    )
    must_country = models.JSONField(
        _("my match must live in one of these countries"), default=list, blank=True
    )
    must_meet_in_person = models.BooleanField(
        _("my match must be able to meet in person"), default=False
    )
    ranked_mentors = models.JSONField(
        _("preferred mentors, most preferred first (user ids)"), default=list, blank=True
    )

    def __str__(self) -> str:
        return f"Matching preferences of {self.membership}"

    @property
    def is_empty(self) -> bool:
        return not (
            self.must_speak or self.must_country or self.must_meet_in_person or self.ranked_mentors
        )
