"""Every write for the resource library: adding, sharing, marking done, learning paths."""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openmentor.accounts.models import User
from openmentor.core.errors import NotAllowed, NotFound, ValidationFailed
from openmentor.mentorships import selectors as mentorship_selectors
from openmentor.mentorships.models import Mentorship
from openmentor.messaging import selectors as messaging_selectors
from openmentor.notifications.services import notify
from openmentor.programs.models import Program

from . import selectors
from .models import (
    LearningPath,
    LearningPathStep,
    Resource,
    ResourceCompletion,
    ResourceKind,
    ResourceShare,
)
from .search import normalise

MAX_FILE_BYTES = 10 * 1024 * 1024
# Extension → content type we serve it with, and the first bytes the file must start with.
ALLOWED_FILES: dict[str, tuple[str, bytes | None]] = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".png": ("image/png", b"\x89PNG"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".txt": ("text/plain; charset=utf-8", None),
    ".md": ("text/markdown; charset=utf-8", None),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK",
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        b"PK",
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ".odt": ("application/vnd.oasis.opendocument.text", b"PK"),
}


def clean_tags(raw: str | list[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    tags = []
    for item in items:
        tag = " ".join(normalise(str(item)).split())[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:12]


def _search_text(resource: Resource) -> str:
    parts = [resource.title, resource.description, resource.body, resource.url]
    parts += [f"#{tag}" for tag in resource.tags]
    return normalise(" ".join(parts))


def _check_file(upload: UploadedFile) -> str:
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_FILES:
        raise ValidationFailed(
            _("Files of this type cannot be shared. Allowed: %(types)s.")
            % {"types": ", ".join(sorted(ALLOWED_FILES))},
            fields={"file": _("Type not allowed.")},
        )
    assert upload.size is not None  # always known for an uploaded file
    if upload.size > MAX_FILE_BYTES:
        raise ValidationFailed(
            _("Files can be at most 10 MB."), fields={"file": _("Too large (10 MB at most).")}
        )
    content_type, magic = ALLOWED_FILES[suffix]
    head = upload.read(8)
    upload.seek(0)
    if magic is not None and not head.startswith(magic):
        raise ValidationFailed(
            _("The file's content does not match its type."),
            fields={"file": _("Content does not match the file type.")},
        )
    if magic is None:
        try:
            upload.read(4096).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationFailed(
                _("Text files must be UTF-8."), fields={"file": _("Not UTF-8 text.")}
            ) from error
        upload.seek(0)
    return content_type


@transaction.atomic
def add_resource(
    actor: User,
    *,
    program: Program | None,
    kind: str,
    title: str,
    description: str = "",
    url: str = "",
    body: str = "",
    tags: str | list[str] = "",
    upload: UploadedFile | None = None,
) -> Resource:
    if not selectors.can_add_to(actor, program.pk if program else None):
        raise NotAllowed(_("You cannot add resources to this library."))
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Required.")
    if kind not in ResourceKind.values:
        errors["kind"] = _("Choose a kind.")
    elif kind == ResourceKind.LINK:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except DjangoValidationError:
            errors["url"] = _("Enter a web address starting with https:// or http://.")
    elif kind == ResourceKind.TEXT and not (body or "").strip():
        errors["body"] = _("Write the text.")
    elif kind == ResourceKind.FILE and upload is None:
        errors["file"] = _("Choose a file.")
    if errors:
        raise ValidationFailed(_("Some details need attention."), fields=errors)
    resource = Resource(
        program=program,
        kind=kind,
        title=title[:200],
        description=(description or "").strip()[:2000],
        url=url if kind == ResourceKind.LINK else "",
        body=(body or "").strip()[:5000] if kind == ResourceKind.TEXT else "",
        tags=clean_tags(tags),
        created_by=actor,
    )
    if kind == ResourceKind.FILE and upload is not None:
        resource.content_type = _check_file(upload)
        assert upload.size is not None  # checked in _check_file
        resource.size_bytes = upload.size
        resource.uploaded_token = secrets.token_hex(16)
        safe_name = PurePath(upload.name or "").name[-100:]
        resource.file.save(safe_name, upload, save=False)
    resource.search_text = _search_text(resource)
    resource.save()
    return resource


def delete_resource(actor: User, resource: Resource) -> None:
    if not selectors.can_manage(actor, resource):
        raise NotAllowed(_("You cannot remove this resource."))
    if resource.file:
        resource.file.delete(save=False)
    resource.delete()


def share(
    actor: User,
    resource: Resource,
    mentorship: Mentorship,
    *,
    recipient_id: int | None = None,
    message: str = "",
) -> ResourceShare:
    """Hand a resource to one mentee, or to the whole mentorship (a circle)."""
    if not mentorship_selectors.is_participant(mentorship.pk, actor.pk):
        raise NotAllowed(_("Only the people in this mentorship can share into it."))
    if not selectors.can_view(actor, resource):
        raise NotFound(_("No such resource."))
    if resource.program_id not in (None, mentorship.program_id):
        raise ValidationFailed(_("This resource belongs to another program's library."))
    if recipient_id is not None and (
        recipient_id == actor.pk
        or not mentorship_selectors.is_participant(mentorship.pk, recipient_id)
    ):
        raise ValidationFailed(
            _("Share with someone else in this mentorship."),
            fields={"recipient": _("Choose a person in this mentorship.")},
        )
    # A block works both ways, as for messages: nothing from one reaches the other.
    blocks = messaging_selectors.blocks_of_many([actor.pk])[actor.pk]
    others = {
        p.user_id: p.user
        for p in mentorship_selectors.participants(mentorship)
        if p.user_id != actor.pk
    }
    # "Everyone" in a pair is the one other person: the same block applies.
    to = {recipient_id} if recipient_id is not None else set(others)
    if to and to <= blocks.of_me | blocks.by_me:
        raise NotAllowed(_("You cannot share with this person."))
    shared = ResourceShare.objects.create(
        resource=resource,
        mentorship=mentorship,
        recipient_id=recipient_id,
        shared_by=actor,
        message=(message or "").strip()[:500],
    )
    people = (
        [user for user_id, user in others.items() if user_id not in blocks.of_me]
        if recipient_id is None
        else [others[recipient_id]]
    )
    for person in people:
        notify(
            person,
            kind="resource",
            title=gettext_lazy("%(name)s shared a resource with you: %(title)s"),
            params={"name": actor.name, "title": resource.title},
            url=reverse("resource_detail", args=[resource.pk]),
        )
    return shared


def mark_done(actor: User, resource: Resource, done: bool = True) -> None:
    if not selectors.can_view(actor, resource):
        raise NotFound(_("No such resource."))
    if done:
        try:
            with transaction.atomic():
                ResourceCompletion.objects.create(resource=resource, user=actor)
        except IntegrityError:
            pass  # already done: marking again changes nothing
    else:
        ResourceCompletion.objects.filter(resource=resource, user=actor).delete()


@transaction.atomic
def create_learning_path(
    actor: User,
    *,
    program: Program | None,
    title: str,
    description: str = "",
    resource_ids: list[int],
) -> LearningPath:
    if not selectors.can_add_to(actor, program.pk if program else None):
        raise NotAllowed(_("You cannot add learning paths to this library."))
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(_("Name the learning path."), fields={"title": _("Required.")})
    ordered = list(dict.fromkeys(resource_ids))
    if not ordered:
        raise ValidationFailed(
            _("Choose at least one resource."), fields={"resources": _("Required.")}
        )
    available = {
        r.pk: r
        for r in selectors.visible_resources(actor).filter(pk__in=ordered)
        if r.program_id in (None, program.pk if program else None)
    }
    if set(ordered) - set(available):
        raise ValidationFailed(
            _("Some resources are not in this library."), fields={"resources": _("Not found.")}
        )
    path = LearningPath.objects.create(
        program=program, title=title[:200], description=(description or "")[:2000], created_by=actor
    )
    LearningPathStep.objects.bulk_create(
        LearningPathStep(path=path, resource_id=rid, position=i + 1)
        for i, rid in enumerate(ordered)
    )
    return path


def update_tags(actor: User, resource: Resource, tags: Any) -> Resource:
    if not selectors.can_manage(actor, resource):
        raise NotAllowed(_("You cannot change this resource."))
    resource.tags = clean_tags(tags)
    resource.search_text = _search_text(resource)
    resource.save(update_fields=["tags", "search_text", "updated_at"])
    return resource
