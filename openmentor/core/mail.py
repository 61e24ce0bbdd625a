"""E-mail that leaves only after the transaction commits, rendered in the recipient's
language, sent by the background worker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .tasks import send_email


def render_email(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """Templates live at ``<template>_subject.txt`` and ``<template>_body.txt``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        full_context = {"SITE_URL": settings.SITE_URL, **context}
        subject = render_to_string(f"{template}_subject.txt", full_context).strip()
        body = render_to_string(f"{template}_body.txt", full_context)
    return " ".join(subject.splitlines()), body


def send_email_on_commit(
    to: str, template: str, context: dict[str, Any], language: str = ""
) -> None:
    subject, body = render_email(template, context, language)
    transaction.on_commit(lambda: send_email(to, subject, body))
