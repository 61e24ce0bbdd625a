"""The API under /api/v1: routers live in each app's ``api.py``; errors are JSON with a
stable ``code`` and a human ``message``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from openmentor.accounts.api import router as accounts_router
from openmentor.core.errors import DomainError
from openmentor.feedback.api import router as feedback_router
from openmentor.matching.api import router as matching_router
from openmentor.mentorships.api import router as mentorships_router
from openmentor.messaging.api import router as messaging_router
from openmentor.notifications.api import router as notifications_router
from openmentor.programs.api import router as programs_router
from openmentor.resources.api import router as resources_router
from openmentor.scheduling.api import router as scheduling_router

from .auth import session_or_token

api = NinjaAPI(
    title="OpenMentor API",
    version="1",
    description="Programs, memberships, applications and profiles. Authenticate with the "
    "browser session (send the CSRF token) or a personal access token as a Bearer token.",
    auth=session_or_token,
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, **exc.details)


def _field_name(location: list[object]) -> str:
    # ("body", "payload", "send_at") → "send_at": where the value was, as the client sent it
    # (the schema's parameter name means nothing to a client).
    parts = [str(part) for part in location[1:]]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


def _field_problem(error: dict[str, object]) -> str:
    """pydantic's problem in the person's language (its own messages are English only)."""
    kind = str(error.get("type", ""))
    if kind == "missing":
        return _("This field is required.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind.startswith(("datetime", "timezone")):
        return _("Enter a date and time with its time zone, like 2026-12-01T08:00:00+01:00.")
    if kind in ("string_too_long", "too_long"):
        return _("This value is too long.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    return _("This value is not valid.")


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = {
        _field_name(list(error.get("loc", []))): _field_problem(error) for error in exc.errors
    }
    return _error(request, 422, "validation_failed", _("The request is not valid."), fields=fields)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    # An id or number beyond what the database stores (2**63 and up): no such thing.
    return _error(request, 422, "validation_failed", _("A number in the request is out of range."))


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("Sign in or send a valid access token."))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", _("You are not allowed to do that."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # ninja's own words for a body that is not JSON: in the person's language too.
        return _error(request, 400, "invalid", _("The request body is not valid JSON."))
    return _error(request, exc.status_code, "error", str(exc))


api.add_router("", accounts_router)
api.add_router("", programs_router)
api.add_router("", mentorships_router)
api.add_router("", matching_router)
api.add_router("", messaging_router)
api.add_router("", scheduling_router)
api.add_router("", resources_router)
api.add_router("", feedback_router)
api.add_router("", notifications_router)
