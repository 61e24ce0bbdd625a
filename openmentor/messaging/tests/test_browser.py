from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import assert_accessible, wait_until
from openmentor.messaging import services
from openmentor.messaging.models import Message
from openmentor.messaging.selectors import PAGE_SIZE
from openmentor.messaging.tests.conftest import zone_where_it_is

pytestmark = pytest.mark.browser


def signed_in_page(
    browser: Any, server: str, session: str, init_script: str | None = None
) -> tuple[Any, Any]:
    """A new browser (context) signed in with ``session``, and a blank page in it."""
    context = browser.new_context(locale="en-GB")
    if init_script:
        context.add_init_script(init_script)
    context.add_cookies([{"name": "sessionid", "value": session, "url": server}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def open_page(browser: Any, server: str, session: str, path: str) -> tuple[Any, Any]:
    context, page = signed_in_page(browser, server, session)
    page.goto(f"{server}{path}")
    return context, page


def open_thread(browser: Any, server: str, session: str, conversation_id: int) -> tuple[Any, Any]:
    context, page = open_page(browser, server, session, f"/messages/{conversation_id}/")
    expect(page.locator("#connection")).to_have_text("Live")
    return context, page


def send_from_another_thread(action: Any) -> None:
    """Playwright's sync API runs an event loop in the test's thread, where the push after
    commit (async_to_sync) cannot run; a server-side send happens in its own thread."""
    from django.db import connection

    def run() -> None:
        try:
            action()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def go_offline(context: Any, *pages: Any) -> None:
    """The signal drops, and the pages have noticed (as a person sees "Offline"): writing
    before the page hears of it would still go over the socket it had open."""
    context.set_offline(True)
    for page in pages:
        expect(page.locator("#connection")).to_contain_text("Offline")


def write(page: Any, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


@pytest.fixture
def carol_and_bob_live(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> Iterator[list[tuple[Any, Any]]]:
    """Carol's and Bob's browsers, each with the conversation open and live."""
    opened = [
        open_thread(
            browser, asgi_server, client_for(person).cookies["sessionid"].value, conversation.pk
        )
        for person in (carol, bob)
    ]
    yield opened
    for context, _page in opened:
        context.close()


def test_two_people_chat_live_and_offline_messages_arrive_once_in_order(
    carol_and_bob_live: Any, conversation: Any, carol: Any, bob: Any
) -> None:
    (_carol_context, carol_page), (bob_context, bob_page) = carol_and_bob_live
    carol_thread = carol_page.locator("#messages .message .body")
    bob_thread = bob_page.locator("#messages .message .body")

    write(carol_page, "Hello Bob, how is the chapter going?")
    expect(bob_thread).to_have_text(["Hello Bob, how is the chapter going?"])

    go_offline(bob_context, bob_page)
    write(bob_page, "On a train, signal is bad.")
    write(bob_page, "Chapter two is drafted!")
    pending = bob_page.locator('#messages .message[data-state="pending"]')
    expect(pending).to_have_count(2)
    # Nothing got through while offline, and the outbox survives a reload later.
    assert Message.objects.filter(sender=bob).count() == 0

    bob_context.set_offline(False)
    expected = [
        "Hello Bob, how is the chapter going?",
        "On a train, signal is bad.",
        "Chapter two is drafted!",
    ]
    expect(carol_thread).to_have_text(expected)
    expect(bob_page.locator('#messages .message[data-state="sent"]')).to_have_count(2)
    # Once, in order, in the database too; and a reload shows the same thread.
    assert Message.objects.filter(sender=bob).count() == 2
    assert [m.body for m in Message.objects.order_by("id")] == expected
    carol_page.reload()
    expect(carol_page.locator("#messages .message .body")).to_have_text(expected)


def test_a_live_message_looks_and_works_like_one_the_page_came_with(
    carol_and_bob_live: Any, conversation: Any, carol: Any, bob: Any
) -> None:
    (_carol_context, carol_page), (_bob_context, bob_page) = carol_and_bob_live
    write(carol_page, "See **chapter two** before Friday")
    expect(bob_page.locator("#messages .message .body strong")).to_have_text("chapter two")
    message = Message.objects.get(sender=carol)

    def shown(page: Any) -> dict[str, Any]:
        bubble = page.locator(f"#m{message.pk}")
        return {
            "name": bubble.locator(".meta strong").inner_text(),
            "meta": bubble.locator(".meta").inner_text(),  # spacing and badges too
            "time": bubble.locator(".meta time").inner_text(),
            "links": bubble.locator(".actions a, .actions button").all_inner_texts(),
            "hrefs": bubble.locator(".actions a").evaluate_all(
                "links => links.map(link => link.getAttribute('href'))"
            ),
        }

    live = shown(bob_page)
    assert live["name"] == str(carol)
    assert live["links"] == ["Report"]
    assert live["hrefs"] == [f"/messages/message/{message.pk}/report/"]
    bob_page.reload()
    assert shown(bob_page) == live  # the same time text and actions as the server's page

    # Bob has the thread open, so he has read it: Carol sees "seen" live, as after a reload.
    # Her own bubble, made while sending, now reads as the server's: her name, the time
    # the server gives, no "Sent" badge run into it.
    expect(carol_page.locator(f"#m{message.pk} .meta .seen")).to_have_text("seen")
    own = shown(carol_page)
    assert own["name"] == str(carol)
    assert own["meta"] == f"{carol} {own['time']} seen"
    assert own["links"] == ["Edit", "Delete"]
    carol_page.reload()
    expect(carol_page.locator(f"#m{message.pk} .meta .seen")).to_have_text("seen")
    assert shown(carol_page) == own

    # Carol's own bubble, confirmed live, can be deleted without a reload; Bob sees it go.
    expect(carol_page.locator(f"#m{message.pk} .actions")).to_contain_text("Edit")
    carol_page.once("dialog", lambda dialog: dialog.accept())
    carol_page.locator(f"#m{message.pk} .actions button", has_text="Delete").click()
    expect(bob_page.locator(f"#m{message.pk} .body")).to_have_text("This message was deleted.")
    expect(bob_page.locator(f"#m{message.pk} .actions")).to_have_count(0)
    message.refresh_from_db()
    assert message.deleted_at is not None


def test_a_live_attachment_shows_its_size_as_the_page_does(
    carol_and_bob_live: Any, conversation: Any, carol: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    (_carol_context, _carol_page), (_bob_context, bob_page) = carol_and_bob_live
    files = [
        SimpleUploadedFile("note.txt", b"x" * 78, content_type="text/plain"),
        SimpleUploadedFile("data.csv", b"y" * 3000, content_type="text/csv"),
    ]
    send_from_another_thread(
        lambda: services.send_message(
            carol, conversation, body="Two files", client_id="files-1", attachments=files
        )
    )
    live = bob_page.locator("#messages .attachments li")
    expect(live).to_have_text(["note.txt (78 B)", "data.csv (3 KB)"])
    bob_page.reload()
    expect(bob_page.locator("#messages .attachments li")).to_have_text(
        ["note.txt (78 B)", "data.csv (3 KB)"]
    )


def test_a_scheduled_message_takes_its_place_on_the_senders_page_when_it_goes_out(
    carol_and_bob_live: Any, conversation: Any, carol: Any, bob: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    (_carol_context, carol_page), _bob = carol_and_bob_live
    later = timezone.now() + timedelta(hours=1)
    services.send_message(carol, conversation, body="Later", client_id="later-1", send_at=later)
    carol_page.reload()
    bodies = carol_page.locator("#messages .message .body")
    expect(bodies).to_have_text(["Later"])
    send_from_another_thread(
        lambda: services.send_message(bob, conversation, body="Meanwhile", client_id="m-1")
    )
    expect(bodies).to_have_text(["Later", "Meanwhile"])
    send_from_another_thread(lambda: services.deliver_due_messages(later))
    expect(bodies).to_have_text(["Meanwhile", "Later"])  # as after a reload
    expect(carol_page.locator("#messages .scheduled")).to_have_count(0)


def test_the_senders_open_page_shows_a_message_scheduled_elsewhere_and_if_it_is_not_sent(
    carol_and_bob_live: Any, conversation: Any, carol: Any, bob: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    (_carol_context, carol_page), (_bob_context, bob_page) = carol_and_bob_live
    later = timezone.now() + timedelta(hours=1)
    send_from_another_thread(  # from Carol's phone, say
        lambda: services.send_message(
            carol, conversation, body="For your morning", client_id="ph-1", send_at=later
        )
    )
    mine = carol_page.locator("#messages .message", has_text="For your morning")
    expect(mine.locator(".meta .scheduled")).to_contain_text("scheduled for")
    expect(mine.locator(".meta .seen")).to_have_count(0)
    send_from_another_thread(lambda: services.block(carol, bob.pk))
    send_from_another_thread(lambda: services.deliver_due_messages(later))
    expect(mine.locator(".meta .not-sent")).to_have_text("Not sent")
    expect(mine.locator(".meta .scheduled")).to_have_count(0)
    carol_page.reload()  # as the server's page shows it
    expect(mine.locator(".meta .not-sent")).to_have_text("Not sent")
    expect(bob_page.locator("#messages .message")).to_have_count(0)  # never Bob's to see


def test_in_a_group_seen_counts_the_readers_live(
    browser: Any, asgi_server: str, circle: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    opened = [
        open_thread(browser, asgi_server, client_for(person).cookies["sessionid"].value, circle.pk)
        for person in (carol, bob)
    ]
    (_carol_context, carol_page), (_bob_context, bob_page) = opened
    try:
        write(carol_page, "Both of you: the reading list is up")
        expect(bob_page.locator("#messages .message .body")).to_have_text(
            ["Both of you: the reading list is up"]
        )
        seen = carol_page.locator("#messages .message.mine .seen")
        expect(seen).to_have_text("seen by 1 of 2")  # Bob has the thread open
        opened.append(
            open_thread(
                browser, asgi_server, client_for(erin).cookies["sessionid"].value, circle.pk
            )
        )
        expect(seen).to_have_text("seen by everyone")
    finally:
        for context, _page in opened:
            context.close()


def test_open_pages_of_someone_leaving_the_program_stop_offering_the_group(
    browser: Any, asgi_server: str, circle: Any, program: Any, erin: Any, client_for: Any
) -> None:
    from openmentor.programs.services import leave_program

    session = client_for(erin).cookies["sessionid"].value
    context, thread = open_thread(browser, asgi_server, session, circle.pk)
    conversations = context.new_page()
    conversations.goto(f"{asgi_server}/messages/")
    expect(
        conversations.locator(f'#conversations [data-conversation="{circle.pk}"]')
    ).to_have_count(1)
    thread.get_by_label("Your message").fill("Half-written when it happened")
    try:
        send_from_another_thread(lambda: leave_program(erin, program, "mentee"))
        # The thread turns into what she keeps: read-only, up to now; what she was writing
        # is shown back to copy.
        expect(thread.locator("#left-behind")).to_contain_text("You have not been in this group")
        expect(thread.locator("#composer")).to_have_count(0)
        expect(thread.locator("#unsent")).to_have_value("Half-written when it happened")
        expect(
            conversations.locator(f'#conversations [data-conversation="{circle.pk}"]')
        ).to_have_count(0)
    finally:
        context.close()


def test_messages_queued_offline_when_someone_leaves_the_group_are_shown_back(
    browser: Any, asgi_server: str, circle: Any, program: Any, erin: Any, client_for: Any
) -> None:
    from openmentor.programs.services import leave_program

    context, thread = open_thread(
        browser, asgi_server, client_for(erin).cookies["sessionid"].value, circle.pk
    )
    try:
        go_offline(context, thread)
        write(thread, "Written on the train")
        thread.get_by_label("Your message").fill("Still typing this")
        send_from_another_thread(lambda: leave_program(erin, program, "mentee"))
        context.set_offline(False)
        # Back online, the page learns she left: both texts come back to copy, in the
        # order written; none was sent.
        expect(thread.locator("#unsent")).to_have_value("Written on the train\n\nStill typing this")
        assert not Message.objects.filter(sender=erin).exists()
        assert thread.evaluate(f"({OUTBOX})({erin.pk})") == []
    finally:
        context.close()


def test_a_message_queued_for_a_group_left_meanwhile_is_shown_back_on_the_list(
    browser: Any, asgi_server: str, circle: Any, program: Any, erin: Any, client_for: Any
) -> None:
    """Written offline, its tab closed; she leaves the program before she is back: the list
    that would send it shows it to copy (before, it failed unseen in the outbox)."""
    from openmentor.programs.services import leave_program

    context, page = written_offline_then_closed(
        browser, asgi_server, client_for(erin), circle, "Written before I left"
    )
    try:
        send_from_another_thread(lambda: leave_program(erin, program, "mentee"))
        page.goto(f"{asgi_server}/messages/")
        shown = page.locator(".unsent-elsewhere")
        expect(shown.locator("textarea")).to_have_value("Written before I left")
        expect(shown).to_contain_text("You are no longer in one of your groups")
        wait_until(page, f"(user) => ({OUTBOX})(user).length === 0", erin.pk)
        assert not Message.objects.filter(sender=erin).exists()
        shown.get_by_role("button", name="Discard").click()
        expect(shown).to_have_count(0)
    finally:
        context.close()


OUTBOX = """(user) => Object.keys(localStorage)
    .filter(key => key.startsWith('om.outbox.' + user + '.'))
    .map(key => JSON.parse(localStorage.getItem(key)).body)"""


def written_offline_then_closed(
    browser: Any, server: str, client: Any, conversation: Any, text: str
) -> tuple[Any, Any]:
    """A message written in the thread while offline, the tab then closed while still
    offline (only the outbox in localStorage remembers it), and the browser back online
    with a new blank tab. Nothing the thread page sends from the moment it goes offline
    reaches the server: Chromium's offline mode let its open socket (or a page being torn
    down) through now and then, and the message went out before the test could look."""
    context, page = signed_in_page(browser, server, client.cookies["sessionid"].value)
    link = {"up": True}

    def socket_route(socket: Any) -> None:
        to_server = socket.connect_to_server()
        socket.on_message(lambda frame: to_server.send(frame) if link["up"] else None)
        to_server.on_message(lambda frame: socket.send(frame))

    def http_route(route: Any) -> None:
        if link["up"]:
            route.continue_()
        else:
            route.abort("internetdisconnected")

    page.route_web_socket("**/ws/**", socket_route)
    page.route("**/api/v1/**", http_route)
    page.goto(f"{server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")
    link["up"] = False
    go_offline(context, page)
    write(page, text)
    expect(page.locator('#messages .message[data-state="pending"]')).to_have_count(1)
    page.close()
    context.set_offline(False)
    return context, context.new_page()


def test_outbox_survives_closing_the_tab_while_offline(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any
) -> None:
    context, page = written_offline_then_closed(
        browser,
        asgi_server,
        client_for(bob),
        conversation,
        "Written offline, then the tab reloaded.",
    )
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#messages .message .body")).to_have_text(
        ["Written offline, then the tab reloaded."]
    )
    expect(page.locator('#messages .message[data-state="sent"]')).to_have_count(1)
    expect(page.locator("#messages .message")).to_have_count(1)
    assert Message.objects.filter(sender=bob).count() == 1
    context.close()


def block_websockets(context: Any) -> None:
    context.route_web_socket("**/ws/**", lambda socket: socket.close())


@pytest.mark.parametrize("websockets", ["open", "blocked"])
def test_a_message_written_offline_goes_out_from_the_list_once_back_online(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any, websockets: str
) -> None:
    """ "Sent when you are back online", even if its page was closed meanwhile; also in slow
    mode, where the list sent over the socket only and it waited for its own thread."""
    context, page = written_offline_then_closed(
        browser, asgi_server, client_for(bob), conversation, "Written on the train"
    )
    if websockets == "blocked":
        block_websockets(context)
    # The list sends it at once (over HTTP until its socket is up): nothing to catch first.
    page.goto(f"{asgi_server}/messages/")
    wait_until(page, f"(user) => ({OUTBOX})(user).length === 0", bob.pk)
    assert [m.body for m in Message.objects.filter(sender=bob)] == ["Written on the train"]
    context.close()


def test_a_message_written_offline_goes_out_from_any_page_once_back_online(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any
) -> None:
    """Back online, the person opened their dashboard: the message waited until a
    Messages page was opened."""
    context, page = written_offline_then_closed(
        browser, asgi_server, client_for(bob), conversation, "Written on the train"
    )
    page.goto(f"{asgi_server}/dashboard/")
    wait_until(page, f"(user) => ({OUTBOX})(user).length === 0", bob.pk)
    assert [m.body for m in Message.objects.filter(sender=bob)] == ["Written on the train"]
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")  # shown once, as sent
    expect(page.locator("#messages .message .body")).to_have_text(["Written on the train"])
    context.close()


def test_two_tabs_offline_each_keep_what_was_written_in_them(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any
) -> None:
    """Each message has its own place in the outbox: a tab writing one never overwrites
    what the other tab has just queued. Both tabs send them when back online; each is
    stored once and every tab shows them in the order they were stored."""
    context, first = open_thread(
        browser, asgi_server, client_for(bob).cookies["sessionid"].value, conversation.pk
    )
    second = context.new_page()
    second.goto(first.url)
    expect(second.locator("#connection")).to_have_text("Live")
    go_offline(context, first, second)
    write(first, "Written in the first tab")
    write(second, "Written in the second tab")
    write(first, "And the first again")
    # A tab sees the other's writes a moment late.
    wait_until(first, f"(user) => ({OUTBOX})(user).length === 3", bob.pk)
    assert sorted(first.evaluate(OUTBOX, bob.pk)) == [
        "And the first again",
        "Written in the first tab",
        "Written in the second tab",
    ]
    context.set_offline(False)
    expected = ["Written in the first tab", "Written in the second tab", "And the first again"]
    for page in (first, second):
        expect(page.locator("#messages .message .body")).to_have_text(expected)
    wait_until(first, f"(user) => ({OUTBOX})(user).length === 0", bob.pk)
    assert [m.body for m in Message.objects.filter(sender=bob).order_by("id")] == expected
    context.close()


def test_an_outbox_kept_by_the_earlier_version_still_goes_out(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any
) -> None:
    """Messages queued before the outbox kept one key per message are not stranded."""
    context, page = open_page(
        browser, asgi_server, client_for(bob).cookies["sessionid"].value, "/messages/"
    )
    page.evaluate(
        """([user, conversation]) => localStorage.setItem('om.outbox.' + user, JSON.stringify([
            {client_id: 'c-1', conversation: conversation, body: 'Queued before the update',
             state: 'pending', created: '2026-11-01T08:00:00.000Z'}]))""",
        [bob.pk, conversation.pk],
    )
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator('#messages .message[data-state="sent"] .body')).to_have_text(
        ["Queued before the update"]
    )
    assert page.evaluate(f"localStorage.getItem('om.outbox.{bob.pk}')") is None
    assert [m.body for m in Message.objects.filter(sender=bob)] == ["Queued before the update"]
    context.close()


def test_signing_out_in_another_tab_ends_the_open_thread(
    carol_and_bob_live: Any,
) -> None:
    """A shared phone or café computer: the next person must not chat as Carol."""
    (carol_context, carol_page), _bob = carol_and_bob_live
    other_tab = carol_context.new_page()
    other_tab.goto(carol_page.url)
    other_tab.get_by_role("button", name="Sign out").click()
    expect(other_tab).to_have_url(re.compile(r"/$|/accounts/login/"))

    expect(carol_page.locator("#connection")).to_have_text(
        "You are signed out. Sign in again to send and receive messages."
    )
    # The server closed the socket as "signed out" (the page says so only for that close
    # code), and the page sends nothing more as Carol.
    expect(carol_page.get_by_role("button", name="Send", exact=True)).to_be_disabled()


def test_after_a_sign_out_the_next_persons_sign_in_does_not_revive_the_old_tab(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """Bob signs in at once on the computer Carol just left (even before her tab has
    noticed): her open thread must not carry on with his cookie, as him or as her."""
    from conftest import PASSWORD

    context, carol_page = open_page(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value,
        f"/messages/{conversation.pk}/",
    )  # fmt: skip
    expect(carol_page.locator("#connection")).to_have_text("Live")
    held: list[Any] = []
    carol_page.route("**/api/v1/events*", lambda route: held.append(route))  # waits for Bob
    other_tab = context.new_page()
    other_tab.goto(carol_page.url)
    other_tab.get_by_role("button", name="Sign out").click()
    other_tab.goto(f"{asgi_server}/accounts/login/")
    other_tab.locator("input[name=login]").fill("bob@example.org")
    other_tab.locator("input[name=password]").fill(PASSWORD)
    other_tab.locator("input[name=password]").press("Enter")
    expect(other_tab).to_have_url(re.compile(r"/dashboard/"))
    assert held  # her socket was closed and her page asked whether it is still signed in
    for request in held:  # now it asks, with Bob's cookie
        request.continue_()
    carol_page.unroute("**/api/v1/events*")

    expect(carol_page.locator("#connection")).to_have_text(
        "You are signed out. Sign in again to send and receive messages."
    )
    # Refused as signed out, not answered as Bob: a request naming Carol with Bob's cookie.
    refused = client_for(bob).get("/api/v1/events", HTTP_X_OPENMENTOR_USER=str(carol.pk))
    assert refused.status_code == 401
    context.close()


def test_files_too_large_or_sent_offline_are_refused_before_uploading(
    carol_and_bob_live: Any, conversation: Any, carol: Any
) -> None:
    (carol_context, page), _bob = carol_and_bob_live
    files = page.get_by_label("Attach files")
    error = page.locator("#composer-error")
    page.get_by_label("Your message").fill("The plan, attached")
    big = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" + b"0" * 10 * 2**20}
    files.set_input_files([big])
    expect(error).to_have_text("scan.pdf is larger than 10 MB.")  # said as it is chosen
    page.get_by_role("button", name="Send", exact=True).click()
    expect(error).to_have_text("scan.pdf is larger than 10 MB.")
    small = {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 plan"}
    files.set_input_files([small] * 6)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(error).to_have_text("Attach at most 5 files.")
    # A type that cannot go is said as it is chosen too (on a slow link an .exe took 20 s
    # to upload before the server refused it); the picker offers only those that can.
    assert files.get_attribute("accept") == ".pdf,.png,.jpg,.jpeg,.txt,.csv,.docx"
    files.set_input_files([{"name": "old.doc", "mimeType": "application/msword", "buffer": b"x"}])
    expect(error).to_have_text(
        "old.doc: only PDF, PNG, JPEG, text (.txt), CSV and Word (.docx) files can be attached."
    )

    files.set_input_files([small])
    carol_context.set_offline(True)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(error).to_contain_text("You are offline.")
    # Still the thread, with the draft: nothing was posted.
    expect(page.get_by_label("Your message")).to_have_value("The plan, attached")
    assert not Message.objects.exists()

    carol_context.set_offline(False)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#messages .attachments li")).to_have_text(["plan.pdf (13 B)"])
    assert Message.objects.get().attachments.count() == 1


def notes_from(sender: Any, conversation: Any, count: int) -> list[Any]:
    """``count`` messages "Note 0", "Note 1", ... from ``sender``, oldest first."""
    return [
        services.send_message(sender, conversation, body=f"Note {n}", client_id=f"n-{n}").message
        for n in range(count)
    ]


def test_a_page_of_older_messages_stays_a_page_of_older_messages(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    sent = notes_from(carol, conversation, PAGE_SIZE + 3)
    oldest_on_first_page = sent[3]
    context, page = open_page(
        browser,
        asgi_server,
        client_for(bob).cookies["sessionid"].value,
        f"/messages/{conversation.pk}/?before={oldest_on_first_page.pk}",
    )
    expect(page.locator("#connection")).to_have_text("Live")
    older = ["Note 0", "Note 1", "Note 2"]
    expect(page.locator("#messages .message .body")).to_have_text(older)
    # Writing happens where new messages go: this page links there instead.
    expect(page.locator("#composer")).to_have_count(0)
    expect(
        page.get_by_role("link", name="Write on the page of the newest messages")
    ).to_be_visible()
    send_from_another_thread(
        lambda: services.send_message(carol, conversation, body="Brand new", client_id="new-1")
    )
    # A change to a message on this page still shows live; it is pushed after the new
    # message, so once it shows, the new one has been handled (and left out).
    send_from_another_thread(lambda: services.edit_message(carol, sent[1].pk, "Note 1, fixed"))
    expect(page.locator("#messages .message .body")).to_have_text(
        ["Note 0", "Note 1, fixed", "Note 2"]
    )
    page.get_by_role("link", name="Newest messages", exact=True).click()
    expect(page.locator("#messages .message .body").last).to_have_text("Brand new")
    context.close()


def marks_read(response: Any) -> bool:
    """The page telling the server what it shows has been read (messaging.js)."""
    return response.url.endswith("/read") and response.request.method == "POST"


def test_a_long_unread_stretch_opens_at_its_start_and_a_catch_up_fetches_in_bulk(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    from openmentor.messaging.models import ConversationMember

    sent = notes_from(carol, conversation, PAGE_SIZE + 10)
    context, page = signed_in_page(browser, asgi_server, client_for(bob).cookies["sessionid"].value)
    with page.expect_response(marks_read):
        page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    bodies = page.locator("#messages .message .body")
    # More is unread than a page holds: the page starts at the first unread message, and
    # only what it shows counts as read.
    expect(bodies.first).to_have_text("Note 0")
    expect(page.locator("#messages > li").first).to_have_text("New messages")
    expect(bodies).to_have_count(PAGE_SIZE)
    cursor = ConversationMember.objects.get(conversation=conversation, user=bob)
    assert cursor.last_read_message_id == sent[PAGE_SIZE - 1].pk
    expect(page.locator("#nav-messages .badge")).to_have_text("10 unread")
    # A message that arrives meanwhile is not on this page, so it waits with the others.
    send_from_another_thread(
        lambda: services.send_message(carol, conversation, body="Meanwhile", client_id="mw")
    )
    expect(page.locator("#nav-messages .badge")).to_have_text("11 unread")
    with page.expect_response(marks_read):
        page.get_by_role("link", name="Newer messages").click()
    expect(bodies.first).to_have_text(f"Note {PAGE_SIZE}")
    expect(bodies.last).to_have_text("Meanwhile")
    expect(page.locator("#composer")).to_have_count(1)  # the newest messages: write here
    cursor.refresh_from_db()
    assert cursor.last_read_message_id == Message.objects.latest("id").pk
    # Read to the end, the thread opens at its newest message, not at the top.
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")
    expect(page.locator("#unread")).to_have_count(0)
    expect(bodies.last).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0

    # Back from a stretch offline, the missed messages come in one request, not one each.
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    context.set_offline(True)
    for n in range(5):
        send_from_another_thread(
            lambda n=n: services.send_message(
                carol, conversation, body=f"Missed {n}", client_id=f"m-{n}"
            )
        )
    context.set_offline(False)
    expect(bodies.last).to_have_text("Missed 4")
    expect(page.locator("#messages .message .body", has_text="Missed")).to_have_count(5)
    assert not [url for url in asked if url.endswith("&limit=1")], asked
    context.close()


# Counts the sockets the page opens (an init script runs outside the page's CSP).
COUNT_SOCKETS = """
window.socketsOpened = 0;
window.socketsClosed = 0;
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    window.socketsOpened += 1;
    this.addEventListener("close", () => { window.socketsClosed += 1; });
  }
};
"""


def test_offline_the_page_waits_and_reconnects_once_back_online(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any
) -> None:
    """On the page's own clock (Playwright's, paused), so waits are counted, not timed.
    Offline, every try would only fail (and where the browser lets a socket through its
    offline mode, one hands over early what was written offline): it waits for the way
    back instead."""
    context, page = signed_in_page(
        browser, asgi_server, client_for(bob).cookies["sessionid"].value, COUNT_SOCKETS
    )
    try:
        page.clock.install()
        page.goto(f"{asgi_server}/messages/{conversation.pk}/")
        expect(page.locator("#connection")).to_have_text("Live")
        page.clock.pause_at(page.evaluate("Date.now()") + 1_000)
        context.set_offline(True)
        expect(page.locator("#connection")).to_contain_text("Offline")
        # Closing the open socket takes a closing handshake that going offline can hold up:
        # once in a loaded CI run it took over 15 s. The page's clock stands still meanwhile.
        wait_until(page, "window.socketsClosed === 1", seconds=75)
        page.clock.run_for(60_000)
        assert page.evaluate("window.socketsOpened") == 1  # no try while offline
        expect(page.locator("#connection")).to_contain_text("Offline")
        # Back online, the page connects at once: the clock stands still, no wait ends.
        context.set_offline(False)
        expect(page.locator("#connection")).to_have_text("Live")
        assert page.evaluate("window.socketsOpened") == 2
    finally:
        context.close()


def test_long_poll_takes_over_when_websockets_are_blocked(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    context = browser.new_context(locale="en-GB")
    # A proxy that refuses WebSocket upgrades (until it is turned off).
    proxy = {"refuses": True}

    def route(socket: Any) -> None:
        if proxy["refuses"]:
            socket.close()
        else:
            socket.connect_to_server()

    context.route_web_socket("**/ws/**", route)
    session = client_for(bob).cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": asgi_server}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.clock.install()  # time flows; the test can jump ahead to the socket's next try
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Connected (slow mode)")
    send_from_another_thread(
        lambda: services.send_messages(
            [
                services.SendRequest(carol, conversation.pk, f"Arrives by long-poll {n}", f"lp{n}")
                for n in range(3)
            ]
        )
    )
    expect(page.locator("#messages .message .body")).to_have_text(
        [f"Arrives by long-poll {n}" for n in range(3)]
    )
    # One poll answer's messages come in one request, not one each.
    assert not [url for url in asked if url.endswith("&limit=1")], asked
    write(page, "And my reply goes out over HTTP")
    expect(page.locator('#messages .message[data-state="sent"]')).to_have_count(1)
    assert Message.objects.filter(sender=bob).count() == 1
    # The network lets WebSockets through again: a minute on, the page is live again.
    proxy["refuses"] = False
    page.clock.fast_forward(61_000)
    expect(page.locator("#connection")).to_have_text("Live")
    send_from_another_thread(
        lambda: services.send_message(
            carol, conversation, body="Back on the socket", client_id="lp-2"
        )
    )
    expect(page.locator("#messages .message .body").last).to_have_text("Back on the socket")
    context.close()


def test_a_new_password_set_in_this_browser_keeps_its_open_thread_live(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """A new password closes the sockets of the person's other sign-ins (a consumer test
    shows that), not those of the browser that set it."""
    from conftest import PASSWORD

    context, page = signed_in_page(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value, COUNT_SOCKETS
    )
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Live")

    settings = context.new_page()
    settings.goto(f"{asgi_server}/accounts/password/change/")
    settings.locator("input[name=oldpassword]").fill(PASSWORD)
    settings.locator("input[name=password1]").fill("a-new-long-pass-2026")
    settings.locator("input[name=password2]").fill("a-new-long-pass-2026")
    settings.locator("form:has(input[name=oldpassword]) button[type=submit]").click()
    expect(settings.get_by_text("Password successfully changed.")).to_be_visible()

    # The close would have reached the socket before the change's answer: the same socket
    # still carries the next message.
    write(page, "Still here after the new password")
    expect(page.locator('#messages .message[data-state="sent"]')).to_have_count(1)
    expect(page.locator("#connection")).to_have_text("Live")
    assert page.evaluate("window.socketsOpened") == 1
    context.close()


def test_in_slow_mode_a_signed_out_page_stops_asking(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    context = browser.new_context(locale="en-GB")
    context.route_web_socket("**/ws/**", lambda socket: socket.close())  # slow mode only
    bobs_browser = client_for(bob)
    session = bobs_browser.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": asgi_server}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    polls: list[str] = []
    page.on("request", lambda request: "/poll/" in request.url and polls.append(request.url))
    page.goto(f"{asgi_server}/messages/{conversation.pk}/")
    expect(page.locator("#connection")).to_have_text("Connected (slow mode)")

    assert bobs_browser.post("/accounts/logout/").status_code == 302  # the same sign-in
    # The poll waiting on the server answers with the next event; the one after is refused.
    send_from_another_thread(
        lambda: services.send_message(carol, conversation, body="Hello?", client_id="so-1")
    )
    expect(page.locator("#connection")).to_have_text(
        "You are signed out. Sign in again to send and receive messages."
    )
    asked = len(polls)
    page.clock.install()
    page.clock.run_for(60_000)  # a minute on the page's clock: no more polls, no socket probe
    assert len(polls) == asked
    context.close()


def test_messaging_pages_have_no_serious_accessibility_violations(
    browser: Any, live_server: Any, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    send_from_another_thread(
        lambda: services.send_message(
            carol, conversation, body="Hello **Bob**, see <https://example.org>", client_id="ax1"
        )
    )
    message = Message.objects.get(client_id="ax1")
    send_from_another_thread(
        lambda: services.edit_message(carol, message.pk, "Hello **Bob**, see the plan")
    )
    context = browser.new_context(locale="en-GB", bypass_csp=True)  # axe is injected
    session = client_for(bob).cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    try:
        for path in [
            "/messages/",
            f"/messages/{conversation.pk}/",
            f"/messages/message/{message.pk}/report/",
            f"/messages/message/{message.pk}/history/",
            "/messages/search/?q=hello",
        ]:
            page.goto(f"{live_server.url}{path}")
            assert_accessible(page)
    finally:
        context.close()


def test_unread_counts_follow_new_read_and_deleted_messages_live_on_the_list(
    browser: Any,
    asgi_server: str,
    conversation: Any,
    circle: Any,
    carol: Any,
    bob: Any,
    client_for: Any,
) -> None:
    context, page = open_page(
        browser, asgi_server, client_for(bob).cookies["sessionid"].value, "/messages/"
    )
    one_to_one = page.locator(f'#conversations [data-conversation="{conversation.pk}"] .badge')
    group = page.locator(f'#conversations [data-conversation="{circle.pk}"] .badge')
    nav = page.locator("#nav-messages .badge")
    try:
        expect(nav).to_have_count(0)
        send_from_another_thread(
            lambda: services.send_message(carol, conversation, body="One", client_id="u1")
        )
        expect(one_to_one).to_have_text("1 unread")
        expect(nav).to_have_text("1 unread")
        # Bob's own message (sent from another device) is not unread; the group's message,
        # which comes after it, shows that both were handled.
        send_from_another_thread(
            lambda: services.send_message(bob, conversation, body="Mine", client_id="u2")
        )
        send_from_another_thread(
            lambda: services.send_message(carol, circle, body="To you both", client_id="u3")
        )
        expect(group).to_have_text("1 unread")
        expect(one_to_one).to_have_text("1 unread")
        expect(nav).to_have_text("2 unread")
        # The conversation that just had a message is on top, as after a reload.
        first = page.locator("#conversations > li").first
        expect(first).to_have_attribute("data-conversation", str(circle.pk))
        expect(first.locator(".last-message")).to_have_text("last message: now")
        # Read in another tab: that conversation's count goes, and the navigation's with it.
        send_from_another_thread(lambda: services.mark_read(bob, conversation))
        expect(one_to_one).to_have_count(0)
        expect(nav).to_have_text("1 unread")
        page.reload()  # the server counts the same
        expect(one_to_one).to_have_count(0)
        expect(group).to_have_text("1 unread")
        expect(nav).to_have_text("1 unread")

        # Deleted by Carol: a message Bob had read changes no count (the group message
        # after it shows that it was handled); one he had not read stops counting.
        one, both = Message.objects.get(client_id="u1"), Message.objects.get(client_id="u3")
        send_from_another_thread(lambda: services.delete_message(carol, one.pk))
        send_from_another_thread(
            lambda: services.send_message(carol, circle, body="And this", client_id="u4")
        )
        expect(group).to_have_text("2 unread")
        expect(nav).to_have_text("2 unread")
        send_from_another_thread(lambda: services.delete_message(carol, both.pk))
        expect(group).to_have_text("1 unread")
        expect(nav).to_have_text("1 unread")
        page.reload()
        expect(group).to_have_text("1 unread")
        expect(nav).to_have_text("1 unread")
    finally:
        context.close()


def test_on_a_thread_the_navigation_counts_messages_in_other_conversations(
    browser: Any,
    asgi_server: str,
    conversation: Any,
    circle: Any,
    carol: Any,
    bob: Any,
    client_for: Any,
) -> None:
    context, page = open_thread(
        browser, asgi_server, client_for(bob).cookies["sessionid"].value, conversation.pk
    )
    nav = page.locator("#nav-messages .badge")
    try:
        send_from_another_thread(
            lambda: services.send_message(carol, circle, body="To you both", client_id="t1")
        )
        expect(nav).to_have_text("1 unread")
        # Neither Bob's own message elsewhere nor one in the thread he is reading is unread;
        # the latter arrives last, so once it shows, both have been handled.
        send_from_another_thread(
            lambda: services.send_message(bob, circle, body="Mine", client_id="t2")
        )
        send_from_another_thread(
            lambda: services.send_message(carol, conversation, body="Read here", client_id="t3")
        )
        expect(page.locator("#messages .message .body")).to_have_text(["Read here"])
        expect(nav).to_have_text("1 unread")
    finally:
        context.close()


def test_a_refused_message_can_be_taken_back_to_edit_or_discarded(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    context, page = open_thread(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value, conversation.pk
    )
    try:
        send_from_another_thread(lambda: services.block(bob, carol.pk))
        write(page, "Are you there?")
        refused = page.locator('#messages .message[data-state="failed"]')
        expect(refused.locator(".meta")).to_contain_text(
            "Not sent: You cannot send messages to this person."
        )
        # Retry removes its own button: focus goes to the message box, not the page body.
        refused.get_by_role("button", name="Retry").click()
        assert page.evaluate("document.activeElement.name") == "body"
        # Edit takes it back into the composer, to change it (or keep it somewhere),
        # after what is being written there: nothing written is lost.
        page.get_by_label("Your message").fill("Also, chapter two.")
        refused.get_by_role("button", name="Edit").click()
        expect(page.locator("#messages .message")).to_have_count(0)
        expect(page.get_by_label("Your message")).to_have_value(
            "Also, chapter two.\n\nAre you there?"
        )
        page.get_by_role("button", name="Send", exact=True).click()
        # Blocked, the page has no composer after a reload: nothing to edit in.
        expect(refused).to_have_count(1)
        page.reload()
        expect(page.locator("#cannot-write")).to_be_visible()
        expect(refused.get_by_role("button", name="Retry")).to_be_visible()
        expect(refused.get_by_role("button", name="Edit")).to_have_count(0)
        refused.get_by_role("button", name="Discard").click()
        expect(page.locator("#messages .message")).to_have_count(0)
        assert page.evaluate(OUTBOX, carol.pk) == []
        page.reload()  # gone for good: the outbox no longer brings it back
        expect(page.locator("#connection")).to_have_text("Live")
        expect(page.locator("#messages .message")).to_have_count(0)
        assert not Message.objects.filter(sender=carol).exists()
    finally:
        context.close()


def test_checking_a_message_that_reads_well_says_so(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    # Daytime for Bob, so that the coach has no "it is night for them" hint either.
    bob.time_zone = zone_where_it_is(night=False)
    bob.save(update_fields=["time_zone"])
    context, page = open_thread(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value, conversation.pk
    )
    try:
        page.get_by_label("Your message").fill("Hi Bob, thanks for the update. Talk soon!")
        page.get_by_role("button", name="Check my message").click()
        expect(page.locator("#coach-hints")).to_have_text(
            "No suggestions: your message reads well."
        )
        # Answered in place: the draft is still there and nothing was sent.
        expect(page.get_by_label("Your message")).to_have_value(
            "Hi Bob, thanks for the update. Talk soon!"
        )
        assert not Message.objects.exists()
    finally:
        context.close()


def test_the_script_words_hints_and_refusals_as_the_page_does(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    bob.time_zone = zone_where_it_is(night=True)
    bob.save(update_fields=["time_zone"])
    context, page = open_thread(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value, conversation.pk
    )
    try:
        # Sent empty: said beside the box, and unsaid once there is something to send.
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.locator("#composer-error")).to_have_text("Write a message.")
        expect(page.get_by_label("Your message")).to_have_attribute("aria-invalid", "true")
        # Read with the box whenever the person comes back to it, not only once.
        expect(page.get_by_label("Your message")).to_have_accessible_description(
            re.compile("Write a message.")
        )
        page.get_by_label("Your message").fill("Hello Bob, a question about chapter two")
        expect(page.locator("#composer-error")).to_be_hidden()
        expect(page.get_by_label("Your message")).not_to_have_accessible_description(
            re.compile("Write a message.")
        )
        # Night for Bob: the hint gives his morning on both clocks, as without the script.
        page.get_by_role("button", name="Check my message").click()
        hints = page.locator("#coach-hints .coach")
        expect(hints).to_contain_text("Before you send:")
        expect(hints).to_contain_text(f"(08:00 for {bob}; ")
        expect(hints).to_contain_text("These are only suggestions; you can send as it is.")
        # Chosen to wait for his morning: his night is no longer a reason to.
        page.get_by_label("Send at the recipient's next morning (08:00 their time)").check()
        expect(page.locator("#coach-hints")).to_have_text("")
    finally:
        context.close()


def test_pages_log_no_console_errors(
    browser: Any, asgi_server: str, conversation: Any, bob: Any, client_for: Any
) -> None:
    """Under the strict Content-Security-Policy nothing is refused (an inline style or
    script is reported as a console error) and no script fails."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    try:
        page.goto(f"{asgi_server}/accounts/login/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        session = client_for(bob).cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": asgi_server}])
        for path in ["/messages/", f"/messages/{conversation.pk}/"]:
            page.goto(f"{asgi_server}{path}")
        expect(page.locator("#connection")).to_have_text("Live")
        assert errors == []
    finally:
        context.close()


def test_the_keyboard_reaches_the_message_box_at_once(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, client_for: Any
) -> None:
    """However long the thread, "Write a message" jumps to the message box; the edit page
    opens with the cursor in its text."""
    send_from_another_thread(
        lambda: services.send_message(carol, conversation, body="typo", client_id="k1")
    )
    context, page = open_thread(
        browser, asgi_server, client_for(carol).cookies["sessionid"].value, conversation.pk
    )
    try:
        page.get_by_role("link", name="Write a message").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_label("Your message")).to_be_focused()
        page.locator("#messages .actions").get_by_role("link", name="Edit").click()
        expect(page.get_by_label("Message")).to_be_focused()
    finally:
        context.close()
