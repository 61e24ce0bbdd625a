"""Domain errors: raised by services, mapped to a clear message by views and to a JSON
body with a stable ``code`` by the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction


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


class TooManyRequests(DomainError):
    """Refused for now: the same request succeeds after ``retry_after`` seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


@contextmanager
def conflict_if_duplicate(message: str, *, code: str | None = None) -> Iterator[None]:
    """The writes in the block run in a savepoint; if a unique constraint stops them (a
    second submission raced past the service's own check), the caller gets a ``Conflict``
    with ``message`` and the surrounding transaction stays usable."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise Conflict(message, code=code) from error
