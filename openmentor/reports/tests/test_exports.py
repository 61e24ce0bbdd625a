"""The coordinator console's CSV exports: members, applications, mentorships."""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from conftest import add_member, make_person

SLUG = "global-doctoral"
SECRET_BODY = "the-unique-body-of-a-private-message-7f3a"
PRIVATE_NEEDS = "needs-captions-private-9c1e"
FORMULA_NAME = '=HYPERLINK("http://evil.example","Click me")'
ACCENTED_NAME = "Letícia Nóvoa-Çelik"


def _url(kind: str) -> str:
    return f"/programs/{SLUG}/console/export/{kind}.csv"


def _body(response: Any) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def _table(response: Any) -> list[list[str]]:
    body = _body(response)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM, so Excel reads the accents right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _by_first_column(table: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *rows = table
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


@pytest.fixture
def seeded(program: Any, mentorship: Any, alice: Any, bob: Any, carol: Any) -> dict[str, Any]:
    """The personas' program with profiles, an accented and a formula-looking member, one
    mentorship with a message, sessions, meetings and goals, and a pending application."""
    from openmentor.accounts.models import ProfileLanguage, Tag
    from openmentor.mentorships.models import Goal, SessionLog
    from openmentor.messaging import services as messaging
    from openmentor.programs.models import ApplicationQuestion
    from openmentor.scheduling.models import Meeting

    profile = carol.profile
    profile.country = "BR"
    profile.accessibility_needs = PRIVATE_NEEDS
    profile.save()
    ProfileLanguage.objects.create(profile=profile, code="en", proficiency=4)
    ProfileLanguage.objects.create(profile=profile, code="pt", proficiency=5)
    profile.expertise.set(
        [Tag.objects.create(name="statistics"), Tag.objects.create(name="grant writing")]
    )

    accented = make_person("leticia@example.org", ACCENTED_NAME)
    formula = make_person("formula@example.org", FORMULA_NAME)
    add_member(program, formula, "mentee")
    choice = ApplicationQuestion.objects.create(
        program=program,
        prompt="Which topics?",
        kind="multiple_choice",
        choices=["Writing", "Statistics", "Careers"],
        required=False,
        position=1,
    )
    research = program.questions.get(prompt="What is your research area?")
    application = add_member(program, accented, "mentee", status="pending")
    application.answers = {
        str(research.pk): "Café chemistry",
        str(choice.pk): ["Writing", "Careers"],
    }
    application.motivation = "I want to finish my thesis."
    application.save()

    conversation = messaging.mentorship_conversation(mentorship)
    messaging.send_message(carol, conversation, body=SECRET_BODY, client_id="export-test-1")
    SessionLog.objects.create(
        mentorship=mentorship, held_on=date(2026, 10, 1), duration_minutes=60, kind="video"
    )
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    for status in ("held", "held", "cancelled"):
        Meeting.objects.create(
            mentorship=mentorship,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            status=status,
        )
    Goal.objects.create(mentorship=mentorship, owner=bob, title="Submit chapter 1", progress=40)
    Goal.objects.create(mentorship=mentorship, owner=bob, title="Draft a paper", progress=85)
    return {"application": application, "choice": choice, "research": research}


def test_members_export_lists_each_member_with_their_facts(seeded, mentorship, client_for, alice):
    table = _table(client_for(alice).get(_url("members")))
    assert table[0] == [
        "Name",
        "E-mail",
        "Role",
        "Status",
        "Joined through",
        "Joined or decided on",
        "Country",
        "Time zone",
        "Languages (code:level from 1 to 5)",
        "Expertise",
        "Capacity",
        "Open mentorships",
    ]
    rows = {row["E-mail"]: row for row in _by_first_column(table).values()}
    carol = rows["carol@example.org"]
    today = timezone.now().astimezone(UTC).date().isoformat()
    assert carol == {
        "Name": "Carol Mentor",
        "E-mail": "carol@example.org",
        "Role": "Mentor",
        "Status": "Active",
        "Joined through": "Application",
        "Joined or decided on": today,
        "Country": "Brazil",
        "Time zone": "Asia/Kolkata",
        "Languages (code:level from 1 to 5)": "pt:5; en:4",
        "Expertise": "grant writing; statistics",
        "Capacity": "2",
        "Open mentorships": "1",
    }
    assert rows["bob@example.org"]["Open mentorships"] == "1"
    assert rows["bob@example.org"]["Capacity"] == ""  # a mentee takes no mentees
    assert rows["erin@example.org"]["Open mentorships"] == "0"
    assert rows["alice@example.org"]["Role"] == "Coordinator"
    pending = rows["leticia@example.org"]
    assert (pending["Name"], pending["Status"]) == (ACCENTED_NAME, "Waiting for approval")
    assert pending["Joined or decided on"] == ""  # not decided yet


def test_members_export_leaves_out_private_accessibility_needs(seeded, client_for, alice):
    body = _body(client_for(alice).get(_url("members")))
    assert b"Carol Mentor" in body
    assert PRIVATE_NEEDS.encode() not in body


def test_a_formula_looking_name_comes_out_as_text(seeded, client_for, alice):
    for kind in ("members", "applications"):
        table = _table(client_for(alice).get(_url(kind)))
        names = [row[0] for row in table[1:]]
        assert "'" + FORMULA_NAME in names, kind
        assert FORMULA_NAME not in names, kind


def test_applications_export_has_a_column_per_question(seeded, client_for, alice):
    table = _table(client_for(alice).get(_url("applications")))
    assert table[0] == [
        "Name",
        "E-mail",
        "Role",
        "Status",
        "Joined through",
        "Applied on",
        "Motivation",
        "What is your research area?",
        "Which topics?",
    ]
    rows = {row[1]: row for row in table[1:]}
    assert "alice@example.org" not in rows  # coordinators do not apply
    assert set(rows) == {
        "bob@example.org",
        "erin@example.org",
        "carol@example.org",
        "formula@example.org",
        "leticia@example.org",
    }
    applied_on = seeded["application"].created_at.astimezone(UTC).date().isoformat()
    assert rows["leticia@example.org"] == [
        ACCENTED_NAME,
        "leticia@example.org",
        "Mentee",
        "Waiting for approval",
        "Application",
        applied_on,
        "I want to finish my thesis.",
        "Café chemistry",
        "Writing; Careers",
    ]


def test_someone_who_joined_without_applying_has_no_application_date(
    seeded, program, client_for, alice
):
    """The invited and imported answer the questions after joining: listed, but never
    "applied on" a date."""
    from openmentor.programs.models import Membership

    Membership.objects.filter(program=program, user__email="erin@example.org").update(
        source="import"
    )
    rows = {row[1]: row for row in _table(client_for(alice).get(_url("applications")))[1:]}
    assert rows["erin@example.org"][4:6] == ["CSV import", ""]


def test_mentorships_export_counts_activity(seeded, mentorship, client_for, alice):
    from openmentor.messaging.models import Conversation

    last = Conversation.objects.get(mentorship=mentorship).last_message_at
    table = _table(client_for(alice).get(_url("mentorships")))
    assert table[0] == [
        "Mentorship id",
        "Name",
        "Status",
        "Mentors",
        "Mentees",
        "Peers",
        "Started on",
        "Ends on",
        "Closed at (UTC)",
        "Reason for ending",
        "Last message at (UTC)",
        "Messages",
        "Sessions logged",
        "Meetings held",
        "Goals",
        "Average goal progress (%)",
    ]
    assert table[1:] == [
        [
            str(mentorship.pk),
            "Carol Mentor & Bob Mentee",
            "Active",
            "Carol Mentor",
            "Bob Mentee",
            "",
            mentorship.started_on.isoformat(),
            mentorship.ends_on.isoformat(),
            "",
            "",
            last.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "1",
            "1",
            "2",  # the cancelled meeting is not counted
            "2",
            "62.5",
        ]
    ]


def test_a_closed_mentorship_shows_when_and_why(seeded, mentorship, client_for, alice, carol):
    from openmentor.mentorships.services import change_status

    change_status(carol, mentorship, "ended", reason="-Moved abroad")
    mentorship.refresh_from_db()
    row = _by_first_column(_table(client_for(alice).get(_url("mentorships"))))[str(mentorship.pk)]
    assert row["Status"] == "Ended early"
    assert row["Closed at (UTC)"] == mentorship.closed_at.astimezone(UTC).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    assert row["Reason for ending"] == "'-Moved abroad"  # not read as a formula either


def test_no_export_holds_a_message_body(seeded, client_for, alice):
    client = client_for(alice)
    for kind in ("members", "applications", "mentorships"):
        assert SECRET_BODY.encode() not in _body(client.get(_url(kind))), kind


def test_the_file_is_a_dated_private_attachment(seeded, client_for, alice):
    response = client_for(alice).get(_url("members"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="global-doctoral-members-\d{4}-\d{2}-\d{2}\.csv"',
        response["Content-Disposition"],
    )
    assert "no-store" in response["Cache-Control"]
    assert _body(response).startswith(b"\xef\xbb\xbfName,E-mail,Role,")


def _extra_mentorships(program: Any, first: int, count: int) -> None:
    from openmentor.mentorships.models import Goal
    from openmentor.mentorships.services import create_mentorship

    for n in range(first, first + count):
        mentor = make_person(f"mentor{n}@example.org", f"Mentor {n}")
        mentee = make_person(f"mentee{n}@example.org", f"Mentee {n}")
        made = create_mentorship(program, mentors=[mentor], mentees=[mentee], origin="test")
        Goal.objects.create(mentorship=made, owner=mentee, title="A goal", progress=n)


def test_mentorships_export_reads_in_a_fixed_number_of_queries(
    program, client_for, alice, django_assert_max_num_queries
):
    client = client_for(alice)
    _extra_mentorships(program, 0, 2)
    with CaptureQueriesContext(connection) as two:
        assert len(_table(client.get(_url("mentorships")))) == 1 + 2
    _extra_mentorships(program, 2, 8)
    with django_assert_max_num_queries(len(two.captured_queries)):
        assert len(_table(client.get(_url("mentorships")))) == 1 + 10


def test_the_header_is_in_the_coordinators_language(seeded, client_for, alice):
    alice.language = "es"
    alice.save(update_fields=["language"])
    response = client_for(alice).get(_url("members"))
    # The file is written after the view returned (under ASGI, in a worker thread) when the
    # request's language is no longer active.
    translation.activate("en")
    table = _table(response)
    assert table[0][:2] == ["Nombre", "Correo electrónico"]
    statuses = {row[1]: row[3] for row in table[1:]}
    assert statuses["carol@example.org"] == "Activa"


def test_under_asgi_the_file_streams_without_being_read_whole_first(seeded, client_for, alice):
    """Django reads a synchronous iterator whole before an ASGI server sends it (and warns);
    the export hands it over a batch at a time, with the same bytes."""
    expected = _body(client_for(alice).get(_url("members")))
    response = client_for(alice).get(_url("members"))

    async def read() -> bytes:
        return b"".join([part async for part in response])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert async_to_sync(read)() == expected


def test_export_page_lists_the_downloads(seeded, client_for, alice):
    page = client_for(alice).get(f"/programs/{SLUG}/console/export/").content.decode()
    for kind in ("members", "applications", "mentorships"):
        assert f'href="{_url(kind)}"' in page
    overview = client_for(alice).get(f"/programs/{SLUG}/console/").content.decode()
    assert f'href="/programs/{SLUG}/console/export/"' in overview


@pytest.mark.parametrize(
    "path",
    [
        f"/programs/{SLUG}/console/export/",
        _url("members"),
        _url("applications"),
        _url("mentorships"),
    ],
)
def test_only_this_programs_coordinators_get_the_exports(
    path, seeded, other_program, client_for, alice, bob, charlie, dave
):
    signed_out = Client().get(path)
    assert signed_out.status_code == 302
    assert signed_out.url.startswith("/accounts/login/")
    for person in (charlie, bob, dave):  # outsider, mentee, another program's coordinator
        response = client_for(person).get(path)
        assert response.status_code == 403, person
        assert not response.streaming
    assert client_for(alice).get(path).status_code == 200


def test_an_unlisted_programs_exports_are_not_found_by_outsiders(
    seeded, program, client_for, charlie
):
    program.is_listed = False
    program.save(update_fields=["is_listed"])
    assert client_for(charlie).get(_url("members")).status_code == 404


def test_an_unknown_export_is_not_found(seeded, client_for, alice):
    assert client_for(alice).get(_url("messages")).status_code == 404


def test_a_real_asgi_server_streams_a_large_program_whole(asgi_server, program, client_for, alice):
    """uvicorn serves the file of a program larger than one chunk of rows (people without a
    profile included) whole and in order, read a batch at a time by the export."""
    import urllib.request

    from openmentor.accounts.models import User
    from openmentor.programs.models import Membership
    from openmentor.reports.exports import CHUNK_SIZE

    count = CHUNK_SIZE + 500
    people = User.objects.bulk_create(
        User(email=f"member{n:05}@example.org", display_name=f"Member {n:05}") for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(program=program, user=person, role="mentee", status="active")
        for person in people
    )
    session = client_for(alice).cookies["sessionid"].value
    request = urllib.request.Request(  # noqa: S310 - the test's own loopback server
        asgi_server + _url("members"),
        headers={"Cookie": f"sessionid={session}", "Accept-Encoding": "gzip"},  # as browsers
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Content-Encoding"] == "gzip"
        body = gzip.decompress(response.read())
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    names = [row[0] for row in rows[1:]]
    assert len(names) == count + 4  # and the personas: alice, bob, erin, carol
    assert [name for name in names if name.startswith("Member ")] == [
        f"Member {n:05}" for n in range(count)
    ]


def test_site_staff_get_what_the_other_console_pages_give_them(seeded, client_for):
    staff = client_for(make_person("staff@example.org", "Site Staff", is_staff=True))
    console = staff.get(f"/programs/{SLUG}/console/members/").status_code
    assert console == 403  # staff are not coordinators of the program
    for kind in ("members", "applications", "mentorships"):
        assert staff.get(_url(kind)).status_code == console, kind
