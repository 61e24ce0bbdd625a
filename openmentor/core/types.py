"""Request types for type checking: behind ``login_required`` or API authentication,
``request.user`` is a real account, never ``AnonymousUser``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

if TYPE_CHECKING:
    from openmentor.accounts.models import User

    class AuthenticatedRequest(HttpRequest):
        user: User

    AnyUser = User | AnonymousUser
else:
    AuthenticatedRequest = HttpRequest
    AnyUser = object

__all__ = ["AnonymousUser", "AnyUser", "AuthenticatedRequest"]
