"""In Chromium, nothing faked: the mentee confirms the agreement and sets a goal with a
milestone, the mentor comments and shares a resource, a session is logged and rated,
the mentorship is closed with reflections, and the downloaded credential verifies while
an edited copy fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from conftest import assert_accessible
from openmentor.mentorships.models import Credential, SessionLog
from openmentor.resources.models import Resource, ResourceShare

pytestmark = pytest.mark.browser


def signed_in(browser: Any, server: str, client: Any) -> Any:
    # bypass_csp lets axe-core be injected; the pages themselves run under the strict CSP.
    context = browser.new_context(locale="en-GB", accept_downloads=True, bypass_csp=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_the_mentorship_journey_in_a_browser(
    live_server: Any,
    browser: Any,
    transactional_db: None,
    client_for: Any,
    mentorship: Any,
    program: Any,
    bob: Any,
    carol: Any,
    tmp_path: Path,
) -> None:
    server = live_server.url
    resource = Resource.objects.create(
        program=program,
        kind="link",
        title="How to write a methods section",
        url="https://example.org/methods",
        search_text="how to write a methods section",
    )
    mentee = signed_in(browser, server, client_for(bob))
    mentor = signed_in(browser, server, client_for(carol))
    detail = f"{server}{reverse('mentorship_detail', args=[mentorship.pk])}"

    # The mentee reads and confirms the agreement, from the first-week checklist.
    mentee.goto(detail)
    assert_accessible(mentee)
    mentee.get_by_role("link", name="Read and confirm your mentoring agreement").click()
    assert_accessible(mentee)
    mentee.get_by_role("button", name="I have read this agreement and confirm it").click()
    assert "You confirmed the agreement." in mentee.locator(".messages").inner_text()

    # ...sets a goal, then a milestone with a due date.
    mentee.goto(detail)
    mentee.get_by_role("link", name="Set a goal").click()
    mentee.locator("#id_title").fill("Submit my first paper")
    mentee.locator("#id_measurable").fill("The paper is sent to a journal")
    mentee.get_by_role("button", name="Save goal").click()
    mentee.wait_for_url("**/mentorships/goals/*/")
    goal_url = mentee.url
    mentee.locator("#id_milestone-title").fill("First full draft")
    mentee.locator("#id_milestone-due_on").fill("2027-01-15")
    mentee.get_by_role("button", name="Add milestone").click()
    assert "First full draft" in mentee.locator("#milestones + ul").inner_text()
    assert_accessible(mentee)

    # The mentor comments on the goal and shares a resource with the mentee.
    mentor.goto(goal_url)
    mentor.locator("#id_comment-body").fill("Start with the methods, they are the easy part.")
    mentor.get_by_role("button", name="Add comment").click()
    assert "Start with the methods" in mentor.locator(".comment").inner_text()
    mentor.goto(f"{server}{reverse('resource_detail', args=[resource.pk])}")
    assert_accessible(mentor)
    mentor.get_by_label("Share with").select_option(f"{mentorship.pk}:{bob.pk}")
    mentor.get_by_role("button", name="Share", exact=True).click()
    assert "Shared." in mentor.locator(".messages").inner_text()
    assert ResourceShare.objects.filter(resource=resource, recipient=bob).exists()

    # The mentor logs the session; the mentee rates it.
    mentor.goto(detail)
    mentor.get_by_role("link", name="Log a session").click()
    mentor.locator("#id_held_on").fill("2026-11-20")
    mentor.locator("#id_duration_minutes").fill("50")
    mentor.locator("#id_kind").select_option("video")
    mentor.get_by_role("button", name="Save session").click()
    mentee.goto(detail)
    shared = mentee.locator("section[aria-labelledby=resources]").inner_text()
    assert "How to write a methods section" in shared
    assert_accessible(mentee)
    mentee.get_by_label("5", exact=True).check()
    mentee.locator("textarea[name=comment]").fill("Clear and kind.")
    mentee.get_by_role("button", name="Send rating").click()
    assert "Thank you for rating the session." in mentee.locator(".messages").inner_text()
    assert SessionLog.objects.get().ratings.get().score == 5

    # The mentee closes the mentorship as completed; both reflect.
    mentee.get_by_role("link", name="Close the mentorship").click()
    mentee.locator("#id_to").select_option("completed")
    mentee.get_by_role("button", name="Close").click()
    mentee.wait_for_url("**/reflection/")
    assert_accessible(mentee)
    mentee.locator("#id_learned").fill("How to plan a paper and keep going.")
    mentee.locator("#id_thank_you").fill("Thank you, Carol!")
    mentee.get_by_label("I would like to stay in touch").check()
    mentee.get_by_role("button", name="Send reflection").click()
    mentor.goto(f"{server}{reverse('mentorship_reflection', args=[mentorship.pk])}")
    mentor.locator("#id_learned").fill("Patience pays.")
    mentor.get_by_role("button", name="Send reflection").click()
    assert Credential.objects.filter(mentorship=mentorship).count() == 2

    # The mentee downloads the credential; it verifies, and an edited copy does not.
    mentee.goto(detail)
    with mentee.expect_download() as download_info:
        mentee.get_by_role("link", name="Download your credential (JSON)").click()
    saved = tmp_path / "credential.json"
    download_info.value.save_as(saved)
    document = json.loads(saved.read_text())
    assert "OpenBadgeCredential" in document["type"]

    mentee.get_by_role("link", name="Verify it").click()
    mentee.locator("#id_upload").set_input_files(str(saved))
    mentee.get_by_role("button", name="Verify").click()
    assert (
        "Valid: this credential is genuine" in mentee.locator("#verification-result").inner_text()
    )

    document["credentialSubject"]["narrative"] = "Bob completed a doctorate with honours."
    mentee.locator("#id_document").fill(json.dumps(document))
    mentee.get_by_role("button", name="Verify").click()
    result = mentee.locator("#verification-result").inner_text()
    assert_accessible(mentee)
    assert "Not valid" in result and "changed after it was issued" in result

    mentee.context.close()
    mentor.context.close()


def test_a_form_sent_back_with_errors_puts_focus_on_the_first_field_to_correct(
    live_server: Any,
    browser: Any,
    transactional_db: None,
    client_for: Any,
    mentorship: Any,
    bob: Any,
) -> None:
    """After the reload focus sat on the page itself: a screen reader said nothing of the
    refusal. On the field, its error is read with it (aria-describedby)."""
    page = signed_in(browser, live_server.url, client_for(bob))
    page.goto(live_server.url + reverse("goal_new", args=[mentorship.pk]))
    page.get_by_role("button", name="Save goal").click()
    page.wait_for_load_state()
    focused = page.evaluate(
        "[document.activeElement.name, document.activeElement.getAttribute('aria-invalid')]"
    )
    assert focused == ["title", "true"]
    described = page.evaluate("document.activeElement.getAttribute('aria-describedby')")
    assert "id_title_error" in described.split()
    page.context.close()


def test_a_coordinator_is_asked_before_closing_a_mentorship_not_before_pausing_it(
    live_server: Any,
    browser: Any,
    transactional_db: None,
    client_for: Any,
    mentorship: Any,
    alice: Any,
) -> None:
    page = signed_in(browser, live_server.url, client_for(alice))
    page.goto(live_server.url + reverse("mentorship_detail", args=[mentorship.pk]))
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_label("New status").select_option("paused")
    with page.expect_navigation():
        page.get_by_role("button", name="Change status").click()
    mentorship.refresh_from_db()
    assert asked == [] and mentorship.status == "paused"
    page.get_by_label("New status").select_option("completed")
    page.get_by_role("button", name="Change status").click()
    assert asked == ["Close this mentorship? It cannot be reopened, and everyone in it is told."]
    mentorship.refresh_from_db()
    assert mentorship.status == "paused"
    page.context.close()
