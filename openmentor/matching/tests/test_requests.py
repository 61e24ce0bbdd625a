"""Self-service: recommendations, requests with idempotency keys, caps, expiry, capacity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from openmentor.core.errors import Conflict, NotAllowed, ValidationFailed
from openmentor.matching import adapter, services
from openmentor.matching.models import MentorRequest, RequestStatus
from openmentor.mentorships.models import Mentorship
from openmentor.notifications.models import Notification

pytestmark = pytest.mark.django_db


def ask(mentee: Any, program: Any, mentor: Any, key: str = "a" * 16, message: str = "Hi") -> Any:
    return services.create_request(
        mentee, program, mentor_id=mentor.pk, message=message, idempotency_key=key
    )


def test_recommendations_rank_the_mentor_who_fits_first_and_say_why(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    snap = adapter.snapshot(adapter.settings_for(matching_program))
    recs = adapter.recommend_for(matching_program, bob, snap)
    assert recs[0]["mentor"] == carol  # the only mentor who speaks Portuguese and writes grants
    assert any("grant writing" in reason for reason in recs[0]["reasons"])
    page = client_for(bob).get(reverse("matching_my", args=[matching_program.slug]))
    assert page.status_code == 200 and "Ask Carol Mentor" in page.content.decode()
    api = client_for(bob).get(f"/api/v1/programs/{matching_program.slug}/matching/recommendations")
    assert api.json()[0]["mentor_id"] == carol.pk and api.json()[0]["reasons"]


def test_a_retried_request_returns_the_first_one(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    first, created = ask(bob, matching_program, carol)
    again, created_again = ask(bob, matching_program, carol)
    assert created and not created_again and again.pk == first.pk
    url = f"/api/v1/programs/{matching_program.slug}/matching/requests"
    body = {"mentor_id": carol.pk, "message": "Hi", "idempotency_key": "a" * 16}
    response = client_for(bob).post(url, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["id"] == first.pk
    assert MentorRequest.objects.count() == 1
    # The mentor hears about it once.
    assert Notification.objects.filter(user=carol, kind="matching.request").count() == 1


def test_accepting_creates_the_mentorship_and_tells_the_mentee(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    made, _ = ask(bob, matching_program, carol)
    # Carol can look at who asks before she answers.
    asked = client_for(carol).get(reverse("matching_my", args=[matching_program.slug]))
    assert f'href="/people/{bob.pk}/"' in asked.content.decode()
    response = client_for(carol).post(
        reverse("matching_request_action", args=[made.pk, "accept"]), {"message": "Welcome!"}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert response.url == f"/mentorships/{made.mentorship_id}/"  # on to the new mentorship
    assert made.status == RequestStatus.ACCEPTED and made.mentorship is not None
    people = {(p.user_id, p.role) for p in made.mentorship.participants.all()}
    assert people == {(carol.pk, "mentor"), (bob.pk, "mentee")}
    assert made.mentorship.origin == "request"
    assert Notification.objects.filter(user=bob, kind="matching.request_accepted").exists()
    # Their conversation opens with what they said, read by Carol up to Bob's request.
    from openmentor.messaging.models import Message
    from openmentor.messaging.selectors import unread_total

    said = Message.objects.filter(conversation__mentorship=made.mentorship).order_by("id")
    assert [(m.sender, m.body) for m in said] == [(bob, made.message), (carol, "Welcome!")]
    assert unread_total(carol) == 0 and unread_total(bob) == 1
    # Bob has his one mentor: no more mentors offered to ask (asking would be refused).
    page = client_for(bob).get(reverse("matching_my", args=[matching_program.slug]))
    assert "You have your mentor in this program." in page.content.decode()
    assert "Ask Carol Mentor" not in page.content.decode()


def test_request_notices_are_written_in_the_readers_language_and_follow_it(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    """Bob asks while reading English; Carol reads French, then switches to Spanish."""
    carol.language = "fr"
    carol.save(update_fields=["language"])
    made, _ = ask(bob, matching_program, carol)
    told = Notification.objects.get(user=carol, kind="matching.request")
    assert told.title == f"{bob} vous demande d'être son mentor"
    carol.language = "es"
    carol.save(update_fields=["language"])
    assert (
        f"{bob} te pide que seas su mentor"
        in client_for(carol).get("/notifications/").content.decode()
    )
    # The mentee's answer keeps the mentor's own words as written, a "%" included.
    services.decline_request(carol, made.pk, "Lo siento, estoy al 100% este mes.")
    answer = Notification.objects.get(user=bob, kind="matching.request_declined")
    assert answer.shown_body == "Lo siento, estoy al 100% este mes."


def test_a_full_mentor_cannot_accept_more_mentees(
    matching_program: Any, bob: Any, erin: Any, carol: Any
) -> None:
    carol_membership = matching_program.memberships.get(user=carol)
    carol_membership.capacity = 1
    carol_membership.save()
    first, _ = ask(bob, matching_program, carol)
    second, _ = ask(erin, matching_program, carol, key="b" * 16)
    services.accept_request(carol, first.pk)
    with pytest.raises(Conflict):
        services.accept_request(carol, second.pk)
    second.refresh_from_db()
    assert second.status == RequestStatus.PENDING
    assert Mentorship.objects.filter(participants__user=carol).count() == 1
    with pytest.raises(Conflict):  # and nobody can ask her any more
        ask(erin, matching_program, carol, key="c" * 16)


def test_pending_requests_are_capped(matching_program: Any, bob: Any, carol: Any) -> None:
    settings_ = adapter.settings_for(matching_program)
    settings_.max_pending_requests = 1
    settings_.save()
    ask(bob, matching_program, carol)
    with pytest.raises(Conflict) as error:
        ask(bob, matching_program, matching_program.frank, key="b" * 16)
    assert error.value.code == "too_many_requests"
    assert MentorRequest.objects.count() == 1


def test_requests_expire_and_can_no_longer_be_accepted(
    matching_program: Any, bob: Any, carol: Any
) -> None:
    made, _ = ask(bob, matching_program, carol)
    assert services.expire_requests(timezone.now() + timedelta(days=8)) == 1
    made.refresh_from_db()
    assert made.status == RequestStatus.EXPIRED
    with pytest.raises(Conflict):
        services.accept_request(carol, made.pk)


@pytest.mark.parametrize(
    ("key", "message", "error"),
    [
        ("short", "Hi", ValidationFailed),
        ("k" * 16, "x" * 2001, ValidationFailed),
    ],
)
def test_bad_requests_change_nothing(
    matching_program: Any, bob: Any, carol: Any, key: str, message: str, error: type
) -> None:
    with pytest.raises(error):
        ask(bob, matching_program, carol, key=key, message=message)
    assert not MentorRequest.objects.exists()


def test_mentees_cannot_ask_themselves_another_mentee_or_in_a_coordinator_led_program(
    matching_program: Any, bob: Any, erin: Any, carol: Any, client_for: Any
) -> None:
    with pytest.raises(ValidationFailed):
        ask(bob, matching_program, bob)
    with pytest.raises(ValidationFailed):
        ask(bob, matching_program, erin)
    with pytest.raises(NotAllowed):  # a mentor cannot ask for a mentor
        ask(carol, matching_program, matching_program.frank)
    api = client_for(bob).post(
        f"/api/v1/programs/{matching_program.slug}/matching/requests",
        {"mentor_id": erin.pk, "idempotency_key": "z" * 16},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["code"] == "validation_failed"
    api = client_for(bob).post(
        f"/api/v1/programs/{matching_program.slug}/matching/requests",
        {"mentor_id": carol.pk, "idempotency_key": "z"},
        content_type="application/json",
    )
    assert api.status_code == 422
    matching_program.matching_mode = "coordinator"
    matching_program.save()
    with pytest.raises(NotAllowed):
        ask(bob, matching_program, carol)
    assert not MentorRequest.objects.exists()


def test_peers_request_each_other_and_both_use_capacity(peer_program: Any) -> None:
    pia, quin, _ravi = peer_program.people
    snap = adapter.snapshot(adapter.settings_for(peer_program))
    recs = adapter.recommend_for(peer_program, pia, snap)
    assert recs[0]["mentor"] == quin  # Quin knows SQL, which Pia wants; Pia is not offered herself
    assert pia not in [r["mentor"] for r in recs]
    made, _ = ask(pia, peer_program, quin)
    services.accept_request(quin, made.pk)
    made.refresh_from_db()
    roles = {p.role for p in made.mentorship.participants.all()}
    assert roles == {"peer"}
    assert adapter.open_load(peer_program) == {pia.pk: 1, quin.pk: 1}


def test_past_pairs_are_not_recommended_again(matching_program: Any, bob: Any, carol: Any) -> None:
    made, _ = ask(bob, matching_program, carol)
    services.accept_request(carol, made.pk)
    snap = adapter.snapshot(adapter.settings_for(matching_program))
    assert carol not in [r["mentor"] for r in adapter.recommend_for(matching_program, bob, snap)]


def test_default_availability_follows_daylight_saving(matching_program: Any) -> None:
    from datetime import UTC, datetime

    summer = datetime(2026, 7, 6, tzinfo=UTC)  # a Monday, London on BST (UTC+1)
    winter = datetime(2026, 12, 7, tzinfo=UTC)  # a Monday, London on GMT
    assert adapter.default_availability("Europe/London", summer)[0] == 7  # 08:00 BST
    assert adapter.default_availability("Europe/London", winter)[0] == 8  # 08:00 GMT
    assert len(adapter.default_availability("Asia/Kathmandu", winter)) == 65


def test_in_a_one_to_one_program_the_first_acceptance_closes_the_other_requests(
    matching_program: Any, bob: Any, carol: Any
) -> None:
    frank = matching_program.frank
    to_carol, _ = ask(bob, matching_program, carol)
    to_frank, _ = ask(bob, matching_program, frank, key="b" * 16)
    services.accept_request(frank, to_frank.pk)
    to_carol.refresh_from_db()
    assert to_carol.status == RequestStatus.WITHDRAWN
    with pytest.raises(Conflict) as error:
        ask(bob, matching_program, carol, key="c" * 16)
    assert error.value.code == "already_matched"
    assert Mentorship.objects.filter(participants__user=bob).count() == 1


def test_a_mentee_who_leaves_the_program_cannot_be_accepted_later(
    matching_program: Any, bob: Any, carol: Any
) -> None:
    """A mentor's later yes made a mentorship with someone no longer in the program."""
    from openmentor.programs.services import leave_program

    made, _ = ask(bob, matching_program, carol)
    leave_program(bob, matching_program, "mentee")
    made.refresh_from_db()
    assert made.status == RequestStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.accept_request(carol, made.pk)
    assert not Mentorship.objects.exists()


def test_a_mentor_at_the_send_limit_still_accepts(
    matching_program: Any, bob: Any, erin: Any, carol: Any, settings: Any
) -> None:
    """Accepting writes the opening words into the conversation; the send limit of someone
    who had just written a lot refused the whole acceptance."""
    settings.MESSAGES_PER_MINUTE = 1
    carol_membership = matching_program.memberships.get(user=carol)
    carol_membership.capacity = 2
    carol_membership.save()
    first, _ = ask(bob, matching_program, carol)
    second, _ = ask(erin, matching_program, carol, key="b" * 16)
    services.accept_request(carol, first.pk, "Welcome Bob")
    accepted = services.accept_request(carol, second.pk, "Welcome Erin")
    assert accepted.status == RequestStatus.ACCEPTED and accepted.mentorship is not None


def test_each_person_finds_the_words_and_links_of_their_own_role(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    """A mentor answering requests read "find a mentor"; a mentee was offered "progress of
    the people you mentor"; a member was still told to find a program and apply."""
    made, _ = ask(bob, matching_program, carol)
    # The mentor's dashboard says a request waits (it was only in a notification).
    waiting = client_for(carol).get(reverse("dashboard")).content.decode()
    assert f"1 request in {matching_program.name}" in waiting
    assert "request in" not in client_for(bob).get(reverse("dashboard")).content.decode()
    mentor_page = client_for(carol).get(reverse("matching_my", args=[matching_program.slug]))
    assert f"<h1>{matching_program.name}: Requests to you</h1>" in mentor_page.content.decode()
    mentee_page = client_for(bob).get(reverse("matching_my", args=[matching_program.slug]))
    assert f"<h1>{matching_program.name}: find a mentor</h1>" in mentee_page.content.decode()
    client_for(carol).post(reverse("matching_request_action", args=[made.pk, "accept"]))
    progress = reverse("my_mentees_progress")
    assert progress not in client_for(bob).get(reverse("mentorship_list")).content.decode()
    assert progress in client_for(carol).get(reverse("mentorship_list")).content.decode()
    dashboard = client_for(bob).get(reverse("dashboard")).content.decode()
    assert "Find a program and apply" not in dashboard
