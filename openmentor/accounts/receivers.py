from __future__ import annotations

import contextlib
from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set, user_signed_up
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from openmentor.core.errors import ValidationFailed
from openmentor.core.events import (
    close_every_socket_of_user,
    close_other_sockets_of_user,
    close_sockets_of_sign_in,
)

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
def close_the_sockets_of_this_sign_in(
    request: HttpRequest, user: User | None, **kwargs: Any
) -> None:
    # Sent before the session is flushed, so its key still names the sign-in's sockets. On
    # a shared phone or computer, an open messages tab must not stay signed in.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        close_sockets_of_sign_in(user.pk, session_key)


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def close_the_sockets_of_other_sign_ins(request: HttpRequest, user: User, **kwargs: Any) -> None:
    # Django ends the other sessions with a new password (their next request is signed
    # out); an open socket makes no more requests, so it is closed here. This browser's
    # sockets were opened with the key its request came with (the change has already
    # replaced it): they stay.
    arrived_with = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    close_other_sockets_of_user(user.pk, keep_session_key=arrived_with)


@receiver(post_save, sender=User)
def close_the_sockets_of_a_closed_account(instance: User, **kwargs: Any) -> None:
    # A closed (inactive) account is signed out of every request at once, but an open
    # socket makes no more requests: it went on receiving and sending. Any save of an
    # inactive account asks; with no socket open it costs a group send to nobody.
    if not kwargs.get("raw") and not instance.is_active:
        _close_every_socket_after_commit(instance.pk)


@receiver(post_delete, sender=User)
def close_the_sockets_of_a_removed_account(instance: User, **kwargs: Any) -> None:
    _close_every_socket_after_commit(instance.pk)


def _close_every_socket_after_commit(user_id: int) -> None:
    transaction.on_commit(lambda: close_every_socket_of_user(user_id))
