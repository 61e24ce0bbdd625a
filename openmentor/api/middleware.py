"""Errors under /api/ are JSON, even those that no endpoint answers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from openmentor.accounts.token_auth import token_holder

API_PREFIX = "/api/"


class ApiCachingMiddleware:
    """Every API answer is one person's: no shared cache (a proxy, a CDN in front of the
    site) may keep it, and a browser asks again each time; the ETag then makes the answer
    a bodiless 304 (``no-store`` would cost that: Django gives such answers no ETag).
    Before, API answers said nothing about caching, decrypted messages included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.has_header("Cache-Control"):
            return response
        patch_cache_control(response, private=True, no_cache=True)
        return response


class ApiErrorsMiddleware:
    """An unknown address (404) or method (405) under /api/ answers with the API's error
    body, ``{"code", "message"}`` in the person's language, instead of Django's HTML page;
    a 405 keeps its ``Allow`` header. Every 401 says how to authenticate
    (``WWW-Authenticate: Bearer``). After ``UserLanguageMiddleware``, before
    ``SamePersonMiddleware`` (whose 401 it completes)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        if response.status_code == 401:
            response.headers.setdefault("WWW-Authenticate", "Bearer")
        if response.status_code in (404, 405) and not _is_json(response):
            _use_token_holders_language(request)
            if response.status_code == 405:
                allowed = response.headers.get("Allow", "")
                refused = JsonResponse(
                    {
                        "code": "method_not_allowed",
                        "message": _(
                            "This address does not accept %(method)s. It accepts: %(allowed)s."
                        )
                        % {"method": request.method, "allowed": allowed},
                    },
                    status=405,
                )
                refused.headers["Allow"] = allowed
                return refused
            return JsonResponse(
                {"code": "not_found", "message": _not_found(request.path)}, status=404
            )
        return response


def _is_json(response: HttpResponse) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")


def _not_found(path: str) -> str:
    if path.endswith("/"):
        try:
            resolve(path.rstrip("/"))
        except Resolver404:
            pass
        else:
            return _("Not found. API addresses end without a slash: %(path)s") % {
                "path": path.rstrip("/")
            }
    return _("Not found.")


def _use_token_holders_language(request: HttpRequest) -> None:
    """A script's request that no endpoint took was not signed in by the API: its token
    still says whose language to answer in (``token_holder`` switches to it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        token_holder(request)
