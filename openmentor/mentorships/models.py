"""The mentoring relationship that messaging, scheduling and goals attach to.

A mentorship has one or more mentors and one or more mentees (a circle), or peers in
co-mentoring programs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext
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
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return self.title or _("Mentorship %(number)s") % {"number": self.pk}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return not self.is_open

    @property
    def shown_ended_reason(self) -> str:
        """As ``scheduling.Meeting.shown_reason``: the platform's own reason (kept
        untranslated, ``services.PROGRAM_CLOSED_FIRST``) in the reader's language; a
        person's words are in no catalogue and stay as they are."""
        return gettext(self.ended_reason) if self.ended_reason else ""


def title_from_names(names: list[str]) -> str:
    """A mentorship's name when none was given: its people, mentors first ("Bruno Lima &
    Letícia Nova"), the same in every language."""
    joined = " & ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " & " + names[-1]
    limit = Mentorship._meta.get_field("title").max_length or 160
    return joined if len(joined) <= limit else joined[: limit - 1].rstrip(", &") + "…"


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

    @property
    def is_peer(self) -> bool:
        return self.role == ParticipantRole.PEER

    @property
    def owns_goals(self) -> bool:
        """Mentees set their own goals; in co-mentoring every peer does."""
        return self.role in (ParticipantRole.MENTEE, ParticipantRole.PEER)


class FormerParticipant(models.Model):
    """Someone who left a group that went on without them (they left the program): they
    keep reading what was theirs and what was said until ``left_at``, and matching still
    counts the group as a past pairing. Their participation row is gone, so every read of
    current participants (writing, notifications, "seen by", counts) leaves them out."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="former_participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="former_mentorships"
    )
    role = models.CharField(max_length=8, choices=ParticipantRole.choices)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "user"], name="one_departure_per_mentorship"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} left {self.mentorship} as {self.role}"


class AgreementTemplate(models.Model):
    """The program's starting text for every mentorship agreement; coordinators edit it."""

    program = models.OneToOneField(
        "programs.Program", on_delete=models.CASCADE, related_name="agreement_template"
    )
    text = models.TextField(_("agreement template"), max_length=10000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Agreement template of {self.program}"


class AgreementVersion(models.Model):
    """One wording of a mentorship's agreement. A change is a new version, so the history
    stays and every participant confirms again."""

    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="agreement_versions"
    )
    number = models.PositiveIntegerField()
    # As written; for the platform's standard wording, in the language of whoever made
    # the mentorship (see ``standard``).
    text = models.TextField(max_length=10000)
    # The platform's standard wording, kept as what it says (the program's cadence and
    # delivery, its guidelines as they were) so each person reads it in their own
    # language; null for a wording people wrote (a program's template, a change).
    standard = models.JSONField(null=True, blank=True)
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "number"], name="one_agreement_version_number"
            )
        ]

    def __str__(self) -> str:
        return f"Agreement v{self.number} of {self.mentorship}"

    @property
    def shown_text(self) -> str:
        """In the reader's language of the moment when it is the standard wording."""
        return standard_agreement_text(self.standard) if self.standard else self.text


def _mid_sentence(label: object) -> str:
    text = str(label)
    return text[:1].lower() + text[1:]


def standard_agreement_text(standard: dict[str, str]) -> str:
    from openmentor.programs.models import Cadence, Delivery

    cadence, delivery = standard.get("cadence", ""), standard.get("delivery", "")
    parts = [
        _("Expectations: we each say what we hope to get from this mentorship."),
        _("Meetings: %(cadence)s, %(delivery)s; whoever cannot make it says so a day ahead.")
        % {
            # Mid-sentence: "every two weeks, online only", not the choices' capitals.
            "cadence": _mid_sentence(
                Cadence(cadence).label if cadence in Cadence.values else cadence
            ),
            "delivery": _mid_sentence(
                Delivery(delivery).label if delivery in Delivery.values else delivery
            ),
        },
        _("Response times: we answer messages within three working days."),
        _("Confidentiality: what we share stays between us unless we agree otherwise."),
        _("Etiquette: we are patient with time zones, connections and languages."),
    ]
    if standard.get("guidelines"):
        parts.append(str(_("Program guidelines:")) + "\n" + standard["guidelines"])
    return "\n\n".join(str(part) for part in parts)


class AgreementConfirmation(models.Model):
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="confirmations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="one_confirmation_per_version")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class GoalStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Set aside")


class Goal(TimeStampedModel):
    """A SMART goal owned by one mentee (or peer) of the mentorship."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="goals")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorship_goals"
    )
    title = models.CharField(_("goal"), max_length=200)
    specific = models.TextField(_("specific: what exactly?"), max_length=2000, blank=True)
    measurable = models.TextField(_("measurable: how will you know?"), max_length=2000, blank=True)
    achievable = models.TextField(
        _("achievable: what makes it realistic?"), max_length=2000, blank=True
    )
    relevant = models.TextField(_("relevant: why does it matter?"), max_length=2000, blank=True)
    target_date = models.DateField(_("time-bound: by when?"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.OPEN)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="goal_progress_max_100"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def text_for_matching(self) -> str:
        return " ".join([self.title, self.specific, self.measurable, self.relevant])


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


class ActionItem(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(_("action"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorship_actions"
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return self.title


class GoalComment(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class SessionKind(models.TextChoices):
    VIDEO = "video", _("Video call")
    AUDIO = "audio", _("Audio call")
    IN_PERSON = "in_person", _("In person")
    CHAT = "chat", _("Written conversation")


class SessionLog(TimeStampedModel):
    """A session the participants held, logged afterwards (date, length, kind). Feedback
    ratings and per-session notes attach here."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices)
    summary = models.CharField(_("topic"), max_length=300, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when the session was a meeting booked through scheduling.
    meeting = models.ForeignKey(
        "scheduling.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="session_logs",
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(meeting__isnull=False),
                name="one_session_log_per_meeting",
            )
        ]

    def __str__(self) -> str:
        return _("%(kind)s on %(date)s") % {
            "kind": self.get_kind_display(),
            "date": date_format(self.held_on, "DATE_FORMAT"),
        }


class Note(TimeStampedModel):
    """Shared with the mentorship, or private: a private note is read by its author only,
    never by other participants, coordinators or staff (so it has no admin page either)."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        SessionLog, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    body = models.TextField(_("note"), max_length=10000)
    is_private = models.BooleanField(_("private (only you can read it)"), default=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class Reflection(models.Model):
    """What a participant takes away at the close, with a thank-you and a wish to keep in
    touch."""

    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="reflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    learned = models.TextField(_("what you learned or take away"), max_length=5000)
    thank_you = models.TextField(
        _("a thank-you to the others (they will see it)"), max_length=2000, blank=True
    )
    stay_in_touch = models.BooleanField(_("I would like to stay in touch"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "user"], name="one_reflection_per_person")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class CredentialKind(models.TextChoices):
    COMPLETION = "completion", _("Mentoring completed")
    SERVICE = "service", _("Mentoring service")


class Credential(models.Model):
    """An issued Open Badges 3.0 credential; ``document`` is the signed JSON as issued."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mentorship = models.ForeignKey(Mentorship, on_delete=models.CASCADE, related_name="credentials")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credentials"
    )
    kind = models.CharField(max_length=12, choices=CredentialKind.choices)
    document = models.JSONField()
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentorship", "recipient", "kind"], name="one_credential_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"
