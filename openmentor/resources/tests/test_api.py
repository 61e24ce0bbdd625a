from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_add_search_share_and_mark_done(program, mentorship, carol, bob, charlie, client_for):
    mentor = client_for(carol)
    created = mentor.post(
        "/api/v1/resources",
        {
            "program": program.slug,
            "kind": "link",
            "title": "Peer review basics",
            "url": "https://example.org/pr",
            "tags": ["Reviewing"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["tags"] == ["reviewing"]
    resource_id = created.json()["id"]
    assert [r["id"] for r in client_for(bob).get("/api/v1/resources?q=peer review").json()] == [
        resource_id
    ]
    assert client_for(charlie).get("/api/v1/resources?q=peer").json() == []
    shared = mentor.post(
        f"/api/v1/resources/{resource_id}/share",
        {"mentorship_id": mentorship.pk, "recipient_id": bob.pk},
        content_type="application/json",
    )
    assert shared.status_code == 201
    done = client_for(bob).post(
        f"/api/v1/resources/{resource_id}/done", {"done": True}, content_type="application/json"
    )
    assert done.status_code == 204
    bad = mentor.post(
        "/api/v1/resources",
        {"program": program.slug, "kind": "link", "title": "Bad", "url": "ftp://example.org"},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["fields"]) == (422, {"url": bad.json()["fields"]["url"]})
    assert (
        client_for(charlie)
        .post(
            f"/api/v1/resources/{resource_id}/share",
            {"mentorship_id": mentorship.pk},
            content_type="application/json",
        )
        .status_code
        == 404
    )
