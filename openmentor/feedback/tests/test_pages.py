"""Every page of the journey renders for the person it is for (templates, links, forms)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from openmentor.feedback import services
from openmentor.mentorships import services as mentorship_services
from openmentor.resources import services as resource_services

pytestmark = pytest.mark.django_db


def test_pages_render_for_their_people(program, mentorship, alice, bob, carol, client_for):
    survey = services.create_survey(alice, program, kind="midpoint", standard_questions=True)
    resource = resource_services.add_resource(
        carol, program=program, kind="text", title="Tips", body="Be brief"
    )
    goal = mentorship_services.create_goal(bob, mentorship, {"title": "Goal"})
    mentorship_services.log_session(
        carol, mentorship, held_on=date(2026, 11, 2), duration_minutes=30, kind="chat"
    )
    pages = {
        alice: [
            reverse("program_feedback", args=[program.slug]),
            reverse("survey_manage", args=[program.slug, survey.pk]),
            reverse("agreement_template", args=[program.slug]),
            reverse("mentorship_detail", args=[mentorship.pk]),
        ],
        carol: [
            reverse("resource_library") + "?q=tips",
            reverse("resource_new"),
            reverse("path_new"),
            reverse("resource_detail", args=[resource.pk]),
            reverse("my_mentees_progress"),
            reverse("mentorship_progress", args=[mentorship.pk]),
            reverse("goal_detail", args=[goal.pk]),
        ],
        bob: [
            reverse("mentorship_list"),
            reverse("mentorship_detail", args=[mentorship.pk]),
            reverse("mentorship_close", args=[mentorship.pk]),
            reverse("goal_new", args=[mentorship.pk]),
            reverse("session_new", args=[mentorship.pk]),
            reverse("credential_verify"),
            reverse("dashboard"),
        ],
    }
    for person, urls in pages.items():
        client = client_for(person)
        for url in urls:
            assert client.get(url).status_code == 200, (person, url)
    manage = client_for(alice).get(reverse("survey_manage", args=[program.slug, survey.pk]))
    assert "0 responses" in manage.content.decode()


def test_coordinator_creates_a_survey_on_the_page_and_adds_a_question(program, alice, client_for):
    client = client_for(alice)
    response = client.post(
        reverse("program_feedback", args=[program.slug]),
        {"kind": "end", "standard_questions": "on"},
    )
    survey = program.surveys.get()
    assert response.url == reverse("survey_manage", args=[program.slug, survey.pk])
    client.post(
        reverse("survey_manage", args=[program.slug, survey.pk]),
        {"prompt": "Anything else?", "kind": "long_text", "audience": "everyone"},
    )
    assert survey.questions.count() == 4
    page = client.get(reverse("survey_manage", args=[program.slug, survey.pk])).content.decode()
    assert "Hidden until 5 people have answered." in page


def test_the_standard_survey_is_read_in_each_persons_language(
    program, mentorship, alice, bob, client_for
):
    """Made by a coordinator reading French: the questions were stored, and asked, in
    French."""
    from datetime import timedelta

    from django.utils import timezone, translation

    bob.language = "pt"
    bob.save(update_fields=["language"])
    with translation.override("fr"):
        survey = services.create_survey(
            alice,
            program,
            kind="midpoint",
            standard_questions=True,
            send_on=timezone.localdate() - timedelta(days=1),
        )
    services.send_due_surveys()
    page = client_for(bob).get(reverse("survey_answer", args=[survey.pk])).content.decode()
    assert "Quão útil sua mentoria tem sido até agora?" in page
    assert "Dans quelle mesure" not in page
    manage = client_for(alice).get(reverse("survey_manage", args=[program.slug, survey.pk]))
    assert "How useful has your mentoring been so far?" in manage.content.decode()
    assert "Mid-point survey" in manage.content.decode()
