from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openmentor.core.forms import submit
from openmentor.core.languages import remember_language
from openmentor.core.types import AuthenticatedRequest

from . import selectors, services
from .forms import EMAIL_CHOICES, NotificationSettingsForm


@login_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "notifications/list.html",
        {"notifications": selectors.notifications_for(request.user)[:100]},
    )


@login_required
@require_POST
def mark_all_read(request: AuthenticatedRequest) -> HttpResponse:
    services.mark_read(request.user)
    return redirect("notifications")


@login_required
def notification_settings(request: AuthenticatedRequest) -> HttpResponse:
    chosen = selectors.channels_for(request.user)
    initial = {"language": request.user.language} | {
        name: chosen.get(kinds[0], "email") for name, _label, kinds in EMAIL_CHOICES
    }
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and submit(
        form,
        lambda data: services.update_settings(
            request.user, language=data["language"], channels=form.channels()
        ),
    ):
        response = redirect("notification_settings")
        # The pages follow at once, as when the language is picked at the foot of a page.
        remember_language(response, request, form.cleaned_data["language"])
        with translation.override(form.cleaned_data["language"]):  # the language just chosen
            flash.success(request, _("Your settings are saved."))
        return response
    return render(
        request,
        "notifications/settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
