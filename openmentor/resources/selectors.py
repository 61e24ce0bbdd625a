"""Reads for the resource library, with who may see what."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openmentor.accounts.models import User
from openmentor.mentorships.models import Mentorship
from openmentor.messaging.models import Block
from openmentor.programs.models import Membership, MembershipStatus, Role
from openmentor.programs.selectors import is_coordinator

from .models import LearningPath, Resource, ResourceCompletion, ResourceShare
from .search import bm25_scores, embedding_scores, normalise


def program_ids_of(user: User) -> list[int]:
    return list(
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        .values_list("program_id", flat=True)
        .distinct()
    )


def visible_resources(user: User) -> QuerySet[Resource]:
    """Site-wide resources for everyone signed in; a program's for its active members."""
    if not user.is_authenticated:
        return Resource.objects.none()
    return Resource.objects.filter(
        Q(program__isnull=True) | Q(program_id__in=program_ids_of(user))
    ).select_related("program")


def can_view(user: User, resource: Resource) -> bool:
    return visible_resources(user).filter(pk=resource.pk).exists()


def can_add_to(user: User, program_id: int | None) -> bool:
    """Staff curate the site-wide library; coordinators and mentors their program's."""
    if not user.is_authenticated:
        return False
    if program_id is None:
        return user.is_staff
    return Membership.objects.filter(
        user=user,
        program_id=program_id,
        status=MembershipStatus.ACTIVE,
        role__in=[Role.COORDINATOR, Role.MENTOR, Role.PEER],
    ).exists()


def can_manage(user: User, resource: Resource) -> bool:
    if resource.created_by_id == user.pk:
        return True
    if resource.program is None:
        return user.is_staff
    return is_coordinator(user, resource.program)


def search(user: User, query: str = "", tag: str = "") -> QuerySet[Resource]:
    qs = visible_resources(user)
    for word in normalise(query).split()[:10]:
        qs = qs.filter(search_text__contains=word)
    if tag:
        qs = qs.filter(search_text__contains=f"#{normalise(tag)}")
    return qs


def done_ids(user: User) -> set[int]:
    return set(ResourceCompletion.objects.filter(user=user).values_list("resource_id", flat=True))


def shared_in(mentorship: Mentorship, user: User) -> QuerySet[ResourceShare]:
    """What was shared in this mentorship that this person should see: shares to the
    whole circle, to them, and the ones they made; none from someone they blocked (as
    their messages)."""
    return (
        ResourceShare.objects.filter(mentorship=mentorship)
        .filter(Q(recipient__isnull=True) | Q(recipient=user) | Q(shared_by=user))
        .exclude(shared_by_id__in=Block.objects.filter(blocker=user).values("blocked_id"))
        .select_related("resource", "recipient", "shared_by")
    )


def learning_paths(user: User) -> QuerySet[LearningPath]:
    return LearningPath.objects.filter(
        Q(program__isnull=True) | Q(program_id__in=program_ids_of(user))
    ).prefetch_related("steps__resource")


def suggestions(user: User, goal_text: str, *, limit: int = 5) -> list[Resource]:
    """Resources that fit a mentee's goals, best first; already done ones left out."""
    if not goal_text.strip():
        return []
    done = done_ids(user)
    candidates = [
        r
        for r in visible_resources(user).only("id", "title", "kind", "program", "search_text")
        if r.pk not in done
    ]
    lexical = bm25_scores(goal_text, [r.search_text for r in candidates], normalised=True)
    ranked = [(s, r) for s, r in zip(lexical, candidates, strict=True) if s > 0]
    ranked.sort(key=lambda pair: -pair[0])
    top = ranked[: limit * 4]
    semantic = embedding_scores(goal_text, [r.search_text for _s, r in top]) if top else None
    if semantic is not None:
        top = sorted(zip(semantic, (r for _s, r in top), strict=True), key=lambda p: -p[0])
    return [r for _s, r in top[:limit]]
