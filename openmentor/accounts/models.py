from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from openmentor.core.models import TimeStampedModel
from openmentor.core.timezones import validate_timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with e-mail; the rest of what others see lives in Profile."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    language = models.CharField(
        _("language for e-mail and pages"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]
    objects = UserManager()  # type: ignore[assignment,misc]

    class Meta:
        ordering = ["display_name", "email"]

    def __str__(self) -> str:
        return self.display_name or self.email.split("@")[0]

    @property
    def name(self) -> str:
        return str(self)


class Tag(models.Model):
    """A normalised skill, topic or goal tag ("grant writing")."""

    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TagSynonym(models.Model):
    """Maps what people type ("ML") onto one tag ("machine learning"); coordinators curate."""

    alias = models.CharField(max_length=60, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="synonyms")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    def __str__(self) -> str:
        return f"{self.alias} → {self.tag}"


class Seniority(models.IntegerChoices):
    STUDENT = 1, _("Student")
    EARLY = 2, _("Early career")
    MID = 3, _("Mid career")
    SENIOR = 4, _("Senior")
    EXECUTIVE = 5, _("Executive / professor")


class MeetingMode(models.TextChoices):
    VIDEO = "video", _("Video call")
    AUDIO = "audio", _("Audio call")
    CHAT = "chat", _("Live chat")
    ASYNC = "async", _("Asynchronous messages")
    IN_PERSON = "in_person", _("In person")


class ProfileVisibility(models.TextChoices):
    PROGRAMS = "programs", _("People in my programs")
    COMMUNITY = "community", _("Everyone signed in")


class Profile(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    bio = models.TextField(_("about me"), max_length=4000, blank=True)
    photo = models.ImageField(_("photo"), upload_to="photos/%Y/%m/", blank=True)
    country = CountryField(_("country"), blank=True)
    organisation_unit = models.CharField(_("organisation unit"), max_length=120, blank=True)
    seniority = models.PositiveSmallIntegerField(
        _("career stage"), choices=Seniority.choices, null=True, blank=True
    )
    expertise = models.ManyToManyField(Tag, blank=True, related_name="expert_profiles")
    interests = models.ManyToManyField(Tag, blank=True, related_name="interested_profiles")
    goals_text = models.TextField(_("what I want to learn or achieve"), max_length=4000, blank=True)
    meeting_modes = models.JSONField(_("preferred ways to meet"), default=list, blank=True)
    accessibility_needs = models.TextField(_("accessibility needs"), max_length=2000, blank=True)
    weekly_hours = models.PositiveSmallIntegerField(
        _("hours available per week"),
        default=2,
        validators=[MinValueValidator(0), MaxValueValidator(40)],
    )
    visibility = models.CharField(
        _("who can see my profile"),
        max_length=16,
        choices=ProfileVisibility.choices,
        default=ProfileVisibility.PROGRAMS,
    )

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def is_complete(self) -> bool:
        return bool(self.user.display_name and self.country and self.headline)


class ProfileLanguage(models.Model):
    class Proficiency(models.IntegerChoices):
        BASIC = 1, _("Basic")
        CONVERSATIONAL = 2, _("Conversational")
        PROFESSIONAL = 3, _("Professional")
        FLUENT = 4, _("Fluent")
        NATIVE = 5, _("Native")

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=12)
    proficiency = models.PositiveSmallIntegerField(
        choices=Proficiency.choices, default=Proficiency.PROFESSIONAL
    )

    class Meta:
        ordering = ["-proficiency", "code"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="one_entry_per_language"),
            models.CheckConstraint(
                condition=models.Q(proficiency__gte=1, proficiency__lte=5),
                name="language_proficiency_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.proficiency})"


class PersonalAccessToken(TimeStampedModel):
    """A bearer token for scripts. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
