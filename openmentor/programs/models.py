"""Programs and who takes part in them.

Each mentoring model of the design brief (synchronous/asynchronous, one-to-one/group,
content/process, peer/hierarchical, formal/informal, hybrid/online-only) is a field here,
so a new kind of program is a setting, never a fork of the code."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openmentor.core.models import TimeStampedModel


class GroupFormat(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one")
    GROUP = "group", _("Group (mentoring circles)")


class Emphasis(models.TextChoices):
    SYNCHRONOUS = "synchronous", _("Mostly live sessions")
    ASYNCHRONOUS = "asynchronous", _("Mostly asynchronous messages")
    BALANCED = "balanced", _("Both")


class Focus(models.TextChoices):
    CONTENT = "content", _("Content-focused (skills and knowledge)")
    PROCESS = "process", _("Process-focused (learning strategies)")


class Structure(models.TextChoices):
    HIERARCHICAL = "hierarchical", _("Hierarchical (mentor as expert)")
    PEER = "peer", _("Co-mentoring (peers, everyone both mentor and mentee)")


class Formality(models.TextChoices):
    FORMAL = "formal", _("Formal (schedule, objectives, check-ins)")
    INFORMAL = "informal", _("Informal (flexible, self-directed)")


class Delivery(models.TextChoices):
    ONLINE_ONLY = "online_only", _("Online only")
    HYBRID = "hybrid", _("Hybrid (online and in person)")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    FLEXIBLE = "flexible", _("Flexible")


class MatchingMode(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator-led matching rounds")
    SELF_SERVICE = "self_service", _("Self-service: mentees request mentors")
    BOTH = "both", _("Both")


class Approval(models.TextChoices):
    MANUAL = "manual", _("A coordinator approves each application")
    AUTOMATIC = "automatic", _("Applications are approved automatically")


class Program(TimeStampedModel):
    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    summary = models.CharField(_("summary"), max_length=280, blank=True)
    description = models.TextField(_("description"), max_length=10000, blank=True)
    guidelines = models.TextField(
        _("guidelines members accept on joining"), max_length=10000, blank=True
    )
    group_format = models.CharField(
        _("format"), max_length=16, choices=GroupFormat.choices, default=GroupFormat.ONE_TO_ONE
    )
    max_group_size = models.PositiveSmallIntegerField(
        _("largest group (mentees per circle)"),
        default=6,
        validators=[MinValueValidator(2), MaxValueValidator(30)],
    )
    emphasis = models.CharField(
        _("interaction"), max_length=16, choices=Emphasis.choices, default=Emphasis.BALANCED
    )
    focus = models.CharField(
        _("focus"), max_length=16, choices=Focus.choices, default=Focus.CONTENT
    )
    structure = models.CharField(
        _("structure"), max_length=16, choices=Structure.choices, default=Structure.HIERARCHICAL
    )
    formality = models.CharField(
        _("formality"), max_length=16, choices=Formality.choices, default=Formality.INFORMAL
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    meeting_cadence = models.CharField(
        _("meeting cadence"), max_length=16, choices=Cadence.choices, default=Cadence.FLEXIBLE
    )
    objectives = models.TextField(_("objectives"), max_length=5000, blank=True)
    delivery = models.CharField(
        _("delivery"), max_length=16, choices=Delivery.choices, default=Delivery.ONLINE_ONLY
    )
    enrolment_open = models.BooleanField(_("enrolment open"), default=True)
    approval = models.CharField(
        _("approval"), max_length=16, choices=Approval.choices, default=Approval.MANUAL
    )
    default_mentor_capacity = models.PositiveSmallIntegerField(
        _("default mentees per mentor"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    matching_mode = models.CharField(
        _("matching"), max_length=16, choices=MatchingMode.choices, default=MatchingMode.BOTH
    )
    is_listed = models.BooleanField(_("listed in the program directory"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Closed at the end of its cycle (``services.close_program``): its mentorships were
    # completed, nobody joins, matches or is surveyed; members keep reading what is theirs.
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gt=models.F("starts_on")),
                name="program_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_peer(self) -> bool:
        return self.structure == Structure.PEER

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_formal(self) -> bool:
        return self.formality == Formality.FORMAL

    def participant_roles(self) -> list[str]:
        return [Role.PEER] if self.is_peer else [Role.MENTEE, Role.MENTOR]


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")
    PEER = "peer", _("Peer (mentor and mentee)")


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    SCALE = "scale", _("Scale from 1 to 5")


class ApplicationQuestion(models.Model):
    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("Everyone")
        MENTEES = "mentee", _("Mentees only")
        MENTORS = "mentor", _("Mentors only")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="questions")
    prompt = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    audience = models.CharField(
        _("asked of"), max_length=12, choices=Audience.choices, default=Audience.EVERYONE
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.prompt

    def applies_to(self, role: str) -> bool:
        if self.audience == self.Audience.EVERYONE:
            return True
        return role == self.audience or role == Role.PEER


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    LEFT = "left", _("Left the program")


class Membership(TimeStampedModel):
    """A person's role in a program. An application is a membership waiting for approval."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    status = models.CharField(
        max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    answers = models.JSONField(default=dict, blank=True)
    motivation = models.TextField(max_length=4000, blank=True)
    capacity = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    guidelines_accepted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_message = models.TextField(max_length=2000, blank=True)
    source = models.CharField(max_length=12, default="application")

    class Meta:
        ordering = ["program", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user", "role"], name="one_membership_per_role"
            ),
        ]
        indexes = [models.Index(fields=["program", "status", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.program}"

    @property
    def effective_capacity(self) -> int:
        return self.capacity if self.capacity is not None else self.program.default_mentor_capacity


# An invitation neither accepted nor revoked (it may have expired: it can be resent).
LIVE_INVITATION = models.Q(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(TimeStampedModel):
    """An e-mail link that admits one person to a program in a role, without approval."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=Role.choices)
    # The language it was written in: its page and a newcomer's sign-up follow it.
    language = models.CharField(max_length=10, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Withdrawn by a coordinator: its link then says so and admits no one.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One live invitation (neither accepted nor revoked) per address and role:
            # inviting again sends that one a fresh link instead of a second valid one.
            models.UniqueConstraint(
                "program",
                Lower("email"),
                "role",
                condition=LIVE_INVITATION,
                name="one_live_invitation_per_address_and_role",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.program}"

    @property
    def state(self) -> str:
        """open, expired, revoked or accepted."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
