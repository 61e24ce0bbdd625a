"""The journey through the pages, as the mentee and the mentor use it (no JavaScript)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from openmentor.mentorships.models import (
    AgreementVersion,
    Credential,
    Goal,
    Milestone,
    SessionLog,
)
from openmentor.resources.models import Resource, ResourceShare

pytestmark = pytest.mark.django_db


def test_mentee_and_mentor_walk_the_journey(mentorship, bob, carol, client_for, program):
    mentee, mentor = client_for(bob), client_for(carol)
    detail = reverse("mentorship_detail", args=[mentorship.pk])
    page = mentee.get(detail)
    assert page.status_code == 200
    assert "Your first week" in page.content.decode()

    agreement = reverse("mentorship_agreement", args=[mentorship.pk])
    assert "Be kind. Reply within a week." in mentee.get(agreement).content.decode()
    mentee.post(agreement, {"confirm": "1", "version": "1"})
    assert (
        AgreementVersion.objects.get(mentorship=mentorship).confirmations.filter(user=bob).exists()
    )

    response = mentee.post(
        reverse("goal_new", args=[mentorship.pk]),
        {"title": "Submit my first paper", "measurable": "Sent to a journal"},
    )
    goal = Goal.objects.get(mentorship=mentorship)
    assert response.url == reverse("goal_detail", args=[goal.pk])
    mentee.post(
        reverse("milestone_add", args=[goal.pk]),
        {"milestone-title": "Draft done", "milestone-due_on": "2026-12-20"},
    )
    assert Milestone.objects.get(goal=goal).due_on == date(2026, 12, 20)
    mentor.post(
        reverse("goal_comment", args=[goal.pk]), {"comment-body": "Start with the methods."}
    )
    goal_page = mentee.get(reverse("goal_detail", args=[goal.pk])).content.decode()
    assert "Start with the methods." in goal_page
    assert 'value="0" aria-label="Progress">' in goal_page  # the bar has a name

    resource = Resource.objects.create(
        program=program,
        kind="link",
        title="Writing a methods section",
        url="https://example.org",
        search_text="writing a methods section paper",
    )
    mentor.post(
        reverse("resource_share", args=[resource.pk]), {"target": f"{mentorship.pk}:{bob.pk}"}
    )
    assert ResourceShare.objects.filter(resource=resource, recipient=bob).exists()

    mentor.post(
        reverse("session_new", args=[mentorship.pk]),
        {"held_on": "2026-11-20", "duration_minutes": "45", "kind": "video"},
    )
    session = SessionLog.objects.get(mentorship=mentorship)
    mentee.post(reverse("session_rate", args=[session.pk]), {"score": "5", "comment": "Great"})
    assert session.ratings.get().score == 5

    mentee.post(reverse("mentorship_close", args=[mentorship.pk]), {"to": "completed"})
    mentorship.refresh_from_db()
    assert mentorship.status == "completed"
    for client in (mentee, mentor):
        client.post(
            reverse("mentorship_reflection", args=[mentorship.pk]),
            {"learned": "A lot", "thank_you": "Thanks!", "stay_in_touch": "on"},
        )
    credential = Credential.objects.get(recipient=bob)
    assert Credential.objects.get(recipient=carol).kind == "service"
    download = mentee.get(reverse("credential_download", args=[credential.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    document = json.loads(download.content)
    verify = reverse("credential_verify")
    assert (
        "Valid: this credential"
        in mentee.post(verify, {"document": json.dumps(document)}).content.decode()
    )
    document["credentialSubject"]["narrative"] = "Bob completed everything with honours."
    result = mentee.post(verify, {"document": json.dumps(document)}).content.decode()
    assert "Not valid" in result
    assert "changed after it was issued" in result


def test_the_mentorship_page_leads_to_messages_and_a_time_and_says_when_it_closed(
    mentorship, bob, carol, client_for
):
    """No link to the pair's messages or to finding a time; a completed mentorship still
    said "until" its planned end; the credential's name stayed in the language it was
    issued in."""
    from django.utils import translation

    from openmentor.mentorships import services

    page = client_for(bob).get(reverse("mentorship_detail", args=[mentorship.pk])).content
    text = page.decode()
    assert f'href="/mentorships/{mentorship.pk}/messages/"' in text
    assert f'href="/scheduling/mentorships/{mentorship.pk}/find-a-time/"' in text
    services.change_status(bob, mentorship, "completed")
    with translation.override("pt"):
        services.submit_reflection(bob, mentorship, learned="Muito")
    closed = client_for(bob).get(reverse("mentorship_detail", args=[mentorship.pk]))
    text = closed.content.decode()
    assert "closed on" in text
    assert "Mentoring completed: " in text and "Mentoria concluída" not in text
    assert "find-a-time" not in text
