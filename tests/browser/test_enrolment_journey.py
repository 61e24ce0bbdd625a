"""A new person signs up, verifies their e-mail, fills the profile and applies; the
coordinator approves; the person sees the program on their dashboard. Every page on the
way is checked with axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from conftest import PASSWORD, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()


def test_sign_up_verify_profile_apply_and_get_approved(
    browser: Any, live_server: Any, program: Any, alice: Any
) -> None:
    base = live_server.url
    newcomer = browser.new_context(locale="en-GB", timezone_id="Asia/Kathmandu", bypass_csp=True)
    page = newcomer.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{base}/accounts/signup/")
    assert_accessible(page)
    page.get_by_label("Email").fill("priya@example.org")
    page.locator("#id_password1").fill("a long and private passphrase")
    page.locator("#id_password2").fill("a long and private passphrase")
    page.get_by_label("Your name").fill("Priya Nair")
    # The browser's own zone is pre-filled by site.js.
    # (Chromium's ICU still says "Asia/Katmandu"; the server stores the current name.)
    assert page.get_by_label("Time zone").input_value() in {"Asia/Kathmandu", "Asia/Katmandu"}
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))

    link = re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body)
    assert link is not None
    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    assert_accessible(page)
    page.get_by_role("link", name="Complete your profile").click()
    page.get_by_label("Headline").wait_for()  # the new page, not the one being left
    assert_accessible(page)
    page.get_by_label("Headline").fill("Doctoral candidate in public health")
    page.get_by_label("Country").select_option("NP")
    page.get_by_label("Goals and interests").fill("grant writing, statistics")
    page.locator("#id_lang-0-code").select_option("ne")
    page.locator("#id_lang-1-code").select_option("en")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(re.compile(r".*/people/\d+/$"))
    assert page.get_by_text("Nepal", exact=True).is_visible()
    assert page.get_by_text("Asia/Kathmandu", exact=True).is_visible()

    page.goto(f"{base}/programs/")
    page.get_by_role("link", name="Global Doctoral Mentoring").click()
    page.get_by_role("link", name="Apply as Mentee").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Apply as Mentee").click()
    page.get_by_label("What is your research area?").wait_for()
    assert_accessible(page)
    page.get_by_label("What is your research area?").fill("Maternal health in mountain regions")
    page.get_by_label("I have read the program guidelines").check()
    page.get_by_role("button", name="Send application").click()
    assert page.get_by_text("Application sent.").is_visible()

    coordinator = browser.new_context(locale="en-GB", bypass_csp=True)
    coordinator_page = coordinator.new_page()
    sign_in(coordinator_page, base, alice.email, PASSWORD)
    coordinator_page.goto(f"{base}/programs/global-doctoral/console/applications/")
    assert_accessible(coordinator_page)
    assert coordinator_page.get_by_text("Maternal health in mountain regions").is_visible()
    coordinator_page.get_by_role("button", name="Approve Priya Nair").click()
    assert coordinator_page.get_by_text("Priya Nair approved.").is_visible()

    page.goto(f"{base}/dashboard/")
    programs = page.get_by_role("region", name="Your programs")
    assert programs.get_by_role("link", name="Global Doctoral Mentoring").is_visible()
    assert programs.get_by_text("Active").is_visible()
    newcomer.close()
    coordinator.close()
