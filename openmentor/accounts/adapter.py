"""How allauth's sign-up and account e-mails fit the platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


@dataclass(frozen=True)
class PlatformSite:
    """What allauth's e-mails call "the site": the platform's name and address, not the
    host the request came in on ("Hello from 127.0.0.1:8799!")."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        site = PlatformSite(settings.SITE_NAME, urlsplit(settings.SITE_URL).netloc)
        super().send_mail(template_prefix, email, {"current_site": site, **context})
