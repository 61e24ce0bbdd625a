"""The console's Export page and its CSV downloads (reads in ``exports``)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from openmentor.core.streaming import SyncStreamingResponse
from openmentor.core.types import AuthenticatedRequest
from openmentor.programs.models import Program
from openmentor.programs.views import coordinator_view

from . import exports


@coordinator_view
def console_export(request: AuthenticatedRequest, program: Program) -> HttpResponse:
    return render(
        request,
        "reports/export.html",
        {"program": program, "exports": exports.EXPORTS, "section": "export"},
    )


@coordinator_view
@require_safe
def console_export_file(
    request: AuthenticatedRequest, program: Program, kind: str
) -> HttpResponseBase:
    export = exports.EXPORTS_BY_KIND.get(kind)
    if export is None:
        raise Http404
    response = SyncStreamingResponse(
        exports.csv_bytes(export, program, get_language() or settings.LANGUAGE_CODE),
        content_type="text/csv; charset=utf-8",
    )
    name = exports.filename(export, program, timezone.localdate())
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    response["Cache-Control"] = "private, no-store"  # personal data: no cache keeps it
    return response
