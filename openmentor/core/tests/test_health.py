from __future__ import annotations

import re
import time
from typing import Any
from unittest import mock

import pytest
from django.test import Client, override_settings
from huey.contrib.djhuey import HUEY

from openmentor.core import health
from openmentor.core.tasks import worker_heartbeat


@pytest.mark.django_db
def test_healthz_reports_every_part_up() -> None:
    worker_heartbeat.call_local()  # what the worker does every minute
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "channel_layer"}
    assert all(check["ok"] for check in body["checks"].values())
    worker = Client().get("/healthz/worker")
    assert worker.status_code == 200
    assert re.fullmatch(r"last heartbeat \d+ s ago", worker.json()["checks"]["worker"]["detail"])


@pytest.mark.django_db
def test_healthz_worker_is_503_when_the_worker_has_stopped(monkeypatch: Any) -> None:
    """Scheduled messages, unread e-mails and reminders all wait on it. Said on its own
    address: a load balancer checking /healthz must not take every web process out."""
    HUEY.put(health.WORKER_HEARTBEAT_KEY, time.time() - 240)
    assert Client().get("/healthz").status_code == 200
    body = Client().get("/healthz/worker").json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False
    assert re.fullmatch(r"last heartbeat 24\d s ago", body["checks"]["worker"]["detail"])
    # Never seen: fine just after a deployment, a failure once the first beats are due.
    HUEY.get(health.WORKER_HEARTBEAT_KEY)  # taken away
    fresh = Client().get("/healthz/worker").json()
    assert fresh["checks"]["worker"]["detail"] == "no heartbeat yet"
    monkeypatch.setattr(health, "STARTED_AT", time.time() - 600)
    answer = Client().get("/healthz/worker")
    assert answer.status_code == 503
    assert answer.json()["checks"]["worker"] == {"ok": False, "detail": "no heartbeat"}


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["mentoring.example.org"], SECURE_SSL_REDIRECT=True)
def test_healthz_answers_a_proxy_checking_a_process_at_its_own_address() -> None:
    """Plain http to the process's address: neither https nor an allowed host."""
    worker_heartbeat.call_local()
    answer = Client().get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    page = Client().get("/", HTTP_HOST="10.0.0.5:8000")  # everything else is still checked
    assert page.status_code == 400


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
