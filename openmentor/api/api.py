"""The API under /api/v1: routers live in each app's ``api.py``; errors are JSON with a
stable ``code`` and a human ``message``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from openmentor.accounts.api import router as accounts_router
from openmentor.core.errors import DomainError, TooManyRequests
from openmentor.feedback.api import router as feedback_router
from openmentor.matching.api import router as matching_router
from openmentor.mentorships.api import router as mentorships_router
from openmentor.messaging.api import router as messaging_router
from openmentor.notifications.api import router as notifications_router
from openmentor.programs.api import router as programs_router
from openmentor.resources.api import router as resources_router
from openmentor.scheduling.api import router as scheduling_router

from . import openapi
from .auth import session_or_token

_MB = 1024 * 1024

DESCRIPTION = f"""Programs, memberships, applications, profiles, mentorships, messaging,
meetings, resources, feedback and notifications.

**Signing in.** Send a personal access token (made on the "Access tokens" page) as
`Authorization: Bearer <token>`; no CSRF token is needed then. A browser page uses its
session cookie and sends the CSRF token (`X-CSRFToken`) with every write. Answers,
errors included, come in the person's language.

**Errors** are always JSON: `{{"code": ..., "message": ..., "fields": {{name: message}}}}`
(`fields` only for a refused value), with the status of the problem: 400 `invalid`
(a body that is not JSON, or not a JSON object), 401 `unauthenticated` (with `WWW-Authenticate: Bearer`),
403 `forbidden`, 404 `not_found` (also for an unknown address: addresses end without a
slash), 405 `method_not_allowed` (with `Allow`), 409 `conflict`, 413 `too_large`,
422 `validation_failed`. Some refusals have a code of their own, to act on without reading
the message: 403 `blocked` (a block stands between the people), `conversation_closed` (the
mentorship has ended), `not_your_message`; 409 `message_deleted`, `client_id_reused` (a
client id already used for another conversation).

**Sizes.** A request is at most {settings.MAX_REQUEST_BYTES // _MB} MB, files included
(larger ones are refused with 413 before they are read); a JSON body is at most
{settings.DATA_UPLOAD_MAX_MEMORY_SIZE // _MB} MB. Lists with `limit`/`offset` give
{settings.NINJA_PAGINATION_PER_PAGE} items by default and at most
{settings.NINJA_PAGINATION_MAX_LIMIT}; a conversation's messages come 50 a page, at most 200
(a larger `limit` is served as 200); `GET /events` gives at most 500 events a call.

**Poor connections.** Every GET answer has an `ETag`: send it back as `If-None-Match` and
an unchanged answer is a bodiless 304. Sending a message takes a `client_id` of your own:
a retry with the same one returns the first message (200) instead of sending it twice.

**Live updates.** Everything that happens for a person is recorded as an event with a
growing id (see `EventOut` for the types). Catch up with
`GET /api/v1/events?after=<last id>` and pass the `last_id` it returns next time. To be
told at once, use the WebSocket `/ws/messaging/` or, where sockets are blocked, the long
poll `GET /messages/poll/?after=<last id>` (it waits up to 25 s); both take the same
`Authorization: Bearer` token (a socket opened with it closes, code 4401, once the token is
revoked), or the browser session. A socket signed in with the session
must send an `Origin` header naming one of the site's allowed hosts (a token socket needs
none). Pushes are hints that may be lost: after a reconnection, catch up from the last
event id.

**Search.** `GET /messaging/search` looks through a stretch of the person's messages at a
time; when older ones remain, the `X-Search-Older-Than` header holds the `before` value
that goes on with them."""


class OpenMentorAPI(NinjaAPI):
    """The API, whose OpenAPI document also lists every operation's error answers (one
    error schema) and what each kind of event means."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        openapi.document_errors(schema)
        openapi.document_events(schema)
        return schema


class ObjectBodyParser(Parser):
    """A JSON body is an object of named values. Anything else (a list, a string, null)
    was read as an empty object: a "read" of ``["garbage"]`` marked a whole conversation
    read."""

    def parse_body(self, request: HttpRequest) -> Any:
        body = super().parse_body(request)
        if not isinstance(body, dict):
            raise DomainError(_('The request body must be a JSON object, like {"name": value}.'))
        return body


api = OpenMentorAPI(
    title="OpenMentor API",
    version="1",
    description=DESCRIPTION,
    auth=session_or_token,
    urls_namespace="api",
    parser=ObjectBodyParser(),
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: object
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = _error(request, exc.status, exc.code, exc.message, **exc.details)
    if isinstance(exc, TooManyRequests):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field_name(location: list[object]) -> str:
    # ("body", "payload", "send_at") → "send_at": where the value was, as the client sent it
    # (the schema's parameter name means nothing to a client).
    parts = [str(part) for part in location[1:]]
    if parts and parts[0] == "payload":
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
    context = error.get("ctx")
    if kind == "greater_than_equal" and isinstance(context, dict):
        return _("Enter a number of at least %(min)s.") % {"min": context.get("ge")}
    if kind in ("string_too_long", "too_long"):
        return _("This value is too long.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "extra_forbidden":
        return _("This field is not known here.")
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


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # A JSON or form body beyond DATA_UPLOAD_MAX_MEMORY_SIZE (files do not count).
    message = _("This is too much to send at once: at most %(mb)d MB besides files.") % {
        "mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // _MB
    }
    return _error(request, 413, "too_large", message)


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
    if isinstance(exc.__cause__, DomainError):  # the parser's own refusal (ObjectBodyParser)
        return domain_error(request, exc.__cause__)
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
