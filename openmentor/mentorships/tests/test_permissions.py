"""Who sees and changes what: the participants; coordinators see metadata only; the
outsider (charlie), the other mentee (erin) and another program's coordinator (dave)
see nothing. Private notes are read by their author alone."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.urls import reverse

from openmentor.mentorships import services
from openmentor.mentorships.models import Goal, Note

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(mentorship, bob):
    return services.create_goal(bob, mentorship, {"title": "Publish a paper"})


@pytest.fixture
def notes(mentorship, bob, carol):
    return {
        "bob_private": services.add_note(bob, mentorship, body="BOB-SECRET diary", is_private=True),
        "bob_shared": services.add_note(bob, mentorship, body="BOB-SHARED plan", is_private=False),
        "carol_private": services.add_note(
            carol, mentorship, body="CAROL-SECRET thoughts", is_private=True
        ),
    }


@pytest.fixture
def staff(db):
    from conftest import make_person

    return make_person("root@example.org", "Root Admin", is_staff=True, is_superuser=True)


OUTSIDERS = ["charlie", "erin", "dave"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_nothing_from_any_page(
    request, who, mentorship, goal, other_program, client_for
):
    client = client_for(request.getfixturevalue(who))
    for url in [
        reverse("mentorship_detail", args=[mentorship.pk]),
        reverse("mentorship_agreement", args=[mentorship.pk]),
        reverse("goal_detail", args=[goal.pk]),
        reverse("goal_new", args=[mentorship.pk]),
        reverse("session_new", args=[mentorship.pk]),
        reverse("mentorship_progress", args=[mentorship.pk]),
        reverse("mentorship_reflection", args=[mentorship.pk]),
    ]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_write(request, who, mentorship, goal, other_program, client_for):
    client = client_for(request.getfixturevalue(who))
    client.post(reverse("goal_comment", args=[goal.pk]), {"comment-body": "sneaky"})
    client.post(
        reverse("milestone_add", args=[goal.pk]),
        {"milestone-title": "x", "milestone-due_on": "2026-12-01"},
    )
    client.post(reverse("note_add", args=[mentorship.pk]), {"body": "sneaky"})
    client.post(reverse("mentorship_status", args=[mentorship.pk]), {"to": "paused"})
    client.post(
        reverse("mentorship_agreement", args=[mentorship.pk]), {"text": "We agree on nothing"}
    )
    mentorship.refresh_from_db()
    assert mentorship.status == "active"
    assert goal.comments.count() == 0
    assert goal.milestones.count() == 0
    assert mentorship.notes.count() == 0
    assert mentorship.agreement_versions.count() == 1


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_from_the_api(request, who, mentorship, goal, other_program, client_for):
    client = client_for(request.getfixturevalue(who))
    for url in [
        f"/api/v1/mentorships/{mentorship.pk}",
        f"/api/v1/mentorships/{mentorship.pk}/goals",
        f"/api/v1/mentorships/{mentorship.pk}/notes",
        f"/api/v1/mentorships/{mentorship.pk}/agreement",
        f"/api/v1/mentorships/{mentorship.pk}/progress",
    ]:
        assert client.get(url).status_code == 404, url


def test_private_notes_are_read_by_their_author_only(
    mentorship, notes, bob, carol, alice, erin, charlie, dave, other_program, staff, client_for
):
    detail = reverse("mentorship_detail", args=[mentorship.pk])
    api = f"/api/v1/mentorships/{mentorship.pk}/notes"

    bob_page = client_for(bob).get(detail).content.decode()
    assert "BOB-SECRET" in bob_page and "BOB-SHARED" in bob_page
    assert "CAROL-SECRET" not in bob_page
    bob_api = [n["body"] for n in client_for(bob).get(api).json()]
    assert sorted(bob_api) == ["BOB-SECRET diary", "BOB-SHARED plan"]

    carol_page = client_for(carol).get(detail).content.decode()
    assert "BOB-SHARED" in carol_page and "CAROL-SECRET" in carol_page
    assert "BOB-SECRET" not in carol_page
    carol_api = json.dumps(client_for(carol).get(api).json())
    assert "BOB-SECRET" not in carol_api

    # The program's coordinator gets an overview of activity, without any note.
    for person in (alice, staff, erin, charlie, dave):
        client = client_for(person)
        page = client.get(detail).content.decode()
        assert "SECRET" not in page and "BOB-SHARED" not in page, person
        assert "SECRET" not in client.get(api).content.decode(), person


def test_no_one_can_delete_someone_elses_note(mentorship, notes, carol, alice, client_for):
    for person in (carol, alice):
        response = client_for(person).post(reverse("note_delete", args=[notes["bob_private"].pk]))
        assert response.status_code == 404
        assert (
            client_for(person).delete(f"/api/v1/notes/{notes['bob_private'].pk}").status_code == 404
        )
    assert Note.objects.filter(pk=notes["bob_private"].pk).exists()


def test_notes_have_no_admin_page():
    assert Note not in admin.site._registry


def test_coordinator_sees_status_not_content(mentorship, goal, alice, client_for):
    page = client_for(alice).get(reverse("mentorship_detail", args=[mentorship.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Coordinator view" in text
    assert "Publish a paper" not in text
    assert client_for(alice).get(reverse("goal_detail", args=[goal.pk])).status_code == 404
    assert client_for(alice).get(f"/api/v1/mentorships/{mentorship.pk}/goals").status_code == 404
    # ...and can still step in on the relationship itself.
    client_for(alice).post(reverse("mentorship_status", args=[mentorship.pk]), {"to": "paused"})
    mentorship.refresh_from_db()
    assert mentorship.status == "paused"
    # Closing cannot be undone: asked first (a pause was not), nothing changed meanwhile.
    url = reverse("mentorship_status", args=[mentorship.pk])
    asked = client_for(alice).post(url, {"to": "completed"}).content.decode()
    assert "Close this mentorship? It cannot be reopened" in asked
    mentorship.refresh_from_db()
    assert mentorship.status == "paused"
    client_for(alice).post(url, {"to": "completed", "confirmed": "1"})
    mentorship.refresh_from_db()
    assert mentorship.status == "completed"


def test_only_the_owner_changes_a_goal(mentorship, goal, carol, client_for):
    client_for(carol).post(
        reverse("goal_update", args=[goal.pk]),
        {"progress-progress": "90", "progress-status": "open"},
    )
    client_for(carol).post(
        reverse("milestone_add", args=[goal.pk]),
        {"milestone-title": "x", "milestone-due_on": "2026-12-01"},
    )
    goal.refresh_from_db()
    assert goal.progress == 0 and goal.milestones.count() == 0
    # The mentor comments, which is their part.
    client_for(carol).post(reverse("goal_comment", args=[goal.pk]), {"comment-body": "Nice"})
    assert goal.comments.get().author == carol


def test_mentors_do_not_own_goals(mentorship, carol, client_for):
    assert client_for(carol).get(reverse("goal_new", args=[mentorship.pk])).status_code == 403
    assert (
        client_for(carol)
        .post(
            f"/api/v1/mentorships/{mentorship.pk}/goals",
            {"title": "x"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert not Goal.objects.exists()


def test_credentials_download_only_for_their_recipient(mentorship, bob, carol, erin, client_for):
    services.change_status(bob, mentorship, "completed")
    services.submit_reflection(bob, mentorship, learned="Plenty")
    credential = bob.credentials.get()
    url = reverse("credential_download", args=[credential.pk])
    assert client_for(bob).get(url).status_code == 200
    for person in (carol, erin):
        assert client_for(person).get(url).status_code == 404


def test_agreement_template_is_for_the_programs_coordinators(
    program, alice, dave, carol, other_program, client_for
):
    url = reverse("agreement_template", args=[program.slug])
    assert client_for(alice).get(url).status_code == 200
    for person in (dave, carol):
        assert client_for(person).get(url).status_code == 403
        client_for(person).post(url, {"text": "Hijacked"})
    client_for(alice).post(url, {"text": "Meet every week. Be kind."})
    assert program.agreement_template.text == "Meet every week. Be kind."


def test_in_a_circle_a_private_note_stays_with_its_author(program, carol, bob, erin, client_for):
    circle = services.create_mentorship(program, mentors=[carol], mentees=[bob, erin])
    services.add_note(bob, circle, body="BOB-CIRCLE-SECRET", is_private=True)
    services.add_note(bob, circle, body="BOB-CIRCLE-SHARED", is_private=False)
    detail = reverse("mentorship_detail", args=[circle.pk])
    for person in (erin, carol):
        page = client_for(person).get(detail).content.decode()
        assert "BOB-CIRCLE-SHARED" in page and "BOB-CIRCLE-SECRET" not in page
        api = client_for(person).get(f"/api/v1/mentorships/{circle.pk}/notes").content.decode()
        assert "BOB-CIRCLE-SECRET" not in api


def test_private_notes_leave_no_trace_in_notifications_or_events(mentorship, bob, carol):
    from openmentor.notifications.models import Notification, UserEvent

    services.add_note(bob, mentorship, body="NOTE-TRACE-SECRET", is_private=True)
    for model in (Notification, UserEvent):
        assert not any("NOTE-TRACE-SECRET" in str(row.__dict__) for row in model.objects.all())
