from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation

from openmentor.core.timezones import zone_of

from .errors import DomainError
from .health import healthz

# Everything the browser loads comes from this server; no inline script is needed.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy",
            "camera=(self), microphone=(self), display-capture=(self), geolocation=()",
        )
        return response


class UserTimezoneMiddleware:
    """Render times in the signed-in person's own zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        use_persons_zone(user if user and user.is_authenticated else None)
        return self.get_response(request)


def use_persons_zone(user: Any) -> None:
    """Times in the person's zone (UTC for none, or a name no longer known); the API's
    token sign-in, which comes after the middleware, asks too."""
    timezone.activate(zone_of(user))


class UserLanguageMiddleware:
    """Pages in the signed-in person's chosen language (their settings, which e-mails
    follow too) on every device, whatever an older choice left in this browser's cookie:
    choosing at the foot of a page saves the choice too. The site's default language is
    every account's starting value, not a choice, so it leaves the browser's own
    preference in place. After ``LocaleMiddleware`` and ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            use_persons_language(request, user)
        return self.get_response(request)


def use_persons_language(request: HttpRequest, user: Any) -> None:
    """Answer this request in the person's chosen language (see ``UserLanguageMiddleware``;
    the API's token sign-in, which comes after the middleware, asks too)."""
    if user.language != settings.LANGUAGE_CODE and user.language in dict(settings.LANGUAGES):
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


class DomainErrorPageMiddleware:
    """A service's refusal that a page did not handle is shown as what it is (its message,
    with its status: a form sent twice, a message deleted in another tab meanwhile), not
    as "something went wrong on our side". The API answers these itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return render(
            request, "core/refused.html", {"message": exception.message}, status=exception.status
        )


class SamePersonMiddleware:
    """A page's script names the person whose page it is (``X-OpenMentor-User``). After a
    sign-out and someone else's sign-in in the same browser, the old tab's requests carry
    the new person's cookie: they are refused as signed out (401), never answered or
    carried out as the new person. After ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        expected = request.headers.get("X-OpenMentor-User")
        if expected is not None and expected != str(getattr(request.user, "pk", None) or ""):
            return JsonResponse(
                {
                    "code": "unauthenticated",
                    "message": translation.gettext("Signed out on this page."),
                },
                status=401,
            )
        return self.get_response(request)


class HealthCheckMiddleware:
    """Answers /healthz (and /healthz/worker) before anything reads the Host header or redirects to https: a
    proxy or load balancer checks each app process over plain http at its own address,
    which is neither https nor an allowed host. First in ``MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in ("/healthz", "/healthz/worker"):
            return healthz(request, worker=request.path_info == "/healthz/worker")
        return self.get_response(request)
