"""Pages of the mentorship journey. Each view loads the object, checks who is asking,
calls one service and renders; every form works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openmentor.core.confirm import unless_confirmed
from openmentor.core.errors import DomainError
from openmentor.core.forms import apply_domain_error, submit
from openmentor.core.types import AuthenticatedRequest
from openmentor.feedback.selectors import open_invitations
from openmentor.programs.models import Program
from openmentor.programs.selectors import is_coordinator

from . import selectors, services
from .credentials import verify
from .forms import (
    ActionItemForm,
    AgreementChangeForm,
    AgreementTemplateForm,
    CommentForm,
    GoalForm,
    GoalProgressForm,
    MilestoneForm,
    NoteForm,
    ReflectionForm,
    SessionForm,
    StatusForm,
    VerifyForm,
)
from .goal_templates import templates_for
from .models import (
    OPEN_STATUSES,
    ActionItem,
    Goal,
    Mentorship,
    MentorshipParticipant,
    Milestone,
    Note,
    SessionKind,
)

View = Callable[..., HttpResponse]


def participant_view(view: View) -> View:
    """Only the mentorship's participants get through; everyone else sees a 404, so an
    outsider cannot even learn that the mentorship exists."""

    @wraps(view)
    @login_required
    def wrapper(request: AuthenticatedRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        mentorship = get_object_or_404(Mentorship.objects.select_related("program"), pk=pk)
        participant = selectors.participation(mentorship, request.user)
        if participant is None:
            raise Http404
        return view(request, mentorship, participant, *args, **kwargs)

    return wrapper


def _goal_for(request: AuthenticatedRequest, goal_id: int) -> Goal:
    goal = get_object_or_404(
        Goal.objects.select_related("mentorship__program", "owner"), pk=goal_id
    )
    if not selectors.is_participant(goal.mentorship_id, request.user.pk):
        raise Http404
    return goal


def _fail(request: AuthenticatedRequest, error: DomainError) -> None:
    messages.error(request, error.message)


@login_required
def mentorship_list(request: AuthenticatedRequest) -> HttpResponse:
    mentorships = selectors.mentorships_for_user(request.user.pk, open_only=False)
    return render(
        request,
        "mentorships/list.html",
        {
            "mentorships": mentorships,
            # The mentors' overview is offered to those who mentor (a mentee saw it too).
            "guides_anyone": any(selectors.guides(request.user.pk, m) for m in mentorships),
            "departures": [
                (left, selectors.left_group_title(left))
                for left in selectors.departures_of(request.user.pk)
            ],
            "credentials": selectors.credentials_of(request.user),
            "surveys": open_invitations(request.user),
        },
    )


@login_required
def mentorship_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(Mentorship.objects.select_related("program"), pk=pk)
    participant = selectors.participation(mentorship, request.user)
    if participant is None:
        if selectors.can_oversee(request.user, mentorship):  # their duty comes first
            return _coordinator_overview(request, mentorship)
        left = selectors.departure(mentorship.pk, request.user.pk)
        if left is None:
            raise Http404
        return render(
            request,
            "mentorships/left.html",
            {
                "mentorship": mentorship,
                "left": left,
                "title": selectors.left_group_title(left),
                "kept": selectors.kept_record(left),
            },
        )
    from openmentor.resources import selectors as resource_selectors

    services.ensure_agreement(mentorship)
    agreement = selectors.current_agreement(mentorship)
    goal_list = list(selectors.goals(mentorship))
    my_goal_text = " ".join(
        g.text_for_matching() for g in goal_list if g.owner_id == request.user.pk
    )
    session_list = list(selectors.sessions(mentorship))
    my_rated = {
        r.session_id for s in session_list for r in s.ratings.all() if r.rater_id == request.user.pk
    }
    return render(
        request,
        "mentorships/detail.html",
        {
            "mentorship": mentorship,
            "me": participant,
            "variant": selectors.variant(mentorship),
            "people": selectors.participants(mentorship),
            "checklist": selectors.first_week_checklist(mentorship, request.user),
            "agreement": agreement,
            "confirmed": selectors.has_confirmed(agreement, request.user),
            "everyone_confirmed": selectors.all_confirmed(mentorship, agreement),
            "goals": goal_list,
            "sessions": session_list,
            "meetings_to_log": selectors.meetings_to_log(mentorship),
            "rated": my_rated,
            "notes": selectors.notes_visible_to(mentorship, request.user),
            "note_form": NoteForm(sessions=[(s.pk, str(s)) for s in session_list]),
            "shared": resource_selectors.shared_in(mentorship, request.user),
            "done_ids": resource_selectors.done_ids(request.user),
            "suggestions": resource_selectors.suggestions(request.user, my_goal_text)
            if participant.owns_goals
            else [],
            "reflections": selectors.reflections(mentorship),
            "my_reflection": mentorship.reflections.filter(user=request.user).first(),
            "keep_in_touch": selectors.stay_in_touch_with(mentorship, request.user),
            "credentials": mentorship.credentials.filter(recipient=request.user),
            "status_form": StatusForm(),
        },
    )


def _coordinator_overview(request: AuthenticatedRequest, mentorship: Mentorship) -> HttpResponse:
    """Coordinators see how the relationship is going, never what is said in it."""
    agreement = selectors.current_agreement(mentorship)
    return render(
        request,
        "mentorships/overview.html",
        {
            "mentorship": mentorship,
            "people": selectors.participants(mentorship),
            "agreement_confirmed": selectors.all_confirmed(mentorship, agreement),
            "goal_count": mentorship.goals.count(),
            "session_count": mentorship.sessions.count(),
            "hours": selectors.hours_held(mentorship),
            "status_form": StatusForm(),
        },
    )


@login_required
@require_POST
def mentorship_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(Mentorship, pk=pk)
    if selectors.participation(mentorship, request.user) is None and not selectors.can_oversee(
        request.user, mentorship
    ):
        raise Http404
    form = StatusForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["to"] not in OPEN_STATUSES:
            question = unless_confirmed(
                request,
                _("Close this mentorship? It cannot be reopened, and everyone in it is told."),
                reverse("mentorship_detail", args=[pk]),
            )
            if question:
                return question
        try:
            services.change_status(
                request.user,
                mentorship,
                form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(request, _("The mentorship's status was updated."))
    else:
        messages.error(request, _("Choose a status."))
    return redirect("mentorship_detail", pk=pk)


@participant_view
def mentorship_close(
    request: AuthenticatedRequest, mentorship: Mentorship, participant: MentorshipParticipant
) -> HttpResponse:
    """Close (completed or ended early with a reason), then reflect."""
    if mentorship.is_closed:
        return redirect("mentorship_reflection", pk=mentorship.pk)
    form = StatusForm(
        request.POST if request.method == "POST" else None, initial={"to": "completed"}
    )
    to_field = form.fields["to"]
    assert isinstance(to_field, forms.ChoiceField)
    to_field.choices = [("completed", _("Completed")), ("ended", _("Ended early"))]
    if request.method == "POST" and submit(
        form,
        lambda data: services.change_status(
            request.user,
            mentorship,
            data["to"],
            reason=data["reason"],
        ),
    ):
        messages.success(request, _("The mentorship is closed. Now take a moment to reflect."))
        return redirect("mentorship_reflection", pk=mentorship.pk)
    return render(
        request,
        "mentorships/close.html",
        {"mentorship": mentorship, "form": form},
        status=400 if form.errors else 200,
    )


@participant_view
def mentorship_reflection(
    request: AuthenticatedRequest, mentorship: Mentorship, participant: MentorshipParticipant
) -> HttpResponse:
    existing = mentorship.reflections.filter(user=request.user).first()
    form = ReflectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and submit(
        form, lambda data: services.submit_reflection(request.user, mentorship, **data)
    ):
        messages.success(request, _("Thank you for your reflection."))
        return redirect("mentorship_detail", pk=mentorship.pk)
    return render(
        request,
        "mentorships/reflection.html",
        {"mentorship": mentorship, "form": form, "existing": existing},
        status=400 if form.errors else 200,
    )


@participant_view
def mentorship_agreement(
    request: AuthenticatedRequest, mentorship: Mentorship, participant: MentorshipParticipant
) -> HttpResponse:
    current = services.ensure_agreement(mentorship)
    form = AgreementChangeForm(
        request.POST if request.method == "POST" else None, initial={"text": current.shown_text}
    )
    if request.method == "POST":
        if "confirm" in request.POST:
            try:
                services.confirm_agreement(
                    request.user, mentorship, int(request.POST.get("version") or 0)
                )
            except DomainError as error:
                _fail(request, error)
            else:
                messages.success(request, _("You confirmed the agreement."))
            return redirect("mentorship_agreement", pk=mentorship.pk)
        if form.is_valid():
            try:
                services.change_agreement(
                    request.user,
                    mentorship,
                    form.cleaned_data["text"],
                    change_note=form.cleaned_data["change_note"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(
                    request, _("The agreement was changed. The others will be asked to confirm it.")
                )
                return redirect("mentorship_agreement", pk=mentorship.pk)
    history = list(selectors.agreement_history(mentorship))
    return render(
        request,
        "mentorships/agreement.html",
        {
            "mentorship": mentorship,
            "current": history[0],
            "history": history[1:],
            "confirmed": selectors.has_confirmed(history[0], request.user),
            "people": selectors.participants(mentorship),
            "confirmed_ids": {c.user_id for c in history[0].confirmations.all()},
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def agreement_template(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=slug)
    if not is_coordinator(request.user, program):
        raise PermissionDenied
    form = AgreementTemplateForm(
        request.POST if request.method == "POST" else None,
        initial={"text": services.default_agreement_text(program)},
    )
    if request.method == "POST" and submit(
        form, lambda data: services.save_agreement_template(request.user, program, data["text"])
    ):
        messages.success(request, _("The agreement template was saved."))
        return redirect("agreement_template", slug=program.slug)
    return render(
        request,
        "mentorships/agreement_template.html",
        {"program": program, "form": form},
        status=400 if form.errors else 200,
    )


@participant_view
def goal_new(
    request: AuthenticatedRequest, mentorship: Mentorship, participant: MentorshipParticipant
) -> HttpResponse:
    if not participant.owns_goals:
        raise PermissionDenied
    templates = templates_for(mentorship.program.focus)
    chosen = templates.get(request.GET.get("template", ""), {})
    # A template names the goal and asks its questions beside the fields: its prompts
    # ("Which skill, and to what level?") were filled in as answers and saved as the goal.
    form = GoalForm(
        request.POST if request.method == "POST" else None,
        initial={"title": str(chosen["title"])} if chosen else {},
    )
    for name, prompt in chosen.items():
        if name != "title":
            form.fields[name].help_text = str(prompt)
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.create_goal(request.user, mentorship, form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Goal saved. Add a milestone with a due date next."))
            return redirect("goal_detail", goal_id=goal.pk)
    return render(
        request,
        "mentorships/goal_form.html",
        {"mentorship": mentorship, "form": form, "templates": templates},
        status=400 if form.errors else 200,
    )


@login_required
def goal_detail(request: AuthenticatedRequest, goal_id: int) -> HttpResponse:
    try:
        goal = _goal_for(request, goal_id)
    except Http404:
        left = selectors.goal_left_behind(goal_id, request.user.pk)
        if left is None:
            raise
        # A link from before they left the group (a notification): to what they keep.
        return redirect(reverse("mentorship_detail", args=[left]) + f"#goal-{goal_id}")
    people = [(p.user_id, p.user.name) for p in selectors.participants(goal.mentorship)]
    return render(
        request,
        "mentorships/goal_detail.html",
        {
            "goal": goal,
            "mentorship": goal.mentorship,
            "is_owner": goal.owner_id == request.user.pk,
            # Prefixes keep the ids of the four forms on this page unique.
            "progress_form": GoalProgressForm(
                prefix="progress", initial={"progress": goal.progress, "status": goal.status}
            ),
            "milestone_form": MilestoneForm(prefix="milestone"),
            "action_form": ActionItemForm(
                prefix="action", people=people, initial={"assignee": request.user.pk}
            ),
            "comment_form": CommentForm(prefix="comment"),
        },
    )


def _goal_post(handler: Callable[[AuthenticatedRequest, Goal], None]) -> View:
    """POST endpoints on a goal: run the handler, report errors, return to the goal."""

    @wraps(handler)
    @login_required
    @require_POST
    def view(request: AuthenticatedRequest, goal_id: int) -> HttpResponse:
        goal = _goal_for(request, goal_id)
        try:
            handler(request, goal)
        except DomainError as error:
            _fail(request, error)
        return redirect("goal_detail", goal_id=goal.pk)

    return view


def _invalid(form: Any) -> DomainError:
    from openmentor.core.errors import ValidationFailed

    first = next(iter(form.errors.values()))[0] if form.errors else _("Check the form.")
    return ValidationFailed(str(first))


@_goal_post
def goal_update(request: AuthenticatedRequest, goal: Goal) -> None:
    form = GoalProgressForm(request.POST, prefix="progress")
    if not form.is_valid():
        raise _invalid(form)
    services.update_goal(request.user, goal, form.cleaned_data)
    messages.success(request, _("Progress saved."))


@_goal_post
def milestone_add(request: AuthenticatedRequest, goal: Goal) -> None:
    form = MilestoneForm(request.POST, prefix="milestone")
    if not form.is_valid():
        raise _invalid(form)
    services.add_milestone(request.user, goal, **form.cleaned_data)
    messages.success(request, _("Milestone added."))


@login_required
@require_POST
def milestone_done(request: AuthenticatedRequest, milestone_id: int) -> HttpResponse:
    milestone = get_object_or_404(
        Milestone.objects.select_related("goal__mentorship"), pk=milestone_id
    )
    goal = _goal_for(request, milestone.goal_id)
    try:
        services.set_milestone_done(request.user, milestone, request.POST.get("done") != "0")
    except DomainError as error:
        _fail(request, error)
    return redirect("goal_detail", goal_id=goal.pk)


@_goal_post
def action_add(request: AuthenticatedRequest, goal: Goal) -> None:
    people = [(p.user_id, p.user.name) for p in selectors.participants(goal.mentorship)]
    form = ActionItemForm(request.POST, prefix="action", people=people)
    if not form.is_valid():
        raise _invalid(form)
    services.add_action_item(
        request.user,
        goal,
        title=form.cleaned_data["title"],
        assignee_id=form.cleaned_data["assignee"],
        due_on=form.cleaned_data["due_on"],
    )
    messages.success(request, _("Action added."))


@login_required
@require_POST
def action_done(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(ActionItem.objects.select_related("goal__mentorship"), pk=item_id)
    goal = _goal_for(request, item.goal_id)
    try:
        services.set_action_done(request.user, item, request.POST.get("done") != "0")
    except DomainError as error:
        _fail(request, error)
    return redirect("goal_detail", goal_id=goal.pk)


@_goal_post
def goal_comment(request: AuthenticatedRequest, goal: Goal) -> None:
    form = CommentForm(request.POST, prefix="comment")
    if not form.is_valid():
        raise _invalid(form)
    services.comment_on_goal(request.user, goal, form.cleaned_data["body"])
    messages.success(request, _("Comment added."))


def _from_meeting(mentorship: Mentorship, query: Any) -> dict[str, Any]:
    """Pre-fill the log from a scheduled meeting (?meeting=<id>), in the reader's zone."""
    from django.utils import timezone

    meeting_id = query.get("meeting", "")
    meeting = (
        selectors.meetings_to_log(mentorship).filter(pk=meeting_id).first()
        if meeting_id.isdigit()
        else None
    )
    if meeting is None:
        return {"held_on": timezone.localdate()}
    minutes = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    return {
        "meeting_id": meeting.pk,
        "held_on": timezone.localtime(meeting.starts_at).date(),
        "duration_minutes": max(5, min(600, minutes)),
        "kind": meeting.kind if meeting.kind in SessionKind.values else SessionKind.VIDEO,
        "summary": meeting.agenda[:300],
    }


@participant_view
def session_new(
    request: AuthenticatedRequest, mentorship: Mentorship, participant: MentorshipParticipant
) -> HttpResponse:
    form = SessionForm(
        request.POST if request.method == "POST" else None,
        initial=_from_meeting(mentorship, request.GET),
    )
    if request.method == "POST" and submit(
        form, lambda data: services.log_session(request.user, mentorship, **data)
    ):
        messages.success(request, _("Session logged. How did it go? Rate it below."))
        return redirect("mentorship_detail", pk=mentorship.pk)
    return render(
        request,
        "mentorships/session_form.html",
        {"mentorship": mentorship, "form": form},
        status=400 if form.errors else 200,
    )


@participant_view
def note_add(
    request: AuthenticatedRequest, mentorship: Mentorship, participant: MentorshipParticipant
) -> HttpResponse:
    if request.method != "POST":
        return redirect("mentorship_detail", pk=mentorship.pk)
    form = NoteForm(request.POST, sessions=[(s.pk, str(s)) for s in selectors.sessions(mentorship)])
    if form.is_valid():
        try:
            services.add_note(
                request.user,
                mentorship,
                body=form.cleaned_data["body"],
                is_private=form.cleaned_data["is_private"],
                session_id=form.cleaned_data["session"],
            )
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(request, _("Note saved."))
    else:
        _fail(request, _invalid(form))
    return redirect("mentorship_detail", pk=mentorship.pk)


@login_required
@require_POST
def note_delete(request: AuthenticatedRequest, note_id: int) -> HttpResponse:
    note = Note.objects.filter(pk=note_id, author=request.user).first()
    if note is None:
        raise Http404
    services.delete_note(request.user, note)
    messages.success(request, _("Note deleted."))
    return redirect("mentorship_detail", pk=note.mentorship_id)


@participant_view
def mentorship_progress(
    request: AuthenticatedRequest, mentorship: Mentorship, participant: MentorshipParticipant
) -> HttpResponse:
    """The mentor's view of each mentee's progress (mentees see their own row too)."""
    rows = selectors.mentee_progress(mentorship)
    if participant.role == "mentee":
        rows = [row for row in rows if row.person.pk == request.user.pk]
    return render(request, "mentorships/progress.html", {"mentorship": mentorship, "rows": rows})


@login_required
def my_mentees_progress(request: AuthenticatedRequest) -> HttpResponse:
    """A mentor's overview: every mentee of every open mentorship they mentor."""
    groups = [
        (mentorship, selectors.mentee_progress(mentorship))
        for mentorship in selectors.mentorships_for_user(request.user.pk)
        if selectors.guides(request.user.pk, mentorship)
    ]
    return render(request, "mentorships/my_mentees.html", {"groups": groups})


@login_required
def credential_download(request: AuthenticatedRequest, credential_id: str) -> HttpResponse:
    credential = selectors.credentials_of(request.user).filter(pk=credential_id).first()
    if credential is None:
        raise Http404
    response = JsonResponse(
        credential.document, json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.pk}.json"'
    return response


@login_required
def credential_certificate(request: AuthenticatedRequest, credential_id: str) -> HttpResponse:
    """The credential as a certificate to read, show and print (or save as PDF): a signed
    JSON file was all a mentee got, and few can open one."""
    credential = selectors.credentials_of(request.user).filter(pk=credential_id).first()
    if credential is None:
        raise Http404
    subject = credential.document.get("credentialSubject", {})
    return render(
        request,
        "mentorships/certificate.html",
        {
            "credential": credential,
            "narrative": subject.get("narrative", ""),
            "started": _iso_day(subject.get("activityStartDate")),
            "ended": _iso_day(subject.get("activityEndDate")),
            "verify_url": request.build_absolute_uri(reverse("credential_verify")),
        },
    )


def _iso_day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def credential_verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone can check a credential they were given."""
    posted = request.method == "POST"
    form = VerifyForm(request.POST if posted else None, request.FILES if posted else None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = verify(form.raw())
    return render(
        request,
        "mentorships/verify.html",
        {"form": form, "result": result},
        status=400 if form.errors else 200,
    )
