"""In-app notifications, per-person preferences and the per-person event log.

The event log is what makes pushes safe to lose: every event a person should see is a row
with an increasing id; a client that reconnects asks for everything after the last id it
saw (DESIGN.md §5 rule 1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from openmentor.core.models import TimeStampedModel

from .params import readable


class UserEvent(models.Model):
    # No index of its own: the (user, id) cursor index starts with it, and every message
    # writes one event row per recipient.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "id"], name="event_user_cursor")]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk} for {self.user_id}"


class Notification(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    # As written for the person when it was made (e-mails, pushes, and the page when no
    # source was kept).
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # The untranslated words and their values (see ``params.py``), when known: the page
    # shows them in the person's language and time zone of the moment, also after they
    # change them.
    title_source = models.CharField(max_length=200, blank=True)
    # With a count (``params["n"]``): the plural of ``title_source``, chosen per language.
    title_plural_source = models.CharField(max_length=200, blank=True)
    body_source = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Makes a repeated job (a retried reminder, a re-run digest) a no-op.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], name="one_notification_per_dedupe_key"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        shown = _now_in_language(self.title_source, self.params, self.title_plural_source)
        return shown or self.title

    @property
    def shown_body(self) -> str:
        return _now_in_language(self.body_source, self.params) or self.body


def _now_in_language(source: str, params: dict[str, Any], plural: str = "") -> str:
    if not source:
        return ""
    try:
        text = ngettext(source, plural, params.get("n", 1)) if plural else gettext(source)
        return text % readable(params) if params else text
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""  # a row changed by hand: shown as it was written when made


class NotificationPreference(models.Model):
    """Per person and kind: whether to e-mail. In-app notifications always appear."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail and in the app")
        IN_APP = "in_app", _("Only in the app")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"
