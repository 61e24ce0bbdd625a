"""Who may see and change what: coordinators run rounds, only the two people in a request
see and answer it. charlie is an outsider, dave coordinates another program, erin is the
other mentee, bob a mentee, carol a mentor, alice the coordinator."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from openmentor.matching import services
from openmentor.matching.models import MatchingRound, MentorRequest, RequestStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_round(
    matching_program: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> MatchingRound:
    with django_capture_on_commit_callbacks(execute=True):
        new = services.start_round(alice, matching_program)
    new.refresh_from_db()
    return new


@pytest.fixture
def bob_asks_carol(matching_program: Any, bob: Any, carol: Any) -> MentorRequest:
    made, _created = services.create_request(
        bob, matching_program, mentor_id=carol.pk, message="Hello", idempotency_key="k" * 16
    )
    return made


def round_urls(program: Any, found: MatchingRound) -> list[str]:
    slug = program.slug
    return [
        reverse("matching_console", args=[slug]),
        reverse("matching_round", args=[slug, found.pk]),
        reverse("matching_round_progress", args=[slug, found.pk]),
        reverse("matching_fairness", args=[slug, found.pk]),
    ]


@pytest.mark.parametrize("who", ["charlie", "dave", "bob", "erin", "carol"])
def test_only_the_coordinator_sees_rounds(
    request: pytest.FixtureRequest,
    who: str,
    matching_program: Any,
    done_round: MatchingRound,
    other_program: Any,
    client_for: Any,
) -> None:
    client = client_for(request.getfixturevalue(who))
    for url in round_urls(matching_program, done_round):
        assert client.get(url).status_code == 403, url
    publish = reverse("matching_round_publish", args=[matching_program.slug, done_round.pk])
    assert client.post(publish).status_code == 403
    assert not done_round.proposals.filter(status="published").exists()


def test_the_coordinator_sees_the_review_table_and_fairness(
    matching_program: Any, done_round: MatchingRound, alice: Any, carol: Any, client_for: Any
) -> None:
    client = client_for(alice)
    page = client.get(reverse("matching_round", args=[matching_program.slug, done_round.pk]))
    assert page.status_code == 200
    assert "Both speak" in page.content.decode()
    fairness = client.get(reverse("matching_fairness", args=[matching_program.slug, done_round.pk]))
    assert fairness.status_code == 200 and "Brazil" in fairness.content.decode()


def test_a_coordinator_of_another_program_cannot_reach_a_round_through_their_slug(
    matching_program: Any, done_round: MatchingRound, other_program: Any, dave: Any, client_for: Any
) -> None:
    url = reverse("matching_round", args=[other_program.slug, done_round.pk])
    assert client_for(dave).get(url).status_code == 404
    api = client_for(dave).get(f"/api/v1/matching/rounds/{done_round.pk}")
    assert api.status_code == 404


@pytest.mark.parametrize("who", ["charlie", "erin", "dave", "alice"])
def test_only_the_mentor_asked_can_answer_a_request(
    request: pytest.FixtureRequest,
    who: str,
    bob_asks_carol: MentorRequest,
    other_program: Any,
    client_for: Any,
) -> None:
    client = client_for(request.getfixturevalue(who))
    for action in ("accept", "decline", "withdraw"):
        url = reverse("matching_request_action", args=[bob_asks_carol.pk, action])
        assert client.post(url).status_code == 404
    assert client.get(f"/api/v1/matching/requests/{bob_asks_carol.pk}").status_code == 404
    assert (
        client.post(
            f"/api/v1/matching/requests/{bob_asks_carol.pk}/accept",
            {},
            content_type="application/json",
        ).status_code
        == 404
    )
    bob_asks_carol.refresh_from_db()
    assert bob_asks_carol.status == RequestStatus.PENDING


def test_the_mentee_cannot_accept_their_own_request_but_can_withdraw_it(
    bob_asks_carol: MentorRequest, bob: Any, client_for: Any
) -> None:
    client = client_for(bob)
    accept = reverse("matching_request_action", args=[bob_asks_carol.pk, "accept"])
    client.post(accept)
    bob_asks_carol.refresh_from_db()
    assert bob_asks_carol.status == RequestStatus.PENDING
    client.post(reverse("matching_request_action", args=[bob_asks_carol.pk, "withdraw"]))
    bob_asks_carol.refresh_from_db()
    assert bob_asks_carol.status == RequestStatus.WITHDRAWN


@pytest.mark.parametrize("who", ["charlie", "dave"])
def test_outsiders_get_no_matching_page_and_no_recommendations(
    request: pytest.FixtureRequest,
    who: str,
    matching_program: Any,
    other_program: Any,
    client_for: Any,
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("matching_my", args=[matching_program.slug])).status_code == 403
    api = client.get(f"/api/v1/programs/{matching_program.slug}/matching/recommendations")
    assert api.status_code == 403


def test_api_rounds_are_for_coordinators_only(
    matching_program: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    charlie: Any,
    other_program: Any,
    dave: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    url = f"/api/v1/programs/{matching_program.slug}/matching/rounds"
    for person in (bob, carol, charlie, dave):
        response = client_for(person).post(url)
        assert response.status_code == 403, person
        assert response.json()["code"] == "forbidden"
    assert not MatchingRound.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(alice).post(url)
    assert created.status_code == 202
    status = client_for(alice).get(f"/api/v1/matching/rounds/{created.json()['id']}").json()
    assert status["status"] == "done" and status["progress"] == 100
    assert client_for(bob).get(f"/api/v1/matching/rounds/{created.json()['id']}").status_code == 403
    proposals = client_for(alice).get(f"/api/v1/matching/rounds/{created.json()['id']}/proposals")
    assert proposals.status_code == 200 and proposals.json()[0]["reasons"]
    proposal_id = proposals.json()[0]["id"]
    for person in (bob, carol, charlie, dave):
        assert client_for(person).post(
            f"/api/v1/matching/proposals/{proposal_id}/lock"
        ).status_code in (403, 404)
    assert (
        client_for(alice).post(f"/api/v1/matching/proposals/{proposal_id}/lock").json()["status"]
        == "locked"
    )


def test_participants_answer_a_proposal_on_their_page_and_only_their_own(
    matching_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    charlie: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from openmentor.matching.tests.test_rounds import published_asking_consent

    found = published_asking_consent(alice, matching_program, django_capture_on_commit_callbacks)
    bobs = found.proposals.get(mentee=bob)
    page = client_for(bob).get(reverse("matching_my", args=[matching_program.slug]))
    assert "Proposed matches waiting for your answer" in page.content.decode()
    url = reverse("matching_proposal_respond", args=[bobs.pk])
    for outsider in (erin, charlie, alice):
        assert client_for(outsider).post(url, {"answer": "accept"}).status_code == 404
    client_for(bob).post(url, {"answer": "accept"})
    bobs.refresh_from_db()
    assert bobs.mentee_consent == "accepted" and bobs.mentor_consent == "pending"


def test_mentees_find_the_matching_page_from_the_dashboard_and_the_program_page(
    matching_program: Any, bob: Any, client_for: Any
) -> None:
    url = reverse("matching_my", args=[matching_program.slug])
    client = client_for(bob)
    assert url in client.get(reverse("dashboard")).content.decode()
    program_page = client.get(reverse("program_detail", args=[matching_program.slug]))
    assert url in program_page.content.decode()


def test_coordinators_see_who_asked_whom_but_not_the_message(
    matching_program: Any, bob_asks_carol: MentorRequest, alice: Any, client_for: Any
) -> None:
    page = client_for(alice).get(reverse("matching_console", args=[matching_program.slug]))
    html = page.content.decode()
    assert "Bob Mentee" in html and "Carol Mentor" in html and "1 waiting" in html
    assert bob_asks_carol.message not in html
