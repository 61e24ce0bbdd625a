"""Library pages: browse and search, add, view, download through an access check, share
into a mentorship, mark done, learning paths."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openmentor.accounts.models import User
from openmentor.core.errors import DomainError
from openmentor.core.forms import apply_domain_error
from openmentor.core.types import AuthenticatedRequest
from openmentor.mentorships import selectors as mentorship_selectors
from openmentor.mentorships.models import Mentorship
from openmentor.programs.models import Program

from . import selectors, services
from .forms import SITE_WIDE, LearningPathForm, ResourceForm, ShareForm
from .models import LearningPath, Resource


def _libraries(user: User) -> list[tuple[str, str]]:
    choices = [(SITE_WIDE, _("Site-wide library"))] if user.is_staff else []
    for program in Program.objects.filter(pk__in=selectors.program_ids_of(user)):
        if selectors.can_add_to(user, program.pk):
            choices.append((str(program.pk), program.name))
    return choices


def _program_from(value: str) -> Program | None:
    return Program.objects.get(pk=int(value)) if value else None


def _visible(request: AuthenticatedRequest, pk: int) -> Resource:
    resource = get_object_or_404(Resource.objects.select_related("program"), pk=pk)
    if not selectors.can_view(request.user, resource):
        raise Http404
    return resource


@login_required
def library(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    tag = request.GET.get("tag", "").strip()[:40]
    return render(
        request,
        "resources/library.html",
        {
            "resources": selectors.search(request.user, query, tag)[:100],
            "query": query,
            "tag": tag,
            "done_ids": selectors.done_ids(request.user),
            "paths": selectors.learning_paths(request.user),
            "can_add": bool(_libraries(request.user)),
        },
    )


@login_required
def resource_new(request: AuthenticatedRequest) -> HttpResponse:
    libraries = _libraries(request.user)
    if not libraries:
        raise Http404
    form = ResourceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        libraries=libraries,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource = services.add_resource(
                request.user,
                program=_program_from(data["library"]),
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                url=data["url"],
                body=data["body"],
                tags=data["tags"],
                upload=data["file"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Resource added."))
            return redirect("resource_detail", pk=resource.pk)
    return render(
        request, "resources/resource_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _share_targets(user: User, resource: Resource) -> list[tuple[str, str]]:
    targets = []
    for mentorship in mentorship_selectors.mentorships_for_user(user.pk):
        if resource.program_id not in (None, mentorship.program_id):
            continue
        others = [p for p in mentorship.participants.all() if p.user_id != user.pk]
        if len(others) > 1:
            targets.append((str(mentorship.pk), _("Everyone in %(m)s") % {"m": mentorship}))
        for p in others:
            targets.append((f"{mentorship.pk}:{p.user_id}", f"{p.user.name} ({mentorship})"))
    return targets


@login_required
def resource_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resource = _visible(request, pk)
    targets = _share_targets(request.user, resource)
    return render(
        request,
        "resources/detail.html",
        {
            "resource": resource,
            "done": resource.pk in selectors.done_ids(request.user),
            "share_form": ShareForm(targets=targets) if targets else None,
            "can_manage": selectors.can_manage(request.user, resource),
        },
    )


@login_required
def resource_file(request: AuthenticatedRequest, pk: int) -> FileResponse:
    resource = _visible(request, pk)
    if not resource.file:
        raise Http404
    response = FileResponse(
        resource.file.open("rb"),
        as_attachment=True,
        filename=resource.file.name.rsplit("/", 1)[-1],
        content_type=resource.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def resource_done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resource = _visible(request, pk)
    services.mark_done(request.user, resource, request.POST.get("done") != "0")
    messages.success(request, _("Saved."))
    return redirect("resource_detail", pk=resource.pk)


@login_required
@require_POST
def resource_share(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resource = _visible(request, pk)
    form = ShareForm(request.POST, targets=_share_targets(request.user, resource))
    if not form.is_valid():
        messages.error(request, _("Choose whom to share with."))
        return redirect("resource_detail", pk=resource.pk)
    mentorship_id, recipient_id = form.parsed_target()
    try:
        services.share(
            request.user,
            resource,
            get_object_or_404(Mentorship, pk=mentorship_id),
            recipient_id=recipient_id,
            message=form.cleaned_data["message"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Shared."))
    return redirect("resource_detail", pk=resource.pk)


@login_required
@require_POST
def resource_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resource = _visible(request, pk)
    try:
        services.delete_resource(request.user, resource)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("resource_detail", pk=resource.pk)
    messages.success(request, _("Resource removed."))
    return redirect("resource_library")


@login_required
def path_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    path = get_object_or_404(selectors.learning_paths(request.user), pk=pk)
    return render(
        request,
        "resources/path_detail.html",
        {"path": path, "done_ids": selectors.done_ids(request.user)},
    )


@login_required
def path_new(request: AuthenticatedRequest) -> HttpResponse:
    libraries = _libraries(request.user)
    if not libraries:
        raise Http404
    resources = [(str(r.pk), r.title) for r in selectors.visible_resources(request.user)]
    form = LearningPathForm(
        request.POST if request.method == "POST" else None, libraries=libraries, resources=resources
    )
    if request.method == "POST" and form.is_valid():
        try:
            path: LearningPath = services.create_learning_path(
                request.user,
                program=_program_from(form.cleaned_data["library"]),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                resource_ids=form.resource_ids(),
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Learning path created."))
            return redirect("path_detail", pk=path.pk)
    return render(
        request, "resources/path_form.html", {"form": form}, status=400 if form.errors else 200
    )
