from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from openmentor.accounts import services as account_services
from openmentor.core.errors import ValidationFailed
from openmentor.core.types import AuthenticatedRequest
from openmentor.matching.selectors import waiting_for_answer
from openmentor.mentorships.selectors import mentorships_for_user
from openmentor.programs import selectors as program_selectors


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "core/home.html", {"programs": program_selectors.directory()[:6]})


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    memberships = list(program_selectors.memberships_for_dashboard(request.user))
    by_role: dict[str, list[object]] = {}
    for membership in memberships:
        by_role.setdefault(membership.role, []).append(membership)
    profile = request.user.profile
    return render(
        request,
        "core/dashboard.html",
        {
            "coordinated": program_selectors.coordinated_programs(request.user),
            "participating": [m for m in memberships if m.role != "coordinator"],
            "still_to_answer": [m for m in memberships if program_selectors.still_to_answer(m)],
            # A mentor learned of a waiting request only from a notification.
            "requests_waiting": waiting_for_answer(request.user),
            "mentorships": mentorships_for_user(request.user.pk),
            "profile": profile,
            "profile_complete": profile.is_complete,
            "can_create": program_selectors.can_create_programs(request.user),
        },
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language menu at the foot of every page: for a signed-in person it is also
    their setting, so e-mails and their other devices follow."""
    if request.user.is_authenticated:
        with contextlib.suppress(ValidationFailed):  # Django's view answers a bad code itself
            account_services.set_language(request.user, request.POST.get("language", ""))
    return django_set_language(request)
