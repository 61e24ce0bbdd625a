"""Lifecycle, agreement history, goals (including peer programs), sessions, notes and
closure, through the services: what people rely on, and bad input that changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from openmentor.core.errors import Conflict, NotAllowed, ValidationFailed
from openmentor.mentorships import selectors, services
from openmentor.mentorships.models import Goal, Mentorship, SessionLog

pytestmark = pytest.mark.django_db


def test_formal_programs_set_the_dates_informal_ones_are_open_ended(
    program, carol, bob, other_program, dave
):
    with time_machine.travel(date(2026, 8, 1)):
        formal = services.create_mentorship(program, mentors=[carol], mentees=[bob])
    assert formal.started_on == program.starts_on  # not before the program starts
    assert formal.ends_on == program.ends_on
    program.formality = "informal"
    program.save()
    informal = services.create_mentorship(
        program, mentors=[carol], mentees=[bob], status="proposed"
    )
    assert informal.started_on is None and informal.ends_on is None
    services.change_status(bob, informal, "active")
    informal.refresh_from_db()
    assert informal.started_on is not None and informal.ends_on is None


def test_lifecycle_moves_only_along_allowed_steps(mentorship, bob, carol):
    services.change_status(bob, mentorship, "paused")
    services.change_status(carol, mentorship, "active")
    with pytest.raises(Conflict):
        services.change_status(bob, mentorship, "proposed")
    services.change_status(bob, mentorship, "completed")
    with pytest.raises(Conflict):
        services.change_status(bob, mentorship, "active")
    assert Mentorship.objects.get(pk=mentorship.pk).closed_at is not None


def test_ending_early_needs_a_reason(mentorship, bob, client_for):
    response = client_for(bob).post(
        reverse("mentorship_close", args=[mentorship.pk]), {"to": "ended", "reason": "  "}
    )
    assert response.status_code == 400
    assert "why the mentorship ends early" in response.content.decode()
    mentorship.refresh_from_db()
    assert mentorship.status == "active"
    services.change_status(bob, mentorship, "ended", reason="I changed jobs")
    mentorship.refresh_from_db()
    assert (mentorship.status, mentorship.ended_reason) == ("ended", "I changed jobs")


def test_variants(program, carol, bob, erin, other_program, dave, alice):
    assert (
        selectors.variant(services.create_mentorship(program, mentors=[carol], mentees=[bob]))
        == "one_to_one"
    )
    circle = services.create_mentorship(program, mentors=[carol], mentees=[bob, erin])
    assert selectors.variant(circle) == "circle"
    peers = services.create_mentorship(other_program, peers=[bob, erin])
    assert selectors.variant(peers) == "peer"


def test_agreement_changes_keep_history_and_ask_everyone_again(mentorship, bob, carol):
    first = services.ensure_agreement(mentorship)
    services.confirm_agreement(bob, mentorship, first.number)
    services.confirm_agreement(carol, mentorship, first.number)
    assert selectors.all_confirmed(mentorship, selectors.current_agreement(mentorship))

    second = services.change_agreement(
        carol, mentorship, first.text + "\n\nWe meet on Mondays.", change_note="Day"
    )
    assert second.number == 2
    current = selectors.current_agreement(mentorship)
    assert selectors.has_confirmed(current, carol)  # proposing counts as confirming
    assert not selectors.has_confirmed(current, bob)
    assert not selectors.all_confirmed(mentorship, current)
    assert [v.number for v in selectors.agreement_history(mentorship)] == [2, 1]
    assert bob.notifications.filter(kind="agreement").exists()
    # Confirming a stale version does not count for the new one.
    with pytest.raises(Conflict):
        services.confirm_agreement(bob, mentorship, 1)
    services.confirm_agreement(bob, mentorship, 2)
    assert selectors.all_confirmed(mentorship, selectors.current_agreement(mentorship))


def test_empty_agreement_is_refused_and_changes_nothing(mentorship, bob, client_for):
    response = client_for(bob).post(
        reverse("mentorship_agreement", args=[mentorship.pk]), {"text": "   "}
    )
    assert response.status_code == 400
    assert mentorship.agreement_versions.count() == 1


def test_agreement_starts_from_the_programs_template(program, alice, carol, bob):
    services.save_agreement_template(alice, program, "Our program's promise.")
    mentorship = services.create_mentorship(program, mentors=[carol], mentees=[bob])
    assert selectors.current_agreement(mentorship).text == "Our program's promise."


def test_goal_with_milestones_actions_progress(mentorship, bob, carol):
    goal = services.create_goal(
        bob, mentorship, {"title": "Finish chapter 2", "target_date": date(2027, 1, 31)}
    )
    services.add_milestone(bob, goal, title="Outline", due_on=date(2026, 12, 10))
    item = services.add_action_item(bob, goal, title="Send outline", assignee_id=carol.pk)
    assert carol.notifications.filter(kind="action").exists()
    services.set_action_done(carol, item)  # the assignee ticks it off
    services.update_goal(bob, goal, {"progress": 40})
    goal.refresh_from_db()
    assert goal.progress == 40
    services.update_goal(bob, goal, {"status": "achieved"})
    goal.refresh_from_db()
    assert goal.progress == 100


@pytest.mark.parametrize(
    "call",
    [
        lambda bob, goal: services.add_milestone(bob, goal, title="", due_on=date(2026, 12, 1)),
        lambda bob, goal: services.add_milestone(bob, goal, title="No date", due_on=None),
        lambda bob, goal: services.update_goal(bob, goal, {"progress": 150}),
        lambda bob, goal: services.update_goal(bob, goal, {"title": ""}),
    ],
)
def test_bad_goal_input_changes_nothing(mentorship, bob, call):
    goal = services.create_goal(bob, mentorship, {"title": "Keep"})
    with pytest.raises(ValidationFailed):
        call(bob, goal)
    goal.refresh_from_db()
    assert (goal.title, goal.progress, goal.milestones.count()) == ("Keep", 0, 0)


def test_actions_go_only_to_people_in_the_mentorship(mentorship, bob, erin):
    goal = services.create_goal(bob, mentorship, {"title": "x"})
    with pytest.raises(ValidationFailed):
        services.add_action_item(bob, goal, title="Do", assignee_id=erin.pk)
    assert goal.action_items.count() == 0


def test_each_peer_owns_their_own_goals(other_program, bob, erin):
    peers = services.create_mentorship(other_program, peers=[bob, erin])
    mine = services.create_goal(bob, peers, {"title": "Bob's goal"})
    theirs = services.create_goal(erin, peers, {"title": "Erin's goal"})
    assert list(selectors.goals(peers, owner=bob)) == [mine]
    with pytest.raises(NotAllowed):
        services.update_goal(erin, mine, {"progress": 50})
    services.comment_on_goal(erin, mine, "Go Bob")  # peers mentor each other
    assert {row.person for row in selectors.mentee_progress(peers)} == {bob, erin}
    assert theirs.owner == erin


def test_sessions_are_logged_after_they_happen(mentorship, bob, client_for):
    response = client_for(bob).post(
        reverse("session_new", args=[mentorship.pk]),
        {"held_on": "2999-01-01", "duration_minutes": "60", "kind": "video"},
    )
    assert response.status_code == 400
    response = client_for(bob).post(
        reverse("session_new", args=[mentorship.pk]),
        {"held_on": "2026-11-01", "duration_minutes": "1", "kind": "video"},
    )
    assert response.status_code == 400
    assert not SessionLog.objects.exists()


def test_first_week_checklist_follows_real_data(mentorship, bob, carol):
    def done() -> dict[str, bool]:
        return {i.key: i.done for i in selectors.first_week_checklist(mentorship, bob)}

    assert done()["agreement"] is False and done()["meeting"] is False
    services.confirm_agreement(bob, mentorship, services.ensure_agreement(mentorship).number)
    services.log_session(
        carol, mentorship, held_on=date(2026, 11, 2), duration_minutes=30, kind="audio"
    )
    assert done()["agreement"] is True and done()["meeting"] is True


def test_reflection_only_after_closing_and_once(mentorship, bob, carol):
    with pytest.raises(Conflict):
        services.submit_reflection(bob, mentorship, learned="Early")
    services.change_status(carol, mentorship, "completed")
    services.submit_reflection(
        bob, mentorship, learned="Lots", thank_you="Thank you Carol!", stay_in_touch=True
    )
    assert carol.notifications.filter(kind="thanks").exists()
    with pytest.raises(Conflict):
        services.submit_reflection(bob, mentorship, learned="Again")
    assert bob.credentials.get().kind == "completion"


def test_ended_early_earns_no_credential(mentorship, bob):
    services.change_status(bob, mentorship, "ended", reason="Moved away")
    services.submit_reflection(bob, mentorship, learned="Some")
    assert not bob.credentials.exists()


def test_mentor_progress_view(mentorship, bob, carol, client_for, program):
    from openmentor.resources import services as resource_services
    from openmentor.resources.models import Resource

    goal = services.create_goal(bob, mentorship, {"title": "Publish"})
    milestone = services.add_milestone(bob, goal, title="Draft", due_on=date(2026, 12, 1))
    services.set_milestone_done(bob, milestone)
    resource = Resource.objects.create(program=program, kind="text", title="Tips", body="b")
    resource_services.share(carol, resource, mentorship, recipient_id=bob.pk)
    resource_services.mark_done(bob, resource)
    services.log_session(
        carol, mentorship, held_on=date(2026, 11, 2), duration_minutes=30, kind="audio"
    )
    row = selectors.mentee_progress(mentorship)[0]
    assert (
        row.person,
        row.goals_total,
        row.milestones_done,
        row.resources_done,
        row.sessions_held,
    ) == (bob, 1, 1, 1, 1)
    page = client_for(carol).get(reverse("mentorship_progress", args=[mentorship.pk]))
    assert "Bob Mentee" in page.content.decode()


def test_goal_templates_follow_the_program_focus(mentorship, bob, client_for, program):
    page = client_for(bob).get(reverse("goal_new", args=[mentorship.pk]) + "?template=skill")
    assert "Learn a new skill" in page.content.decode()
    # Its questions are asked beside the fields, not filled in as if they were answers.
    assert page.context["form"].initial == {"title": "Learn a new skill"}
    assert "Which skill, and to what level?" in page.content.decode()
    program.focus = "process"
    program.save()
    page = client_for(bob).get(reverse("goal_new", args=[mentorship.pk]))
    assert "Reflect on how I learn" in page.content.decode()
    assert not Goal.objects.exists()


def test_a_scheduled_meeting_is_logged_once_and_counts_as_met(mentorship, bob, carol, client_for):
    from datetime import UTC, datetime, timedelta

    from openmentor.scheduling.models import Meeting

    starts = datetime.now(UTC) - timedelta(days=1)
    meeting = Meeting.objects.create(
        mentorship=mentorship,
        kind="audio",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        status="confirmed",
        agenda="Plan the thesis",
    )
    assert selectors.has_met(mentorship)
    form = client_for(bob).get(
        reverse("session_new", args=[mentorship.pk]) + f"?meeting={meeting.pk}"
    )
    assert 'value="45"' in form.content.decode()
    services.log_session(
        bob,
        mentorship,
        held_on=starts.date(),
        duration_minutes=45,
        kind="audio",
        meeting_id=meeting.pk,
    )
    assert list(selectors.meetings_to_log(mentorship)) == []
    with pytest.raises(ValidationFailed):
        services.log_session(
            carol,
            mentorship,
            held_on=starts.date(),
            duration_minutes=45,
            kind="audio",
            meeting_id=meeting.pk,
        )
    assert SessionLog.objects.get().meeting == meeting


def test_mentor_overview_lists_only_their_own_mentees(program, carol, bob, erin, client_for):
    from conftest import add_member, make_person

    services.create_mentorship(program, mentors=[carol], mentees=[bob])
    other_mentor = make_person("olga@example.org", "Olga Mentor")
    add_member(program, other_mentor, "mentor")
    services.create_mentorship(program, mentors=[other_mentor], mentees=[erin])
    page = client_for(carol).get(reverse("my_mentees_progress")).content.decode()
    assert "Bob Mentee" in page and "Erin Mentee" not in page
    assert "Bob Mentee" not in client_for(bob).get(reverse("my_mentees_progress")).content.decode()


def test_first_message_ticks_the_checklist(mentorship, bob):
    from openmentor.messaging import services as messaging

    def message_done() -> bool:
        return next(
            i.done for i in selectors.first_week_checklist(mentorship, bob) if i.key == "message"
        )

    assert message_done() is False
    conversation = messaging.mentorship_conversation(mentorship)
    messaging.send_message(bob, conversation, body="Hello Carol!", client_id="first-hello")
    assert message_done() is True


def test_contact_details_only_when_both_want_to_stay_in_touch(mentorship, bob, carol, client_for):
    services.change_status(bob, mentorship, "completed")
    services.submit_reflection(bob, mentorship, learned="x", stay_in_touch=True)
    detail = reverse("mentorship_detail", args=[mentorship.pk])
    assert "carol@example.org" not in client_for(bob).get(detail).content.decode()
    services.submit_reflection(carol, mentorship, learned="y", stay_in_touch=True)
    assert "carol@example.org" in client_for(bob).get(detail).content.decode()
    assert "bob@example.org" in client_for(carol).get(detail).content.decode()


def test_logging_a_session_asks_the_others_for_a_rating(mentorship, bob, carol):
    services.log_session(
        carol, mentorship, held_on=date(2026, 11, 2), duration_minutes=30, kind="chat"
    )
    assert bob.notifications.filter(kind="session").count() == 1
    assert not carol.notifications.filter(kind="session").exists()


@pytest.mark.parametrize("shows_nothing", ["\u200b\u200b", "\u3164", "\u2800 \ufeff"])
def test_a_goal_note_or_comment_that_shows_nothing_is_refused(
    mentorship: Mentorship, bob: Any, carol: Any, shows_nothing: str
) -> None:
    """It went out to the others as "set a new goal: ㅤ" (and a blank note or comment)."""
    with pytest.raises(ValidationFailed, match="Name your goal"):
        services.create_goal(bob, mentorship, {"title": shows_nothing})
    with pytest.raises(ValidationFailed, match="The note is empty"):
        services.add_note(bob, mentorship, body=shows_nothing, is_private=False)
    goal = services.create_goal(bob, mentorship, {"title": "Submit the paper"})
    with pytest.raises(ValidationFailed, match="Write a comment"):
        services.comment_on_goal(carol, goal, shows_nothing)
    with pytest.raises(ValidationFailed):  # "X asked you to: ㅤ" went out for an action
        services.add_action_item(bob, goal, title=shows_nothing, assignee_id=carol.pk)
    with pytest.raises(ValidationFailed):
        services.add_milestone(bob, goal, title=shows_nothing, due_on=date(2027, 1, 1))
    with pytest.raises(ValidationFailed, match="Null characters"):
        services.add_note(bob, mentorship, body="a\x00b", is_private=True)
    assert [g.title for g in mentorship.goals.all()] == ["Submit the paper"]
    assert not mentorship.notes.exists() and not goal.comments.exists()


def test_the_standard_agreement_and_the_name_are_read_in_each_persons_language(
    program, alice, carol, bob, client_for
):
    """Made while the coordinator read French: the Portuguese-reading mentee read a French
    agreement, and everyone read "Mentorship #12"."""
    from django.utils import translation

    bob.language = "pt"
    bob.save(update_fields=["language"])
    with translation.override("fr"):
        made = services.create_mentorship(program, mentors=[carol], mentees=[bob], origin="t")
    assert made.title == "Carol Mentor & Bob Mentee"
    page = client_for(bob).get(f"/mentorships/{made.pk}/agreement/").content.decode()
    assert "Confidencialidade" in page and "Confidentialité" not in page
    english = client_for(carol).get(f"/api/v1/mentorships/{made.pk}/agreement").json()
    assert english[0]["text"].startswith("Expectations: we each say")
    assert "Carol Mentor &amp; Bob Mentee" in client_for(bob).get("/mentorships/").content.decode()


def test_the_others_are_told_who_changed_which_mentorship(program, carol, bob):
    from openmentor.notifications.models import Notification

    made = services.create_mentorship(program, mentors=[carol], mentees=[bob], origin="t")
    services.change_status(bob, made, "paused")
    told = Notification.objects.get(user=carol, kind="status")
    assert told.title == "Bob Mentee set Carol Mentor & Bob Mentee to: Paused"
    assert not Notification.objects.filter(user=bob, kind="status").exists()


def test_a_new_goal_cannot_be_due_in_the_past(mentorship, bob):
    with pytest.raises(ValidationFailed, match="today or later"):
        services.create_goal(
            bob, mentorship, {"title": "Old news", "target_date": date(2020, 1, 1)}
        )
    assert not Goal.objects.exists()


def test_the_standard_agreement_sent_back_unchanged_in_another_language_is_no_change(
    program, carol, bob, client_for
):
    from openmentor.mentorships.models import AgreementVersion

    made = services.create_mentorship(program, mentors=[carol], mentees=[bob], origin="t")
    bob.language = "fr"
    bob.save(update_fields=["language"])
    url = f"/mentorships/{made.pk}/agreement/"
    shown = client_for(bob).get(url).context["form"].initial["text"]
    assert shown.startswith("Attentes")
    answer = client_for(bob).post(url, {"text": shown.replace("\n", "\r\n"), "change_note": ""})
    assert answer.status_code == 400
    assert AgreementVersion.objects.filter(mentorship=made).count() == 1


def test_a_name_made_from_people_follows_a_new_display_name_and_a_chosen_name_stays(
    program, carol, bob, client_for
):
    """Matched before she finished her profile, a mentee stayed "ana.souza" in the name of
    her mentorship for good."""
    made = services.create_mentorship(program, mentors=[carol], mentees=[bob], origin="t")
    chosen = services.create_mentorship(
        program, mentors=[carol], mentees=[bob], origin="t", title="Grant writing"
    )
    assert made.title == "Carol Mentor & Bob Mentee"
    from openmentor.accounts.services import ProfileInput, update_profile

    update_profile(bob, ProfileInput(display_name="Roberto Silva"))
    made.refresh_from_db()
    chosen.refresh_from_db()
    assert made.title == "Carol Mentor & Roberto Silva"
    assert chosen.title == "Grant writing"
    update_profile(bob, ProfileInput(time_zone="Europe/Lisbon"))  # the name stays as it is
    made.refresh_from_db()
    assert made.title == "Carol Mentor & Roberto Silva"


def test_the_standard_agreement_writes_the_programs_choices_mid_sentence(program, carol, bob):
    """ "Rencontres : Toutes les deux semaines, En ligne uniquement" """
    from django.utils import translation

    from openmentor.mentorships.models import standard_agreement_text

    with translation.override("fr"):
        text = standard_agreement_text({"cadence": "fortnightly", "delivery": "online_only"})
    meetings = next(line for line in text.splitlines() if line.startswith("Rencontres"))
    assert "toutes les deux semaines, en ligne uniquement" in meetings.lower()
    assert ": toutes" in meetings and ", en ligne" in meetings


def test_the_agreement_page_says_a_change_is_read_as_written(program, carol, bob, client_for):
    """A one-word change froze the whole standard text in the editor's French for a
    Portuguese reader, unannounced."""
    made = services.create_mentorship(program, mentors=[carol], mentees=[bob], origin="t")
    page = client_for(bob).get(f"/mentorships/{made.pk}/agreement/").content.decode()
    assert "a changed version is read by everyone as you write it" in page
