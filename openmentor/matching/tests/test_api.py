"""The matching API end to end: a coordinator edits and publishes a round, a mentee asks,
the mentor answers. Errors come back as {code, message} and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from openmentor.matching.models import MentorRequest, Proposal
from openmentor.mentorships.models import Mentorship

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_openapi_lists_the_matching_endpoints() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/programs/{slug}/matching/rounds",
        "/api/v1/matching/rounds/{round_id}/proposals",
        "/api/v1/matching/rounds/{round_id}/swap",
        "/api/v1/matching/rounds/{round_id}/publish",
        "/api/v1/matching/rounds/{round_id}/fairness",
        "/api/v1/programs/{slug}/matching/recommendations",
        "/api/v1/programs/{slug}/matching/requests",
        "/api/v1/matching/requests/{request_id}/accept",
    ):
        assert path in paths, path


def test_coordinator_swaps_and_publishes_through_the_api(
    matching_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        round_id = api.post(f"/api/v1/programs/{matching_program.slug}/matching/rounds").json()[
            "id"
        ]
    proposals = api.get(f"/api/v1/matching/rounds/{round_id}/proposals").json()
    assert len(proposals) == 2
    first, second = proposals
    bad = api.post(
        f"/api/v1/matching/rounds/{round_id}/swap",
        {"first": first["id"], "second": first["id"]},
        content_type=JSON,
    )
    assert bad.status_code == 422 and bad.json()["message"]
    missing = api.post(
        f"/api/v1/matching/rounds/{round_id}/swap",
        {"first": first["id"], "second": 999999},
        content_type=JSON,
    )
    assert missing.status_code == 404
    swapped = api.post(
        f"/api/v1/matching/rounds/{round_id}/swap",
        {"first": first["id"], "second": second["id"]},
        content_type=JSON,
    )
    assert swapped.status_code == 200
    assert {p["mentor_id"] for p in swapped.json()} == {first["mentor_id"], second["mentor_id"]}
    fairness = api.get(f"/api/v1/matching/rounds/{round_id}/fairness").json()
    assert fairness["total"] == 2 and fairness["matched"] == 2
    assert {row["group"] for row in fairness["by_country"]} == {"Brazil", "Nepal"}
    published = api.post(f"/api/v1/matching/rounds/{round_id}/publish").json()
    assert published == {"published": 2, "skipped": 0}
    assert Mentorship.objects.filter(origin="round").count() == 2
    late = api.post(f"/api/v1/matching/proposals/{first['id']}/reject")
    assert late.status_code == 409 and late.json()["code"] == "conflict"
    assert Proposal.objects.get(pk=first["id"]).status == "published"


def test_mentee_asks_and_mentor_accepts_through_the_api(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    url = f"/api/v1/programs/{matching_program.slug}/matching/requests"
    made = client_for(bob).post(
        url,
        {"mentor_id": carol.pk, "message": "Grant help?", "idempotency_key": "0123456789abcdef"},
        content_type=JSON,
    )
    assert made.status_code == 201
    request_id = made.json()["id"]
    assert made.json()["explanation"]  # the pair's factors are kept with the request
    received = client_for(carol).get("/api/v1/matching/requests?role=received").json()
    assert [r["id"] for r in received] == [request_id]
    accepted = client_for(carol).post(
        f"/api/v1/matching/requests/{request_id}/accept", {"message": "Yes!"}, content_type=JSON
    )
    assert accepted.status_code == 200 and accepted.json()["mentorship_id"]
    again = client_for(carol).post(
        f"/api/v1/matching/requests/{request_id}/decline", {}, content_type=JSON
    )
    assert again.status_code == 409
    withdraw = client_for(bob).post(f"/api/v1/matching/requests/{request_id}/withdraw")
    assert withdraw.status_code == 409
    assert MentorRequest.objects.get().status == "accepted"


@pytest.mark.parametrize("mentor_id", [0, -1, 10**20, "carol"])
def test_impossible_ids_are_refused_with_a_clear_error(
    matching_program: Any, bob: Any, client_for: Any, mentor_id: Any
) -> None:
    response = client_for(bob).post(
        f"/api/v1/programs/{matching_program.slug}/matching/requests",
        {"mentor_id": mentor_id, "idempotency_key": "0123456789abcdef"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert "mentor_id" in response.json()["fields"]
    assert not MentorRequest.objects.exists()
