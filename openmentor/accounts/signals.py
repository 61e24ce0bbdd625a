from __future__ import annotations

import contextlib
from typing import Any

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from openmentor.core.errors import ValidationFailed
from openmentor.core.events import close_sockets_of_session

from .models import Profile, User
from .services import set_language


@receiver(post_save, sender=User)
def create_profile_for_new_user(
    sender: type[User], instance: User, created: bool, **kwargs: Any
) -> None:
    # Every person has a profile from the start, whichever way they were created
    # (sign-up, CSV import, invitation, createsuperuser).
    if created and not kwargs.get("raw"):
        Profile.objects.get_or_create(user=instance)


@receiver(user_signed_up)
def keep_the_language_they_signed_up_in(request: HttpRequest, user: User, **kwargs: Any) -> None:
    # The language the sign-up page was shown in (their browser's, or the one they picked)
    # is their language from the start: e-mails, beginning with the confirmation, use it.
    with contextlib.suppress(ValidationFailed):
        set_language(user, translation.get_language_from_request(request))


@receiver(user_logged_out)
def close_the_sockets_of_this_sign_in(request: HttpRequest, **kwargs: Any) -> None:
    # Sent before the session is flushed, so its key still names the sign-in's sockets. On
    # a shared phone or computer, an open messages tab must not stay signed in.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        close_sockets_of_session(session_key)
