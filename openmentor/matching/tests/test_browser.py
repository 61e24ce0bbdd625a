"""In Chromium on the demo data: the coordinator runs a round, swaps two mentors and
publishes; in the peer program a peer asks a recommended peer, who accepts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from conftest import assert_accessible
from openmentor.matching.models import MentorRequest, Proposal
from openmentor.mentorships.models import Mentorship
from openmentor.programs.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser: Any, base: str, email: str) -> Any:
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url(f"{base}/dashboard/")
    return page


def swappable_pair() -> tuple[Proposal, Proposal]:
    """Two proposals whose mentors can be exchanged without breaking a hard rule."""
    from openmentor.matching.services import _pair_facts

    proposals = list(Proposal.objects.select_related("round").order_by("-score", "pk")[:12])
    for i, first in enumerate(proposals):
        for second in proposals[i + 1 :]:
            facts = _pair_facts(
                first.round,
                [(first.mentee_id, second.mentor_id), (second.mentee_id, first.mentor_id)],
            )
            if first.mentor_id != second.mentor_id and all(ok for ok, _s, _w in facts):
                return first, second
    raise AssertionError("the demo round has no two pairs whose mentors can be swapped")


def test_coordinator_runs_edits_and_publishes_a_round(browser: Any, live_server: Any) -> None:
    call_command("seed_demo")
    base = live_server.url
    page = signed_in(browser, base, "coordinator@demo.openmentor.org")
    page.goto(f"{base}/programs/global-doctoral-mentoring/console/")
    page.get_by_role("link", name="Matching", exact=True).click()
    page.get_by_role("heading", name="Matching settings").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Start a matching round").click()
    # The test queue runs the job at once; in production the page polls until it is done.
    page.get_by_role("caption").filter(has_text="Proposed pairs").wait_for()
    assert page.locator("tbody tr[id^=proposal-]").count() >= 10
    assert page.get_by_text("Both speak").first.is_visible()
    assert_accessible(page)
    # On a phone the table scrolls in its box: its caption starts where the box does (it
    # was centred on the whole table, half of it out of view).
    viewport = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    caption_text_left = page.evaluate(
        """() => {
            const caption = [...document.querySelectorAll('caption')]
                .find(c => c.textContent.includes('Proposed pairs'));
            const range = document.createRange();
            range.selectNodeContents(caption);
            return range.getBoundingClientRect().left;
        }"""
    )
    assert caption_text_left < 40
    page.set_viewport_size(viewport)

    first, second = swappable_pair()
    mentors_before = (first.mentor_id, second.mentor_id)
    page.get_by_label("First pair").select_option(str(first.pk))
    page.get_by_label("Second pair").select_option(str(second.pk))
    page.get_by_role("button", name="Swap mentors").click()
    page.get_by_text("Mentors swapped.").wait_for()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.mentor_id, first.mentor_id) == mentors_before and first.is_manual
    page.get_by_role("button", name=f"Lock pair of {first.mentee.name}").click()
    page.get_by_text("Pair updated.").wait_for()
    page.get_by_role("button", name="Publish pairs").click()
    page.get_by_text("pairs published.").wait_for()
    published = Proposal.objects.filter(status="published").count()
    assert published >= 10
    assert Mentorship.objects.filter(origin="round").count() == published
    page.get_by_role("link", name="Fairness of this round").click()
    page.get_by_role("heading", name="Match rate by country").wait_for()
    assert_accessible(page)


def test_a_peer_asks_a_recommended_peer_who_accepts(browser: Any, live_server: Any) -> None:
    call_command("seed_demo")
    base = live_server.url
    page = signed_in(browser, base, "peer@demo.openmentor.org")
    page.goto(f"{base}/programs/data-skills-peer-circles/")
    page.get_by_role("link", name="Find a peer").click()
    page.locator("article.recommendation").first.wait_for()
    assert_accessible(page)
    first_card = page.locator("article.recommendation").first
    first_card.get_by_role("textbox").fill("Shall we swap SQL for Python?")
    first_card.get_by_role("button").click()
    page.get_by_text("Request sent.").wait_for()
    sent = MentorRequest.objects.get()
    assert sent.message == "Shall we swap SQL for Python?" and sent.explanation

    other = signed_in(browser, base, sent.mentor.email)
    other.goto(f"{base}/programs/data-skills-peer-circles/find-a-mentor/")
    other.get_by_role("button", name=f"Accept {sent.mentee.name}").click()
    other.get_by_text("Request accepted").wait_for()
    sent.refresh_from_db()
    assert sent.status == "accepted"
    people = {p.user_id for p in sent.mentorship.participants.all()}
    assert people == {sent.mentee_id, sent.mentor_id}


def test_a_peer_sets_matching_preferences_without_javascript_tricks(
    browser: Any, live_server: Any
) -> None:
    from openmentor.matching.models import MatchingPreference

    call_command("seed_demo")
    base = live_server.url
    page = signed_in(browser, base, "peer@demo.openmentor.org")
    page.goto(f"{base}/programs/data-skills-peer-circles/")
    page.get_by_role("link", name="My matching preferences").click()
    page.get_by_role("heading", name="Must-haves and ranked choices").wait_for()
    assert_accessible(page)
    page.locator("input[name=must_speak]").first.check()
    rank = page.get_by_label("Peer I prefer most")
    choice = rank.locator("option").nth(1).get_attribute("value")
    rank.select_option(choice)
    page.get_by_label("Choice number 2").select_option(choice)
    page.get_by_role("button", name="Save preferences").click()
    page.get_by_text("Rank each peer only once.").wait_for()
    assert not MatchingPreference.objects.exists()
    page.get_by_label("Choice number 2").select_option("")
    page.get_by_role("button", name="Save preferences").click()
    page.get_by_text("Your matching preferences are saved.").wait_for()
    saved = MatchingPreference.objects.get()
    assert saved.ranked_mentors == [int(choice)] and len(saved.must_speak) == 1
    assert_accessible(page)
