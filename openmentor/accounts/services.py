"""Every write to accounts, profiles, tags and access tokens."""

from __future__ import annotations

import hashlib
import io
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from openmentor.core.errors import NotFound, ValidationFailed
from openmentor.core.events import close_sockets_of_sign_in
from openmentor.core.text import normalise_tag
from openmentor.core.timezones import canonical_timezone, is_valid_timezone

from .models import (
    MeetingMode,
    PersonalAccessToken,
    Profile,
    ProfileLanguage,
    Tag,
    TagSynonym,
    User,
)
from .selectors import known_language_codes
from .signals import name_changed

TOKEN_PREFIX = "om_"  # noqa: S105 - a public marker, not a secret
PHOTO_MAX_SIDE = 512
ALLOWED_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass
class ProfileInput:
    """What a person may change about themselves. ``None`` leaves a field as it is."""

    display_name: str | None = None
    time_zone: str | None = None
    pronouns: str | None = None
    headline: str | None = None
    bio: str | None = None
    country: str | None = None
    organisation_unit: str | None = None
    seniority: int | None = None
    languages: dict[str, int] | None = None
    expertise: list[str] | None = None
    interests: list[str] | None = None
    goals_text: str | None = None
    meeting_modes: list[str] | None = None
    accessibility_needs: str | None = None
    weekly_hours: int | None = None
    visibility: str | None = None


def set_language(user: User, language: str) -> None:
    """The person's language: their e-mails and, on every device, their pages."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Choose one of the languages offered."))
    if language != user.language:
        user.language = language
        user.save(update_fields=["language"])


def get_or_create_profile(user: User) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def _validate_profile_input(data: ProfileInput) -> None:
    from django_countries import countries

    errors: dict[str, str] = {}
    if data.display_name is not None and not data.display_name.strip():
        errors["display_name"] = _("Please enter the name others will see.")
    if data.time_zone is not None and not is_valid_timezone(data.time_zone):
        errors["time_zone"] = _("“%(zone)s” is not a time zone we know.") % {"zone": data.time_zone}
    if data.country and data.country not in dict(countries):
        errors["country"] = _("Choose a country from the list.")
    if data.languages is not None:
        known = known_language_codes()
        for code, level in data.languages.items():
            if code not in known:
                errors["languages"] = _("“%(code)s” is not a language code we know.") % {
                    "code": code
                }
            elif not 1 <= int(level) <= 5:
                errors["languages"] = _("Proficiency runs from 1 (basic) to 5 (native).")
    if data.meeting_modes is not None:
        unknown = set(data.meeting_modes) - set(MeetingMode.values)
        if unknown:
            errors["meeting_modes"] = _("Unknown way to meet: %(modes)s") % {
                "modes": ", ".join(sorted(unknown))
            }
    if data.weekly_hours is not None and not 0 <= data.weekly_hours <= 40:
        errors["weekly_hours"] = _("Hours per week must be between 0 and 40.")
    if data.seniority is not None and not 1 <= data.seniority <= 5:
        errors["seniority"] = _("Choose a career stage from the list.")
    if data.visibility is not None and data.visibility not in {"programs", "community"}:
        errors["visibility"] = _("Choose who can see your profile.")
    for name, limit in (("expertise", 30), ("interests", 30)):
        tags = getattr(data, name)
        if tags is not None and len(tags) > limit:
            errors[name] = _("Use at most %(limit)d tags.") % {"limit": limit}
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)


def resolve_tags(names: list[str]) -> list[Tag]:
    """Normalise what was typed, follow curated synonyms, create new tags as needed."""
    normalised = [n for n in (normalise_tag(raw) for raw in names) if n]
    synonyms = dict(
        TagSynonym.objects.filter(alias__in=normalised).values_list("alias", "tag__name")
    )
    canonical = list(dict.fromkeys(synonyms.get(n, n) for n in normalised))
    existing = {t.name: t for t in Tag.objects.filter(name__in=canonical)}
    missing = [Tag(name=n) for n in canonical if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=canonical)}
    return [existing[n] for n in canonical]


@transaction.atomic
def update_profile(user: User, data: ProfileInput) -> Profile:
    _validate_profile_input(data)
    profile = get_or_create_profile(user)
    user_fields = []
    old_name = str(user)
    if data.display_name is not None:
        user.display_name = data.display_name.strip()
        user_fields.append("display_name")
    if data.time_zone is not None:
        user.time_zone = canonical_timezone(data.time_zone)
        user_fields.append("time_zone")
    if user_fields:
        user.save(update_fields=user_fields)
    if str(user) != old_name:
        name_changed.send(sender=User, user=user, old_name=old_name)

    for name in (
        "pronouns",
        "headline",
        "bio",
        "country",
        "organisation_unit",
        "seniority",
        "goals_text",
        "meeting_modes",
        "accessibility_needs",
        "weekly_hours",
        "visibility",
    ):
        value = getattr(data, name)
        if value is not None:
            setattr(profile, name, value.strip() if isinstance(value, str) else value)
    profile.save()

    if data.expertise is not None:
        profile.expertise.set(resolve_tags(data.expertise))
    if data.interests is not None:
        profile.interests.set(resolve_tags(data.interests))
    if data.languages is not None:
        profile.languages.all().delete()
        ProfileLanguage.objects.bulk_create(
            ProfileLanguage(profile=profile, code=code, proficiency=int(level))
            for code, level in data.languages.items()
        )
    return profile


def set_profile_photo(user: User, upload: UploadedFile) -> Profile:
    """Accept an image only after decoding it, then re-encode it: this strips metadata
    (location!) and anything hidden in the original bytes."""
    if upload.size is None or upload.size > settings.PROFILE_PHOTO_MAX_BYTES:
        raise ValidationFailed(
            _("The photo is too large; the limit is %(mb)d MB.")
            % {"mb": settings.PROFILE_PHOTO_MAX_BYTES // (1024 * 1024)},
            fields={"photo": _("Too large.")},
        )
    try:
        with Image.open(upload) as original:
            if original.format not in ALLOWED_PHOTO_FORMATS:
                raise ValidationFailed(
                    _("Use a JPEG, PNG, WebP or GIF image."),
                    fields={"photo": _("Unsupported image type.")},
                )
            original.load()
            image = ImageOps.exif_transpose(original).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(
            _("That file is not an image we can read."),
            fields={"photo": _("Not an image.")},
        ) from exc
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    profile = get_or_create_profile(user)
    old_name = profile.photo.name if profile.photo else None
    profile.photo.save(f"{uuid.uuid4().hex}.jpg", ContentFile(buffer.getvalue()), save=True)
    if old_name:
        profile.photo.storage.delete(old_name)
    return profile


def remove_profile_photo(user: User) -> None:
    profile = get_or_create_profile(user)
    if profile.photo:
        profile.photo.delete(save=True)


def define_tag_synonym(alias: str, canonical: str, *, created_by: User | None) -> TagSynonym:
    alias_n, canonical_n = normalise_tag(alias), normalise_tag(canonical)
    if not alias_n or not canonical_n or alias_n == canonical_n:
        raise ValidationFailed(_("Give two different, non-empty tags."))
    (tag,) = resolve_tags([canonical_n])
    synonym, _created = TagSynonym.objects.update_or_create(
        alias=alias_n, defaults={"tag": tag, "created_by": created_by}
    )
    # Profiles that already used the alias move to the canonical tag.
    alias_tag = Tag.objects.filter(name=alias_n).first()
    if alias_tag:
        for profile in alias_tag.expert_profiles.all():
            profile.expertise.add(tag)
        for profile in alias_tag.interested_profiles.all():
            profile.interests.add(tag)
        alias_tag.delete()
    return synonym


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_access_token(user: User, name: str) -> tuple[PersonalAccessToken, str]:
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name so you can recognise it later."))
    if len(name) > 80:
        raise ValidationFailed(_("The name is too long (80 characters at most)."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], token_hash=_hash_token(raw)
    )
    return token, raw


def revoke_access_token(user: User, token_id: int) -> None:
    updated = PersonalAccessToken.objects.filter(
        pk=token_id, user=user, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise NotFound(_("No such active token."))
    # Its open sockets end too, as a sign-out ends the sockets of its session.
    transaction.on_commit(lambda: close_sockets_of_sign_in(user.pk, token_sign_in(token_id)))


def token_sign_in(token_id: int) -> str:
    """What a socket opened with a token is known by, as one opened by a session is known
    by the session's key: revoking the token closes it."""
    return f"token:{token_id}"


def token_is_active(token_id: int) -> bool:
    return PersonalAccessToken.objects.filter(
        pk=token_id, revoked_at__isnull=True, user__is_active=True
    ).exists()


def token_for(raw: str) -> PersonalAccessToken | None:
    """The active token (with its person) behind ``Authorization: Bearer om_…``."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(token_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # One write per minute at most: scripts may call often.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_token(raw: str) -> User | None:
    token = token_for(raw)
    return token.user if token else None


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer …`` header value, if that is what it is."""
    scheme, _space, value = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None
