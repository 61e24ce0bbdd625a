from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from openmentor.accounts.services import user_for_token


class PersonalTokenAuth(HttpBearer):
    """``Authorization: Bearer om_…`` for scripts; no CSRF because no cookie is involved."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


# A personal access token (for scripts) or the session (with CSRF, for the browser). The
# token goes first: the session check refuses an unsafe method without a CSRF token at once
# (instead of passing on to the next method), which would refuse every script's write.
session_or_token = [PersonalTokenAuth(), django_auth]
