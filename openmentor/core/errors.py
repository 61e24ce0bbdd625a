"""Domain errors: raised by services, mapped to a clear message by views and to a JSON
body with a stable ``code`` by the API."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that cannot be carried out; nothing was changed."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.details = details


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
