from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openmentor.core.errors import DomainError
from openmentor.core.forms import apply_domain_error
from openmentor.core.languages import language_name
from openmentor.core.types import AuthenticatedRequest

from . import selectors, services
from .forms import LanguageFormSet, PhotoForm, ProfileForm, TagSynonymForm, TokenForm
from .models import User


@login_required
def profile_detail(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=user_id, is_active=True)
    if not selectors.can_view_profile(request.user, subject):
        raise Http404
    profile = selectors.profile_for(subject)
    return render(
        request,
        "accounts/profile_detail.html",
        {
            "subject": subject,
            "profile": profile,
            "languages": [
                (language_name(lang.code), lang.get_proficiency_display())
                for lang in profile.languages.all()
            ],
            "show_private": selectors.can_view_private_needs(request.user, subject),
            "is_self": subject.pk == request.user.pk,
        },
    )


@login_required
def profile_edit(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    profile = services.get_or_create_profile(user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        formset = LanguageFormSet(request.POST, prefix="lang")
        if form.is_valid() and formset.is_valid():
            try:
                services.update_profile(user, form.to_input(formset.languages()))  # type: ignore[attr-defined]
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("profile_detail", user_id=user.pk)
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(profile))
        formset = LanguageFormSet(
            prefix="lang",
            initial=[
                {"code": lang.code, "proficiency": lang.proficiency}
                for lang in profile.languages.all()
            ],
        )
    return render(
        request,
        "accounts/profile_edit.html",
        {
            "form": form,
            "formset": formset,
            "photo_form": PhotoForm(),
            "profile": profile,
            "missing": [
                _("Languages") if name == "languages" else form.fields[name].label
                for name in selectors.missing_for_matching(profile)
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def photo_upload(request: AuthenticatedRequest) -> HttpResponse:
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.set_profile_photo(request.user, form.cleaned_data["photo"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your photo is updated."))
    else:
        messages.error(request, _("Choose an image file to upload."))
    return redirect("profile_edit")


@login_required
@require_POST
def photo_remove(request: AuthenticatedRequest) -> HttpResponse:
    services.remove_profile_photo(request.user)
    messages.success(request, _("Your photo is removed."))
    return redirect("profile_edit")


@login_required
def photo(request: AuthenticatedRequest, user_id: int) -> FileResponse:
    subject = get_object_or_404(User, pk=user_id, is_active=True)
    if not selectors.can_view_profile(request.user, subject):
        raise Http404
    profile = services.get_or_create_profile(subject)
    if not profile.photo:
        raise Http404
    response = FileResponse(profile.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    new_token = None
    form = TokenForm()
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                _token, new_token = services.create_access_token(
                    request.user, form.cleaned_data["name"]
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": selectors.active_tokens(request.user), "new_token": new_token},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    try:
        services.revoke_access_token(request.user, token_id)
    except DomainError as error:
        raise Http404 from error
    messages.success(request, _("The token is revoked; scripts using it will stop working."))
    return redirect("tokens")


@login_required
def tag_synonyms(request: AuthenticatedRequest) -> HttpResponse:
    from openmentor.programs.selectors import is_any_coordinator

    if not (request.user.is_staff or is_any_coordinator(request.user)):
        raise PermissionDenied
    form = TagSynonymForm()
    if request.method == "POST":
        form = TagSynonymForm(request.POST)
        if form.is_valid():
            try:
                services.define_tag_synonym(
                    form.cleaned_data["alias"],
                    form.cleaned_data["canonical"],
                    created_by=request.user,
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Synonym saved; profiles using it were updated."))
                return redirect("tag_synonyms")
    from .models import TagSynonym

    return render(
        request,
        "accounts/tag_synonyms.html",
        {"form": form, "synonyms": TagSynonym.objects.select_related("tag").order_by("alias")},
        status=400 if form.errors else 200,
    )
