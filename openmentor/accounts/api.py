from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from openmentor.core.types import AuthenticatedRequest

from . import selectors, services
from .models import Profile, User

router = Router(tags=["people"])


class LanguageOut(Schema):
    code: str
    proficiency: int


class ProfileOut(Schema):
    id: int
    display_name: str
    time_zone: str
    pronouns: str
    headline: str
    bio: str
    country: str
    organisation_unit: str
    seniority: int | None
    languages: list[LanguageOut]
    expertise: list[str]
    interests: list[str]
    goals_text: str
    meeting_modes: list[str]
    weekly_hours: int
    has_photo: bool
    accessibility_needs: str | None = Field(
        None, description="Only for the person and the coordinators of their programs."
    )


class MeOut(Schema):
    id: int
    email: str
    language: str
    profile: ProfileOut


class ProfileIn(Schema):
    display_name: str | None = Field(None, max_length=120)
    time_zone: str | None = Field(None, max_length=64)
    pronouns: str | None = Field(None, max_length=40)
    headline: str | None = Field(None, max_length=160)
    bio: str | None = Field(None, max_length=4000)
    country: str | None = Field(None, max_length=2)
    organisation_unit: str | None = Field(None, max_length=120)
    seniority: int | None = Field(None, ge=1, le=5)
    languages: dict[str, int] | None = None
    expertise: list[str] | None = Field(None, max_length=30)
    interests: list[str] | None = Field(None, max_length=30)
    goals_text: str | None = Field(None, max_length=4000)
    meeting_modes: list[str] | None = None
    accessibility_needs: str | None = Field(None, max_length=2000)
    weekly_hours: int | None = Field(None, ge=0, le=40)
    visibility: str | None = None


def profile_out(profile: Profile, *, include_private: bool) -> ProfileOut:
    user = profile.user
    return ProfileOut(
        id=user.pk,
        display_name=str(user),
        time_zone=user.time_zone,
        pronouns=profile.pronouns,
        headline=profile.headline,
        bio=profile.bio,
        country=profile.country.code or "",
        organisation_unit=profile.organisation_unit,
        seniority=profile.seniority,
        languages=[
            LanguageOut(code=lang.code, proficiency=lang.proficiency)
            for lang in profile.languages.all()
        ],
        expertise=[t.name for t in profile.expertise.all()],
        interests=[t.name for t in profile.interests.all()],
        goals_text=profile.goals_text,
        meeting_modes=list(profile.meeting_modes),
        weekly_hours=profile.weekly_hours,
        has_photo=bool(profile.photo),
        accessibility_needs=profile.accessibility_needs if include_private else None,
    )


def me_out(user: User) -> MeOut:
    return MeOut(
        id=user.pk,
        email=user.email,
        language=user.language,
        profile=profile_out(selectors.profile_for(user), include_private=True),
    )


@router.get("/me", response=MeOut, summary="The signed-in person")
def me(request: AuthenticatedRequest) -> MeOut:
    return me_out(request.user)


@router.patch("/me/profile", response=MeOut, summary="Update my profile")
def update_my_profile(request: AuthenticatedRequest, payload: ProfileIn) -> MeOut:
    services.update_profile(request.user, services.ProfileInput(**payload.dict(exclude_unset=True)))
    return me_out(request.user)


@router.get("/profiles/{user_id}", response=ProfileOut, summary="A person's profile")
def profile(request: AuthenticatedRequest, user_id: int) -> ProfileOut:
    subject = get_object_or_404(User, pk=user_id, is_active=True)
    if not selectors.can_view_profile(request.user, subject):
        raise Http404
    return profile_out(
        selectors.profile_for(subject),
        include_private=selectors.can_view_private_needs(request.user, subject),
    )
