"""Library endpoints: search, add links and texts, share, mark done, suggestions.
Files are added through the page (multipart) and always served by the checked view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from openmentor.core.types import AuthenticatedRequest
from openmentor.mentorships import selectors as mentorship_selectors
from openmentor.mentorships.models import Mentorship
from openmentor.programs.models import Program

from . import selectors, services
from .models import LearningPath, Resource

router = Router(tags=["resources"])


class ResourceOut(Schema):
    id: int
    program: str | None
    kind: str
    title: str
    description: str
    url: str
    body: str
    tags: list[str]
    size_bytes: int
    created_at: datetime

    @staticmethod
    def resolve_program(obj: Resource) -> str | None:
        return obj.program.slug if obj.program is not None else None


class ResourceIn(Schema):
    program: str | None = Field(None, description="Program slug; empty for the site-wide library")
    kind: str = Field(..., pattern="^(link|text)$")
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    url: str = Field("", max_length=1000)
    body: str = Field("", max_length=5000)
    tags: list[str] = Field(default_factory=list, max_length=12)


class ShareIn(Schema):
    mentorship_id: int
    recipient_id: int | None = None
    message: str = Field("", max_length=500)


class ShareOut(Schema):
    id: int
    resource_id: int
    mentorship_id: int
    recipient_id: int | None


class DoneIn(Schema):
    done: bool = True


def _visible(request: AuthenticatedRequest, pk: int) -> Resource:
    resource = get_object_or_404(Resource.objects.select_related("program"), pk=pk)
    if not selectors.can_view(request.user, resource):
        raise Http404
    return resource


@router.get("/resources", response=list[ResourceOut], summary="Search the libraries I can see")
def search(request: AuthenticatedRequest, q: str = "", tag: str = "") -> Any:
    return selectors.search(request.user, q[:100], tag[:40])[:100]


@router.post("/resources", response={201: ResourceOut}, summary="Add a link or short text")
def add(request: AuthenticatedRequest, payload: ResourceIn) -> Any:
    program = get_object_or_404(Program, slug=payload.program) if payload.program else None
    data = payload.dict(exclude={"program"})
    return Status(201, services.add_resource(request.user, program=program, **data))


@router.get("/resources/{pk}", response=ResourceOut)
def get(request: AuthenticatedRequest, pk: int) -> Resource:
    return _visible(request, pk)


@router.post("/resources/{pk}/share", response={201: ShareOut})
def share(request: AuthenticatedRequest, pk: int, payload: ShareIn) -> Any:
    resource = _visible(request, pk)
    mentorship = get_object_or_404(Mentorship, pk=payload.mentorship_id)
    return Status(
        201,
        services.share(
            request.user,
            resource,
            mentorship,
            recipient_id=payload.recipient_id,
            message=payload.message,
        ),
    )


@router.post("/resources/{pk}/done", response={204: None}, summary="Mark done (or not)")
def done(request: AuthenticatedRequest, pk: int, payload: DoneIn) -> Any:
    services.mark_done(request.user, _visible(request, pk), payload.done)
    return Status(204, None)


@router.get(
    "/mentorships/{pk}/suggestions",
    response=list[ResourceOut],
    summary="Resources that fit my goals in this mentorship",
)
def suggestions(request: AuthenticatedRequest, pk: int) -> Any:
    mentorship = get_object_or_404(Mentorship, pk=pk)
    if not mentorship_selectors.is_participant(mentorship.pk, request.user.pk):
        raise Http404
    goal_text = " ".join(
        g.text_for_matching() for g in mentorship_selectors.goals(mentorship, owner=request.user)
    )
    return selectors.suggestions(request.user, goal_text)


class TagsIn(Schema):
    tags: list[str] = Field(..., max_length=12)


class PathStepOut(Schema):
    position: int
    resource_id: int
    title: str

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return obj.resource.title


class PathOut(Schema):
    id: int
    title: str
    description: str
    steps: list[PathStepOut]

    @staticmethod
    def resolve_steps(obj: LearningPath) -> list[Any]:
        return list(obj.steps.all())


class PathIn(Schema):
    program: str | None = None
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    resource_ids: list[int] = Field(..., min_length=1, max_length=50)


@router.put("/resources/{pk}/tags", response=ResourceOut, summary="Replace a resource's tags")
def set_tags(request: AuthenticatedRequest, pk: int, payload: TagsIn) -> Any:
    return services.update_tags(request.user, _visible(request, pk), payload.tags)


@router.get("/learning-paths", response=list[PathOut])
def list_paths(request: AuthenticatedRequest) -> Any:
    return selectors.learning_paths(request.user)


@router.post("/learning-paths", response={201: PathOut})
def create_path(request: AuthenticatedRequest, payload: PathIn) -> Any:
    program = get_object_or_404(Program, slug=payload.program) if payload.program else None
    return Status(
        201,
        services.create_learning_path(
            request.user,
            program=program,
            title=payload.title,
            description=payload.description,
            resource_ids=payload.resource_ids,
        ),
    )
