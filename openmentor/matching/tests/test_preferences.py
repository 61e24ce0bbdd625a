"""Matching preferences: a mentee's must-haves (language, country, meeting in person) and
ranked mentors reach the engine, are only set by the person themself, and bad input is
refused with a clear message and nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import add_member, make_person
from openmentor.core.errors import NotAllowed, ValidationFailed
from openmentor.matching import adapter, services
from openmentor.matching.models import MatchingPreference, MatchingRound, UnmatchedReason
from openmentor.mentorships.services import create_mentorship
from openmentor.programs.models import Membership

from .conftest import give_profile

pytestmark = pytest.mark.django_db

JSON = "application/json"


def membership(program: Any, user: Any, role: str = "mentee") -> Membership:
    return Membership.objects.get(program=program, user=user, role=role)


def run(coordinator: Any, program: Any, capture: Any) -> MatchingRound:
    with capture(execute=True):
        new = services.start_round(coordinator, program)
    new.refresh_from_db()
    return new


# -- must-haves reach the engine --------------------------------------------------------------


def test_a_mentee_who_must_have_a_portuguese_speaker_is_only_proposed_one(
    matching_program: Any,
    alice: Any,
    erin: Any,
    carol: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Erin (statistics, en/ne) fits frank as well as carol; asking for Portuguese leaves
    only carol, in every round and in her recommendations."""
    frank = matching_program.frank
    services.set_matching_preferences(erin, membership(matching_program, erin), must_speak=["pt"])
    mentors = set()
    for _ in range(3):
        done = run(alice, matching_program, django_capture_on_commit_callbacks)
        pair = done.proposals.get(mentee=erin)
        mentors.add(pair.mentor_id)
        codes = {f["code"] for f in pair.explanation}
        assert "requirements_met" in codes
        done.proposals.all().delete()
    assert mentors == {carol.pk}
    recommended = [
        r["mentor"].pk
        for r in adapter.recommend_for(
            matching_program, erin, adapter.snapshot(adapter.settings_for(matching_program))
        )
    ]
    assert recommended == [carol.pk] and frank.pk not in recommended
    assert "speaks Portuguese" in " ".join(adapter.describe(pair.explanation))


def test_when_no_mentor_speaks_the_language_the_mentee_is_unmatched_and_told_why(
    matching_program: Any,
    alice: Any,
    erin: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.set_matching_preferences(
        erin, membership(matching_program, erin), must_speak=["pt", "es"], must_country=["BR"]
    )
    done = run(alice, matching_program, django_capture_on_commit_callbacks)
    assert not done.proposals.filter(mentee=erin).exists()
    reasons = UnmatchedReason.objects.get(round=done, user=erin).reasons
    assert reasons == ["requirements_not_met"]
    page = client_for(alice).get(reverse("matching_round", args=[matching_program.slug, done.pk]))
    text = page.content.decode()
    assert "No mentor meets every must-have they set" in text
    assert "Their must-haves: speaks Portuguese or Spanish; lives in Brazil" in text


def test_when_the_only_portuguese_speaker_is_full_nobody_else_is_proposed(
    matching_program: Any,
    alice: Any,
    erin: Any,
    carol: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Carol, the only Portuguese speaker, is full: two open mentorships with other mentees.
    for n in range(2):
        other = make_person(f"m{n}@example.org", f"Other Mentee {n}")
        add_member(matching_program, other, "mentee")
        create_mentorship(matching_program, mentors=[carol], mentees=[other], origin="round")
    services.set_matching_preferences(erin, membership(matching_program, erin), must_speak=["pt"])
    done = run(alice, matching_program, django_capture_on_commit_callbacks)
    assert not done.proposals.filter(mentee=erin).exists()  # frank has room but no Portuguese
    # The engine names the narrower cause: the one mentor who meets the must-have is full.
    reasons = UnmatchedReason.objects.get(round=done, user=erin).reasons
    assert reasons == ["all_suitable_mentors_full"]
    assert (
        adapter.recommend_for(
            matching_program, erin, adapter.snapshot(adapter.settings_for(matching_program))
        )
        == []
    )


def test_must_country_and_meeting_in_person_filter_recommendations(
    matching_program: Any, erin: Any, carol: Any
) -> None:
    frank = matching_program.frank
    snap = adapter.snapshot(adapter.settings_for(matching_program))
    mine = membership(matching_program, erin)
    assert {r["mentor"].pk for r in adapter.recommend_for(matching_program, erin, snap)} == {
        carol.pk,
        frank.pk,
    }
    services.set_matching_preferences(erin, mine, must_country=["NG"])
    assert [r["mentor"].pk for r in adapter.recommend_for(matching_program, erin, snap)] == [
        frank.pk
    ]
    matching_program.delivery = "hybrid"
    matching_program.save()
    carol.profile.meeting_modes = ["video", "in_person"]
    carol.profile.save()
    mine = membership(matching_program, erin)  # the program is hybrid now
    services.set_matching_preferences(erin, mine, must_meet_in_person=True)
    found = adapter.recommend_for(matching_program, erin, snap)
    assert [r["mentor"].pk for r in found] == [carol.pk]
    assert "can meet in person" in " ".join(found[0]["reasons"])
    # If the program goes online-only, the in-person must-have no longer applies.
    matching_program.delivery = "online_only"
    matching_program.save()
    assert {r["mentor"].pk for r in adapter.recommend_for(matching_program, erin, snap)} == {
        carol.pk,
        frank.pk,
    }


@pytest.fixture
def tied_program(alice: Any) -> Any:
    """One mentee and two mentors identical in every way the engine scores."""
    from openmentor.programs.models import Program

    tied = Program.objects.create(name="Tied", slug="tied", created_by=alice)
    add_member(tied, alice, "coordinator")
    mentee = make_person("tina@example.org", "Tina Mentee", time_zone="Europe/Lisbon")
    give_profile(mentee, languages={"en": 5}, country="PT", interests=["python"], goals="python")
    add_member(tied, mentee, "mentee")
    mentors = []
    for email, name in [("mo@example.org", "Mo Mentor"), ("max@example.org", "Max Mentor")]:
        mentor = make_person(email, name, time_zone="Europe/Lisbon")
        give_profile(mentor, languages={"en": 5}, country="PT", expertise=["python"], seniority=5)
        add_member(tied, mentor, "mentor")
        mentors.append(mentor)
    tied.mentee, tied.mentors = mentee, mentors
    return tied


def test_a_ranked_mentor_is_preferred_when_otherwise_tied(
    tied_program: Any, alice: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mentee = tied_program.mentee
    first = run(alice, tied_program, django_capture_on_commit_callbacks)
    chosen = first.proposals.get().mentor_id
    other = next(m for m in tied_program.mentors if m.pk != chosen)
    first.proposals.all().delete()
    services.set_matching_preferences(
        mentee, membership(tied_program, mentee), ranked_mentors=[other.pk, chosen]
    )
    second = run(alice, tied_program, django_capture_on_commit_callbacks)
    pair = second.proposals.get()
    assert pair.mentor_id == other.pk
    ranked = [f for f in pair.explanation if f["code"] == "ranked_preference"]
    assert ranked and ranked[0]["rank"] == 1
    page = client_for(alice).get(reverse("matching_round", args=[tied_program.slug, second.pk]))
    assert "Honours a ranked preference: the mentee ranked this mentor number 1." in (
        page.content.decode()
    )
    snap = adapter.snapshot(adapter.settings_for(tied_program))
    assert adapter.recommend_for(tied_program, mentee, snap)[0]["mentor"].pk == other.pk


# -- the page ---------------------------------------------------------------------------------


def test_a_mentee_sets_preferences_on_the_page_linked_from_find_a_mentor(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    client = client_for(bob)
    url = reverse("matching_preferences", args=[matching_program.slug])
    assert url in client.get(reverse("matching_my", args=[matching_program.slug])).content.decode()
    assert (
        url in client.get(reverse("program_detail", args=[matching_program.slug])).content.decode()
    )
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'for="id_rank_1"' in text and "Portuguese" in text
    assert "must_meet_in_person" not in text  # online-only program: not offered
    saved = client.post(
        url,
        {"must_speak": ["pt"], "also_speak": "es", "must_country": ["IN"], "rank_1": carol.pk},
    )
    assert saved.status_code == 302
    found = MatchingPreference.objects.get(membership__user=bob)
    assert found.must_speak == ["pt", "es"] and found.must_country == ["IN"]
    assert found.ranked_mentors == [carol.pk] and not found.must_meet_in_person
    again = client.get(url).content.decode()
    assert 'value="pt" id="id_must_speak_0" checked' in again  # own languages come first


def test_the_page_offers_meeting_in_person_only_in_hybrid_programs(
    matching_program: Any, bob: Any, client_for: Any
) -> None:
    matching_program.delivery = "hybrid"
    matching_program.save()
    url = reverse("matching_preferences", args=[matching_program.slug])
    client = client_for(bob)
    assert "must_meet_in_person" in client.get(url).content.decode()
    client.post(url, {"must_meet_in_person": "on"})
    assert MatchingPreference.objects.get(membership__user=bob).must_meet_in_person


def test_bad_input_on_the_page_shows_a_clear_message_and_saves_nothing(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    url = reverse("matching_preferences", args=[matching_program.slug])
    client = client_for(bob)
    client.post(url, {"must_speak": ["pt"]})
    response = client.post(url, {"must_speak": ["en"], "rank_1": carol.pk, "rank_2": carol.pk})
    assert response.status_code == 400
    assert "Rank each mentor only once." in response.content.decode()
    assert MatchingPreference.objects.get(membership__user=bob).must_speak == ["pt"]


# -- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["charlie", "dave", "alice", "carol"])
def test_only_the_mentee_opens_the_preferences_page_and_endpoint(
    request: pytest.FixtureRequest,
    who: str,
    matching_program: Any,
    other_program: Any,
    client_for: Any,
) -> None:
    client = client_for(request.getfixturevalue(who))
    url = reverse("matching_preferences", args=[matching_program.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {"must_speak": ["pt"]}).status_code == 403
    api = f"/api/v1/programs/{matching_program.slug}/matching-preferences"
    assert client.get(api).status_code == 403
    put = client.put(api, {"must_speak": ["pt"]}, content_type=JSON)
    assert put.status_code == 403 and put.json()["message"]
    assert not MatchingPreference.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "erin", "dave", "alice", "carol"])
def test_nobody_but_bob_sets_bobs_preferences(
    request: pytest.FixtureRequest, who: str, matching_program: Any, other_program: Any, bob: Any
) -> None:
    with pytest.raises(NotAllowed):
        services.set_matching_preferences(
            request.getfixturevalue(who), membership(matching_program, bob), must_speak=["pt"]
        )
    assert not MatchingPreference.objects.exists()


def test_a_mentor_cannot_set_preferences_on_their_own_membership(
    matching_program: Any, carol: Any
) -> None:
    with pytest.raises(NotAllowed):
        services.set_matching_preferences(
            carol, membership(matching_program, carol, "mentor"), must_speak=["pt"]
        )


def test_api_needs_sign_in_and_an_existing_program(
    matching_program: Any, bob: Any, client_for: Any
) -> None:
    from django.test import Client

    api = f"/api/v1/programs/{matching_program.slug}/matching-preferences"
    assert Client().get(api).status_code == 401
    assert Client().put(api, {}, content_type=JSON).status_code == 401
    missing = client_for(bob).get("/api/v1/programs/no-such-program/matching-preferences")
    assert missing.status_code == 404


def test_the_api_reads_and_replaces_my_preferences(
    matching_program: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    client = client_for(bob)
    api = f"/api/v1/programs/{matching_program.slug}/matching-preferences"
    empty = client.get(api).json()
    assert empty == {
        "program": matching_program.slug,
        "must_speak": [],
        "must_country": [],
        "must_meet_in_person": False,
        "in_person_offered": False,
        "ranked_mentor_ids": [],
    }
    put = client.put(
        api,
        {"must_speak": ["PT"], "must_country": ["in"], "ranked_mentor_ids": [carol.pk]},
        content_type=JSON,
    )
    assert put.status_code == 200
    assert put.json()["must_speak"] == ["pt"] and put.json()["must_country"] == ["IN"]
    assert client.get(api).json()["ranked_mentor_ids"] == [carol.pk]
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/programs/{slug}/matching-preferences"]) >= {"get", "put"}


# -- bad input --------------------------------------------------------------------------------


@pytest.fixture
def stranger_mentor(other_program: Any) -> Any:
    """An active mentor, but of another program."""
    person = make_person("sam@example.org", "Sam Elsewhere")
    add_member(other_program, person, "mentor")
    return person


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ranked_mentors": "four"}, "Rank at most 3 mentors."),
        ({"ranked_mentors": "stranger"}, "only rank people who are active mentors"),
        ({"ranked_mentors": "twice"}, "Rank each mentor only once."),
        ({"ranked_mentors": "self"}, "only rank people who are active mentors"),
        ({"must_speak": ["pt", "xx"]}, "“xx” is not a language we know."),
        ({"must_country": ["ZZ"]}, "“ZZ” is not a country code we know."),
        ({"must_meet_in_person": True}, "meets online only"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_saves_nothing(
    kwargs: dict[str, Any],
    message: str,
    matching_program: Any,
    bob: Any,
    carol: Any,
    stranger_mentor: Any,
    client_for: Any,
) -> None:
    frank = matching_program.frank
    spare = make_person("zoe@example.org", "Zoe Mentor")
    add_member(matching_program, spare, "mentor")
    ids = {
        "four": [carol.pk, frank.pk, spare.pk, stranger_mentor.pk],
        "stranger": [carol.pk, stranger_mentor.pk],
        "twice": [carol.pk, carol.pk],
        "self": [bob.pk],
    }
    if "ranked_mentors" in kwargs:
        kwargs = {"ranked_mentors": ids[kwargs["ranked_mentors"]]}
    mine = membership(matching_program, bob)
    services.set_matching_preferences(bob, mine, must_speak=["en"], ranked_mentors=[frank.pk])
    with pytest.raises(ValidationFailed) as error:
        services.set_matching_preferences(bob, mine, **kwargs)
    assert message in error.value.message
    saved = MatchingPreference.objects.get(membership=mine)
    assert saved.must_speak == ["en"] and saved.ranked_mentors == [frank.pk]
    assert saved.must_country == [] and not saved.must_meet_in_person

    body = {
        "must_speak": kwargs.get("must_speak", []),
        "must_country": kwargs.get("must_country", []),
        "must_meet_in_person": kwargs.get("must_meet_in_person", False),
        "ranked_mentor_ids": kwargs.get("ranked_mentors", []),
    }
    api = f"/api/v1/programs/{matching_program.slug}/matching-preferences"
    response = client_for(bob).put(api, body, content_type=JSON)
    assert response.status_code == 422 and message in response.json()["message"]
    assert MatchingPreference.objects.get(membership=mine).ranked_mentors == [frank.pk]


def test_a_peer_sets_must_haves_and_ranks_peers_of_the_same_pool(
    peer_program: Any, dave: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pia, _quin, ravi = peer_program.people
    mine = membership(peer_program, pia, "peer")
    with pytest.raises(ValidationFailed, match="active peers"):
        services.set_matching_preferences(pia, mine, ranked_mentors=[dave.pk])
    services.set_matching_preferences(pia, mine, must_country=["IN"], ranked_mentors=[ravi.pk])
    done = run(dave, peer_program, django_capture_on_commit_callbacks)
    pia_pairs = [p for p in done.proposals.all() if pia.pk in (p.mentee_id, p.mentor_id)]
    assert [{p.mentee_id, p.mentor_id} for p in pia_pairs] == [{pia.pk, ravi.pk}]
