from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from openmentor.accounts.token_auth import person_for_token


class PersonalTokenAuth(HttpBearer):
    """``Authorization: Bearer om_…`` for scripts; no CSRF because no cookie is involved.
    Answers (errors included) come in the person's language, as their pages do."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = person_for_token(request, token)
        if user is not None:
            request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser's session, with Django's CSRF check. Without a session
    cookie there is nothing to protect: the request is simply not signed in (a 401 that
    says so), instead of a CSRF error that would puzzle whoever wrote the script."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)


# A personal access token (for scripts) or the session (with CSRF, for the browser). The
# token goes first: the session check refuses an unsafe method without a CSRF token at once
# (instead of passing on to the next method), which would refuse every script's write.
session_or_token = [PersonalTokenAuth(), BrowserSessionAuth()]
