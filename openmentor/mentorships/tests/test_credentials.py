"""Open Badges 3.0 credentials: signed by the site's Ed25519 key, verifiable, and any
change after issuing makes them fail."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse

from openmentor.mentorships import credentials, services, signing

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(mentorship, bob, carol):
    from datetime import date

    services.log_session(
        carol, mentorship, held_on=date(2026, 11, 3), duration_minutes=90, kind="video"
    )
    services.change_status(bob, mentorship, "completed")
    services.submit_reflection(bob, mentorship, learned="Plenty")
    services.submit_reflection(carol, mentorship, learned="Also plenty")
    return {"mentee": bob.credentials.get(), "mentor": carol.credentials.get()}


def test_credential_is_an_open_badge_signed_by_the_site(issued):
    document = issued["mentee"].document
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert document["issuer"]["id"] == signing.issuer_did()
    assert document["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert document["credentialSubject"]["achievement"]["type"] == ["Achievement"]
    assert credentials.verify(json.dumps(document)).valid


def test_mentor_service_credential_counts_hours_and_mentees(issued):
    narrative = issued["mentor"].document["credentialSubject"]["narrative"]
    assert "mentored 1 person in" in narrative and "1.5 hours" in narrative
    assert credentials.verify(issued["mentor"].document).valid


def test_the_narrative_counts_and_writes_numbers_in_the_readers_language(mentorship, bob, carol):
    """It read "fue mentor de 1 personas ... durante 0.0 horas"."""
    from datetime import date

    from django.utils import translation

    services.log_session(
        carol, mentorship, held_on=date(2026, 11, 3), duration_minutes=90, kind="video"
    )
    services.change_status(bob, mentorship, "completed")
    with translation.override("es"):
        services.submit_reflection(carol, mentorship, learned="Mucho")
        services.submit_reflection(bob, mentorship, learned="Mucho")
    mentor = carol.credentials.get().document["credentialSubject"]["narrative"]
    assert "1 persona " in mentor and "1,5 horas" in mentor
    mentee = bob.credentials.get().document["credentialSubject"]["narrative"]
    assert "1 sesión," in mentee and "0 objetivos alcanzados" in mentee


def test_a_mentorship_closed_before_the_programs_start_date_ends_after_it_began(
    mentorship, bob, carol
):
    """Matched before the program's term and completed early: the signed credential ended
    before it started."""
    from datetime import timedelta

    from django.utils import timezone

    mentorship.started_on = timezone.localdate() + timedelta(days=45)
    mentorship.save(update_fields=["started_on"])
    services.change_status(bob, mentorship, "completed")
    services.submit_reflection(bob, mentorship, learned="Plenty")
    subject = bob.credentials.get().document["credentialSubject"]
    assert subject["activityStartDate"] <= subject["activityEndDate"]
    assert subject["activityStartDate"].startswith(str(timezone.localdate(mentorship.created_at)))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"].update(narrative="Carol mentored 90 people"),
        lambda d: d.update(name="Honorary doctorate"),
        lambda d: d["credentialSubject"]["achievement"].update(name="Something else"),
        lambda d: d["proof"].update(created="2020-01-01T00:00:00Z"),
        lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-2] + "11"),
    ],
)
def test_any_change_fails_verification(issued, tamper):
    document = copy.deepcopy(issued["mentor"].document)
    tamper(document)
    result = credentials.verify(json.dumps(document))
    assert not result.valid
    assert any("changed after it was issued" in reason for reason in result.reasons)


def test_credential_signed_by_another_key_is_rejected(issued, monkeypatch):
    document = copy.deepcopy(issued["mentee"].document)
    other = Ed25519PrivateKey.generate()
    monkeypatch.setattr(signing, "signing_key", lambda: other)
    forged = credentials.sign(document)  # a forger's own key, their own did:key
    monkeypatch.undo()
    result = credentials.verify(forged)
    assert not result.valid
    assert any("this site's key" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("not json", "not valid JSON"), ("[1, 2]", "JSON object"), ('{"type": []}', "no proof")],
)
def test_garbage_gets_a_reason(raw, reason):
    result = credentials.verify(raw)
    assert not result.valid and reason in " ".join(result.reasons)


def test_verification_page_and_api_are_public(issued, client):
    document = issued["mentee"].document
    page = client.post(reverse("credential_verify"), {"document": json.dumps(document)})
    assert "Valid: this credential" in page.content.decode()
    response = client.post(
        "/api/v1/credentials/verify", {"credential": document}, content_type="application/json"
    )
    assert response.json() == {"valid": True, "reasons": []}
    document = copy.deepcopy(document)
    document["validFrom"] = "2001-01-01T00:00:00Z"
    assert (
        client.post(
            "/api/v1/credentials/verify", {"credential": document}, content_type="application/json"
        ).json()["valid"]
        is False
    )


def test_upload_on_the_verification_page(issued, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("c.json", json.dumps(issued["mentee"].document).encode())
    page = client.post(reverse("credential_verify"), {"upload": upload})
    assert "Valid: this credential" in page.content.decode()
    empty = client.post(reverse("credential_verify"), {})
    assert empty.status_code == 400 and "Paste a credential" in empty.content.decode()


def test_signing_key_from_the_environment(monkeypatch):
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    signing.signing_key.cache_clear()
    try:
        monkeypatch.setenv("OPENMENTOR_SIGNING_KEY", base64.b64encode(raw).decode())
        assert (
            signing.signing_key().public_key().public_bytes_raw()
            == key.public_key().public_bytes_raw()
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        signing.signing_key.cache_clear()
        monkeypatch.setenv("OPENMENTOR_SIGNING_KEY", pem)
        assert (
            signing.signing_key().public_key().public_bytes_raw()
            == key.public_key().public_bytes_raw()
        )
    finally:
        signing.signing_key.cache_clear()


def test_did_key_round_trip():
    public = signing.signing_key().public_key()
    multibase = signing.public_key_multibase(public)
    assert multibase.startswith("z6Mk")
    assert (
        signing.public_key_from_multibase(multibase).public_bytes_raw() == public.public_bytes_raw()
    )


def test_peers_earn_both_completion_and_service(other_program, bob, erin):
    peers = services.create_mentorship(other_program, peers=[bob, erin])
    services.change_status(bob, peers, "completed")
    services.submit_reflection(erin, peers, learned="Co-mentoring works")
    kinds = sorted(erin.credentials.values_list("kind", flat=True))
    assert kinds == ["completion", "service"]
    assert all(credentials.verify(c.document).valid for c in erin.credentials.all())


def test_embedded_key_is_generated_once_and_kept(tmp_path, settings, monkeypatch):
    monkeypatch.delenv("OPENMENTOR_SIGNING_KEY", raising=False)
    settings.VAR_DIR = tmp_path
    signing.signing_key.cache_clear()
    try:
        first = signing.signing_key().public_key().public_bytes_raw()
        key_file = tmp_path / signing.KEY_FILE_NAME
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        signing.signing_key.cache_clear()
        assert signing.signing_key().public_key().public_bytes_raw() == first
    finally:
        signing.signing_key.cache_clear()


def test_production_requires_the_key_from_the_environment(settings, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("OPENMENTOR_SIGNING_KEY", raising=False)
    settings.PRODUCTION = True
    signing.signing_key.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured):
            signing.signing_key()
    finally:
        signing.signing_key.cache_clear()


def test_whole_hours_are_written_without_a_decimal():
    """ "1,0 hora" read oddly."""
    from decimal import Decimal

    from django.utils import translation

    with translation.override("pt"):
        assert credentials._hours(Decimal("1.0")) == "1 hora"
        assert credentials._hours(Decimal("2.5")) == "2,5 horas"


def test_the_recipient_reads_and_prints_a_certificate_others_cannot_open(
    issued, mentorship, bob, carol, charlie, client_for
):
    """A signed JSON file was all a mentee got, and few can open one."""
    credential = issued["mentee"]
    url = reverse("credential_certificate", args=[credential.pk])
    detail = client_for(bob).get(reverse("mentorship_detail", args=[mentorship.pk]))
    assert f'href="{url}"' in detail.content.decode()
    page = client_for(bob).get(url).content.decode()
    subject = credential.document["credentialSubject"]
    assert "Mentoring completed" in page and "Bob Mentee" in page
    assert subject["narrative"] in page
    assert "<p>From " in page  # when the mentorship ran
    assert "/credentials/verify/" in page and "data-print hidden" in page
    for other in (carol, charlie):  # even the mentor: it is Bob's
        assert client_for(other).get(url).status_code == 404
