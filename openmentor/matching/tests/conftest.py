"""Matching fixtures: the conftest personas with real profiles, so the engine has
languages, countries, tags and time zones to work with."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import add_member, make_person


def give_profile(
    user: Any,
    *,
    languages: dict[str, int],
    country: str,
    expertise: list[str] = (),  # type: ignore[assignment]
    interests: list[str] = (),  # type: ignore[assignment]
    goals: str = "",
    seniority: int = 3,
    unit: str = "",
) -> Any:
    from openmentor.accounts.models import ProfileLanguage, Tag

    profile = user.profile
    profile.country = country
    profile.goals_text = goals
    profile.seniority = seniority
    profile.organisation_unit = unit
    profile.headline = f"{user.display_name} headline"
    profile.save()
    for code, level in languages.items():
        ProfileLanguage.objects.create(profile=profile, code=code, proficiency=level)
    profile.expertise.set([Tag.objects.get_or_create(name=t)[0] for t in expertise])
    profile.interests.set([Tag.objects.get_or_create(name=t)[0] for t in interests])
    return user


@pytest.fixture
def matching_program(program: Any, alice: Any, bob: Any, erin: Any, carol: Any) -> Any:
    """``program`` with profiles: carol (Kolkata, en/pt, grant writing) mentors; bob
    (São Paulo, pt/en) and erin (Kathmandu, en/ne) are mentees; frank (Lagos, en) mentors
    statistics. Both mentors have capacity 2 (add_member's default)."""
    give_profile(
        carol,
        languages={"en": 5, "pt": 4},
        country="IN",
        expertise=["grant writing", "statistics"],
        seniority=5,
    )
    give_profile(
        bob,
        languages={"pt": 5, "en": 3},
        country="BR",
        interests=["grant writing"],
        goals="I want help with grant writing for my thesis",
        seniority=1,
    )
    give_profile(
        erin,
        languages={"ne": 5, "en": 4},
        country="NP",
        interests=["statistics"],
        goals="Statistics for survey data",
        seniority=1,
    )
    frank = make_person("frank@example.org", "Frank Mentor", time_zone="Africa/Lagos")
    give_profile(frank, languages={"en": 5}, country="NG", expertise=["statistics"], seniority=4)
    add_member(program, frank, "mentor")
    program.frank = frank
    return program


@pytest.fixture
def peer_program(dave: Any) -> Any:
    """A self-service peer program coordinated by dave with three peers."""
    from openmentor.programs.models import Program

    peers = Program.objects.create(
        name="Data Peers",
        slug="data-peers",
        structure="peer",
        matching_mode="self_service",
        created_by=dave,
    )
    add_member(peers, dave, "coordinator")
    people = []
    for email, name, zone, country, skills, wants in [
        ("pia@example.org", "Pia Peer", "Europe/Berlin", "DE", ["python"], ["sql"]),
        ("quin@example.org", "Quin Peer", "Europe/Paris", "FR", ["sql"], ["python"]),
        ("ravi@example.org", "Ravi Peer", "Asia/Kolkata", "IN", ["r"], ["python"]),
    ]:
        person = make_person(email, name, time_zone=zone)
        give_profile(
            person, languages={"en": 4}, country=country, expertise=skills, interests=wants
        )
        add_member(peers, person, "peer")
        people.append(person)
    peers.people = people
    return peers
