"""Checks for ``manage.py check --deploy`` beyond Django's own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Backends that keep mail on this machine: sign-up confirmations, invitations, unread
# messages and reminders would never reach anyone.
_KEPT_HERE = ("filebased", "locmem", "console", "dummy")


@register(Tags.compatibility, deploy=True)
def email_leaves_the_machine(**kwargs: Any) -> list[Warning]:
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if backend not in _KEPT_HERE:
        return []
    where = f" ({settings.EMAIL_FILE_PATH})" if backend == "filebased" else ""
    return [
        Warning(
            f"E-mail is not sent: the {backend} backend keeps it on this machine{where}.",
            hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_PORT) "
            "to your SMTP relay.",
            id="openmentor.W001",
        )
    ]
