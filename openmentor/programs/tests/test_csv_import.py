from __future__ import annotations

from typing import Any

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from openmentor.accounts.models import User
from openmentor.programs.models import Membership

URL = "/programs/global-doctoral/console/import/"
GOOD = (
    "email,name,role,country,time_zone,languages,expertise,interests,capacity\n"
    "ngozi@example.org,Ngozi Eze,mentee,NG,Africa/Lagos,en:5;ig:4,,statistics;grant writing,\n"
    "ravi@example.org,Ravi Shah,mentor,India,Asia/Kolkata,en:5; hi:5,Epidemiology; R,,3\n"
)


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")


def test_good_file_creates_people_and_memberships(
    program: Any, alice: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(URL, {"file": upload(GOOD)})
    assert response.status_code == 200
    assert "Import done" in response.content.decode()
    ravi = User.objects.get(email="ravi@example.org")
    assert ravi.time_zone == "Asia/Kolkata"
    assert {lang.code: lang.proficiency for lang in ravi.profile.languages.all()} == {
        "en": 5,
        "hi": 5,
    }
    assert sorted(t.name for t in ravi.profile.expertise.all()) == ["epidemiology", "r"]
    assert ravi.profile.country.code == "IN"
    membership = Membership.objects.get(user=ravi, program=program)
    assert (membership.role, membership.status, membership.capacity) == ("mentor", "active", 3)
    assert Membership.objects.get(user__email="ngozi@example.org").role == "mentee"
    assert sorted(m.to[0] for m in mail.outbox) == ["ngozi@example.org", "ravi@example.org"]
    assert not ravi.has_usable_password()


def test_one_bad_row_imports_nothing_and_names_every_problem(
    program: Any, alice: Any, client_for
) -> None:
    bad = GOOD + (
        "not-an-email,X,mentee,,,,,,\n"
        "zed@example.org,Zed,wizard,Atlantis,Mars/Olympus,xx:9,,,\n"
        "ngozi@example.org,Ngozi Again,mentee,,,,,,\n"
    )
    response = client_for(alice).post(URL, {"file": upload(bad)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "is not a valid e-mail address" in page
    assert "role “wizard” is not one of" in page
    assert "unknown country “Atlantis”" in page
    assert "unknown time zone “Mars/Olympus”" in page
    assert "unknown language code “xx”" in page
    assert "repeats line 2" in page
    assert not User.objects.filter(email__in=["ngozi@example.org", "ravi@example.org"]).exists()


def test_good_rows_only_imports_the_good_ones_and_still_reports(
    program: Any, alice: Any, client_for
) -> None:
    bad = GOOD + "zed@example.org,Zed,wizard,,,,,,\n"
    response = client_for(alice).post(URL, {"file": upload(bad), "good_rows_only": "on"})
    assert response.status_code == 200
    assert "role “wizard”" in response.content.decode()
    assert User.objects.filter(email="ravi@example.org").exists()
    assert not User.objects.filter(email="zed@example.org").exists()


def test_someone_with_an_account_is_invited_not_enrolled(
    program: Any, alice: Any, bob: Any, charlie: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    """Any coordinator could enrol anyone whose address they knew, and then read their
    profile and private needs: an existing account now gets an invitation to accept."""
    from openmentor.programs.models import Invitation

    charlie.profile.accessibility_needs = "Captions, please"
    charlie.profile.save()
    text = (
        "email,name,role,time_zone\n"
        f"{charlie.email},Someone Else,mentor,Asia/Tokyo\n"
        f"{bob.email},Bob,mentee,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(URL, {"file": upload(text)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "0 added to the program with a new account · 1 invited" in page
    assert "1 already members" in page
    charlie.refresh_from_db()
    assert charlie.display_name == "Charlie Outsider" and charlie.time_zone == "UTC"
    assert not Membership.objects.filter(user=charlie, program=program).exists()
    assert client_for(alice).get(f"/people/{charlie.pk}/").status_code == 404
    invitation = Invitation.objects.get(program=program, email=charlie.email)
    assert (invitation.role, invitation.accepted_at) == ("mentor", None)
    assert [m.to for m in mail.outbox] == [[charlie.email]]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)
    path = link.strip()[link.index("/invitations/") :]
    joined = client_for(charlie).post(path, {"accept_guidelines": "on"})
    assert joined.status_code == 302
    assert Membership.objects.get(user=charlie, program=program).status == "active"


def test_files_that_are_not_csv_or_lack_columns_are_refused(
    program: Any, alice: Any, client_for
) -> None:
    missing = client_for(alice).post(URL, {"file": upload("email,role\na@example.org,mentee\n")})
    assert missing.status_code == 400
    assert "The header row is missing: name." in missing.content.decode()
    binary = SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    response = client_for(alice).post(URL, {"file": binary})
    assert response.status_code == 400
    assert "Save the file as UTF-8 CSV" in response.content.decode()
    assert Membership.objects.filter(program=program).count() == 4


def test_a_file_from_a_spreadsheet_that_separates_with_semicolons_is_read(
    program: Any, alice: Any, client_for
) -> None:
    """Excel writes CSV with semicolons where a comma is the decimal sign; the header was
    reported missing."""
    semicolons = (
        "email;name;role;languages;expertise\n"
        'ines@example.org;Inés Güemes;mentee;"es:5; en:3";\n'
        "jose@example.org;José Álvarez;mentor;es:5;Liderazgo\n"
    )
    response = client_for(alice).post(URL, {"file": upload(semicolons)})
    assert response.status_code == 200
    ines = User.objects.get(email="ines@example.org")
    assert ines.display_name == "Inés Güemes"
    assert {lang.code for lang in ines.profile.languages.all()} == {"es", "en"}
    assert Membership.objects.get(user__email="jose@example.org").role == "mentor"
    tabs = "email\tname\trole\nana@example.org\tAna\tmentee\n"
    assert client_for(alice).post(URL, {"file": upload(tabs)}).status_code == 200
    assert User.objects.filter(email="ana@example.org").exists()


def test_newcomers_get_the_coordinators_language_and_one_language_per_e_mail(
    program: Any, alice: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    """A Spanish-speaking coordinator's import made English accounts, whose e-mail named
    the role in Spanish ("added you as Mentorado")."""
    alice.language = "es"
    alice.save(update_fields=["language"])
    browser = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(URL, {"file": upload("email,name,role\nines@example.org,Inés,mentee\n")})
    assert User.objects.get(email="ines@example.org").language == "es"
    (sent,) = mail.outbox
    assert "Mentorado" in sent.body or "mentorado" in sent.body
    assert "added you as" not in sent.body


def test_someone_who_joined_without_applying_answers_the_programs_questions(
    program: Any, alice: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    """Invited and imported people were matched without the required questions answered,
    and the imported never accepted the guidelines."""
    from openmentor.programs import selectors

    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(URL, {"file": upload(GOOD)})
    ngozi = User.objects.get(email="ngozi@example.org")
    membership = Membership.objects.get(user=ngozi, program=program)
    assert selectors.still_to_answer(membership)
    browser = client_for(ngozi)
    complete = f"/programs/{program.slug}/complete/mentee/"
    assert complete in browser.get(f"/programs/{program.slug}/").content.decode()
    assert complete in browser.get("/dashboard/").content.decode()
    question = program.questions.get()
    refused = browser.post(complete, {f"q_{question.pk}": "", "accept_guidelines": "on"})
    assert refused.status_code == 400
    assert f'id="id_q_{question.pk}_error"' in refused.content.decode()
    membership.refresh_from_db()
    assert membership.guidelines_accepted_at is None  # nothing saved from a refused form
    answered = browser.post(
        complete, {f"q_{question.pk}": "Survey methods", "accept_guidelines": "on"}
    )
    assert answered.status_code == 302
    membership.refresh_from_db()
    assert membership.answers == {str(question.pk): "Survey methods"}
    assert membership.guidelines_accepted_at is not None
    assert not selectors.still_to_answer(membership)
    assert complete not in browser.get(f"/programs/{program.slug}/").content.decode()
    # Someone else cannot answer for a role they do not have.
    outsider = client_for(User.objects.get(email="ravi@example.org"))
    assert outsider.post(complete, {f"q_{question.pk}": "x"}).status_code == 302
    membership.refresh_from_db()
    assert membership.answers == {str(question.pk): "Survey methods"}


def test_someone_who_applied_is_not_asked_again(program: Any, bob: Any, client_for) -> None:
    """Approved applicants were told they "joined without applying" once a coordinator
    added a required question or guidelines."""
    from openmentor.programs import selectors

    membership = Membership.objects.get(user=bob, program=program, role="mentee")
    membership.answers, membership.guidelines_accepted_at = {}, None
    membership.save()
    assert membership.source == "application" and not selectors.still_to_answer(membership)
    complete = f"/programs/{program.slug}/complete/mentee/"
    assert client_for(bob).get(complete).status_code == 302
    assert complete not in client_for(bob).get(f"/programs/{program.slug}/").content.decode()


def test_a_newcomer_listed_in_two_roles_joins_in_both_and_a_second_import_resends_nothing(
    program: Any, alice: Any, charlie: Any, client_for, django_capture_on_commit_callbacks
) -> None:
    """The second row found the account the first had just made and invited it; importing
    the file again sent every invited person a new link, killing the one they had."""
    text = (
        "email,name,role\n"
        "lea@example.org,Lea Two-Roles,mentee\n"
        "lea@example.org,Lea Two-Roles,mentor\n"
        f"{charlie.email},Charlie,mentor\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(URL, {"file": upload(text)})
    lea = User.objects.get(email="lea@example.org")
    roles = Membership.objects.filter(user=lea, program=program).values_list("role", "status")
    assert sorted(roles) == [("mentee", "active"), ("mentor", "active")]
    assert sorted(m.to[0] for m in mail.outbox) == [charlie.email, "lea@example.org"]
    to_lea = next(m for m in mail.outbox if m.to == ["lea@example.org"])
    assert "added you as Mentee, Mentor." in to_lea.body  # one e-mail, both roles
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = client_for(alice).post(URL, {"file": upload(text)})
    assert mail.outbox == []
    assert "2 already members" in again.content.decode()
    assert "1 already invited: their link still works" in again.content.decode()
