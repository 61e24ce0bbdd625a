"""Pages of matching: the coordinator's rounds and review table, and the self-service page
where mentees find a mentor and mentors answer requests. Every page works without JS."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openmentor.core.errors import DomainError, NotAllowed, NotFound
from openmentor.core.forms import apply_domain_error
from openmentor.core.types import AuthenticatedRequest
from openmentor.programs.models import Delivery, Membership, MembershipStatus, Program
from openmentor.programs.selectors import can_view_program
from openmentor.programs.views import coordinator_view

from . import adapter, selectors, services
from .forms import (
    MAX_ID,
    AnswerForm,
    ManualPairForm,
    PreferencesForm,
    RequestForm,
    ReviewFilterForm,
    SettingsForm,
)
from .models import MatchingRound, Proposal, ProposalStatus


def _round(request: AuthenticatedRequest, program: Program, round_id: int) -> MatchingRound:
    try:
        return selectors.coordinated_round(request.user, round_id, program)
    except NotAllowed as error:
        raise PermissionDenied from error
    except NotFound as error:
        raise Http404 from error


@coordinator_view
def console(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    current = adapter.settings_for(program)
    form = SettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_settings(request.user, program, data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Matching settings saved."))
            return redirect("matching_console", slug=program.slug)
    return render(
        request,
        "matching/console.html",
        {
            "program": program,
            "form": form,
            "rounds": selectors.rounds_of(program)[:20],
            "requests": selectors.requests_in(program)[:20],
            "request_counts": selectors.request_counts(program),
            "section": "matching",
        },
        status=400 if form.errors else 200,
    )


@coordinator_view
@require_POST
def round_start(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    try:
        new = services.start_round(request.user, program)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("matching_console", slug=program.slug)
    messages.success(request, _("Matching round started."))
    return redirect("matching_round", slug=program.slug, round_id=new.pk)


def _review_context(
    request: AuthenticatedRequest, program: Program, found: MatchingRound
) -> dict[str, Any]:
    filters = ReviewFilterForm(request.GET or None)
    status, query, min_score = "", "", None
    if filters.is_valid():
        status = filters.cleaned_data["status"] or ""
        query = filters.cleaned_data["q"] or ""
        min_score = filters.cleaned_data["min_score"]
    proposals = list(selectors.proposals_of(found, status=status, query=query, min_score=min_score))
    for p in proposals:
        p.reasons = adapter.describe(p.explanation)  # type: ignore[attr-defined]
    editable = [
        p
        for p in selectors.proposals_of(found)
        if p.status in (ProposalStatus.PROPOSED, ProposalStatus.LOCKED)
    ]
    pair_choices = [(p.pk, f"{p.mentee} ↔ {p.mentor}") for p in editable]
    unmatched = list(found.unmatched.select_related("user"))
    musts = selectors.preferences_in(program, [row.user_id for row in unmatched])
    for row in unmatched:
        row.texts = [adapter.describe_reason(code) for code in row.reasons]  # type: ignore[attr-defined]
        pref = musts.get(row.user_id)
        row.musts = (  # type: ignore[attr-defined]
            adapter.describe_musts(
                pref.must_speak,
                pref.must_country,
                pref.must_meet_in_person and program.delivery == Delivery.HYBRID,
            )
            if pref is not None
            else []
        )
    givers = _people(program, selectors.giver_roles(program))
    seekers = _people(program, selectors.seeker_roles(program))
    return {
        "program": program,
        "round": found,
        "counts": selectors.round_counts(found),
        "proposals": proposals,
        "filters": filters,
        "pair_choices": pair_choices,
        "unmatched": unmatched,
        "pair_form": ManualPairForm(mentees=seekers, mentors=givers, peers=program.is_peer),
        "section": "matching",
    }


def _people(program: Program, roles: list[str]) -> list[tuple[int, str]]:
    rows = (
        Membership.objects.filter(program=program, status=MembershipStatus.ACTIVE, role__in=roles)
        .select_related("user")
        .order_by("user__display_name")
    )
    return [(m.user_id, str(m.user)) for m in rows]


@coordinator_view
def round_detail(request: AuthenticatedRequest, program: Program, round_id: int) -> HttpResponse:
    found = _round(request, program, round_id)
    return render(request, "matching/round.html", _review_context(request, program, found))


@coordinator_view
def round_progress(request: AuthenticatedRequest, program: Program, round_id: int) -> HttpResponse:
    found = _round(request, program, round_id)
    response = render(request, "matching/_progress.html", {"program": program, "round": found})
    if getattr(request, "htmx", False) and not found.is_active:
        # Finished: reload the whole page so the review table appears.
        response["HX-Refresh"] = "true"
    return response


@coordinator_view
def round_fairness(request: AuthenticatedRequest, program: Program, round_id: int) -> HttpResponse:
    found = _round(request, program, round_id)
    return render(
        request,
        "matching/fairness.html",
        {
            "program": program,
            "round": found,
            "fairness": selectors.fairness(found),
            "section": "matching",
        },
    )


def _back(program: Program, found: MatchingRound) -> HttpResponse:
    return redirect("matching_round", slug=program.slug, round_id=found.pk)


@coordinator_view
@require_POST
def round_rerun(request: AuthenticatedRequest, program: Program, round_id: int) -> HttpResponse:
    found = _round(request, program, round_id)
    try:
        services.rerun_round(request.user, found)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Matching again for everyone not in a locked pair."))
    return _back(program, found)


@coordinator_view
@require_POST
def round_publish(request: AuthenticatedRequest, program: Program, round_id: int) -> HttpResponse:
    found = _round(request, program, round_id)
    try:
        counts = services.publish_round(request.user, found)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(n)s pairs published.") % {"n": counts["published"]})
        if counts["skipped"]:
            messages.warning(
                request,
                _("%(n)s pairs were not published because the mentor is now full.")
                % {"n": counts["skipped"]},
            )
    return _back(program, found)


@coordinator_view
@require_POST
def round_swap(request: AuthenticatedRequest, program: Program, round_id: int) -> HttpResponse:
    found = _round(request, program, round_id)
    try:
        first, second = int(request.POST["first"]), int(request.POST["second"])
        if not (0 < first <= MAX_ID and 0 < second <= MAX_ID):
            raise ValueError
        services.swap_mentors(request.user, found, first, second)
    except (KeyError, ValueError):
        messages.error(request, _("Choose two pairs to swap."))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Mentors swapped."))
    return _back(program, found)


@coordinator_view
@require_POST
def round_pair(request: AuthenticatedRequest, program: Program, round_id: int) -> HttpResponse:
    found = _round(request, program, round_id)
    form = ManualPairForm(
        request.POST,
        mentees=_people(program, selectors.seeker_roles(program)),
        mentors=_people(program, selectors.giver_roles(program)),
    )
    if not form.is_valid():
        messages.error(request, _("Choose a mentee and a mentor from the lists."))
        return _back(program, found)
    try:
        services.manual_pair(
            request.user, found, form.cleaned_data["mentee"], form.cleaned_data["mentor"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Pair added and locked."))
    return _back(program, found)


PROPOSAL_ACTIONS = {"lock", "unlock", "reject"}


@coordinator_view
@require_POST
def proposal_action(
    request: AuthenticatedRequest, program: Program, round_id: int, proposal_id: int, action: str
) -> HttpResponse:
    found = _round(request, program, round_id)
    proposal = get_object_or_404(Proposal, pk=proposal_id, round=found)
    if action not in PROPOSAL_ACTIONS:
        raise Http404
    try:
        if action == "reject":
            services.reject_proposal(request.user, proposal)
        else:
            services.lock_proposal(request.user, proposal, locked=action == "lock")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Pair updated."))
    return _back(program, found)


# -- participants ------------------------------------------------------------------------------


def _member_program(request: AuthenticatedRequest, slug: str) -> Program:
    program = get_object_or_404(Program, slug=slug)
    if not can_view_program(request.user, program):
        raise Http404
    if not Membership.objects.filter(
        program=program, user=request.user, status=MembershipStatus.ACTIVE
    ).exists():
        raise PermissionDenied
    return program


@login_required
def my_matching(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Find a mentor (ranked, explained), my requests, requests to me, proposals to answer."""
    program = _member_program(request, slug)
    is_seeker = selectors.active_membership(request.user, program, selectors.seeker_roles(program))
    is_giver = selectors.active_membership(request.user, program, selectors.giver_roles(program))
    recommendations: list[dict[str, Any]] = []
    self_service = selectors.self_service_open(program)
    # One mentor each, and they have theirs: no list of others to ask (asking is refused).
    matched = bool(
        is_seeker
        and selectors.one_mentor_each(program)
        and selectors.has_open_mentor(program, request.user)
    )
    if is_seeker and self_service and not matched:
        snap = adapter.snapshot(adapter.settings_for(program))
        recommendations = adapter.recommend_for(program, request.user, snap, k=10)
        for rec in recommendations:
            rec["form"] = RequestForm(initial={"mentor": rec["mentor"].pk})
    return render(
        request,
        "matching/my.html",
        {
            "program": program,
            "is_seeker": bool(is_seeker),
            "is_giver": bool(is_giver),
            "self_service": self_service,
            "matched": matched,
            "recommendations": recommendations,
            "sent": selectors.requests_sent(request.user, program)[:50],
            "received": selectors.requests_received(request.user, program)[:50],
            "awaiting": [
                p
                for p in selectors.proposals_awaiting(request.user)
                if p.round.program_id == program.pk
            ],
            "answer_form": AnswerForm(),
        },
    )


@login_required
@require_POST
def request_create(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    program = _member_program(request, slug)
    form = RequestForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The request could not be sent: %(e)s") % {"e": _form_errors(form)}
        )
        return redirect("matching_my", slug=program.slug)
    try:
        _made, created = services.create_request(
            request.user,
            program,
            mentor_id=form.cleaned_data["mentor"],
            message=form.cleaned_data["message"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Request sent.") if created else _("This request was already sent.")
        )
    return redirect("matching_my", slug=program.slug)


def _form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


REQUEST_ACTIONS = {
    "accept": services.accept_request,
    "decline": services.decline_request,
}


@login_required
@require_POST
def request_action(request: AuthenticatedRequest, request_id: int, action: str) -> HttpResponse:
    try:
        found = selectors.visible_request(request.user, request_id)
    except NotFound as error:
        raise Http404 from error
    form = AnswerForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    answered = None
    try:
        if action == "withdraw":
            services.withdraw_request(request.user, request_id)
        elif action in REQUEST_ACTIONS:
            answered = REQUEST_ACTIONS[action](request.user, request_id, message)
        else:
            raise Http404
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            {
                "accept": _("Request accepted: your mentorship has started."),
                "decline": _("Request declined."),
                "withdraw": _("Request withdrawn."),
            }[action],
        )
        mentorship_id = getattr(answered, "mentorship_id", None)
        if action == "accept" and mentorship_id:  # on to the mentorship just started
            return redirect("mentorship_detail", pk=mentorship_id)
    return redirect("matching_my", slug=found.program.slug)


@login_required
@require_POST
def proposal_respond(request: AuthenticatedRequest, proposal_id: int) -> HttpResponse:
    accept = request.POST.get("answer") == "accept"
    if request.POST.get("answer") not in ("accept", "decline"):
        messages.error(request, _("Choose accept or decline."))
        return redirect("dashboard")
    try:
        proposal = services.respond_to_proposal(request.user, proposal_id, accept=accept)
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("dashboard")
    messages.success(request, _("Thank you, your answer is saved."))
    return redirect("matching_my", slug=proposal.round.program.slug)


# The service names its fields after the model; the form asks for ranks one by one.
PREFERENCE_FIELDS = {"ranked_mentors": "rank_1"}


@login_required
def my_preferences(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A mentee (or a peer) sets their must-haves and ranks up to three mentors."""
    from openmentor.accounts.models import ProfileLanguage

    program = _member_program(request, slug)
    membership = selectors.seeker_membership(request.user, program)
    if membership is None:
        raise PermissionDenied
    current = selectors.preference_of(membership)
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {
            "must_speak": current.must_speak,
            "must_country": current.must_country,
            "must_meet_in_person": current.must_meet_in_person,
            **{f"rank_{n}": pk for n, pk in enumerate(current.ranked_mentors, start=1)},
        }
    own_languages = list(
        ProfileLanguage.objects.filter(profile_id=request.user.pk)
        .order_by("-proficiency", "code")
        .values_list("code", flat=True)
    )
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        own_languages=own_languages,
        people=selectors.rankable_people(program, request.user),
        hybrid=program.delivery == Delivery.HYBRID,
        is_peer=program.is_peer,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_matching_preferences(request.user, membership, **form.preferences())
        except DomainError as error:
            apply_domain_error(form, error, PREFERENCE_FIELDS)
        else:
            messages.success(request, _("Your matching preferences are saved."))
            return redirect("matching_preferences", slug=program.slug)
    return render(
        request,
        "matching/preferences.html",
        {"program": program, "form": form, "preference": current},
        status=400 if form.errors else 200,
    )
