"""Passkeys in a real browser: Chromium's virtual authenticator (DevTools WebAuthn domain)
stands in for the phone or laptop that holds the key."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_person_adds_a_passkey_then_signs_in_with_it_alone(
    browser: Any, asgi_server: str, bob: Any
) -> None:
    # WebAuthn refuses an IP address as the relying party: the same server by name.
    server = asgi_server.replace("127.0.0.1", "localhost")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]
    try:
        page.goto(f"{server}/accounts/login/")
        page.get_by_label("Email").fill(bob.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In", exact=True).click()
        expect(page).to_have_url(f"{server}/dashboard/")

        page.goto(f"{server}/accounts/2fa/webauthn/add/")
        if page.get_by_role("button", name="Confirm").count():  # recent sign-in asked again
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Confirm").click()
        page.get_by_label("Name").fill("Laptop")
        page.get_by_label("Passwordless").check()
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_text("Security key added.")).to_be_visible()
        stored = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(stored["credentials"]) == 1
        assert Authenticator.objects.filter(user=bob, type=Authenticator.Type.WEBAUTHN).count() == 1

        # Signed out, no e-mail and no password: the passkey alone signs Bob in.
        context.clear_cookies()
        page.goto(f"{server}/accounts/login/")
        page.get_by_role("button", name="Sign in with a passkey").click()
        expect(page).to_have_url(f"{server}/dashboard/")
        expect(page.get_by_text(f"Successfully signed in as {bob}.")).to_be_visible()

        # Without the device the passkey cannot be used.
        devtools.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
        context.clear_cookies()
        page.goto(f"{server}/accounts/login/")
        page.get_by_role("button", name="Sign in with a passkey").click()
        page.goto(f"{server}/dashboard/")
        expect(page).to_have_url(f"{server}/accounts/login/?next=/dashboard/")
    finally:
        context.close()
