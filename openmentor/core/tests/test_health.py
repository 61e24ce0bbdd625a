from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_reports_every_part_up() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {"database", "queue", "channel_layer"} <= set(body["checks"])
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_healthz_is_503_when_the_queue_is_down() -> None:
    with mock.patch(
        "openmentor.core.health.HUEY.pending_count", side_effect=ConnectionError("refused")
    ):
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["queue"] == {"ok": False, "detail": "ConnectionError"}
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_home_page_lists_programs_for_visitors(program) -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert "Global Doctoral Mentoring" in response.content.decode()
    assert "Content-Security-Policy" in response.headers
