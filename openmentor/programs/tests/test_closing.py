"""Closing a program at the end of its cycle, and reopening it after a mistake: what the
coordinator relies on (nothing new starts, everyone is told once, exports still work) and
what members rely on (their mentorships completed, readable, with reflections and
credentials)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from conftest import add_member, make_person
from openmentor.core.errors import Conflict, DomainError, NotAllowed, ValidationFailed
from openmentor.feedback import services as feedback
from openmentor.feedback.models import Survey
from openmentor.matching import services as matching
from openmentor.matching.models import MatchingRound, MentorRequest, RequestStatus, RoundStatus
from openmentor.mentorships.models import Credential, Mentorship, MentorshipStatus
from openmentor.mentorships.services import change_status, create_mentorship, submit_reflection
from openmentor.messaging.services import mentorship_conversation, send_message
from openmentor.notifications.models import Notification
from openmentor.programs import csv_import, services
from openmentor.programs.models import Invitation, Membership, Program

pytestmark = pytest.mark.django_db

SETTINGS = "/programs/global-doctoral/console/settings/"
CLOSE = "/programs/global-doctoral/console/close/"
REOPEN = "/programs/global-doctoral/console/reopen/"
API_CLOSE = "/api/v1/programs/global-doctoral/close"
API_REOPEN = "/api/v1/programs/global-doctoral/reopen"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def two_mentorships(program: Any, carol: Any, bob: Any, erin: Any) -> list[Mentorship]:
    """Carol mentors Bob and, separately, Erin; Erin's is paused."""
    first = create_mentorship(program, mentors=[carol], mentees=[bob], origin="test")
    second = create_mentorship(program, mentors=[carol], mentees=[erin], origin="test")
    change_status(carol, second, MentorshipStatus.PAUSED)
    Notification.objects.all().delete()  # the pause's notice is not the closing's
    return [first, second]


def reloaded(program: Program) -> Program:
    return Program.objects.get(pk=program.pk)


# Closing


def test_closing_completes_every_open_mentorship_and_closes_enrolment_and_the_listing(
    program: Any, alice: Any, carol: Any, bob: Any, two_mentorships: list[Mentorship]
) -> None:
    from openmentor.notifications.models import UserEvent

    proposed = create_mentorship(
        program, mentors=[carol], mentees=[bob], origin="test", status=MentorshipStatus.PROPOSED
    )
    before = UserEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    done = services.close_program(alice, program)

    assert done.changed and done.completed == 2 and done.ended == 1
    program = reloaded(program)
    assert program.closed_at is not None and program.closed_by == alice
    assert not program.enrolment_open and not program.is_listed
    for mentorship in two_mentorships:
        mentorship.refresh_from_db()
        assert mentorship.status == MentorshipStatus.COMPLETED
        assert mentorship.closed_at is not None
        # Their open pages hear it, each person of each mentorship once.
        heard = UserEvent.objects.filter(
            pk__gt=before, type="mentorship.status", payload__mentorship=mentorship.pk
        ).values_list("user_id", flat=True)
        assert sorted(heard) == sorted(p.user_id for p in mentorship.participants.all())
    # One that never started is not "completed" (no credential for it): it ends, and says why.
    proposed.refresh_from_db()
    assert proposed.status == MentorshipStatus.ENDED
    assert proposed.ended_reason == "The program closed before this mentorship started."
    # Read in each reader's language (it was stored in the site's).
    from django.utils import translation

    with translation.override("es"):
        assert (
            proposed.shown_ended_reason
            == "El programa se cerró antes de que empezara esta mentoría."
        )


def test_another_programs_mentorships_stay_open(
    program: Any, other_program: Any, alice: Any, mentorship: Mentorship
) -> None:
    frank = make_person("frank@example.org", "Frank Peer")
    grace = make_person("grace@example.org", "Grace Peer")
    add_member(other_program, frank, "peer")
    add_member(other_program, grace, "peer")
    theirs = create_mentorship(other_program, peers=[frank, grace], origin="test")

    services.close_program(alice, program)

    theirs.refresh_from_db()
    assert theirs.status == MentorshipStatus.ACTIVE
    assert reloaded(other_program).closed_at is None
    assert not Notification.objects.filter(user__in=[frank, grace]).exists()


def test_each_person_is_told_once_in_their_own_language(
    program: Any, alice: Any, carol: Any, bob: Any, erin: Any, two_mentorships: Any, capture
) -> None:
    bob.language = "es"
    bob.save(update_fields=["language"])
    with capture():
        services.close_program(alice, program)

    # Carol is in two mentorships: one notification that says both, not one each.
    told = Notification.objects.filter(user=carol)
    assert told.count() == 1
    assert (
        told.get().shown_title
        == "Global Doctoral Mentoring has closed and your 2 mentorships in it are completed"
    )
    assert told.get().url == "/mentorships/"
    bobs = Notification.objects.get(user=bob)
    assert (
        bobs.title == "Global Doctoral Mentoring se ha cerrado y tu mentoría en él está completada"
    )
    assert bobs.url == f"/mentorships/{two_mentorships[0].pk}/"
    assert Notification.objects.filter(user=erin).count() == 1
    # Nobody hears of each mentorship's completion besides; the coordinator who closed it
    # and outsiders are not told at all.
    assert not Notification.objects.filter(kind="status").exists()
    assert not Notification.objects.filter(user=alice).exists()
    assert {m.to[0] for m in mail.outbox} == {carol.email, bob.email, erin.email}


def test_a_member_without_a_mentorship_is_told_the_program_closed(
    program: Any, alice: Any, erin: Any, mentorship: Mentorship
) -> None:
    services.close_program(alice, program)

    erins = Notification.objects.get(user=erin)
    assert erins.shown_title == "Global Doctoral Mentoring has closed"
    assert erins.url == "/programs/global-doctoral/"


def test_closing_a_closed_program_changes_nothing_and_says_so(
    program: Any, alice: Any, mentorship: Mentorship, client_for
) -> None:
    services.close_program(alice, program)
    closed_at = reloaded(program).closed_at
    told = Notification.objects.count()

    again = services.close_program(alice, program)

    assert not again.changed and again.completed == 0
    assert reloaded(program).closed_at == closed_at
    assert Notification.objects.count() == told
    page = client_for(alice).post(CLOSE, {"confirmed": "1"}, follow=True)
    assert "This program was already closed; nothing changed." in page.content.decode()


# Who may


@pytest.mark.parametrize("who", ["charlie", "bob", "dave"])
def test_only_this_programs_coordinators_may_close_or_reopen(
    who: str, request: Any, program: Any, other_program: Any, alice: Any, mentorship: Any
) -> None:
    person = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.close_program(person, program)
    assert reloaded(program).closed_at is None and reloaded(program).enrolment_open
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.ACTIVE
    assert not Notification.objects.exists()

    services.close_program(alice, program)
    closed_at = reloaded(program).closed_at
    with pytest.raises(NotAllowed):
        services.reopen_program(person, program)
    assert reloaded(program).closed_at == closed_at


@pytest.mark.parametrize(("who", "status"), [("charlie", 403), ("bob", 403), ("dave", 403)])
def test_the_console_and_the_api_refuse_everyone_else(
    who: str, status: int, request: Any, program: Any, other_program: Any, alice: Any, client_for
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.post(CLOSE, {"confirmed": "1"}).status_code == status
    assert client.post(API_CLOSE).status_code == status
    assert reloaded(program).closed_at is None

    services.close_program(alice, program)
    # Closed, the program is unlisted: who was never in it no longer finds it at all.
    expected = 403 if who == "bob" else 404
    assert client.post(REOPEN, {"confirmed": "1"}).status_code == expected
    assert client.post(API_REOPEN).status_code == expected
    assert reloaded(program).closed_at is not None


# The console page, with and without JavaScript


def test_the_settings_page_asks_first_then_closes(
    program: Any, alice: Any, mentorship: Mentorship, client_for
) -> None:
    client = client_for(alice)
    settings = client.get(SETTINGS).content.decode()
    assert "Close the program" in settings
    assert f'action="{CLOSE}" data-confirm="Close this program? Every open mentorship' in settings

    # Without JavaScript the post is not confirmed: a page asks, saying what will happen.
    asked = client.post(CLOSE)
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "Every open mentorship in it is completed" in page
    assert 'name="confirmed" value="1"' in page
    assert reloaded(program).closed_at is None

    done = client.post(CLOSE, {"confirmed": "1"}, follow=True)
    page = done.content.decode()
    assert done.redirect_chain[-1][0] == SETTINGS
    assert "1 mentorship was completed and its people were told" in page
    assert "Closed on" in page and "Reopen the program" in page
    assert reloaded(program).closed_at is not None
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.COMPLETED
    # The console says so on every page, the program's page too.
    assert "Closed on" in client.get("/programs/global-doctoral/console/").content.decode()
    assert "Closed on" in client.get("/programs/global-doctoral/").content.decode()


def test_reopening_asks_first_and_leaves_enrolment_and_listing_off(
    program: Any, alice: Any, mentorship: Mentorship, client_for
) -> None:
    services.close_program(alice, program)
    client = client_for(alice)
    assert "Reopen this program?" in client.post(REOPEN).content.decode()
    assert reloaded(program).closed_at is not None

    page = client.post(REOPEN, {"confirmed": "1"}, follow=True).content.decode()

    assert "is open again. Enrolment stays closed" in page
    program = reloaded(program)
    assert program.closed_at is None and program.closed_by is None
    assert not program.enrolment_open and not program.is_listed
    mentorship.refresh_from_db()
    assert mentorship.status == MentorshipStatus.COMPLETED
    again = services.reopen_program(alice, program)
    assert not again.changed
    # Turned back on in the settings, it takes applications and is listed again.
    services.update_program(alice, program, {"enrolment_open": True, "is_listed": True})
    assert reloaded(program).enrolment_open and reloaded(program).is_listed


def test_enrolment_and_listing_cannot_be_turned_on_while_closed(
    program: Any, alice: Any, client_for
) -> None:
    services.close_program(alice, program)
    with pytest.raises(ValidationFailed) as refused:
        services.update_program(alice, program, {"enrolment_open": True})
    assert refused.value.code == "program_closed"
    response = client_for(alice).patch(
        "/api/v1/programs/global-doctoral", {"is_listed": True}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["code"] == "program_closed"
    assert not reloaded(program).enrolment_open and not reloaded(program).is_listed
    # Other settings can still be corrected.
    services.update_program(alice, program, {"summary": "Cycle 2026-27, closed."})
    assert reloaded(program).summary == "Cycle 2026-27, closed."


# Nothing new starts


def test_nobody_applies_joins_or_is_invited_or_imported(
    program: Any, alice: Any, charlie: Any, capture
) -> None:
    with capture():
        invitation = services.invite(alice, program, email=charlie.email, role="mentor").invitation
    token = mail.outbox[-1].body.split("/invitations/")[1].split("/")[0]
    services.close_program(alice, program)
    program = reloaded(program)

    with pytest.raises(Conflict) as refused:
        services.apply_to_program(
            charlie, program, role="mentor", answers={}, accept_guidelines=True
        )
    assert refused.value.code == "program_closed"
    with pytest.raises(Conflict) as refused:
        services.accept_invitation(charlie, token, accept_guidelines=True)
    assert refused.value.code == "program_closed"
    with pytest.raises(Conflict):
        services.invite(alice, program, email="new@example.org", role="mentee")
    with pytest.raises(Conflict):
        services.resend_invitation(alice, program, invitation.pk)
    with pytest.raises(Conflict):
        csv_import.import_participants(
            alice, program, b"email,name,role\nnew@example.org,New Person,mentee\n"
        )
    assert not Membership.objects.filter(user=charlie).exists()
    assert not Invitation.objects.filter(email="new@example.org").exists()


def test_the_invitation_page_says_the_program_closed(
    program: Any, alice: Any, charlie: Any, capture, client_for
) -> None:
    with capture():
        services.invite(alice, program, email=charlie.email, role="mentor")
    path = "/invitations/" + mail.outbox[-1].body.split("/invitations/")[1].split()[0]
    services.close_program(alice, program)

    page = client_for(charlie).get(path).content.decode()

    assert "This program has closed; its invitations no longer admit anyone." in page
    client_for(charlie).post(path, {"accept_guidelines": "on"})
    assert not Membership.objects.filter(user=charlie).exists()


def test_no_new_matching_round_or_mentor_request(
    program: Any, alice: Any, carol: Any, bob: Any, erin: Any
) -> None:
    waiting, _created = matching.create_request(
        erin, program, mentor_id=carol.pk, message="Hello", idempotency_key="k" * 16
    )
    services.close_program(alice, program)
    program = reloaded(program)

    with pytest.raises(Conflict) as refused:
        matching.start_round(alice, program)
    assert refused.value.code == "program_closed"
    assert not MatchingRound.objects.exists()
    # A round that ran before the closing is neither run again nor published.
    earlier = MatchingRound.objects.create(
        program=program, created_by=alice, settings_snapshot={}, status=RoundStatus.DONE
    )
    earlier.program = program
    for again in (matching.rerun_round, matching.publish_round):
        with pytest.raises(Conflict) as refused:
            again(alice, earlier)
        assert refused.value.code == "program_closed"
    assert MatchingRound.objects.get(pk=earlier.pk).status == RoundStatus.DONE
    with pytest.raises(Conflict):
        matching.create_request(
            bob, program, mentor_id=carol.pk, message="Hi", idempotency_key="b" * 16
        )
    # A request waiting when it closed is withdrawn, and cannot be accepted after.
    waiting.refresh_from_db()
    assert waiting.status == RequestStatus.WITHDRAWN
    with pytest.raises(DomainError):
        matching.accept_request(carol, waiting.pk)
    assert MentorRequest.objects.count() == 1
    with pytest.raises(Conflict):
        create_mentorship(program, mentors=[carol], mentees=[bob])
    assert not Mentorship.objects.filter(program=program).exists()


def test_scheduled_surveys_are_not_sent_while_closed(
    program: Any, alice: Any, mentorship: Mentorship
) -> None:
    survey = feedback.create_survey(alice, program, kind="midpoint")
    assert survey.send_on is not None
    after = timezone.make_aware(
        datetime.combine(survey.send_on + timedelta(days=1), datetime.min.time())
    )
    services.close_program(alice, program)

    assert feedback.send_due_surveys(now=after)["sent"] == 0
    assert Survey.objects.get(pk=survey.pk).sent_at is None

    # It is the closing that holds it: reopened, the survey goes out.
    services.reopen_program(alice, program)
    assert feedback.send_due_surveys(now=after)["sent"] == 2


def test_the_directory_leaves_it_out_but_members_still_reach_its_page(
    program: Any, alice: Any, bob: Any, charlie: Any, client_for
) -> None:
    assert "Global Doctoral Mentoring" in client_for(charlie).get("/programs/").content.decode()
    services.close_program(alice, program)

    assert "Global Doctoral Mentoring" not in client_for(charlie).get("/programs/").content.decode()
    assert client_for(charlie).get("/programs/global-doctoral/").status_code == 404
    page = client_for(bob).get("/programs/global-doctoral/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Closed on" in content and "Enrolment is closed." in content
    assert "Find a mentor" not in content
    assert client_for(charlie).get("/api/v1/programs").json()["items"] == []
    # Listed again by hand in the database while closed, it still stays out.
    Program.objects.filter(pk=program.pk).update(is_listed=True)
    assert client_for(charlie).get("/api/v1/programs").json()["items"] == []


# What members and coordinators keep


def test_members_keep_their_mentorship_to_read_reflect_on_and_earn_a_credential(
    program: Any, alice: Any, carol: Any, bob: Any, mentorship: Mentorship, client_for
) -> None:
    conversation = mentorship_conversation(mentorship)
    send_message(carol, conversation, body="See you next week", client_id="c1")
    services.close_program(alice, program)

    page = client_for(bob).get(f"/mentorships/{mentorship.pk}/")
    assert page.status_code == 200 and "Write your reflection" in page.content.decode()
    thread = client_for(bob).get(f"/messages/{conversation.pk}/")
    assert thread.status_code == 200 and "See you next week" in thread.content.decode()
    # The conversation is read-only, as for any completed mentorship.
    with pytest.raises(DomainError):
        send_message(bob, conversation, body="One more thing", client_id="b1")

    submit_reflection(bob, mentorship, learned="How to plan a thesis chapter")
    assert Credential.objects.filter(recipient=bob, mentorship=mentorship).exists()


def test_coordinators_keep_the_exports(
    program: Any, alice: Any, mentorship: Mentorship, client_for
) -> None:
    services.close_program(alice, program)
    client = client_for(alice)
    response = client.get("/programs/global-doctoral/console/export/mentorships.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Carol Mentor" in body and "completed" in body.lower()
    assert client.get("/programs/global-doctoral/console/members/").status_code == 200


# The API


def test_the_api_closes_and_reopens_idempotently(
    program: Any, alice: Any, mentorship: Mentorship, client_for
) -> None:
    client = client_for(alice)
    first = client.post(API_CLOSE)
    assert first.status_code == 200
    body = first.json()
    assert body["changed"] and body["completed_mentorships"] == 1
    assert body["program"]["closed_at"] and not body["program"]["enrolment_open"]
    again = client.post(API_CLOSE).json()
    assert not again["changed"] and again["completed_mentorships"] == 0

    reopened = client.post(API_REOPEN).json()
    assert reopened["changed"] and reopened["program"]["closed_at"] is None
    assert not reopened["program"]["is_listed"]
    assert not client.post(API_REOPEN).json()["changed"]
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/programs/{slug}/close" in schema["paths"]
    assert "403" in schema["paths"]["/api/v1/programs/{slug}/close"]["post"]["responses"]


def test_the_settings_page_cannot_open_enrolment_of_a_closed_program(
    program: Any, alice: Any, client_for: Any
) -> None:
    """The form had put the posted values on the program before the service compared."""
    from openmentor.programs.forms import ProgramForm

    services.close_program(alice, program)
    program.refresh_from_db()
    data = {k: v for k, v in ProgramForm(instance=program).initial.items() if v is not None}
    data.update({"enrolment_open": "on", "is_listed": "on"})
    answer = client_for(alice).post(f"/programs/{program.slug}/console/settings/", data)
    assert answer.status_code == 400
    program.refresh_from_db()
    assert (program.enrolment_open, program.is_listed) == (False, False)
