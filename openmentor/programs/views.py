from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from openmentor.core.confirm import unless_confirmed
from openmentor.core.errors import DomainError, NotAllowed, NotFound
from openmentor.core.forms import apply_domain_error, submit
from openmentor.core.languages import remember_language
from openmentor.core.types import AuthenticatedRequest

from . import csv_import, selectors, services
from .forms import (
    AcceptInvitationForm,
    DecisionForm,
    ImportForm,
    InvitationForm,
    ProgramForm,
    QuestionEditForm,
    QuestionForm,
    answers_from,
    application_form_class,
)
from .models import Invitation, Program, Role

View = Callable[..., HttpResponseBase]
MEMBERS_PER_PAGE = 50
APPLICATIONS_PER_PAGE = 20


def _visible_program(request: HttpRequest, slug: str) -> Program:
    program = get_object_or_404(Program, slug=slug)
    if not selectors.can_view_program(request.user, program):
        raise Http404
    return program


def coordinator_view(view: View) -> View:
    """Load the program from the slug and let only its coordinators through."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        program = _visible_program(request, slug)
        if not selectors.is_coordinator(request.user, program):
            raise PermissionDenied
        return view(request, program, *args, **kwargs)

    return wrapper


def program_directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "programs/directory.html",
        {
            "programs": selectors.directory(query),
            "query": query,
            "can_create": selectors.can_create_programs(request.user),
        },
    )


def program_detail(request: HttpRequest, slug: str) -> HttpResponse:
    program = _visible_program(request, slug)
    my_memberships = selectors.memberships_of(request.user, program)
    my_roles = {m.role: m for m in my_memberships}
    return render(
        request,
        "programs/detail.html",
        {
            "program": program,
            "my_memberships": my_memberships,
            "still_to_answer": [m for m in my_memberships if selectors.still_to_answer(m)],
            "roles_to_apply": [
                (role, Role(role).label)
                for role in selectors.applicable_roles(program)
                if role not in my_roles or my_roles[role].status in ("declined", "left")
            ],
            "is_coordinator": selectors.is_coordinator(request.user, program),
        },
    )


@login_required
def program_create(request: AuthenticatedRequest) -> HttpResponse:
    if not selectors.can_create_programs(request.user):
        raise PermissionDenied
    form = ProgramForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            program = services.create_program(request.user, form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Program created. Add application questions next."))
            return redirect("program_questions", slug=program.slug)
    return render(
        request, "programs/program_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def apply(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    program = _visible_program(request, slug)
    role = request.POST.get("role") or request.GET.get("role") or ""
    if role not in selectors.applicable_roles(program):
        role = selectors.applicable_roles(program)[0]
    form_class = application_form_class(
        selectors.questions_for(program, role), has_guidelines=bool(program.guidelines.strip())
    )
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.apply_to_program(
                request.user,
                program,
                role=role,
                answers=answers_from(form),
                motivation=form.cleaned_data.get("motivation", ""),
                accept_guidelines=bool(form.cleaned_data.get("accept_guidelines")),
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            if membership.status == "active":
                messages.success(request, _("Welcome! You are now part of %(p)s.") % {"p": program})
            else:
                messages.success(
                    request, _("Application sent. The coordinators will get back to you.")
                )
            return redirect("program_detail", slug=program.slug)
    return render(
        request,
        "programs/apply.html",
        {"program": program, "form": form, "role": role, "role_label": Role(role).label},
        status=400 if form.errors else 200,
    )


@login_required
def complete_membership(request: AuthenticatedRequest, slug: str, role: str) -> HttpResponse:
    """The program's questions and guidelines for someone who joined without applying."""
    program = _visible_program(request, slug)
    membership = next(
        (m for m in selectors.memberships_of(request.user, program) if m.role == role), None
    )
    if membership is None or not selectors.still_to_answer(membership):
        return redirect("program_detail", slug=program.slug)
    form_class = application_form_class(
        selectors.questions_for(program, role),
        has_guidelines=bool(program.guidelines.strip())
        and membership.guidelines_accepted_at is None,
        with_motivation=False,
    )
    initial = {f"q_{key}": value for key, value in (membership.answers or {}).items()}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and submit(
        form,
        lambda data: services.complete_membership(
            request.user,
            program,
            role,
            answers=answers_from(form),
            accept_guidelines=bool(data.get("accept_guidelines")),
        ),
    ):
        messages.success(request, _("Thank you: the coordinators can see your answers now."))
        return redirect("program_detail", slug=program.slug)
    return render(
        request,
        "programs/complete.html",
        {"program": program, "form": form, "role_label": Role(role).label},
        status=400 if form.errors else 200,
    )


# Asked first (site.js in a dialog, a page of its own without JavaScript): leaving ends
# mentorships for good.
LEAVE_QUESTION = gettext_lazy(
    "Leave this program? Your mentorships in it end; a group mentorship goes on without you."
)
REMOVE_QUESTION = gettext_lazy(
    "Remove this member? Their mentorships in this program end; a group mentorship goes on "
    "without them."
)


@login_required
@require_POST
def leave(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    program = _visible_program(request, slug)
    question = unless_confirmed(
        request, str(LEAVE_QUESTION), reverse("program_detail", args=[slug])
    )
    if question:
        return question
    try:
        services.leave_program(request.user, program, request.POST.get("role", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have left %(p)s.") % {"p": program})
    return redirect("program_detail", slug=program.slug)


@coordinator_view
def console(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    return render(
        request,
        "programs/console/overview.html",
        {
            "program": program,
            "counts": selectors.role_counts(program),
            "pending": selectors.pending_applications(program)[:5],
            "section": "overview",
        },
    )


@coordinator_view
def console_settings(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    form = ProgramForm(request.POST if request.method == "POST" else None, instance=program)
    if request.method == "POST" and submit(
        form, lambda data: services.update_program(request.user, program, data)
    ):
        messages.success(request, _("Settings saved."))
        return redirect("program_console_settings", slug=program.slug)
    return render(
        request,
        "programs/console/settings.html",
        {
            "program": program,
            "form": form,
            "section": "settings",
            "close_question": CLOSE_QUESTION,
            "reopen_question": REOPEN_QUESTION,
        },
        status=400 if form.errors else 200,
    )


# Asked first, saying what will happen (site.js in a dialog, a page of its own without
# JavaScript).
CLOSE_QUESTION = gettext_lazy(
    "Close this program? Every open mentorship in it is completed and its people are told; "
    "enrolment closes, the program leaves the directory, and no new matches, mentor "
    "requests or surveys start. Members keep reading what is theirs. You can reopen it."
)
REOPEN_QUESTION = gettext_lazy(
    "Reopen this program? Enrolment stays closed and the program stays out of the "
    "directory until you turn them back on in the settings; completed mentorships stay "
    "completed."
)


def _closing_step(
    request: AuthenticatedRequest,
    program: Program,
    question: Any,
    step: Callable[[], Any],
    said: Callable[[Any], str],
    unchanged: str,
) -> HttpResponse:
    """Close or reopen: asked first, carried out once, and said (or that nothing changed)."""
    back = reverse("program_console_settings", args=[program.slug])
    asked = unless_confirmed(request, str(question), back)
    if asked:
        return asked
    done = step()
    if done.changed:
        messages.success(request, said(done))
    else:
        messages.info(request, unchanged)
    return redirect(back)


@coordinator_view
@require_POST
def console_close(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    return _closing_step(
        request,
        program,
        CLOSE_QUESTION,
        lambda: services.close_program(request.user, program),
        lambda done: (
            ngettext(
                "%(program)s is closed: %(n)s mentorship was completed and its people were told.",
                "%(program)s is closed: %(n)s mentorships were completed and their people "
                "were told.",
                done.completed,
            )
            % {"program": program.name, "n": done.completed}
        ),
        _("This program was already closed; nothing changed."),
    )


@coordinator_view
@require_POST
def console_reopen(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    return _closing_step(
        request,
        program,
        REOPEN_QUESTION,
        lambda: services.reopen_program(request.user, program),
        lambda _done: (
            _(
                "%(program)s is open again. Enrolment stays closed and it stays out of the "
                "directory until you turn them back on below."
            )
            % {"program": program.name}
        ),
        _("This program is not closed; nothing changed."),
    )


@coordinator_view
def console_questions(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    form = QuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and submit(
        form, lambda data: services.add_question(request.user, program, form.to_data())
    ):
        messages.success(request, _("Question added."))
        return redirect("program_questions", slug=program.slug)
    return render(
        request,
        "programs/console/questions.html",
        {
            "program": program,
            "form": form,
            "questions": program.questions.all(),
            "section": "questions",
        },
        status=400 if form.errors else 200,
    )


@coordinator_view
def console_question_edit(
    request: AuthenticatedRequest, program: Program, question_id: int
) -> HttpResponse:
    question = get_object_or_404(program.questions, pk=question_id)
    form = QuestionEditForm(
        request.POST if request.method == "POST" else None,
        initial={
            "prompt": question.prompt,
            "help_text": question.help_text,
            "choices": "\n".join(question.choices),
            "required": question.required,
            "audience": question.audience,
        },
    )
    if request.method == "POST" and submit(
        form,
        lambda data: services.update_question(request.user, program, question.pk, form.to_data()),
    ):
        messages.success(request, _("Question saved."))
        return redirect("program_questions", slug=program.slug)
    return render(
        request,
        "programs/console/question_edit.html",
        {"program": program, "question": question, "form": form, "section": "questions"},
        status=400 if form.errors else 200,
    )


@coordinator_view
@require_POST
def console_question_move(
    request: AuthenticatedRequest, program: Program, question_id: int
) -> HttpResponse:
    try:
        services.move_question(
            request.user, program, question_id, request.POST.get("direction", "")
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("program_questions", slug=program.slug)


@coordinator_view
@require_POST
def console_question_delete(
    request: AuthenticatedRequest, program: Program, question_id: int
) -> HttpResponse:
    try:
        services.delete_question(request.user, program, question_id)
    except DomainError as error:
        raise Http404 from error
    messages.success(request, _("Question removed."))
    return redirect("program_questions", slug=program.slug)


@coordinator_view
def console_applications(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    page = Paginator(selectors.pending_applications(program), APPLICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    pending = list(page.object_list)
    questions = {str(q.pk): q for q in program.questions.all()}
    for membership in pending:
        membership.answer_rows = [  # type: ignore[attr-defined]
            (questions[key].prompt if key in questions else _("(removed question)"), value)
            for key, value in membership.answers.items()
        ]
    return render(
        request,
        "programs/console/applications.html",
        {"program": program, "applications": pending, "page": page, "section": "applications"},
    )


@coordinator_view
@require_POST
def console_decide(
    request: AuthenticatedRequest, program: Program, membership_id: int
) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or decline."))
        return redirect("program_applications", slug=program.slug)
    if not selectors.pending_applications(program).filter(pk=membership_id).exists():
        raise Http404
    if form.cleaned_data["decision"] == "decline":
        question = unless_confirmed(
            request,
            _("Decline this application? The person is told by e-mail, and it cannot be undone."),
            reverse("program_applications", args=[program.slug]),
        )
        if question:
            return question
    try:
        membership = services.decide_application(
            request.user,
            membership_id,
            approve=form.cleaned_data["decision"] == "approve",
            message=form.cleaned_data["message"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (_("%(name)s approved.") if membership.status == "active" else _("%(name)s declined."))
            % {"name": membership.user},
        )
    return redirect("program_applications", slug=program.slug)


@coordinator_view
def console_members(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    role = request.GET.get("role", "")
    query = request.GET.get("q", "").strip()[:100]
    members = selectors.members(program, role if role in Role.values else None, query)
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/console/members.html",
        {
            "program": program,
            "members": page.object_list,
            "page": page,
            "roles": Role.choices,
            "role": role,
            "query": query,
            "filters": "&" + urlencode({"role": role, "q": query}),  # kept across pages
            "section": "members",
        },
    )


@coordinator_view
@require_POST
def console_member_remove(
    request: AuthenticatedRequest, program: Program, membership_id: int
) -> HttpResponse:
    question = unless_confirmed(
        request, str(REMOVE_QUESTION), reverse("program_members", args=[program.slug])
    )
    if question:
        return question
    try:
        membership = services.remove_member(request.user, program, membership_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(name)s was removed from the program.") % {"name": membership.user}
        )
    return redirect("program_members", slug=program.slug)


@coordinator_view
def console_invite(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    form = InvitationForm(
        request.POST if request.method == "POST" else None,
        initial={"language": request.user.language or settings.LANGUAGE_CODE},
    )
    role_field = form.fields["role"]
    assert isinstance(role_field, forms.ChoiceField)
    role_field.choices = [
        (r, Role(r).label) for r in [*selectors.applicable_roles(program), Role.COORDINATOR]
    ]
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.invite(
                request.user,
                program,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                language=form.cleaned_data["language"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            if sent.replaced:
                message = _(
                    "%(email)s already had an invitation for that role: a fresh link was "
                    "sent, and the earlier link no longer works."
                )
            else:
                message = _("Invitation sent to %(email)s.")
            messages.success(request, message % {"email": sent.invitation.email})
            return redirect("program_invite", slug=program.slug)
    return render(
        request,
        "programs/console/invite.html",
        {
            "program": program,
            "form": form,
            "invitations": selectors.invitations(program)[:50],
            "section": "invite",
        },
        status=400 if form.errors else 200,
    )


REVOKE_QUESTION = gettext_lazy(
    "Revoke this invitation? Its link will no longer work; you can invite the person again."
)


def _on_invitation(
    request: AuthenticatedRequest, program: Program, act: Callable[[], Any], said: str
) -> HttpResponse:
    """Carry out one action on an invitation and say how it went, back on the invite page."""
    try:
        invitation = act()
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, said % {"email": invitation.email})
    return redirect("program_invite", slug=program.slug)


@coordinator_view
@require_POST
def console_invitation_resend(
    request: AuthenticatedRequest, program: Program, invitation_id: int
) -> HttpResponse:
    return _on_invitation(
        request,
        program,
        lambda: services.resend_invitation(request.user, program, invitation_id),
        _("A new link was sent to %(email)s; the earlier link no longer works."),
    )


@coordinator_view
@require_POST
def console_invitation_revoke(
    request: AuthenticatedRequest, program: Program, invitation_id: int
) -> HttpResponse:
    question = unless_confirmed(
        request, str(REVOKE_QUESTION), reverse("program_invite", args=[program.slug])
    )
    if question:
        return question
    return _on_invitation(
        request,
        program,
        lambda: services.revoke_invitation(request.user, program, invitation_id),
        _("The invitation to %(email)s was revoked; its link no longer works."),
    )


@coordinator_view
def console_import(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    form = ImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = csv_import.import_participants(
                request.user,
                program,
                form.cleaned_data["file"].read(csv_import.MAX_BYTES + 1),
                good_rows_only=form.cleaned_data["good_rows_only"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
    return render(
        request,
        "programs/console/import.html",
        {"program": program, "form": form, "report": report, "section": "import"},
        status=400 if form.errors or (report and not report.imported) else 200,
    )


def _invitation_for_a_visitor(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """A visitor who has not chosen a language reads the invitation's page, and signs up,
    in the language the coordinator wrote it in (their browser's said English to a
    Spanish speaker on a borrowed computer); a link that no longer admits anyone says so,
    in the same language, and chooses nothing for them."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = None if chosen else invitation.language or None
    with translation.override(language or translation.get_language()):
        closed = selectors.refusal_of_link(invitation)
        if closed is None:
            # The link reached its address: signing up with it needs no second check.
            get_account_adapter(request).stash_verified_email(request, invitation.email)
        response = render(
            request,
            "programs/invitation_signin.html",
            {"invitation": invitation, "refusal": closed.message if closed else ""},
        )
    if language and closed is None:
        remember_language(response, request, language)
    return response


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    # Unknown, or replaced by a resend: its NotFound is said by DomainErrorPageMiddleware.
    invitation = services.invitation_for_token(token)
    if not request.user.is_authenticated:
        return _invitation_for_a_visitor(request, invitation)
    person = request.user  # signed in from here on
    refusal = selectors.refusal_to_accept(person, invitation)
    if refusal is not None:  # said at once, not after the guidelines were read and accepted
        return render(
            request,
            "programs/invitation_accept.html",
            {
                "invitation": invitation,
                "refusal": refusal.message,
                "not_theirs": isinstance(refusal, NotAllowed),  # sent to another address
            },
            status=refusal.status if request.method == "POST" else 200,
        )
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and submit(
        form,
        lambda data: services.accept_invitation(
            person, token, accept_guidelines=data["accept_guidelines"]
        ),
    ):
        messages.success(request, _("Welcome to %(p)s!") % {"p": invitation.program})
        return redirect("program_detail", slug=invitation.program.slug)
    return render(
        request,
        "programs/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )
