"""The journey through the API: JSON in, JSON out, stable error codes, nothing saved on
bad input."""

from __future__ import annotations

from typing import Any

import pytest

from openmentor.mentorships.models import Goal, Note, SessionLog

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def test_goal_milestone_comment_and_progress(mentorship, bob, carol, client_for):
    mentee, mentor = client_for(bob), client_for(carol)
    base = f"/api/v1/mentorships/{mentorship.pk}"
    created = post(mentee, f"{base}/goals", {"title": "Learn R", "target_date": "2027-03-01"})
    assert created.status_code == 201
    goal_id = created.json()["id"]
    assert (
        post(
            mentee,
            f"/api/v1/goals/{goal_id}/milestones",
            {"title": "Basics", "due_on": "2026-12-15"},
        ).status_code
        == 201
    )
    assert (
        post(mentor, f"/api/v1/goals/{goal_id}/comments", {"body": "Try tidyverse"}).status_code
        == 201
    )
    patched = mentee.patch(
        f"/api/v1/goals/{goal_id}", {"progress": 30}, content_type="application/json"
    )
    assert patched.json()["progress"] == 30
    goals = mentor.get(f"{base}/goals").json()
    assert goals[0]["milestones"][0]["title"] == "Basics"
    assert goals[0]["comments"][0]["body"] == "Try tidyverse"
    forbidden = mentor.patch(
        f"/api/v1/goals/{goal_id}", {"progress": 90}, content_type="application/json"
    )
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")


def test_bad_input_is_a_422_and_saves_nothing(mentorship, bob, client_for):
    client = client_for(bob)
    base = f"/api/v1/mentorships/{mentorship.pk}"
    assert post(client, f"{base}/goals", {"title": ""}).status_code == 422
    assert (
        post(
            client,
            f"{base}/sessions",
            {"held_on": "2026-11-01", "duration_minutes": 2, "kind": "video"},
        ).status_code
        == 422
    )
    assert (
        post(
            client,
            f"{base}/sessions",
            {"held_on": "2026-11-01", "duration_minutes": 30, "kind": "telepathy"},
        ).status_code
        == 422
    )
    assert post(client, f"{base}/status", {"to": "ended"}).json()["code"] == "validation_failed"
    assert not Goal.objects.exists() and not SessionLog.objects.exists()
    mentorship.refresh_from_db()
    assert mentorship.status == "active"


def test_agreement_confirm_and_change(mentorship, bob, carol, client_for):
    base = f"/api/v1/mentorships/{mentorship.pk}/agreement"
    versions = client_for(bob).get(base).json()
    assert versions[0]["number"] == 1
    confirmed = post(client_for(bob), f"{base}/confirm", {"version": 1}).json()
    assert confirmed["confirmed_by"] == [bob.pk]
    changed = post(client_for(carol), base, {"text": "New terms", "change_note": "Shorter"})
    assert changed.status_code == 201 and changed.json()["confirmed_by"] == [carol.pk]
    stale = post(client_for(bob), f"{base}/confirm", {"version": 1})
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")


def test_notes_private_by_default_and_session_notes(mentorship, bob, carol, client_for):
    base = f"/api/v1/mentorships/{mentorship.pk}"
    session = post(
        client_for(carol),
        f"{base}/sessions",
        {"held_on": "2026-11-02", "duration_minutes": 40, "kind": "audio"},
    ).json()
    note = post(
        client_for(carol), f"{base}/notes", {"body": "Mine alone", "session_id": session["id"]}
    ).json()
    assert note["is_private"] is True and note["session_id"] == session["id"]
    assert client_for(bob).get(f"{base}/notes").json() == []
    assert client_for(bob).delete(f"/api/v1/notes/{note['id']}").status_code == 404
    assert client_for(carol).delete(f"/api/v1/notes/{note['id']}").status_code == 204
    assert not Note.objects.exists()


def test_close_reflect_and_list_credentials(mentorship, bob, client_for):
    client = client_for(bob)
    base = f"/api/v1/mentorships/{mentorship.pk}"
    assert post(client, f"{base}/reflection", {"learned": "x"}).status_code == 409
    assert post(client, f"{base}/status", {"to": "completed"}).json()["status"] == "completed"
    assert post(client, f"{base}/reflection", {"learned": "A lot"}).status_code == 201
    credentials = client.get("/api/v1/credentials").json()
    assert [c["kind"] for c in credentials] == ["completion"]
    verdict = post(client, "/api/v1/credentials/verify", {"credential": credentials[0]["document"]})
    assert verdict.json()["valid"] is True
    assert client.get(f"{base}/progress").json()[0]["user_id"] == bob.pk


def test_list_shows_closed_only_when_asked(mentorship, bob, client_for):
    client = client_for(bob)
    post(client, f"/api/v1/mentorships/{mentorship.pk}/status", {"to": "ended", "reason": "Moved"})
    assert client.get("/api/v1/mentorships").json() == []
    assert (
        client.get("/api/v1/mentorships?include_closed=true").json()[0]["ended_reason"] == "Moved"
    )
