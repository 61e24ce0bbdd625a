"""Pages that apps reach as well as browsers (a file download, the long poll): the person
is the browser's session or, with ``Authorization: Bearer om_…``, a personal access
token's owner, as on the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from openmentor.core.middleware import use_persons_language, use_persons_zone

from .models import User
from .services import bearer_token, user_for_token


def person_for_token(request: HttpRequest, raw: str) -> User | None:
    """The token's person, whose language and time zone the request is then answered in
    (the API's token sign-in too)."""
    user = user_for_token(raw)
    if user is not None:
        use_persons_language(request, user)
        use_persons_zone(user)
    return user


def token_holder(request: HttpRequest) -> User | AnonymousUser | None:
    """The token's person, an anonymous one for a bad token, None without a token."""
    raw = bearer_token(request.headers.get("Authorization", ""))
    if raw is None:
        return None
    return person_for_token(request, raw) or AnonymousUser()


def unauthenticated() -> JsonResponse:
    response = JsonResponse(
        {"code": "unauthenticated", "message": _("Sign in or send a valid access token.")},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def token_or_session_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A token's person, or a signed-in browser (sent to sign in otherwise)."""
    browser_view = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        holder = token_holder(request)
        if holder is None:
            return browser_view(request, *args, **kwargs)  # type: ignore[no-any-return]
        if not holder.is_authenticated:
            return unauthenticated()
        request.user = holder
        return view(request, *args, **kwargs)  # type: ignore[no-any-return]

    return wrapper


async def person_of(request: HttpRequest) -> Any:
    """For async views: the token's person, or the session's (maybe anonymous)."""
    holder = await sync_to_async(token_holder)(request)
    return holder if holder is not None else await request.auser()
