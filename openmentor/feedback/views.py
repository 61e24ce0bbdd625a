"""Feedback pages: rate a session, answer a survey, and the coordinators' aggregates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openmentor.core.errors import DomainError
from openmentor.core.forms import apply_domain_error
from openmentor.core.types import AuthenticatedRequest
from openmentor.mentorships.models import SessionLog
from openmentor.mentorships.selectors import is_participant
from openmentor.programs.forms import QuestionForm, question_fields
from openmentor.programs.models import Program
from openmentor.programs.selectors import is_coordinator

from . import selectors, services
from .forms import SurveyForm
from .models import MIN_GROUP_SIZE, Survey, SurveyInvitation


@login_required
@require_POST
def session_rate(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(SessionLog, pk=session_id)
    if not is_participant(session.mentorship_id, request.user.pk):
        raise Http404
    try:
        services.rate_session(
            request.user,
            session,
            score=request.POST.get("score"),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you for rating the session."))
    return redirect("mentorship_detail", pk=session.mentorship_id)


@login_required
def survey_answer(request: AuthenticatedRequest, survey_id: int) -> HttpResponse:
    invitation = (
        SurveyInvitation.objects.select_related("survey__program")
        .filter(survey_id=survey_id, user=request.user)
        .first()
    )
    if invitation is None:
        raise Http404
    survey = invitation.survey
    form_class = type(
        "SurveyAnswerForm",
        (forms.Form,),
        question_fields(selectors.questions_for(survey, invitation.role)),
    )
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and invitation.completed_at is None:
        answers = {k.removeprefix("q_"): v for k, v in form.cleaned_data.items()}
        try:
            services.answer_survey(request.user, survey, answers)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Thank you! Your answers were recorded anonymously."))
            return redirect("dashboard")
    return render(
        request,
        "feedback/survey_answer.html",
        {"survey": survey, "form": form, "done": invitation.completed_at is not None},
        status=400 if form.errors else 200,
    )


def _coordinated(request: AuthenticatedRequest, slug: str) -> Program:
    program = get_object_or_404(Program, slug=slug)
    if not is_coordinator(request.user, program):
        raise PermissionDenied
    return program


@login_required
def program_feedback(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Aggregates only: nothing below the minimum group size, no names, no texts."""
    program = _coordinated(request, slug)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(request.user, program, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Survey created. Add its questions."))
            return redirect("survey_manage", slug=program.slug, survey_id=survey.pk)
    return render(
        request,
        "feedback/program_feedback.html",
        {
            "program": program,
            "ratings": selectors.session_rating_aggregate(program),
            "surveys": program.surveys.all(),
            "form": form,
            "min_group": MIN_GROUP_SIZE,
        },
        status=400 if form.errors else 200,
    )


@login_required
def survey_manage(request: AuthenticatedRequest, slug: str, survey_id: int) -> HttpResponse:
    program = _coordinated(request, slug)
    survey = get_object_or_404(Survey, pk=survey_id, program=program)
    form = QuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_survey_question(request.user, survey, form.to_data())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect("survey_manage", slug=program.slug, survey_id=survey.pk)
    responses, rows = selectors.survey_aggregate(survey)
    return render(
        request,
        "feedback/survey_manage.html",
        {
            "program": program,
            "survey": survey,
            "form": form,
            "responses": responses,
            "rows": rows,
            "min_group": MIN_GROUP_SIZE,
        },
        status=400 if form.errors else 200,
    )
