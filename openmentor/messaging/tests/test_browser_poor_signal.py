"""A poor signal with WebSockets blocked (slow mode), and a form post lost on the way:
nothing the person wrote or was sent goes missing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from openmentor.messaging import services
from openmentor.messaging.models import Message
from openmentor.messaging.tests.test_browser import (
    block_websockets,
    send_from_another_thread,
    signed_in_page,
)

pytestmark = pytest.mark.browser


def test_in_slow_mode_a_message_whose_fetch_failed_is_fetched_again(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """The long poll answers with the event, the request for the message itself fails (the
    signal dropped in between): the message was lost until a reload."""
    context, page = signed_in_page(browser, asgi_server, client_for(bob).cookies["sessionid"].value)
    block_websockets(context)
    failures = {"left": 1}

    def drop_once(route: Any) -> None:
        if failures["left"]:
            failures["left"] -= 1
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/v1/messaging/conversations/*/messages?after=*", drop_once)
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Connected (slow mode)")
    send_from_another_thread(
        lambda: services.send_message(carol, conversation, body="Sent in the gap", client_id="g1")
    )
    expect(page.locator("#messages .message .body")).to_have_text(["Sent in the gap"])
    assert failures["left"] == 0  # the first fetch did fail
    context.close()


def test_a_form_post_lost_on_the_way_leaves_the_draft_in_the_box(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, client_for: Any
) -> None:
    """ "Their morning" goes with a plain form post; the draft was dropped as it left, so a
    post lost to a dropped signal lost the text too. (Files go up from the page itself:
    see the cut-off upload below.)"""
    context, page = signed_in_page(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value
    )
    thread = f"{asgi_server}/messages/{conversation.pk}/"
    lose_posts = {"on": True}

    def maybe_lose(route: Any) -> None:
        if route.request.method == "POST" and lose_posts["on"]:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(thread, maybe_lose)
    page.goto(thread)
    box = page.get_by_label("Your message")
    box.fill("The plan, for your morning")
    page.check("input[name=when][value=morning]")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(lambda url: url.startswith("chrome-error:"))  # the browser's error page
    page.goto(thread)  # back to the thread once the signal returns
    expect(page.get_by_label("Your message")).to_have_value("The plan, for your morning")
    assert not Message.objects.exists()

    lose_posts["on"] = False
    page.check("input[name=when][value=morning]")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#messages .message[data-scheduled]")).to_have_count(1)
    # Sent: the draft is gone, also after a reload.
    page.reload()
    expect(page.get_by_label("Your message")).to_have_value("")
    context.close()


def test_a_link_that_dies_silently_is_noticed_and_the_message_goes_out_once_after(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """The browser still thinks it is online, but nothing gets through (a stalled mobile
    link): the page said "Live" for over a minute and the message sat at "Sending…"."""
    context, page = signed_in_page(browser, asgi_server, client_for(bob).cookies["sessionid"].value)
    link = {"up": True}

    def route(socket: Any) -> None:
        if not link["up"]:
            socket.close()  # a new connection fails while the link is down
            return
        server = socket.connect_to_server()
        socket.on_message(lambda frame: server.send(frame) if link["up"] else None)
        server.on_message(lambda frame: socket.send(frame) if link["up"] else None)

    context.route_web_socket("**/ws/**", route)
    page.clock.install()
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")
    link["up"] = False
    page.get_by_label("Your message").fill("Written on the stalled link")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator('#messages .message[data-state="pending"]')).to_have_count(1)
    page.clock.run_for(31_000)  # a heartbeat, and no pong within its 10 s
    expect(page.locator("#connection")).to_have_text("Connecting…")
    link["up"] = True
    page.clock.run_for(5_000)  # the next try, after its short back-off
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.locator('#messages .message[data-state="sent"]')).to_have_count(1)
    assert Message.objects.filter(sender=bob).count() == 1
    context.close()


def test_slow_mode_does_not_say_connected_while_no_poll_gets_through(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    context, page = signed_in_page(browser, asgi_server, client_for(bob).cookies["sessionid"].value)
    block_websockets(context)
    server = {"reachable": True}

    def poll(route: Any) -> None:
        if server["reachable"]:
            route.continue_()
        else:
            route.abort("connectionreset")

    page.route("**/messages/poll**", poll)
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Connected (slow mode)")
    server["reachable"] = False
    # The poll held open by the server ends with news; the next one fails.
    send_from_another_thread(
        lambda: services.send_message(carol, conversation, body="News", client_id="poll-1")
    )
    expect(page.locator("#connection")).to_have_text("Connecting…")
    server["reachable"] = True
    expect(page.locator("#connection")).to_have_text("Connected (slow mode)")
    context.close()


def test_a_file_upload_cut_off_keeps_the_message_and_its_files_to_send_again(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any
) -> None:
    """The browser's error page took the place of the thread, and Back found the file gone."""
    context, page = signed_in_page(browser, asgi_server, client_for(bob).cookies["sessionid"].value)
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")
    cut = {"left": 1}

    def post(route: Any) -> None:
        if route.request.method == "POST" and cut["left"]:
            cut["left"] -= 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(f"**/messages/{conversation.pk}/", post)
    page.get_by_label("Your message").fill("The chapter, attached")
    plan = {"name": "chapter.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 ch2"}
    page.get_by_label("Attach files").set_input_files([plan])
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#composer-error")).to_contain_text("The connection was cut")
    expect(page.get_by_label("Your message")).to_have_value("The chapter, attached")
    assert page.get_by_label("Attach files").evaluate("input => input.files.length") == 1
    assert not Message.objects.exists()
    page.get_by_role("button", name="Send", exact=True).click()  # the same page, again
    expect(page.locator("#messages .attachments li")).to_have_text(["chapter.pdf (12 B)"])
    assert Message.objects.get().attachments.count() == 1
    context.close()
