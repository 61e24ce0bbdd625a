"""The message box as people use it: pasting, drafts across reloads, the keyboard, being
offline, a socket that never answers, scheduled messages changed in another tab."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openmentor.mentorships.services import change_status
from openmentor.messaging import services
from openmentor.messaging.models import Message
from openmentor.messaging.services import MAX_BODY_CHARS
from openmentor.messaging.tests.conftest import zone_where_it_is
from openmentor.messaging.tests.test_browser import (
    open_thread,
    send_from_another_thread,
    signed_in_page,
    write,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def carol_page(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> Any:
    # Daytime for Bob, whatever the hour the suite runs at: no night hint in the way.
    bob.time_zone = zone_where_it_is(night=False)
    bob.save(update_fields=["time_zone"])
    context, page = open_thread(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value, conversation.pk
    )
    yield page
    context.close()


def test_text_pasted_over_the_limit_is_kept_and_the_limit_said(carol_page: Any) -> None:
    """The box used to cut a paste at 10,000 UTF-16 units without a word (5,000 emoji)."""
    box = carol_page.get_by_label("Your message")
    box.fill("Hi Bob, thanks for the update. Talk soon!")
    carol_page.get_by_role("button", name="Check my message").click()
    expect(carol_page.locator("#coach-hints")).to_have_text(
        "No suggestions: your message reads well."
    )
    long_text = "word " * (MAX_BODY_CHARS // 5) + "THE END"
    box.fill(long_text)
    # That answer was about the earlier draft: it does not stand beside the refusal.
    expect(carol_page.locator("#coach-hints")).to_have_text("")
    expect(box).to_have_value(long_text)  # nothing cut
    expect(carol_page.locator("#composer-error")).to_have_text(
        "A message can be at most 10,000 characters."
    )
    carol_page.keyboard.press("Control+Enter")
    expect(carol_page.locator("#composer-error")).to_be_visible()
    assert not Message.objects.exists()
    # An emoji is one character, as the server counts: 6,000 of them go.
    emoji = "🙂" * 6000
    box.fill(emoji)
    expect(carol_page.locator("#composer-error")).to_be_hidden()
    carol_page.get_by_role("button", name="Send", exact=True).click()
    expect(carol_page.locator('#messages .message[data-state="sent"]')).to_have_count(1)
    assert [m.body for m in Message.objects.all()] == [emoji]


def test_a_draft_outlives_a_reload_until_it_is_sent(carol_page: Any) -> None:
    box = carol_page.get_by_label("Your message")
    box.fill("Half a thought about chapter two")
    carol_page.get_by_role("button", name="Turn off writing hints").click()
    expect(carol_page.get_by_text("Writing hints are off.")).to_be_visible()
    expect(box).to_have_value("Half a thought about chapter two")
    # Ctrl+Enter sends; the box is empty and keeps the focus for the next message.
    box.press("Control+Enter")
    expect(carol_page.locator('#messages .message[data-state="sent"]')).to_have_count(1)
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    carol_page.reload()
    expect(carol_page.get_by_label("Your message")).to_have_value("")
    assert [m.body for m in Message.objects.all()] == ["Half a thought about chapter two"]


def test_offline_the_thread_stays_and_says_what_cannot_be_done(
    carol_page: Any, conversation: Any, carol: Any
) -> None:
    write(carol_page, "See you on Friday")
    mine = carol_page.locator('#messages .message[data-state="sent"]')
    expect(mine).to_have_count(1)
    carol_page.get_by_label("Your message").fill("SEE YOU SOON, BOB")
    expect(carol_page.locator("#coach-hints")).to_contain_text("capital letters")
    carol_page.context.set_offline(True)
    # Said where she writes, too: on a phone the status line is screens above.
    at_composer = carol_page.locator("#connection-at-composer")
    expect(at_composer).to_have_text("Offline: messages will be sent when you are back online.")
    # Another draft cannot be checked offline: the old hints do not answer for it.
    carol_page.get_by_label("Your message").fill("see you soon, Bob")
    carol_page.get_by_role("button", name="Check my message").click()
    expect(carol_page.locator("#coach-hints")).to_have_text(
        "Suggestions cannot be checked while you are offline."
    )
    # Edit is a page of its own: offline the thread stays, and says so.
    thread_url = carol_page.url
    mine.get_by_role("link", name="Edit").click()
    # Said beside the message: the status line is rewritten as the connection retries.
    expect(mine.get_by_role("alert")).to_have_text(
        "You are offline. Try again once you are back online."
    )
    assert carol_page.url == thread_url
    carol_page.context.set_offline(False)
    expect(mine.get_by_role("alert")).to_have_count(0)
    expect(carol_page.locator("#connection")).to_have_text("Live")
    expect(at_composer).to_have_text("")
    mine.get_by_role("link", name="Edit").click()
    expect(carol_page).to_have_url(re.compile(r"/messages/message/\d+/edit/$"))


def test_a_socket_that_never_says_hello_gives_way_to_slow_mode(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """A proxy that accepts the upgrade, then passes nothing on: the page did not notice
    (no close, no failure) and stayed without live updates."""
    context, page = signed_in_page(browser, asgi_server, client_for(bob).cookies["sessionid"].value)
    context.route_web_socket("**/ws/**", lambda socket: None)  # open, and silent
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Connected (slow mode)", timeout=20_000)
    send_from_another_thread(
        lambda: services.send_message(carol, conversation, body="Through the poll", client_id="h1")
    )
    expect(page.locator("#messages .message .body")).to_have_text(["Through the poll"])
    context.close()


def test_a_scheduled_message_changed_in_one_tab_changes_in_the_other(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, client_for: Any
) -> None:
    context, first = open_thread(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value, conversation.pk
    )
    second = context.new_page()
    second.goto(first.url)
    expect(second.locator("#connection")).to_have_text("Live")
    later = timezone.now() + timedelta(hours=8)
    scheduled: list[Message] = []
    send_from_another_thread(
        lambda: scheduled.append(
            services.send_message(
                carol, conversation, body="v1", client_id="s1", send_at=later
            ).message
        )
    )
    for page in (first, second):
        expect(page.locator("#messages .message .body")).to_have_text(["v1"])
    send_from_another_thread(lambda: services.edit_message(carol, scheduled[0].pk, "v2"))
    for page in (first, second):
        expect(page.locator("#messages .message .body")).to_have_text(["v2"])
    send_from_another_thread(lambda: services.delete_message(carol, scheduled[0].pk))
    for page in (first, second):  # never sent: gone, no "deleted" tombstone
        expect(page.locator("#messages .message")).to_have_count(0)
    context.close()


# A tab the person has not looked at yet (opened in the background): hidden until the test
# shows it, as the browser would when they switch to it.
BACKGROUND_TAB = """
window.__hidden = true;
Object.defineProperty(document, "hidden", { get: () => window.__hidden });
Object.defineProperty(document, "visibilityState", {
  get: () => (window.__hidden ? "hidden" : "visible"),
});
window.showTab = () => { window.__hidden = false; document.dispatchEvent(new Event("visibilitychange")); };
"""


def test_a_thread_opened_in_a_background_tab_is_read_once_seen(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """Carol must not see "seen" for a tab Bob has not looked at."""
    from openmentor.messaging.models import ConversationMember

    message = services.send_message(carol, conversation, body="Any news?", client_id="n1").message
    context, page = signed_in_page(
        browser, asgi_server, client_for(bob).cookies["sessionid"].value, BACKGROUND_TAB
    )
    page.clock.install()
    page.goto(f"{asgi_server}/messages/")  # from the list, opened in a new tab
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")
    page.clock.fast_forward(5_000)  # well past the moment a seen page is marked read
    assert not ConversationMember.objects.filter(
        user=bob, conversation=conversation, last_read_message_id=message.pk
    ).exists()
    with page.expect_response(lambda r: r.url.endswith("/read")):
        page.evaluate("window.showTab()")
        page.clock.fast_forward(1_000)
    member = ConversationMember.objects.get(user=bob, conversation=conversation)
    assert member.last_read_message_id == message.pk
    context.close()


def test_messages_that_arrive_while_the_tab_is_hidden_are_marked_new(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    services.send_message(carol, conversation, body="Read long ago", client_id="o1")
    context, page = signed_in_page(
        browser, asgi_server, client_for(bob).cookies["sessionid"].value, BACKGROUND_TAB
    )
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    page.evaluate("window.showTab()")  # read, then Bob goes to another tab
    page.evaluate("window.__hidden = true; document.dispatchEvent(new Event('visibilitychange'))")
    title = page.title()
    for n in (1, 2):
        send_from_another_thread(
            lambda n=n: services.send_message(
                carol, conversation, body=f"While away {n}", client_id=f"a{n}"
            )
        )
    items = page.locator("#messages .body, #messages .unread-divider")
    expect(items).to_have_text(["Read long ago", "New messages", "While away 1", "While away 2"])
    expect(page).to_have_title(f"(2) {title}")
    page.evaluate("window.showTab()")
    expect(page).to_have_title(title)
    context.close()


def test_the_navigation_count_on_other_pages_follows_when_the_person_comes_back(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """The dashboard has no live connection: its counts are asked again on coming back
    (the notifications' too: a coordinator sitting on a page did not see a new report)."""
    context, page = signed_in_page(
        browser, asgi_server, client_for(bob).cookies["sessionid"].value, BACKGROUND_TAB
    )
    page.goto(f"{asgi_server}/dashboard/")
    page.evaluate("window.showTab()")
    expect(page.locator("#nav-messages .badge")).to_have_count(0)
    page.evaluate("window.__hidden = true; document.dispatchEvent(new Event('visibilitychange'))")
    services.send_messages(
        [services.SendRequest(carol, conversation.pk, f"Note {n}", f"d{n}") for n in range(3)]
    )
    change_status(carol, conversation.mentorship, "paused")  # tells Bob
    page.evaluate("window.showTab()")
    expect(page.locator("#nav-messages .badge")).to_have_text("3 unread")
    expect(page.locator("#nav-notifications .badge")).to_have_text("1 unread")
    context.close()


def test_on_a_phone_the_actions_are_a_fingers_width(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, client_for: Any
) -> None:
    services.send_message(carol, conversation, body="Mine to change", client_id="m1")
    context = browser.new_context(
        locale="en-GB", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client_for(carol).cookies["sessionid"].value,
                "url": asgi_server,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    for name in ("Edit", "Delete", "Program guidelines", "All conversations"):
        box = page.get_by_role("link", name=name).or_(page.get_by_role("button", name=name))
        height = box.first.bounding_box()["height"]
        assert height >= 44, (name, height)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing overflows
    context.close()


def test_messages_over_the_send_limit_wait_their_turn_and_then_go_out_in_order(
    browser: Any,
    asgi_server: str,
    conversation: Any,
    carol: Any,
    client_for: Any,
    settings: Any,
) -> None:
    settings.MESSAGES_PER_MINUTE = 2
    context, page = signed_in_page(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value
    )
    page.clock.install()  # time flows; the test can jump ahead to the end of the minute
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")
    lines = ["One", "Two", "Three", "Four"]
    for line in lines:
        write(page, line)
    expect(page.locator('#messages .message[data-state="sent"]')).to_have_count(2)
    waiting = page.locator('#messages .message[data-state="pending"]')
    expect(waiting).to_have_count(2)
    # Not "failed": nothing for the person to do but wait, and the page says how long.
    expect(waiting.first).to_contain_text("held back (many messages in the last minute)")
    expect(waiting.first).to_contain_text(re.compile(r"goes out by itself in 0:[0-5]\d"))

    def seconds_left() -> int:
        minutes, seconds = re.findall(r"in (\d+):(\d\d)", waiting.first.inner_text())[0]
        return int(minutes) * 60 + int(seconds)

    before = seconds_left()
    page.clock.fast_forward(10_000)
    expect(waiting.first).not_to_contain_text(f"in 0:{before:02d}")
    assert before - 12 <= seconds_left() <= before - 9
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    assert Message.objects.filter(sender=carol).count() == 2
    # Not on its way yet: the last one can still be dropped.
    waiting.last.get_by_role("button", name="Discard").click()
    expect(waiting).to_have_count(1)

    Message.objects.filter(sender=carol).update(created_at=timezone.now() - timedelta(seconds=61))
    page.clock.fast_forward(61_000)
    expect(page.locator('#messages .message[data-state="sent"]')).to_have_count(3)
    assert [m.body for m in Message.objects.filter(sender=carol).order_by("id")] == lines[:3]
    context.close()


def test_the_coordinators_wide_tables_scroll_in_their_box_on_a_phone(
    browser: Any, asgi_server: str, conversation: Any, program: Any, alice: Any, client_for: Any
) -> None:
    from conftest import add_member, make_person
    from openmentor.mentorships.services import create_mentorship

    # A long name that cannot wrap, and a pair that has talked (a date in the last column).
    long = make_person("maria@example.org", "Maria-Fernanda-de-los-Santos-Oliveira-Pereira")
    add_member(program, long, "mentee")
    mentor = make_person("rui@example.org", "Rui Mentor")
    add_member(program, mentor, "mentor")
    pair = create_mentorship(program, mentors=[mentor], mentees=[long], origin="test")
    services.send_message(long, services.mentorship_conversation(pair), body="Hi", client_id="h")
    context = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client_for(alice).cookies["sessionid"].value,
                "url": asgi_server,
            }
        ]
    )
    long.time_zone = "America/Argentina/Buenos_Aires"  # a zone name that cannot wrap
    long.save(update_fields=["time_zone"])
    page = context.new_page()
    name = "Maria-Fernanda-de-los-Santos-Oliveira-Pereira"
    for path, shown in (
        (f"/messages/program/{program.slug}/", name),
        (f"/programs/{program.slug}/console/members/", name),
        ("/dashboard/", program.name),  # the programs table
        (f"/people/{long.pk}/", "America/Argentina/Buenos_Aires"),  # facts side by side
    ):
        page.goto(f"{asgi_server}{path}")
        expect(page.get_by_text(shown).first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        # The menu is one line, not half the screen before any content.
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] < 60, path
    context.close()


def test_at_400_percent_zoom_long_words_wrap_and_a_focused_menu_link_is_in_full_view(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any
) -> None:
    """320 CSS px (a 1280 px screen at 400 %): an e-mail address pushed the page sideways,
    and Tab reached menu links that stayed under the menu's fade, their focus ring cut."""
    bob.email = "bartholomew.wolfeschlegelsteinhausen@long-university-name.example.org"
    bob.display_name = "Bartholomew-Wolfeschlegelsteinhausenbergerdorff"
    bob.save(update_fields=["email", "display_name"])
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=bob, primary=True, defaults={"email": bob.email, "verified": True}
    )
    context = browser.new_context(locale="en-GB", viewport={"width": 320, "height": 640})
    session = client_for(bob).cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": asgi_server}])
    page = context.new_page()
    for path in ("/accounts/email/", f"/people/{bob.pk}/"):
        page.goto(f"{asgi_server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    page.goto(f"{asgi_server}/dashboard/")
    menu = page.locator(".site-header ul")
    links = menu.locator("a")
    page.locator(".brand").focus()
    for index in range(links.count()):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.closest('.site-header ul') !== null")
        assert focused, index
        box = page.evaluate(
            """() => {
                const link = document.activeElement.getBoundingClientRect();
                const menu = document.activeElement.closest('ul').getBoundingClientRect();
                return {left: link.left - menu.left, right: menu.right - link.right,
                        top: link.top - menu.top, bottom: menu.bottom - link.bottom,
                        fade: menu.width * 0.15};
            }"""
        )
        # The 3 px ring and its 2 px offset fit inside; the link is clear of the fade.
        assert box["left"] >= 5 and box["top"] >= 5 and box["bottom"] >= 5, (index, box)
        assert box["right"] >= box["fade"] - 1, (index, box)
    context.close()
