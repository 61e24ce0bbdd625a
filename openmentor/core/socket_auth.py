"""Who is on the other end of a WebSocket: the person signed in with the session cookie,
or, for an app or a script, with a personal access token (``Authorization: Bearer om_…``).

Channels' ``AuthMiddlewareStack`` does the same lookup but wraps the socket's ``send`` so
it can save a modified session and set its cookie on HTTP responses; on a socket the
cookie cannot change after the handshake, and every frame sent paid for that check
(measured with ``bench/messaging.py``: about a tenth of the event loop's time on a busy
messaging socket went to the wrapper and the lazy user/session objects it consults).
Here the person is resolved once, before the consumer starts, and ``send`` is passed on
untouched. The session's own checks are Channels' (``channels.auth.get_user``): a
session from before a password change, or of a removed account, is anonymous."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.utils import timezone


def sign_in_ends_at(session_key: str | None, user_id: int) -> datetime | None:
    """When the sign-in with ``session_key`` expires, or None when it is over already
    (expired, signed out, or now someone else's). A session in the database may have been
    extended since the socket opened, so its stored expiry is read again."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if session.load().get(SESSION_KEY) != str(user_id):  # load() is empty once expired
        return None
    # The row's expiry, kept by the read that loaded it (``core.sessions``); another
    # engine's own idea of it otherwise.
    ends_at: datetime = getattr(session, "stored_expiry", None) or session.get_expiry_date()
    return ends_at if ends_at > timezone.now() else None


def _header(scope: dict[str, Any], wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin1"))
    return None


class SocketSessionAuth:
    """Signs the socket in, as ``scope["user"]``; ``scope["sign_in"]`` names the sign-in
    (the session's key, or the token's) whose end closes it, and ``scope["token_id"]`` is
    the token's, for a token socket."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raw = scope["bearer"] if "bearer" in scope else bearer_of(scope)
        if raw is not None:
            return await self.app(await _with_token(scope, raw), receive, send)
        cookie = _header(scope, b"cookie")
        cookies = parse_cookie(cookie) if cookie else {}
        session = self.session_store(cookies.get(settings.SESSION_COOKIE_NAME))
        user = await get_user({"session": session})
        scope = {
            **scope,
            "cookies": cookies,
            "session": session,
            "user": user,
            "sign_in": session.session_key,
        }
        return await self.app(scope, receive, send)


# Where a token may open a socket: the person's own events. (A meeting room's socket is the
# browser's, signed in by the session, from one of our pages.)
TOKEN_SOCKET_PATHS = ("/ws/messaging/", "/ws/events/")
TOKEN_RECHECK_SECONDS = 60


def bearer_of(scope: dict[str, Any]) -> str | None:
    """The token of an ``Authorization: Bearer`` header on a path that takes one; None
    otherwise (a browser behind a proxy's basic-auth gate sends ``Basic``: the session's)."""
    from openmentor.accounts.services import bearer_token  # accounts builds on core

    header = _header(scope, b"authorization")
    if header is None or scope.get("path") not in TOKEN_SOCKET_PATHS:
        return None
    return bearer_token(header)


def token_is_active(token_id: int) -> bool:
    from openmentor.accounts.services import token_is_active as active

    return active(token_id)


async def _with_token(scope: dict[str, Any], raw: str) -> dict[str, Any]:
    from openmentor.accounts import services as accounts

    token = await database_sync_to_async(accounts.token_for)(raw)
    if token is None:
        return {**scope, "user": AnonymousUser(), "session": None, "sign_in": None}
    return {
        **scope,
        "user": token.user,
        "session": None,
        "sign_in": accounts.token_sign_in(token.pk),
        "token_id": token.pk,
    }


class OriginCheckedUnlessToken:
    """Browsers send the session cookie with any site's WebSocket, so a session socket must
    come from one of our pages (Channels' origin check). A token is sent only by code that
    holds it, as an ``Authorization`` header no web page can set on a WebSocket: an app
    needs no Origin."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.checked = AllowedHostsOriginValidator(app)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        raw = bearer_of(scope)  # read once: the sign-in below takes it from the scope
        if raw is not None:
            return await self.app({**scope, "bearer": raw}, receive, send)
        return await self.checked({**scope, "bearer": None}, receive, send)
