"""Destructive posts ask first, with or without JavaScript.

``site.js`` asks in a dialog and adds ``confirmed`` to the form it lets through; a browser
without JavaScript posts without it and gets the question on a page of its own, whose form
posts the same fields again, confirmed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def unless_confirmed(
    request: HttpRequest, question: str, cancel_url: str, detail: str = ""
) -> HttpResponse | None:
    """The question page for an unconfirmed post; None when the person confirmed.
    ``detail`` shows what is at stake (escaped, unless it is already safe HTML)."""
    if request.POST.get("confirmed"):
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    return render(
        request,
        "core/confirm.html",
        {"question": question, "detail": detail, "fields": fields, "cancel_url": cancel_url},
    )
