"""Session ratings, surveys sent and reminded on schedule (frozen time), and aggregates
that never show a group smaller than five."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from conftest import add_member, make_person
from openmentor.core.errors import Conflict, NotAllowed, ValidationFailed
from openmentor.feedback import selectors, services, tasks
from openmentor.feedback.models import SurveyInvitation, SurveyResponse
from openmentor.mentorships import services as mentorship_services
from openmentor.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(mentorship, carol):
    return mentorship_services.log_session(
        carol, mentorship, held_on=date(2026, 11, 2), duration_minutes=60, kind="video"
    )


def test_rating_once_per_person_and_only_by_participants(session, bob, erin, client_for):
    services.rate_session(bob, session, score=4, comment="Helpful")
    with pytest.raises(Conflict):
        services.rate_session(bob, session, score=5)
    with pytest.raises(NotAllowed):
        services.rate_session(erin, session, score=1)
    assert (
        client_for(erin)
        .post(reverse("session_rate", args=[session.pk]), {"score": "1"})
        .status_code
        == 404
    )
    assert session.ratings.count() == 1


@pytest.mark.parametrize("score", [0, 6, "x", None])
def test_rating_out_of_range_is_refused(session, bob, score, client_for):
    with pytest.raises(ValidationFailed):
        services.rate_session(bob, session, score=score)
    response = client_for(bob).post(
        f"/api/v1/sessions/{session.pk}/rating", {"score": 9}, content_type="application/json"
    )
    assert response.status_code == 422
    assert session.ratings.count() == 0


@pytest.fixture
def survey(program, alice):
    survey = services.create_survey(alice, program, kind="midpoint")
    services.add_survey_question(
        alice, survey, {"prompt": "How useful is your mentoring?", "kind": "scale"}
    )
    services.add_survey_question(
        alice,
        survey,
        {"prompt": "Best part?", "kind": "single_choice", "choices": ["Meetings", "Goals"]},
    )
    return survey


def test_surveys_default_to_the_programs_calendar(program, alice):
    mid = services.create_survey(alice, program, kind="midpoint")
    end = services.create_survey(alice, program, kind="end")
    assert program.starts_on < mid.send_on < program.ends_on
    assert end.send_on == date(2027, 6, 23)


def test_only_coordinators_create_surveys(program, dave, carol, other_program):
    for person in (dave, carol):
        with pytest.raises(NotAllowed):
            services.create_survey(person, program, kind="end")


def test_survey_goes_out_on_its_day_and_reminds_on_schedule(survey, mentorship, bob, carol, erin):
    def survey_notes(person):
        return Notification.objects.filter(user=person, kind="survey").count()

    with time_machine.travel(datetime(2027, 1, 1, 9, tzinfo=UTC)):  # before the mid-point
        assert tasks.send_due_surveys.call_local() == {"sent": 0, "reminded": 0}
    send_day = datetime.combine(survey.send_on, datetime.min.time(), tzinfo=UTC).replace(hour=10)
    with time_machine.travel(send_day):
        assert tasks.send_due_surveys.call_local() == {"sent": 2, "reminded": 0}
        # Running again the same hour sends nothing twice.
        assert tasks.send_due_surveys.call_local() == {"sent": 0, "reminded": 0}
    assert survey_notes(bob) == survey_notes(carol) == 1
    assert survey_notes(erin) == 0  # not in a mentorship
    with time_machine.travel(
        send_day.replace(day=send_day.day) + (datetime(2000, 1, 7) - datetime(2000, 1, 1))
    ):
        assert tasks.send_due_surveys.call_local()["reminded"] == 0  # six days: too early
    services.answer_survey(
        bob,
        survey,
        {str(q.pk): v for q, v in zip(survey.questions.all(), [5, "Goals"], strict=True)},
    )
    with time_machine.travel(send_day + (datetime(2000, 1, 8) - datetime(2000, 1, 1))):
        assert tasks.send_due_surveys.call_local() == {"sent": 0, "reminded": 1}  # carol only
    with time_machine.travel(send_day + (datetime(2000, 1, 15) - datetime(2000, 1, 1))):
        assert tasks.send_due_surveys.call_local()["reminded"] == 1
    with time_machine.travel(send_day + (datetime(2000, 1, 29) - datetime(2000, 1, 1))):
        assert tasks.send_due_surveys.call_local()["reminded"] == 0  # at most two reminders
    assert survey_notes(carol) == 3 and survey_notes(bob) == 1


def test_answering_validates_like_applications_and_only_once(
    survey, mentorship, bob, erin, client_for
):
    with time_machine.travel(datetime.combine(survey.send_on, datetime.min.time(), tzinfo=UTC)):
        services.send_due_surveys()
    scale, choice = survey.questions.all()
    with pytest.raises(ValidationFailed):
        services.answer_survey(bob, survey, {str(scale.pk): 9, str(choice.pk): "Meetings"})
    assert not SurveyResponse.objects.exists()
    page = client_for(bob).post(
        reverse("survey_answer", args=[survey.pk]),
        {f"q_{scale.pk}": "4", f"q_{choice.pk}": "Meetings"},
    )
    assert page.status_code == 302
    assert SurveyResponse.objects.get().answers == {str(scale.pk): 4, str(choice.pk): "Meetings"}
    assert SurveyInvitation.objects.get(user=bob).completed_at is not None
    with pytest.raises(Conflict):
        services.answer_survey(bob, survey, {str(scale.pk): 4, str(choice.pk): "Goals"})
    assert client_for(erin).get(reverse("survey_answer", args=[survey.pk])).status_code == 404


def _crowd(program, n):
    people = []
    for i in range(n):
        mentee = make_person(f"m{i}@example.org", f"Mentee {i}")
        mentor = make_person(f"t{i}@example.org", f"Mentor {i}")
        add_member(program, mentee, "mentee")
        add_member(program, mentor, "mentor")
        people.append(
            mentorship_services.create_mentorship(program, mentors=[mentor], mentees=[mentee])
        )
    return people


def test_aggregates_hide_groups_smaller_than_five(program, survey, alice, client_for):
    mentorships = _crowd(program, 5)
    sessions = [
        mentorship_services.log_session(
            m.participants.get(role="mentor").user,
            m,
            held_on=date(2026, 11, 2),
            duration_minutes=30,
            kind="chat",
        )
        for m in mentorships
    ]
    mentees = [m.participants.get(role="mentee").user for m in mentorships]
    for person, s, score in zip(mentees[:4], sessions, [5, 4, 4, 2], strict=False):
        services.rate_session(person, s, score=score)
    hidden = selectors.session_rating_aggregate(program)
    assert hidden.hidden and hidden.mean is None and hidden.distribution == []
    page = client_for(alice).get(reverse("program_feedback", args=[program.slug])).content.decode()
    assert "Fewer than 5 ratings" in page
    services.rate_session(mentees[4], sessions[4], score=5)
    shown = selectors.session_rating_aggregate(program)
    assert (shown.hidden, shown.mean, shown.distribution) == (
        False,
        4.0,
        [(1, 0), (2, 1), (3, 0), (4, 2), (5, 2)],
    )

    with time_machine.travel(datetime.combine(survey.send_on, datetime.min.time(), tzinfo=UTC)):
        services.send_due_surveys()
    scale, choice = survey.questions.all()
    for person in mentees[:4]:
        services.answer_survey(person, survey, {str(scale.pk): 3, str(choice.pk): "Goals"})
    total, rows = selectors.survey_aggregate(survey)
    assert total == 4 and all(row.hidden and row.mean is None and not row.counts for row in rows)
    api = (
        client_for(alice)
        .get(f"/api/v1/programs/{program.slug}/feedback/surveys/{survey.pk}")
        .json()
    )
    assert all(q["hidden"] and q["counts"] == [] for q in api["questions"])
    services.answer_survey(mentees[4], survey, {str(scale.pk): 5, str(choice.pk): "Meetings"})
    _total, rows = selectors.survey_aggregate(survey)
    assert rows[0].mean == 3.4
    assert rows[1].counts == [("Meetings", 1), ("Goals", 4)]


def test_feedback_console_is_for_the_programs_coordinators(
    program, dave, carol, bob, other_program, client_for
):
    for person in (dave, carol, bob):
        assert (
            client_for(person).get(reverse("program_feedback", args=[program.slug])).status_code
            == 403
        )
        assert (
            client_for(person).get(f"/api/v1/programs/{program.slug}/feedback/ratings").status_code
            == 403
        )


def test_coordinator_builds_a_survey_through_the_api_and_people_see_it_waiting(
    program, alice, mentorship, bob, client_for
):
    client = client_for(alice)
    created = client.post(
        f"/api/v1/programs/{program.slug}/surveys", {"kind": "end"}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["send_on"] == "2027-06-23"
    survey_id = created.json()["id"]
    added = client.post(
        f"/api/v1/programs/{program.slug}/surveys/{survey_id}/questions",
        {"prompt": "Would you mentor again?", "kind": "single_choice", "choices": ["Yes", "No"]},
        content_type="application/json",
    )
    assert added.status_code == 201
    from openmentor.feedback.models import Survey

    survey = Survey.objects.get()
    assert survey.questions.count() == 4  # three standard questions, then the new one
    bad = client.post(
        f"/api/v1/programs/{program.slug}/surveys/{survey_id}/questions",
        {"prompt": "Pick", "kind": "single_choice", "choices": ["Only one"]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and survey.questions.count() == 4
    with time_machine.travel(datetime(2027, 6, 23, 12, tzinfo=UTC)):
        services.send_due_surveys()
    assert [s["id"] for s in client_for(bob).get("/api/v1/surveys/waiting").json()] == [survey_id]
    assert (
        "Surveys waiting for you"
        in client_for(bob).get(reverse("mentorship_list")).content.decode()
    )
