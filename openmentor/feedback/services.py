"""Every write for feedback: session ratings, surveys, sending and reminding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from openmentor.accounts.models import User
from openmentor.core.errors import (
    Conflict,
    NotAllowed,
    NotFound,
    ValidationFailed,
    conflict_if_duplicate,
)
from openmentor.mentorships import selectors as mentorship_selectors
from openmentor.mentorships.models import MentorshipParticipant, SessionLog
from openmentor.notifications.services import notify
from openmentor.programs.models import ApplicationQuestion, Program, QuestionKind
from openmentor.programs.selectors import is_coordinator
from openmentor.programs.services import clean_question_choices, validate_question_answers

from . import selectors
from .models import (
    SessionRating,
    Survey,
    SurveyInvitation,
    SurveyKind,
    SurveyQuestion,
    SurveyResponse,
)


def rate_session(
    actor: User, session: SessionLog, *, score: Any, comment: str = ""
) -> SessionRating:
    """A quick 1–5 rating with a comment, once per person and session."""
    if not mentorship_selectors.is_participant(session.mentorship_id, actor.pk):
        raise NotAllowed(_("Only the people who held this session can rate it."))
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ValidationFailed(
            _("Choose a rating from 1 to 5."), fields={"score": _("From 1 to 5.")}
        )
    if len(comment or "") > 2000:
        raise ValidationFailed(_("Please keep the comment under 2000 characters."))
    with conflict_if_duplicate(_("You have already rated this session.")):
        return SessionRating.objects.create(
            session=session, rater=actor, score=score, comment=(comment or "").strip()
        )


def default_send_on(program: Program, kind: str) -> date | None:
    """Mid-point: halfway through the program; end: a week before it ends."""
    if not (program.starts_on and program.ends_on):
        return None
    if kind == SurveyKind.MIDPOINT:
        return program.starts_on + (program.ends_on - program.starts_on) / 2
    return program.ends_on - timedelta(days=7)


def _require_coordinator(actor: User, program: Program) -> None:
    if not is_coordinator(actor, program):
        raise NotAllowed(_("Only this program's coordinators can do that."))


def create_survey(
    actor: User,
    program: Program,
    *,
    kind: str,
    title: str = "",
    send_on: date | None = None,
    standard_questions: bool = False,
) -> Survey:
    _require_coordinator(actor, program)
    if kind not in SurveyKind.values:
        raise ValidationFailed(_("Choose mid-point or end."), fields={"kind": _("Required.")})
    send_on = send_on or default_send_on(program, kind)
    if send_on is None:
        raise ValidationFailed(
            _("This program has no dates: choose when to send the survey."),
            fields={"send_on": _("Required.")},
        )
    if Survey.objects.filter(program=program, kind=kind).exists():
        raise Conflict(_("This program already has that survey."))
    survey = Survey.objects.create(
        program=program,
        kind=kind,
        title=(title or "").strip()[:200],
        send_on=send_on,
    )
    if standard_questions:
        _add_standard_questions(survey)
    return survey


def _add_standard_questions(survey: Survey) -> None:
    """A starting point coordinators can add to; the survey is never empty by mistake."""
    standard = [
        (gettext_noop("How useful has your mentoring been so far?"), QuestionKind.SCALE),
        (
            gettext_noop("How well do you and your mentoring partner(s) communicate?"),
            QuestionKind.SCALE,
        ),
        (gettext_noop("What would make the mentoring better?"), QuestionKind.LONG_TEXT),
    ]
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(
            survey=survey,
            prompt=prompt,
            standard=True,
            kind=kind,
            required=kind == QuestionKind.SCALE,
            position=position,
        )
        for position, (prompt, kind) in enumerate(standard, start=1)
    )


def add_survey_question(actor: User, survey: Survey, data: dict[str, Any]) -> SurveyQuestion:
    _require_coordinator(actor, survey.program)
    if survey.sent_at is not None:
        raise Conflict(_("The survey has been sent; its questions can no longer change."))
    if data.get("kind") not in QuestionKind.values:
        raise ValidationFailed(_("Choose a kind of question."), fields={"kind": _("Required.")})
    if not str(data.get("prompt", "")).strip():
        raise ValidationFailed(_("Write the question."), fields={"prompt": _("Required.")})
    last = survey.questions.order_by("-position").values_list("position", flat=True).first()
    return SurveyQuestion.objects.create(
        survey=survey,
        prompt=data["prompt"].strip()[:300],
        help_text=(data.get("help_text") or "").strip()[:300],
        kind=data["kind"],
        choices=clean_question_choices(data["kind"], data.get("choices") or []),
        required=bool(data.get("required", True)),
        audience=data.get("audience") or ApplicationQuestion.Audience.EVERYONE,
        position=(last or 0) + 1,
    )


def _survey_url(survey: Survey) -> str:
    return reverse("survey_answer", args=[survey.pk])


def send_due_surveys(now: datetime | None = None) -> dict[str, int]:
    """Send surveys whose day has come to everyone in an open or completed mentorship of
    the program (unless it has closed), and remind those who have not answered. Safe to
    run again: each person is invited once, and reminders are spaced by the survey's
    interval."""
    now = now or timezone.now()
    # The send day is judged in UTC, whatever zone the current request activated.
    today = now.astimezone(UTC).date()
    sent = reminded = 0
    # A closed program's surveys not yet sent stay unsent (it ended; nobody is asked now).
    due = Survey.objects.filter(
        sent_at__isnull=True, send_on__lte=today, program__closed_at__isnull=True
    )
    for survey in due.select_related("program"):
        with transaction.atomic():
            people = (
                MentorshipParticipant.objects.filter(
                    mentorship__program=survey.program,
                    mentorship__status__in=["active", "paused", "completed"],
                )
                .select_related("user")
                .order_by("user_id")
            )
            seen: set[int] = set()
            for participant in people:
                if participant.user_id in seen:
                    continue
                seen.add(participant.user_id)
                _invitation, created = SurveyInvitation.objects.get_or_create(
                    survey=survey,
                    user=participant.user,
                    defaults={"role": participant.role, "sent_at": now},
                )
                if created:
                    notify(
                        participant.user,
                        kind="survey",
                        title=gettext_lazy("Please answer: %(title)s"),
                        params={"title": survey.shown_title},
                        url=_survey_url(survey),
                        dedupe_key=f"survey:{survey.pk}:{participant.user_id}:0",
                    )
                    sent += 1
            survey.sent_at = now
            survey.save(update_fields=["sent_at", "updated_at"])
    waiting = SurveyInvitation.objects.filter(completed_at__isnull=True).select_related(
        "survey", "user"
    )
    for invitation in waiting:
        survey = invitation.survey
        if invitation.reminders_sent >= survey.max_reminders:
            continue
        last = invitation.last_reminded_at or invitation.sent_at
        if now - last < timedelta(days=survey.reminder_after_days):
            continue
        invitation.reminders_sent += 1
        invitation.last_reminded_at = now
        invitation.save(update_fields=["reminders_sent", "last_reminded_at"])
        notify(
            invitation.user,
            kind="survey",
            title=gettext_lazy("Reminder: %(title)s is waiting for your answers"),
            params={"title": survey.shown_title},
            url=_survey_url(survey),
            dedupe_key=f"survey:{survey.pk}:{invitation.user_id}:{invitation.reminders_sent}",
        )
        reminded += 1
    return {"sent": sent, "reminded": reminded}


@transaction.atomic
def answer_survey(actor: User, survey: Survey, answers: dict[str, Any]) -> SurveyResponse:
    invitation = (
        SurveyInvitation.objects.select_for_update().filter(survey=survey, user=actor).first()
    )
    if invitation is None:
        raise NotFound(_("This survey was not sent to you."))
    if invitation.completed_at is not None:
        raise Conflict(_("You have already answered this survey. Thank you!"))
    cleaned = validate_question_answers(selectors.questions_for(survey, invitation.role), answers)
    invitation.completed_at = timezone.now()
    invitation.save(update_fields=["completed_at"])
    return SurveyResponse.objects.create(survey=survey, role=invitation.role, answers=cleaned)
