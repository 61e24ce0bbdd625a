"""Reads for accounts and profiles, including who may see whose profile."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from openmentor.core.languages import LANGUAGES, sort_key
from openmentor.core.types import AnyUser

from .models import PersonalAccessToken, Profile, ProfileVisibility, User


def language_choices() -> list[tuple[str, str]]:
    """ISO 639-1 codes with names in the current language, sorted by name."""
    return sorted(
        ((code, _(name)) for code, name in LANGUAGES.items()), key=lambda item: sort_key(item[1])
    )


def known_language_codes() -> frozenset[str]:
    return frozenset(LANGUAGES)


def language_of_address(email: str) -> str | None:
    """The language of the person with this e-mail address, if they have an account."""
    return User.objects.filter(email__iexact=email).values_list("language", flat=True).first()


def has_verified_address(user: User, email: str) -> bool:
    """Whether this address is the person's: their account's own (checked at sign-up) or
    another one they confirmed."""
    if user.email.lower() == email.lower():
        return True
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def profile_for(user: User) -> Profile:
    return (
        Profile.objects.select_related("user")
        .prefetch_related("languages", "expertise", "interests")
        .get(user=user)
    )


def shares_active_program(viewer_id: int, subject_id: int) -> bool:
    from openmentor.programs.models import Membership, MembershipStatus

    viewer_programs = Membership.objects.filter(
        user_id=viewer_id, status=MembershipStatus.ACTIVE
    ).values("program_id")
    return Membership.objects.filter(
        user_id=subject_id, program_id__in=viewer_programs, status=MembershipStatus.ACTIVE
    ).exists()


def coordinates_program_of(viewer_id: int, subject_id: int) -> bool:
    """True when the viewer coordinates a program the subject applied to or belongs to."""
    from openmentor.programs.models import Membership, MembershipStatus, Role

    coordinated = Membership.objects.filter(
        user_id=viewer_id, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE
    ).values("program_id")
    return Membership.objects.filter(user_id=subject_id, program_id__in=coordinated).exists()


def can_view_profile(viewer: AnyUser, subject: User) -> bool:
    if not viewer.is_authenticated or not subject.is_active:
        return False
    if viewer.pk == subject.pk or viewer.is_staff:
        return True
    visibility = Profile.objects.filter(user=subject).values_list("visibility", flat=True).first()
    if visibility == ProfileVisibility.COMMUNITY:
        return True
    return shares_active_program(viewer.pk, subject.pk) or coordinates_program_of(
        viewer.pk, subject.pk
    )


def can_view_private_needs(viewer: AnyUser, subject: User) -> bool:
    """Accessibility needs: the person and the coordinators of their programs only."""
    if not viewer.is_authenticated:
        return False
    return viewer.pk == subject.pk or coordinates_program_of(viewer.pk, subject.pk)


def active_tokens(user: User) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def search_tags(prefix: str, limit: int = 20) -> list[str]:
    from .models import Tag

    return list(
        Tag.objects.filter(Q(name__istartswith=prefix) | Q(synonyms__alias__istartswith=prefix))
        .values_list("name", flat=True)
        .distinct()[:limit]
    )


def missing_for_matching(profile: Profile) -> list[str]:
    """The profile's fields that matching and the people reading it use, still empty
    (names of ``ProfileForm`` fields). The first-week checklist's "complete" asks less."""
    missing = [name for name in ("headline", "bio", "country") if not getattr(profile, name)]
    if not profile.languages.exists():
        missing.append("languages")
    if not profile.expertise.exists() and not profile.interests.exists():
        missing.append("interests")
    return missing
