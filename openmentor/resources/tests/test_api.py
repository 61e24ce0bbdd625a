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


def test_tags_and_learning_paths(program, carol, bob, client_for):
    from openmentor.resources import services

    first = services.add_resource(carol, program=program, kind="text", title="One", body="1")
    second = services.add_resource(carol, program=program, kind="text", title="Two", body="2")
    tagged = client_for(carol).put(
        f"/api/v1/resources/{first.pk}/tags",
        {"tags": ["Méthodes", "writing"]},
        content_type="application/json",
    )
    assert tagged.json()["tags"] == ["methodes", "writing"]
    assert (
        client_for(bob)
        .put(f"/api/v1/resources/{first.pk}/tags", {"tags": []}, content_type="application/json")
        .status_code
        == 403
    )
    assert [r["title"] for r in client_for(bob).get("/api/v1/resources?tag=methodes").json()] == [
        "One"
    ]
    created = client_for(carol).post(
        "/api/v1/learning-paths",
        {"program": program.slug, "title": "Start", "resource_ids": [second.pk, first.pk]},
        content_type="application/json",
    )
    assert [s["title"] for s in created.json()["steps"]] == ["Two", "One"]
    assert client_for(bob).get("/api/v1/learning-paths").json()[0]["title"] == "Start"
    refused = client_for(bob).post(
        "/api/v1/learning-paths",
        {"program": program.slug, "title": "Mine", "resource_ids": [first.pk]},
        content_type="application/json",
    )
    assert refused.status_code == 403
