"""Every program page against every persona: anonymous, outsider, member, coordinator of
another program, coordinator of this program."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

CONSOLE_PAGES = [
    "/programs/global-doctoral/console/",
    "/programs/global-doctoral/console/settings/",
    "/programs/global-doctoral/console/questions/",
    "/programs/global-doctoral/console/applications/",
    "/programs/global-doctoral/console/members/",
    "/programs/global-doctoral/console/invite/",
    "/programs/global-doctoral/console/import/",
]


@pytest.fixture
def personas(
    program: Any, other_program: Any, alice: Any, bob: Any, charlie: Any, dave: Any
) -> dict[str, Any]:
    return {"outsider": charlie, "member": bob, "other_coordinator": dave, "coordinator": alice}


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_console_pages_are_for_this_programs_coordinators_only(
    url: str, personas, client_for
) -> None:
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/accounts/login/")
    for persona in ("outsider", "member", "other_coordinator"):
        assert client_for(personas[persona]).get(url).status_code == 403, persona
    assert client_for(personas["coordinator"]).get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/programs/global-doctoral/console/questions/1/delete/",
        "/programs/global-doctoral/console/applications/1/decide/",
        "/programs/global-doctoral/console/members/1/remove/",
    ],
)
def test_console_actions_refuse_everyone_but_coordinators(url: str, personas, client_for) -> None:
    for persona in ("outsider", "member", "other_coordinator"):
        assert client_for(personas[persona]).post(url).status_code == 403, persona


def test_program_page_and_directory_are_public_for_listed_programs(personas, client_for) -> None:
    assert Client().get("/programs/").status_code == 200
    assert Client().get("/programs/global-doctoral/").status_code == 200
    page = client_for(personas["coordinator"]).get("/programs/global-doctoral/").content.decode()
    assert "coordinator console" in page


def test_unlisted_program_is_hidden_from_people_not_involved(
    program: Any, personas, client_for
) -> None:
    program.is_listed = False
    program.save()
    assert Client().get("/programs/global-doctoral/").status_code == 404
    assert client_for(personas["outsider"]).get("/programs/global-doctoral/").status_code == 404
    assert (
        client_for(personas["other_coordinator"])
        .get("/programs/global-doctoral/apply/")
        .status_code
        == 404
    )
    assert client_for(personas["member"]).get("/programs/global-doctoral/").status_code == 200
    assert "Global Doctoral" not in Client().get("/programs/").content.decode()


def test_creating_programs_needs_the_permission(personas, client_for) -> None:
    from django.contrib.auth.models import Permission

    assert client_for(personas["outsider"]).get("/programs/new/").status_code == 403
    charlie = personas["outsider"]
    charlie.user_permissions.add(Permission.objects.get(codename="add_program"))
    assert client_for(charlie).get("/programs/new/").status_code == 200


def test_dashboard_shows_each_persona_their_own_programs(personas, client_for) -> None:
    assert Client().get("/dashboard/").status_code == 302
    coordinator_page = client_for(personas["coordinator"]).get("/dashboard/").content.decode()
    assert "Programs you coordinate" in coordinator_page
    assert "Global Doctoral Mentoring" in coordinator_page
    member_page = client_for(personas["member"]).get("/dashboard/").content.decode()
    assert "Programs you coordinate" not in member_page
    assert "Global Doctoral Mentoring" in member_page
    other_page = client_for(personas["other_coordinator"]).get("/dashboard/").content.decode()
    assert "Global Doctoral Mentoring" not in other_page
    assert "Peer Circle" in other_page


def test_member_list_is_paged(program: Any, alice: Any, client_for) -> None:
    from conftest import add_member, make_person

    for index in range(60):
        add_member(program, make_person(f"m{index}@example.org", f"Member {index:02d}"), "mentee")
    first = client_for(alice).get("/programs/global-doctoral/console/members/?role=mentee")
    assert first.status_code == 200
    page = first.content.decode()
    assert "Page 1 of 2" in page
    assert 'href="?page=2&amp;role=mentee&amp;q="' in page  # the filter stays on page 2
    assert page.count("/remove/") == 50
    second = client_for(alice).get("/programs/global-doctoral/console/members/?role=mentee&page=2")
    assert second.content.decode().count("/remove/") == 12


def test_page_links_are_in_the_coordinators_language(program: Any, alice: Any, client_for) -> None:
    from conftest import add_member, make_person

    for index in range(51):
        add_member(program, make_person(f"p{index}@example.org", f"Person {index:02d}"), "mentee")
    alice.language = "es"
    alice.save(update_fields=["language"])
    page = client_for(alice).get("/programs/global-doctoral/console/members/").content.decode()
    assert "Página 1 de 2" in page and "Siguiente" in page and "Páginas de miembros" in page


@pytest.mark.django_db
def test_the_coordinators_dashboard_counts_the_programs_people(
    client_for: Any, program: Any, other_program: Any, alice: Any, charlie: Any
) -> None:
    """Bob and Erin (mentees) and Carol (mentor) are active, Charlie waits for approval;
    another program's people are not counted."""
    from conftest import add_member

    add_member(program, charlie, "mentee", status="pending")
    add_member(other_program, charlie, "mentee")
    page = client_for(alice).get(reverse("dashboard")).content.decode()
    row = page[page.index(program.name) :]
    row = row[: row.index("</tr>")]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[0] == "3"  # the row from its name on: active, then waiting
    assert ">1</a>" in cells[1]


def test_the_console_leads_to_each_mentorship_to_step_in(
    client_for: Any, program: Any, alice: Any, bob: Any, carol: Any
) -> None:
    """The mentorship page (pause, complete, end) was linked from nowhere in the console."""
    from openmentor.mentorships.services import create_mentorship

    made = create_mentorship(program, mentors=[carol], mentees=[bob], origin="t")
    coordinator = client_for(alice)
    overview = coordinator.get("/programs/global-doctoral/console/").content.decode()
    assert "1 active</p>" in overview and "2 active</p>" in overview  # one mentor, two mentees
    activity = f'href="/messages/program/{program.slug}/"'
    assert activity in overview
    listed = coordinator.get(f"/messages/program/{program.slug}/").content.decode()
    assert f'<a href="/mentorships/{made.pk}/">Carol Mentor &amp; Bob Mentee</a>' in listed
    assert coordinator.get(f"/mentorships/{made.pk}/").status_code == 200
