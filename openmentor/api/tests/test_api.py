"""The API under /api/v1: personas, bearer tokens, CSRF, error bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from openmentor.accounts.services import create_access_token
from openmentor.programs.models import Membership


def bearer(user: Any) -> Client:
    _token, raw = create_access_token(user, "test")
    # CSRF enforced as for a real script (the test client skips the check by default).
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


def post_json(client: Client, url: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_openapi_document_is_served() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/programs/{slug}/applications" in schema["paths"]


@pytest.mark.django_db
def test_anonymous_gets_a_json_401_with_a_stable_code() -> None:
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_me_and_profile_update_with_validation(bob: Any) -> None:
    client = bearer(bob)
    ok = post_json(
        client,
        "/api/v1/me/profile",
        {"headline": "Hydrologist", "languages": {"pt": 5}, "expertise": ["Remote Sensing"]},
        "patch",
    )
    assert ok.status_code == 200
    assert ok.json()["profile"]["expertise"] == ["remote sensing"]
    bad = post_json(client, "/api/v1/me/profile", {"time_zone": "Moon/Base"}, "patch")
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_failed"
    assert bad.json()["fields"]["time_zone"]
    bob.refresh_from_db()
    assert bob.time_zone == "America/Sao_Paulo"
    too_many = post_json(client, "/api/v1/me/profile", {"weekly_hours": 100}, "patch")
    assert too_many.status_code == 422


def test_profiles_follow_visibility_rules(
    program: Any, other_program: Any, bob: Any, carol: Any, charlie: Any, dave: Any, alice: Any
) -> None:
    bob.profile.accessibility_needs = "Captions"
    bob.profile.save()
    assert bearer(carol).get(f"/api/v1/profiles/{bob.pk}").json()["accessibility_needs"] is None
    assert (
        bearer(alice).get(f"/api/v1/profiles/{bob.pk}").json()["accessibility_needs"] == "Captions"
    )
    assert bearer(charlie).get(f"/api/v1/profiles/{bob.pk}").status_code == 404
    assert bearer(dave).get(f"/api/v1/profiles/{bob.pk}").status_code == 404


def test_member_lists_are_for_this_programs_coordinators(
    program: Any, other_program: Any, alice: Any, bob: Any, charlie: Any, dave: Any
) -> None:
    url = "/api/v1/programs/global-doctoral/memberships"
    assert bearer(alice).get(url).json()["count"] == 4
    for person in (bob, charlie, dave):
        response = bearer(person).get(url)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_apply_and_decide_through_the_api(
    program: Any, alice: Any, charlie: Any, dave: Any, other_program: Any
) -> None:
    question = program.questions.get()
    missing = post_json(
        bearer(charlie),
        "/api/v1/programs/global-doctoral/applications",
        {"role": "mentee", "accept_guidelines": True},
    )
    assert missing.status_code == 422
    assert f"q_{question.pk}" in missing.json()["fields"]
    assert not Membership.objects.filter(user=charlie).exists()

    created = post_json(
        bearer(charlie),
        "/api/v1/programs/global-doctoral/applications",
        {
            "role": "mentee",
            "answers": {str(question.pk): "Soil science"},
            "accept_guidelines": True,
        },
    )
    assert created.status_code == 201
    membership_id = created.json()["id"]
    assert created.json()["status"] == "pending"

    again = post_json(
        bearer(charlie),
        "/api/v1/programs/global-doctoral/applications",
        {"role": "mentee", "answers": {str(question.pk): "Soil"}, "accept_guidelines": True},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_applied"

    refused = post_json(
        bearer(dave), f"/api/v1/applications/{membership_id}/decision", {"approve": True}
    )
    assert refused.status_code == 404
    decided = post_json(
        bearer(alice),
        f"/api/v1/applications/{membership_id}/decision",
        {"approve": True, "message": "Hi"},
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "active"
    mine = bearer(charlie).get("/api/v1/me/memberships").json()
    assert [(m["program"], m["status"]) for m in mine] == [("global-doctoral", "active")]


def test_program_creation_and_settings_need_rights(program: Any, alice: Any, bob: Any) -> None:
    from django.contrib.auth.models import Permission

    body = {"name": "Circles", "structure": "peer", "group_format": "group"}
    assert post_json(bearer(bob), "/api/v1/programs", body).status_code == 403
    alice.user_permissions.add(Permission.objects.get(codename="add_program"))
    created = post_json(bearer(alice), "/api/v1/programs", body)
    assert created.status_code == 201
    assert created.json()["slug"] == "circles"
    bad = post_json(bearer(alice), "/api/v1/programs", {"name": "X", "structure": "anarchy"})
    assert bad.status_code == 422

    patch = post_json(
        bearer(bob), "/api/v1/programs/global-doctoral", {"enrolment_open": False}, "patch"
    )
    assert patch.status_code == 403
    patch = post_json(
        bearer(alice), "/api/v1/programs/global-doctoral", {"ends_on": "2026-01-01"}, "patch"
    )
    assert patch.status_code == 422
    program.refresh_from_db()
    assert program.enrolment_open and str(program.ends_on) == "2027-06-30"


def test_a_script_is_answered_in_its_persons_language_and_told_when_not_signed_in(
    bob: Any,
) -> None:
    bob.language = "es"
    bob.save(update_fields=["language"])
    refused = post_json(bearer(bob), "/api/v1/me/profile", {"time_zone": "Moon/Base"}, "patch")
    assert refused.status_code == 422 and refused["Content-Language"] == "es"
    # No token and no session: a write is "not signed in", not a puzzling CSRF failure.
    anonymous = post_json(Client(enforce_csrf_checks=True), "/api/v1/me/profile", {}, "patch")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"


def test_session_writes_need_the_csrf_token(bob: Any, program: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = post_json(client, "/api/v1/me/profile", {"headline": "x"}, "patch")
    assert response.status_code in (401, 403)
    bob.profile.refresh_from_db()
    assert bob.profile.headline == ""


COORDINATOR_ONLY = [
    ("get", "/api/v1/programs/global-doctoral/memberships", None),
    ("get", "/api/v1/programs/global-doctoral/applications", None),
    ("patch", "/api/v1/programs/global-doctoral", {"summary": "changed"}),
]


@pytest.mark.parametrize(("method", "url", "body"), COORDINATOR_ONLY)
def test_coordinator_endpoints_against_every_persona(
    method: str,
    url: str,
    body: Any,
    program: Any,
    other_program: Any,
    alice: Any,
    bob: Any,
    charlie: Any,
    dave: Any,
) -> None:
    anonymous = post_json(Client(), url, body or {}, method) if body else Client().get(url)
    assert anonymous.status_code == 401
    for persona in (charlie, bob, dave):
        client = bearer(persona)
        response = post_json(client, url, body, method) if body else client.get(url)
        assert response.status_code == 403, persona
    client = bearer(alice)
    response = post_json(client, url, body, method) if body else client.get(url)
    assert response.status_code == 200
    program.refresh_from_db()
    assert program.summary == (
        "changed" if body else "Doctoral candidates meet experienced researchers."
    )


def test_unlisted_programs_are_not_found_for_outsiders_in_the_api(
    program: Any, bob: Any, charlie: Any
) -> None:
    program.is_listed = False
    program.save()
    assert bearer(charlie).get("/api/v1/programs/global-doctoral").status_code == 404
    assert bearer(charlie).get("/api/v1/programs/global-doctoral/questions").status_code == 404
    assert bearer(bob).get("/api/v1/programs/global-doctoral").status_code == 200
    listed = bearer(charlie).get("/api/v1/programs").json()
    assert listed["count"] == 0


def test_out_of_range_page_offsets_are_refused_not_crashed(program: Any, bob: Any) -> None:
    response = bearer(bob).get("/api/v1/programs?offset=590338923200290750464&limit=49")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert bearer(bob).get("/api/v1/programs?offset=0&limit=500").status_code == 422
    assert bearer(bob).get("/api/v1/programs?offset=0&limit=20").json()["count"] == 1
