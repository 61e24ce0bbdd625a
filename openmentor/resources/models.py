"""The resource library: links, files and short texts, per program or site-wide, shared
into mentorships, marked done, ordered into learning paths."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from openmentor.core.models import TimeStampedModel


class ResourceKind(models.TextChoices):
    LINK = "link", _("Link")
    FILE = "file", _("File")
    TEXT = "text", _("Short text")


def resource_upload_to(instance: Resource, filename: str) -> str:
    # The stored name never reaches a URL: files are served by an access-checked view.
    return f"resources/{instance.uploaded_token}/{filename}"


class Resource(TimeStampedModel):
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="resources",
        help_text=_("Empty for the site-wide library."),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    url = models.URLField(_("web address"), max_length=1000, blank=True)
    body = models.TextField(_("text"), max_length=5000, blank=True)
    file = models.FileField(upload_to=resource_upload_to, blank=True, max_length=300)
    uploaded_token = models.CharField(max_length=32, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    tags = models.JSONField(default=list, blank=True)
    # Lower-cased, accent-free title + description + text + tags: the portable search
    # column that both SQLite and PostgreSQL query the same way.
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["program", "title"])]

    def __str__(self) -> str:
        return self.title


class ResourceShare(models.Model):
    """A resource handed to one mentee, or to the whole mentorship (a circle) when
    ``recipient`` is empty."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="shares")
    mentorship = models.ForeignKey(
        "mentorships.Mentorship", on_delete=models.CASCADE, related_name="resource_shares"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class ResourceCompletion(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="completions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "user"], name="one_completion_per_person")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"


class LearningPath(TimeStampedModel):
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="learning_paths",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class LearningPathStep(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["path", "position"], name="one_step_per_position"),
            models.UniqueConstraint(fields=["path", "resource"], name="resource_once_per_path"),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} #{self.pk}"
