"""Quick session ratings and program surveys. Coordinators only ever see aggregates."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openmentor.core.models import TimeStampedModel
from openmentor.programs.models import ApplicationQuestion, QuestionKind

# Below this many answers a breakdown could identify people, so it is never shown.
MIN_GROUP_SIZE = 5


class SessionRating(models.Model):
    session = models.ForeignKey(
        "mentorships.SessionLog", on_delete=models.CASCADE, related_name="ratings"
    )
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "rater"], name="one_rating_per_session"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_from_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class SurveyKind(models.TextChoices):
    MIDPOINT = "midpoint", _("Mid-point survey")
    END = "end", _("End-of-program survey")


class Survey(TimeStampedModel):
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="surveys"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SurveyKind.choices)
    # Blank: the kind's name ("Mid-point survey"), read in each person's language.
    title = models.CharField(_("title"), max_length=200, blank=True)
    send_on = models.DateField(_("send on"))
    reminder_after_days = models.PositiveSmallIntegerField(
        _("remind after (days)"), default=7, validators=[MinValueValidator(1)]
    )
    max_reminders = models.PositiveSmallIntegerField(_("reminders at most"), default=2)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["send_on"]
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="one_survey_kind_per_program")
        ]

    def __str__(self) -> str:
        return str(self.shown_title)

    @property
    def shown_title(self) -> str | Promise:
        """As the coordinator named it, or the kind's name in the reader's language."""
        return self.title or SurveyKind(self.kind).label


class SurveyQuestion(models.Model):
    """Same shape as an application question, so the same form builder and validation
    serve both."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    prompt = models.CharField(_("question"), max_length=300)
    # One of the platform's questions, kept in English and read in each person's language
    # (they were written in the language of the coordinator who made the survey).
    standard = models.BooleanField(default=False)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)
    audience = models.CharField(
        max_length=12,
        choices=ApplicationQuestion.Audience.choices,
        default=ApplicationQuestion.Audience.EVERYONE,
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.shown_prompt

    @property
    def shown_prompt(self) -> str:
        return gettext(self.prompt) if self.standard else self.prompt

    Audience = ApplicationQuestion.Audience

    def applies_to(self, role: str) -> bool:
        # The application question's rule; it reads only ``audience``, which both share.
        return ApplicationQuestion.applies_to(self, role)  # type: ignore[arg-type]


class SurveyInvitation(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=8)
    sent_at = models.DateTimeField()
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="one_invitation_per_survey")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class SurveyResponse(models.Model):
    """Answers keyed by question id. Not linked to the invitation, so a coordinator with
    database access still cannot tie answers to a person."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    role = models.CharField(max_length=8)
    answers = models.JSONField(default=dict)
    submitted_on = models.DateField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"
