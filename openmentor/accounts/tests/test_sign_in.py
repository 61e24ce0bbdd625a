"""Sign-up with e-mail verification, sign-in limits, MFA and personal access tokens."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from conftest import PASSWORD
from openmentor.accounts.models import PersonalAccessToken, User

pytestmark = pytest.mark.django_db


def test_sign_up_requires_verifying_the_email_address() -> None:
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new.person@example.org",
            "password1": "a long and private passphrase",
            "password2": "a long and private passphrase",
            "display_name": "New Person",
            "time_zone": "Australia/Lord_Howe",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.display_name == "New Person"
    assert user.time_zone == "Australia/Lord_Howe"
    assert user.password.startswith("md5$") or user.password.startswith("argon2")
    assert not EmailAddress.objects.get(user=user).verified
    assert client.get("/dashboard/").status_code == 302

    # Signed by the platform, not by the host the request came in on.
    assert mail.outbox[-1].subject.startswith("[OpenMentor] ")
    assert mail.outbox[-1].body.startswith("Hello from OpenMentor!")
    link = re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body)
    assert link is not None
    path = link.group(0).split("testserver", 1)[-1]
    assert client.post(path).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/dashboard/").status_code == 200


def test_a_person_who_signs_up_in_french_gets_french_e_mails() -> None:
    Client(HTTP_ACCEPT_LANGUAGE="fr").post(
        "/accounts/signup/",
        {
            "email": "amelie@example.org",
            "password1": "a long and private passphrase",
            "password2": "a long and private passphrase",
            "display_name": "Amélie",
            "time_zone": "Europe/Paris",
        },
    )
    assert User.objects.get(email="amelie@example.org").language == "fr"


def test_weak_passwords_and_bad_zones_are_refused() -> None:
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "x@example.org",
            "password1": "password",
            "password2": "password",
            "display_name": "X",
            "time_zone": "Nowhere/City",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This password is too common." in page
    assert "Select a valid choice." in page
    assert not User.objects.filter(email="x@example.org").exists()


def test_repeated_failed_sign_ins_are_rate_limited(bob: Any) -> None:
    client = Client()
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": bob.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_correct_sign_in_works(bob: Any) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_totp_once_activated_is_asked_for_at_sign_in(bob: Any) -> None:
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value

    client = Client()
    client.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    # Changing sign-in security asks for the password again first.
    assert client.get("/accounts/2fa/totp/activate/").status_code == 302
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert bob.authenticator_set.filter(type="totp").exists()

    fresh = Client()
    after_password = fresh.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
    assert after_password.status_code == 302
    assert after_password.url.startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in fresh.session
    wrong = fresh.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "_auth_user_id" not in fresh.session
    assert wrong.status_code == 200


def test_access_tokens_are_hashed_shown_once_and_revocable(bob: Any, client_for) -> None:
    client = client_for(bob)
    page = client.post("/settings/tokens/", {"name": "my script"}).content.decode()
    raw = re.search(r"om_[A-Za-z0-9_\-]+", page)
    assert raw is not None
    token = PersonalAccessToken.objects.get(user=bob)
    assert raw.group(0) not in token.token_hash
    # As a script calls it: no cookie, so no CSRF token, and the check is not skipped.
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw.group(0)}")
    assert api.get("/api/v1/me").json()["email"] == bob.email
    written = api.patch(
        "/api/v1/me/profile", data='{"headline": "From a script"}', content_type="application/json"
    )
    assert written.status_code == 200, written.content
    assert raw.group(0) not in client.get("/settings/tokens/").content.decode()

    client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me").status_code == 401


def test_someone_else_cannot_revoke_my_token(bob: Any, charlie: Any, client_for) -> None:
    client_for(bob).post("/settings/tokens/", {"name": "mine"})
    token = PersonalAccessToken.objects.get(user=bob)
    assert client_for(charlie).post(f"/settings/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active
    empty = client_for(bob).post("/settings/tokens/", {"name": ""})
    assert empty.status_code == 400


def test_password_reset_by_email_link(bob: Any) -> None:
    client = Client()
    client.post("/accounts/password/reset/", {"email": bob.email})
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", mail.outbox[-1].body)
    assert link is not None
    form_page = client.get(link.group(0).split("testserver", 1)[-1], follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(0),
        {"password1": "a brand new long passphrase", "password2": "a brand new long passphrase"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("a brand new long passphrase")


def test_the_portuguese_sign_up_page_is_brazilian_throughout() -> None:
    """Django's own "pt" is Portugal's ("palavra-passe") beside the site's "senha", and
    allauth left "sign in" in English."""
    page = Client(HTTP_ACCEPT_LANGUAGE="pt").get("/accounts/signup/").content.decode()
    assert "Senha" in page and "palavra-passe" not in page
    assert "sign in" not in page
    refused = Client(HTTP_ACCEPT_LANGUAGE="pt").post(
        "/accounts/signup/",
        {"email": "a@example.org", "password1": "short", "password2": "short"},
    )
    assert "Esta senha é muito curta" in refused.content.decode()


def test_the_spanish_account_pages_say_tu_as_the_rest_of_the_site(bob: Any) -> None:
    """allauth's Spanish says usted ("¿Ha olvidado su contraseña?") beside the site's tú."""
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es")
    sign_in = spanish.get("/accounts/login/").content.decode()
    assert "¿Olvidaste tu contraseña?" in sign_in and "su contraseña" not in sign_in
    reset = spanish.get("/accounts/password/reset/").content.decode()
    assert "Introduce tu dirección de correo electrónico" in reset
    assert "Introduzca" not in reset


@pytest.mark.browser
def test_a_failed_sign_in_is_said_and_focused_and_the_fields_keep_their_labels(
    browser: Any, live_server: Any, transactional_db: None, bob: Any
) -> None:
    """allauth's own field rendering gave the refusal no role and left focus on the page:
    a screen reader did not learn that the sign-in failed."""
    from playwright.sync_api import expect

    page = browser.new_page(locale="en-GB")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign In", exact=True).click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("not correct")
    expect(refusal).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value(bob.email)
    page.screenshot(path="/tmp/prof/signin-failed.png")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.context.close()
