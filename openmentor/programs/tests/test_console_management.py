"""The coordinator console's management gaps: invitations resent and revoked, questions
edited and moved, program names kept distinct."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from openmentor.programs import services
from openmentor.programs.models import ApplicationQuestion, Invitation, Membership, Program

INVITE = "/programs/global-doctoral/console/invite/"
QUESTIONS = "/programs/global-doctoral/console/questions/"


def last_link() -> str:
    line = next(line for line in mail.outbox[-1].body.splitlines() if "/invitations/" in line)
    return line[line.index("/invitations/") :].strip()


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def invited(program: Any, alice: Any, charlie: Any, capture) -> tuple[Invitation, str]:
    """An open invitation of Charlie as mentor, and its link."""
    with capture():
        sent = services.invite(alice, program, email=charlie.email, role="mentor")
    return sent.invitation, last_link()


def accepts(client: Client, path: str) -> bool:
    client.post(path, {"accept_guidelines": "on"})
    return Membership.objects.filter(
        program__slug="global-doctoral", role="mentor", status="active", source="invitation"
    ).exists()


# Invitations


def test_inviting_an_address_again_sends_a_fresh_link_and_retires_the_old_one(
    program: Any, alice: Any, charlie: Any, bob: Any, client_for, capture, invited
) -> None:
    _invitation, old_path = invited
    with capture():
        response = client_for(alice).post(
            INVITE, {"email": charlie.email.upper(), "role": "mentor"}, follow=True
        )
    page = response.content.decode()
    assert "already had an invitation for that role: a fresh link was sent" in page
    new_path = last_link()
    assert new_path != old_path
    assert Invitation.objects.filter(program=program, role="mentor").count() == 1
    # The old link no longer admits anyone; the new one admits the invited address only.
    assert client_for(charlie).get(old_path).status_code == 404
    assert not accepts(client_for(charlie), old_path)
    assert not accepts(client_for(bob), new_path)
    assert accepts(client_for(charlie), new_path)


def test_another_role_is_another_invitation(
    program: Any, alice: Any, charlie: Any, capture, invited
) -> None:
    with capture():
        sent = services.invite(alice, program, email=charlie.email, role="mentee")
    assert not sent.replaced
    assert Invitation.objects.filter(program=program, email=charlie.email).count() == 2


def test_the_database_keeps_one_live_invitation_per_address_and_role(
    program: Any, alice: Any, invited
) -> None:
    from django.db import IntegrityError, transaction

    invitation, _path = invited
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            program=program,
            email=invitation.email.upper(),
            role="mentor",
            token_hash="x" * 64,
            expires_at=timezone.now() + timedelta(days=1),
        )


def test_resend_gives_a_new_link_in_the_invitations_language(
    program: Any, alice: Any, charlie: Any, bob: Any, client_for, capture
) -> None:
    with capture():
        client_for(alice).post(
            INVITE, {"email": "leticia@example.org", "role": "mentor", "language": "pt"}
        )
    old_path = last_link()
    invitation = Invitation.objects.get(email="leticia@example.org")
    invitation.expires_at = timezone.now() - timedelta(days=1)  # resend works once expired too
    invitation.save()
    assert "Expired on" in client_for(alice).get(INVITE).content.decode()
    alice.language = "fr"  # the coordinator's own language does not matter
    alice.save(update_fields=["language"])
    with capture():
        response = client_for(alice).post(f"{INVITE}{invitation.pk}/resend/")
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["leticia@example.org"]
    assert mail.outbox[-1].subject == f"Você foi convidado para {program.name}"
    new_path = last_link()
    assert new_path != old_path
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=29)
    assert Client().get(old_path).status_code == 404
    assert "/accounts/signup/?next=" in Client().get(new_path).content.decode()


def test_resent_link_admits_the_invited_address_only(
    program: Any, alice: Any, charlie: Any, bob: Any, client_for, capture, invited
) -> None:
    invitation, old_path = invited
    with capture():
        client_for(alice).post(f"{INVITE}{invitation.pk}/resend/")
    new_path = last_link()
    assert not accepts(client_for(charlie), old_path)
    assert not accepts(client_for(bob), new_path)
    assert accepts(client_for(charlie), new_path)
    invitation.refresh_from_db()
    assert invitation.accepted_by == charlie
    page = client_for(alice).get(INVITE).content.decode()
    assert f"Accepted by {charlie.name} on" in page
    assert f"{invitation.pk}/resend/" not in page and f"{invitation.pk}/revoke/" not in page


def test_revoking_asks_first_then_the_link_says_it_was_withdrawn(
    program: Any, alice: Any, charlie: Any, client_for, invited
) -> None:
    invitation, path = invited
    url = f"{INVITE}{invitation.pk}/revoke/"
    listing = client_for(alice).get(INVITE).content.decode()
    assert f'action="{url}"' in listing and "data-confirm=" in listing
    assert "Open until" in listing
    # Without the script, the question comes on a page of its own; nothing changes yet.
    question = client_for(alice).post(url)
    assert question.status_code == 200
    assert "Revoke this invitation?" in question.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    client_for(alice).post(url, {"confirmed": "1"})
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "Revoked on" in client_for(alice).get(INVITE).content.decode()
    opened = client_for(charlie).get(path).content.decode()
    assert "This invitation was withdrawn." in opened and "Accept invitation" not in opened
    refused = client_for(charlie).post(path, {"accept_guidelines": "on"})
    assert refused.status_code == 409
    assert not Membership.objects.filter(user=charlie, program=program).exists()
    # Someone not signed in is told at once, and gets no pass to sign up with the address.
    visitor = Client()
    page = visitor.get(path).content.decode()
    assert "This invitation was withdrawn." in page and "/accounts/signup/?next=" not in page
    # In the invitation's language throughout, and the dead link chooses no language.
    Invitation.objects.filter(pk=invitation.pk).update(language="es")
    spanish = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
    assert "Esta invitación se retiró." in spanish.content.decode()
    assert "django_language" not in spanish.cookies


def test_a_revoked_invitation_is_neither_resent_nor_revoked_again(
    program: Any, alice: Any, client_for, capture, invited
) -> None:
    invitation, _path = invited
    services.revoke_invitation(alice, program, invitation.pk)
    sent = len(mail.outbox)
    with capture():
        client_for(alice).post(f"{INVITE}{invitation.pk}/resend/")
    assert len(mail.outbox) == sent
    before = Invitation.objects.get(pk=invitation.pk)
    with pytest.raises(services.Conflict):
        services.revoke_invitation(alice, program, invitation.pk)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at == before.revoked_at
    # Inviting the address again makes a new invitation.
    with capture():
        again = services.invite(alice, program, email=invitation.email, role="mentor")
    assert not again.replaced and again.invitation.pk != invitation.pk


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_invitation_actions_are_for_this_programs_coordinators_only(
    action: str,
    program: Any,
    other_program: Any,
    bob: Any,
    charlie: Any,
    dave: Any,
    client_for,
    capture,
    invited,
) -> None:
    invitation, path = invited
    before = Invitation.objects.filter(pk=invitation.pk).values().get()
    sent = len(mail.outbox)
    url = f"{INVITE}{invitation.pk}/{action}/"
    with capture():
        for person in (charlie, bob, dave):
            assert client_for(person).post(url, {"confirmed": "1"}).status_code == 403
        # Dave coordinates another program: this invitation is not found through it.
        elsewhere = f"/programs/peer-circle/console/invite/{invitation.pk}/{action}/"
        assert client_for(dave).post(elsewhere, {"confirmed": "1"}).status_code == 404
        assert Client().post(url, {"confirmed": "1"}).status_code == 302  # to sign in
    assert Invitation.objects.filter(pk=invitation.pk).values().get() == before
    assert len(mail.outbox) == sent
    assert accepts(client_for(charlie), path)  # the link still works


def test_invitation_actions_refuse_gets(alice: Any, client_for, invited) -> None:
    invitation, _path = invited
    for action in ("resend", "revoke"):
        assert client_for(alice).get(f"{INVITE}{invitation.pk}/{action}/").status_code == 405


# Application questions


def test_editing_a_question_keeps_its_place_and_kind(program: Any, alice: Any, client_for) -> None:
    first = program.questions.get()
    services.add_question(alice, program, {"prompt": "Second?", "kind": "long_text"})
    url = f"{QUESTIONS}{first.pk}/edit/"
    form = client_for(alice).get(url).content.decode()
    assert "What is your research area?" in form
    response = client_for(alice).post(
        url,
        {"prompt": "What is your research field?", "help_text": "One line", "audience": "mentee"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.prompt, first.help_text, first.required, first.audience, first.kind) == (
        "What is your research field?",
        "One line",
        False,
        "mentee",
        "short_text",
    )
    assert [q.prompt for q in program.questions.all()] == [
        "What is your research field?",
        "Second?",
    ]


def test_editing_validates_as_adding_does(program: Any, alice: Any, client_for) -> None:
    choice = services.add_question(
        alice, program, {"prompt": "Pick", "kind": "single_choice", "choices": ["A", "B"]}
    )
    url = f"{QUESTIONS}{choice.pk}/edit/"
    one = client_for(alice).post(url, {"prompt": "Pick", "choices": "A", "audience": "everyone"})
    assert one.status_code == 400 and "At least two choices." in one.content.decode()
    blank = client_for(alice).post(url, {"prompt": " ", "choices": "A\nB", "audience": "everyone"})
    assert blank.status_code == 400
    twice = client_for(alice).post(
        url, {"prompt": "Pick", "choices": "A\nA", "audience": "everyone"}
    )
    assert "Duplicate choice." in twice.content.decode()
    choice.refresh_from_db()
    assert (choice.prompt, choice.choices) == ("Pick", ["A", "B"])
    client_for(alice).post(
        url, {"prompt": "Pick", "choices": "A\nB\nC", "audience": "everyone", "required": "on"}
    )
    choice.refresh_from_db()
    assert choice.choices == ["A", "B", "C"]


def test_choices_for_a_text_question_are_refused_not_dropped(
    program: Any, alice: Any, client_for
) -> None:
    added = client_for(alice).post(
        QUESTIONS,
        {"prompt": "Your field?", "kind": "short_text", "choices": "A\nB", "audience": "everyone"},
    )
    assert added.status_code == 400
    assert 'id="id_choices_error">Only choice questions have choices.' in added.content.decode()
    assert program.questions.count() == 1
    text = program.questions.get()
    edited = client_for(alice).post(
        f"{QUESTIONS}{text.pk}/edit/",
        {"prompt": "Changed", "choices": "Yes\nNo", "audience": "everyone"},
    )
    assert edited.status_code == 400
    assert "Only choice questions have choices." in edited.content.decode()
    text.refresh_from_db()
    assert (text.prompt, text.choices) == ("What is your research area?", [])


def test_questions_move_up_and_down(program: Any, alice: Any, charlie: Any, client_for) -> None:
    for prompt in ("Second?", "Third?"):
        services.add_question(alice, program, {"prompt": prompt, "kind": "short_text"})
    third = program.questions.get(prompt="Third?")
    first = program.questions.get(prompt="What is your research area?")
    page = client_for(alice).get(QUESTIONS).content.decode()
    assert page.count("Move up") == 2 and page.count("Move down") == 2

    def order() -> list[str]:
        return [q.prompt for q in ApplicationQuestion.objects.filter(program=program)]

    client_for(alice).post(f"{QUESTIONS}{third.pk}/move/", {"direction": "up"})
    assert order() == ["What is your research area?", "Third?", "Second?"]
    client_for(alice).post(f"{QUESTIONS}{first.pk}/move/", {"direction": "down"})
    assert order() == ["Third?", "What is your research area?", "Second?"]
    client_for(alice).post(f"{QUESTIONS}{third.pk}/move/", {"direction": "up"})  # already first
    assert order() == ["Third?", "What is your research area?", "Second?"]
    # The applicant's form follows the order.
    text = client_for(charlie).get("/programs/global-doctoral/apply/?role=mentee").content.decode()
    assert text.index("Third?") < text.index("What is your research area?") < text.index("Second?")


@pytest.mark.parametrize("action", ["edit", "move"])
def test_question_actions_are_for_this_programs_coordinators_only(
    action: str, program: Any, other_program: Any, bob: Any, charlie: Any, dave: Any, client_for
) -> None:
    question = program.questions.get()
    services.add_question(program.created_by, program, {"prompt": "Second?", "kind": "long_text"})
    url = f"{QUESTIONS}{question.pk}/{action}/"
    body = {"prompt": "Hijacked", "audience": "everyone", "direction": "down"}
    for person in (charlie, bob, dave):
        assert client_for(person).post(url, body).status_code == 403
    elsewhere = f"/programs/peer-circle/console/questions/{question.pk}/{action}/"
    assert client_for(dave).post(elsewhere, body).status_code == 404
    question.refresh_from_db()
    assert (question.prompt, question.position) == ("What is your research area?", 0)
    assert program.questions.first() == question


# Program names


def test_a_program_name_is_taken_once_whatever_its_case(
    program: Any, other_program: Any, alice: Any, client_for
) -> None:
    from django.contrib.auth.models import Permission

    from openmentor.programs.forms import ProgramForm

    alice.user_permissions.add(Permission.objects.get(codename="add_program"))
    data = {k: v for k, v in ProgramForm(instance=program).initial.items() if v is not None}
    data["name"] = "  global doctoral MENTORING "
    created = client_for(alice).post("/programs/new/", data)
    assert created.status_code == 400
    assert 'id="id_name_error">A program with this name already exists.' in (
        created.content.decode()
    )
    assert Program.objects.count() == 2
    data["name"] = "PEER circle"
    renamed = client_for(alice).post("/programs/global-doctoral/console/settings/", data)
    assert renamed.status_code == 400
    assert "A program with this name already exists." in renamed.content.decode()
    program.refresh_from_db()
    assert program.name == "Global Doctoral Mentoring"
    # Its own name in another case is no clash, and a new name is taken.
    data["name"] = "Global doctoral mentoring"
    settings_url = "/programs/global-doctoral/console/settings/"
    assert client_for(alice).post(settings_url, data).status_code == 302
    program.refresh_from_db()
    assert program.name == "Global doctoral mentoring"
    data["name"] = "Doctoral Mentoring Two"
    assert client_for(alice).post("/programs/new/", data).status_code == 302
    assert Program.objects.count() == 3


def test_the_api_refuses_a_taken_program_name(
    program: Any, other_program: Any, alice: Any, client_for
) -> None:
    from django.contrib.auth.models import Permission

    alice.user_permissions.add(Permission.objects.get(codename="add_program"))
    client = client_for(alice)
    created = client.post(
        "/api/v1/programs",
        data=json.dumps({"name": " peer circle"}),
        content_type="application/json",
    )
    assert created.status_code == 422 and created.json()["code"] == "duplicate_name"
    renamed = client.patch(
        "/api/v1/programs/global-doctoral",
        data=json.dumps({"name": "Peer Circle "}),
        content_type="application/json",
    )
    assert renamed.status_code == 422
    assert Program.objects.filter(name__iexact="peer circle").count() == 1
    fine = client.post(
        "/api/v1/programs",
        data=json.dumps({"name": "  Peer Circle Two "}),
        content_type="application/json",
    )
    assert fine.status_code == 201 and fine.json()["name"] == "Peer Circle Two"


def test_two_programs_named_alike_before_the_rule_can_still_save_their_settings(
    program: Any, alice: Any
) -> None:
    from openmentor.programs import services

    Program.objects.create(name=program.name.upper(), slug="twin", created_by=alice)
    services.update_program(alice, program, {"summary": "Still editable"})
    program.refresh_from_db()
    assert program.summary == "Still editable"


@pytest.mark.browser
def test_a_long_address_in_the_invitations_table_wraps_in_a_320_px_window(
    browser: Any, live_server: Any, transactional_db: None, program: Any, alice: Any, client_for
) -> None:
    """The table grew to 1,304 px inside a 288 px box and the address was cut off."""
    address = "bartholomew.wolfeschlegelsteinhausen@long-university-name.example.org"
    services.invite(alice, program, email=address, role="mentee")
    context = browser.new_context(locale="en-GB", viewport={"width": 320, "height": 640})
    session = client_for(alice).cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}{INVITE}")
    right = page.evaluate(
        """address => {
            const cell = [...document.querySelectorAll('td')].find(td => td.textContent === address);
            const range = document.createRange();
            range.selectNodeContents(cell);
            return Math.max(...[...range.getClientRects()].map(r => r.right));
        }""",
        address,
    )
    assert right <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_a_link_replaced_by_a_resend_says_so(
    program: Any, alice: Any, charlie: Any, client_for, invited
) -> None:
    invitation, path = invited
    services.resend_invitation(alice, program, invitation.pk)
    old = client_for(charlie).get(path)
    assert old.status_code == 404
    assert "A newer invitation may have replaced it" in old.content.decode()
