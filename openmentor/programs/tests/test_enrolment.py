"""Applying, deciding, leaving and invitations, through the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from openmentor.programs.models import Invitation, Membership
from openmentor.programs.services import invite


def test_apply_then_coordinator_approves_and_applicant_is_told(
    program: Any, charlie: Any, alice: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    question = program.questions.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(charlie).post(
            "/programs/global-doctoral/apply/",
            {
                "role": "mentee",
                f"q_{question.pk}": "Malaria epidemiology",
                "accept_guidelines": "on",
            },
        )
    assert response.status_code == 302
    membership = Membership.objects.get(program=program, user=charlie)
    assert membership.status == "pending"
    assert membership.answers == {str(question.pk): "Malaria epidemiology"}
    assert [m.to for m in mail.outbox] == [[alice.email]]

    page = client_for(alice).get("/programs/global-doctoral/console/applications/").content.decode()
    assert "Malaria epidemiology" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            f"/programs/global-doctoral/console/applications/{membership.pk}/decide/",
            {"decision": "approve", "message": "Welcome aboard"},
        )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == "active"
    assert membership.decided_by == alice
    assert mail.outbox[-1].to == [charlie.email]
    assert "Welcome aboard" in mail.outbox[-1].body
    assert "Global Doctoral Mentoring" in client_for(charlie).get("/dashboard/").content.decode()


def test_automatic_approval_admits_at_once(program: Any, charlie: Any, client_for) -> None:
    program.approval = "automatic"
    program.save()
    question = program.questions.get()
    client_for(charlie).post(
        "/programs/global-doctoral/apply/",
        {"role": "mentor", f"q_{question.pk}": "Statistics", "accept_guidelines": "on"},
    )
    membership = Membership.objects.get(program=program, user=charlie)
    assert membership.status == "active"
    assert membership.capacity == program.default_mentor_capacity


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"role": "mentee", "accept_guidelines": "on"}, "This field is required."),
        ({"role": "mentee", "q_ANSWER": "x" * 301, "accept_guidelines": "on"}, "at most 300"),
        ({"role": "mentee", "q_ANSWER": "Genomics"}, "This field is required."),
    ],
)
def test_bad_applications_say_why_and_save_nothing(
    program: Any, charlie: Any, client_for, data: dict[str, str], field_message: str
) -> None:
    question = program.questions.get()
    data = {k.replace("ANSWER", str(question.pk)): v for k, v in data.items()}
    response = client_for(charlie).post("/programs/global-doctoral/apply/", data)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not Membership.objects.filter(user=charlie).exists()


def test_closed_enrolment_refuses_applications(program: Any, charlie: Any, client_for) -> None:
    program.enrolment_open = False
    program.save()
    question = program.questions.get()
    response = client_for(charlie).post(
        "/programs/global-doctoral/apply/",
        {"role": "mentee", f"q_{question.pk}": "x", "accept_guidelines": "on"},
    )
    assert response.status_code == 400
    assert "Enrolment in this program is closed." in response.content.decode()
    assert not Membership.objects.filter(user=charlie).exists()


def test_applying_twice_is_refused(program: Any, bob: Any, client_for) -> None:
    question = program.questions.get()
    response = client_for(bob).post(
        "/programs/global-doctoral/apply/",
        {"role": "mentee", f"q_{question.pk}": "x", "accept_guidelines": "on"},
    )
    assert response.status_code == 400
    assert "already applied" in response.content.decode()
    assert Membership.objects.filter(user=bob, program=program).count() == 1


def test_declined_applicant_sees_the_message_and_may_apply_again(
    program: Any, charlie: Any, alice: Any, client_for
) -> None:
    question = program.questions.get()
    payload = {"role": "mentee", f"q_{question.pk}": "x", "accept_guidelines": "on"}
    client_for(charlie).post("/programs/global-doctoral/apply/", payload)
    membership = Membership.objects.get(user=charlie)
    decide = f"/programs/global-doctoral/console/applications/{membership.pk}/decide/"
    decline = {"decision": "decline", "message": "Full this term"}
    # It cannot be undone, and the person is told: asked first, nothing done meanwhile.
    asked = client_for(alice).post(decide, decline).content.decode()
    assert "Decline this application?" in asked and 'value="Full this term"' in asked
    membership.refresh_from_db()
    assert membership.status == "pending"
    client_for(alice).post(decide, {**decline, "confirmed": "1"})
    page = client_for(charlie).get("/programs/global-doctoral/").content.decode()
    assert "Full this term" in page
    client_for(charlie).post("/programs/global-doctoral/apply/", payload)
    membership.refresh_from_db()
    assert membership.status == "pending"


def test_deciding_twice_is_refused(program: Any, charlie: Any, alice: Any, client_for) -> None:
    membership = Membership.objects.create(program=program, user=charlie, role="mentee")
    url = f"/programs/global-doctoral/console/applications/{membership.pk}/decide/"
    client_for(alice).post(url, {"decision": "approve"})
    assert client_for(alice).post(url, {"decision": "decline"}).status_code == 404
    membership.refresh_from_db()
    assert membership.status == "active"


def test_coordinator_of_another_program_cannot_decide_here(
    program: Any, other_program: Any, charlie: Any, dave: Any, client_for
) -> None:
    membership = Membership.objects.create(program=program, user=charlie, role="mentee")
    # Even through their own program's URL, the application id of another program is refused.
    response = client_for(dave).post(
        f"/programs/peer-circle/console/applications/{membership.pk}/decide/",
        {"decision": "approve"},
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.status == "pending"


def test_member_can_leave(program: Any, bob: Any, client_for) -> None:
    # Asked first (without JavaScript, on a page of its own): it ends their mentorships.
    asked = client_for(bob).post("/programs/global-doctoral/leave/", {"role": "mentee"})
    assert "Your mentorships in it end" in asked.content.decode()
    assert Membership.objects.get(user=bob, program=program).status == "active"
    response = client_for(bob).post(
        "/programs/global-doctoral/leave/", {"role": "mentee", "confirmed": "1"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=bob, program=program).status == "left"


def test_last_coordinator_cannot_leave(program: Any, alice: Any, client_for) -> None:
    client_for(alice).post(
        "/programs/global-doctoral/leave/", {"role": "coordinator", "confirmed": "1"}
    )
    assert (
        Membership.objects.get(user=alice, program=program, role="coordinator").status == "active"
    )


def test_invitation_by_email_link_admits_without_approval(
    program: Any, alice: Any, charlie: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            "/programs/global-doctoral/console/invite/", {"email": charlie.email, "role": "mentor"}
        )
    assert response.status_code == 302
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    path = link[link.index("/invitations/") :].strip()
    page = client_for(charlie).get(path)
    assert page.status_code == 200
    refused = client_for(charlie).post(path, {})
    assert refused.status_code == 400
    assert not Membership.objects.filter(user=charlie).exists()
    client_for(charlie).post(path, {"accept_guidelines": "on"})
    membership = Membership.objects.get(user=charlie, program=program)
    assert (membership.role, membership.status, membership.source) == (
        "mentor",
        "active",
        "invitation",
    )
    again = client_for(charlie).post(path, {"accept_guidelines": "on"})
    assert again.status_code == 409
    assert "This invitation has already been used." in again.content.decode()
    # Said as the link is opened again, with no form to fill in for nothing.
    reopened = client_for(charlie).get(path).content.decode()
    assert "already been used" in reopened and "Accept invitation" not in reopened


def test_invitation_form_rejects_bad_email(program: Any, alice: Any, client_for) -> None:
    response = client_for(alice).post(
        "/programs/global-doctoral/console/invite/", {"email": "not-an-email", "role": "mentor"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not Invitation.objects.exists()


def test_unknown_or_expired_invitation_is_refused(
    program: Any, alice: Any, charlie: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    assert client_for(charlie).get("/invitations/nonsense/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        invite(alice, program, email=charlie.email, role="mentee")
    invitation = Invitation.objects.get()
    invitation.expires_at = invitation.created_at.replace(year=2000)
    invitation.save()
    raw = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    path = raw[raw.index("/invitations/") :].strip()
    response = client_for(charlie).post(path, {"accept_guidelines": "on"})
    assert response.status_code == 409
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=charlie, program=program).exists()


def test_question_builder_validates_choice_questions(program: Any, alice: Any, client_for) -> None:
    url = "/programs/global-doctoral/console/questions/"
    response = client_for(alice).post(
        url,
        {
            "prompt": "Pick one",
            "kind": "single_choice",
            "choices": "Only one",
            "audience": "everyone",
        },
    )
    assert response.status_code == 400
    assert "At least two choices." in response.content.decode()
    assert program.questions.count() == 1
    client_for(alice).post(
        url,
        {
            "prompt": "Pick one",
            "kind": "single_choice",
            "choices": "A\nB",
            "audience": "mentee",
            "required": "on",
        },
    )
    assert program.questions.count() == 2


def test_program_settings_reject_a_formal_program_without_dates(
    program: Any, alice: Any, client_for
) -> None:
    from openmentor.programs.forms import ProgramForm

    data = {k: v for k, v in ProgramForm(instance=program).initial.items() if v is not None}
    data.update({"starts_on": "", "ends_on": "", "name": "Renamed"})
    response = client_for(alice).post("/programs/global-doctoral/console/settings/", data)
    assert response.status_code == 400
    assert "A formal program needs a start and an end date." in response.content.decode()
    program.refresh_from_db()
    assert program.name == "Global Doctoral Mentoring"
    # An end before the start: said on the end date, not as the database's constraint.
    data.update({"starts_on": "2027-05-01", "ends_on": "2027-04-01"})
    backwards = client_for(alice).post("/programs/global-doctoral/console/settings/", data)
    assert backwards.status_code == 400
    page = backwards.content.decode()
    assert 'id="id_ends_on_error">The end date must come after the start date.' in page
    assert "program_ends_after_it_starts" not in page
    program.refresh_from_db()
    assert program.name == "Global Doctoral Mentoring"


def test_an_invitation_to_someone_with_an_account_is_in_their_language(
    program: Any, alice: Any, charlie: Any, django_capture_on_commit_callbacks
) -> None:
    from openmentor.programs import services

    charlie.language = "pt"
    charlie.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(alice, program, email=charlie.email.upper(), role="mentor")
        services.invite(alice, program, email="newcomer@example.org", role="mentor")
    to_charlie, to_newcomer = mail.outbox[-2:]
    assert to_charlie.subject == f"Você foi convidado para {program.name}"
    assert to_newcomer.subject == f"You are invited to {program.name}"  # Alice's language


def test_a_coordinator_chooses_the_language_of_a_newcomers_invitation(
    program: Any, alice: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    form = client_for(alice).get("/programs/global-doctoral/console/invite/").content.decode()
    assert "Language of the invitation" in form
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(
            "/programs/global-doctoral/console/invite/",
            {"email": "leticia@example.org", "role": "mentee", "language": "pt"},
        )
    assert mail.outbox[-1].subject == f"Você foi convidado para {program.name}"
    refused = client_for(alice).post(
        "/programs/global-doctoral/console/invite/",
        {"email": "other@example.org", "role": "mentee", "language": "xx"},
    )
    assert refused.status_code == 400
    assert not Invitation.objects.filter(email="other@example.org").exists()


def test_signing_up_from_an_invitation_link_needs_no_second_email_check(
    program: Any, alice: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    from allauth.account.models import EmailAddress
    from django.test import Client

    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(
            "/programs/global-doctoral/console/invite/",
            {"email": "Nova@Example.org", "role": "mentee"},
        )
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    path = link[link.index("/invitations/") :].strip()
    mail.outbox.clear()
    visitor = Client()
    assert visitor.get(path).status_code == 200
    visitor.post(
        "/accounts/signup/",
        {
            "email": "nova@example.org",
            "password1": "a long and private passphrase",
            "password2": "a long and private passphrase",
            "display_name": "Letícia Nova",
            "time_zone": "America/Recife",
        },
    )
    assert EmailAddress.objects.get(email="nova@example.org").verified
    assert mail.outbox == []  # no "confirm your address" e-mail
    # Someone else with the link, signing up with another address, still checks it.
    other = Client()
    other.get(path)
    other.post(
        "/accounts/signup/",
        {
            "email": "someone.else@example.org",
            "password1": "a long and private passphrase",
            "password2": "a long and private passphrase",
            "display_name": "Someone Else",
            "time_zone": "UTC",
        },
    )
    assert not EmailAddress.objects.get(email="someone.else@example.org").verified
    visitor.post(path, {"accept_guidelines": "on"})
    assert Membership.objects.get(program=program, user__email="nova@example.org").status == (
        "active"
    )


def test_an_invitation_is_accepted_only_by_the_address_it_was_sent_to(
    program: Any, alice: Any, bob: Any, charlie: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    """A forwarded or leaked link made whoever held it a member, even a coordinator."""
    from allauth.account.models import EmailAddress

    with django_capture_on_commit_callbacks(execute=True):
        invite(alice, program, email="charlie.work@example.org", role="coordinator")
    raw = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    path = raw[raw.index("/invitations/") :].strip()
    page = client_for(bob).get(path).content.decode()
    assert "This invitation was sent to charlie.work@example.org" in page
    assert "Accept invitation" not in page
    assert 'href="/accounts/logout/"' in page  # a way on: sign in with the address
    taken = client_for(bob).post(path, {"accept_guidelines": "on"})
    assert taken.status_code == 403
    assert not Membership.objects.filter(user=bob, role="coordinator").exists()
    # The invited address, confirmed on another account of theirs: it is theirs.
    EmailAddress.objects.create(user=charlie, email="Charlie.Work@example.org", verified=True)
    assert client_for(charlie).post(path, {"accept_guidelines": "on"}).status_code == 302
    assert Membership.objects.get(user=charlie, program=program).role == "coordinator"


def test_a_newcomer_reads_the_invitation_and_signs_up_in_its_language(
    program: Any, alice: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    from django.test import Client

    from openmentor.accounts.models import User

    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(
            "/programs/global-doctoral/console/invite/",
            {"email": "maria@example.org", "role": "mentee", "language": "es"},
        )
    raw = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    path = raw[raw.index("/invitations/") :].strip()
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en-US")  # a borrowed computer's browser
    landing = visitor.get(path)
    assert "Crear una cuenta" in landing.content.decode()
    visitor.post(
        "/accounts/signup/",
        {
            "email": "maria@example.org",
            "password1": "a long and private passphrase",
            "password2": "a long and private passphrase",
            "display_name": "María",
            "time_zone": "America/Lima",
        },
    )
    assert User.objects.get(email="maria@example.org").language == "es"
    # Someone who chose a language keeps it.
    chooser = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    chooser.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert "Créer un compte" in chooser.get(path).content.decode()


@pytest.mark.browser
def test_the_decline_button_asks_first_in_the_browser(
    browser: Any,
    live_server: Any,
    transactional_db: None,
    program: Any,
    charlie: Any,
    alice: Any,
    client_for: Any,
) -> None:
    """Approve and decline share a form: the question is the decline button's own."""
    membership = Membership.objects.create(program=program, user=charlie, role="mentee")
    context = browser.new_context(locale="en-GB")
    session = client_for(alice).cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/programs/global-doctoral/console/applications/")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name=f"Decline {charlie.name}").click()
    assert asked == [f"Decline {charlie.name}? They are told by e-mail, and it cannot be undone."]
    membership.refresh_from_db()
    assert membership.status == "pending"
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name=f"Decline {charlie.name}").click()
    assert "declined" in page.content()
    membership.refresh_from_db()
    assert membership.status == "declined"  # no second question from the server
    context.close()
