from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from conftest import add_member
from openmentor.mentorships.services import change_status
from openmentor.messaging import selectors, services
from openmentor.messaging.models import AuditLog, Block, Conversation, Message
from openmentor.messaging.tests.conftest import zone_where_it_is
from openmentor.notifications.models import Notification, UserEvent

pytestmark = pytest.mark.django_db


def api_send(client: Client, conversation: Any, body: str, client_id: str) -> Any:
    return client.post(
        f"/api/v1/messaging/conversations/{conversation.pk}/messages",
        data=json.dumps({"body": body, "client_id": client_id}),
        content_type="application/json",
    )


def test_api_send_is_idempotent_and_pages_by_cursor(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    carol_client = client_for(carol)
    first = api_send(carol_client, conversation, "Hello **Bob**", "k1")
    retry = api_send(carol_client, conversation, "Hello **Bob**", "k1")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"]
    assert "<strong>Bob</strong>" in first.json()["html"]
    for i in range(3):
        api_send(carol_client, conversation, f"more {i}", f"k{i + 2}")
    url = f"/api/v1/messaging/conversations/{conversation.pk}/messages"
    page = client_for(bob).get(url, {"limit": 2}).json()
    assert [m["body"] for m in page["messages"]] == ["more 1", "more 2"] and page["has_older"]
    older = client_for(bob).get(url, {"limit": 10, "before": page["messages"][0]["id"]}).json()
    assert [m["body"] for m in older["messages"]] == ["Hello **Bob**", "more 0"]
    # Forward from a message: what came after it, and that older ones exist.
    newer = client_for(bob).get(url, {"limit": 10, "after": older["messages"][0]["id"]}).json()
    assert [m["body"] for m in newer["messages"]] == ["more 0", "more 1", "more 2"]
    assert newer["has_older"]
    listing = client_for(bob).get("/api/v1/messaging/conversations").json()
    assert [(c["id"], c["unread"]) for c in listing] == [(conversation.pk, 4)]


def test_api_bad_input_is_a_clear_error_and_saves_nothing(
    conversation: Any, carol: Any, client_for: Any
) -> None:
    client = client_for(carol)
    blank = api_send(client, conversation, "   ", "k1")
    assert blank.status_code == 422 and blank.json()["code"] == "validation_failed"
    bad_id = api_send(client, conversation, "hi", "no spaces allowed")
    assert bad_id.status_code == 422
    assert Message.objects.count() == 0


def test_api_refuses_people_outside_the_conversation(
    conversation: Any,
    carol: Any,
    erin: Any,
    charlie: Any,
    alice: Any,
    dave: Any,
    other_program: Any,
    client_for: Any,
) -> None:
    message = services.send_message(carol, conversation, body="private", client_id="p1").message
    for person in (erin, charlie, alice, dave):
        client = client_for(person)
        url = f"/api/v1/messaging/conversations/{conversation.pk}/messages"
        assert client.get(url).status_code == 404
        assert api_send(client, conversation, "hi", "x1").status_code == 404
        assert client.delete(f"/api/v1/messaging/messages/{message.pk}").status_code == 404
        reported = client.post(
            f"/api/v1/messaging/messages/{message.pk}/report",
            data=json.dumps({"reason": "x"}),
            content_type="application/json",
        )
        assert reported.status_code == 404
        assert client.get(f"/messages/{conversation.pk}/").status_code == 404
        assert "private" not in client.get("/api/v1/messaging/search?q=private").content.decode()
    assert Client().get("/api/v1/messaging/conversations").status_code == 401


def test_catch_up_after_a_missed_push_returns_everything_in_order(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    bob_client = client_for(bob)
    cursor = bob_client.get("/api/v1/events").json()["last_id"]
    # Bob's socket is down: these pushes go nowhere.
    sent = [
        services.send_message(carol, conversation, body=f"while away {i}", client_id=f"w{i}")
        for i in range(3)
    ]
    events = bob_client.get(f"/api/v1/events?after={cursor}").json()["events"]
    assert [e["payload"]["message"] for e in events] == [s.message.pk for s in sent]
    # A cursor from nowhere (a restored database, a bug) is brought back to Bob's newest
    # event, on both ways of asking, so that what comes next is not skipped.
    for url in ("/api/v1/events?after=99999999999", "/messages/poll/?after=99999999999&timeout=0"):
        assert bob_client.get(url).json()["last_id"] == events[-1]["id"]
    assert all("while away" not in json.dumps(e) for e in events)  # ids only in the log
    first = events[0]["payload"]["message"]
    url = f"/api/v1/messaging/conversations/{conversation.pk}/messages?after={first - 1}"
    bodies = [m["body"] for m in bob_client.get(url).json()["messages"]]
    assert bodies == ["while away 0", "while away 1", "while away 2"]


def test_thread_page_works_without_javascript(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    client = client_for(bob)
    page = client.get(f"/messages/{conversation.pk}/")
    assert page.status_code == 200
    client_id = page.context["form"].initial["client_id"]
    form = {"body": "Thanks, Carol!", "when": "now", "client_id": client_id, "action": "send"}
    response = client.post(f"/messages/{conversation.pk}/", form)
    assert response.status_code == 302
    # Submitting the same page again (reload, double click) sends nothing new.
    client.post(f"/messages/{conversation.pk}/", form)
    assert Message.objects.filter(sender=bob).count() == 1
    assert "Thanks, Carol!" in client.get(f"/messages/{conversation.pk}/").content.decode()
    empty = client.post(f"/messages/{conversation.pk}/", {**form, "client_id": "new", "body": ""})
    assert empty.status_code == 400 and "Write a message" in empty.content.decode()
    listing = client_for(carol).get("/messages/").content.decode()
    assert "1 unread" in listing


def test_every_page_shows_in_the_navigation_how_many_messages_wait(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    services.send_message(carol, conversation, body="one", client_id="n1")
    services.send_message(carol, conversation, body="two", client_id="n2")
    client = client_for(bob)
    nav = client.get("/dashboard/").content.decode().split("</nav>")[0]
    assert 'Messages <span class="badge warn">2 unread</span>' in nav
    assert selectors.unread_total(bob) == sum(c.unread for c in selectors.my_conversations(bob))
    carols_nav = client_for(carol).get("/dashboard/").content.decode().split("</nav>")[0]
    assert "unread</span>" not in carols_nav
    services.mark_read(bob, conversation)
    assert "2 unread" not in client.get("/dashboard/").content.decode().split("</nav>")[0]


def test_own_messages_say_how_far_the_others_have_read(
    conversation: Any, circle: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    from openmentor.messaging.templatetags.messaging_tags import file_size, seen_label

    # Sizes as messaging.js writes them for live messages (sizeText).
    assert [file_size(n) for n in (78, 1023, 1024, 1536, 2_000_000)] == [
        "78 B",
        "1023 B",
        "1 KB",
        "2 KB",
        "1.9 MB",
    ]
    from django.utils import translation

    with translation.override("fr"):  # the help text above the box said "10 Mo"
        assert [file_size(n) for n in (78, 1536, 2_000_000)] == ["78 o", "2 Ko", "1,9 Mo"]
    assert [seen_label(5, cursors) for cursors in ({1: 4}, {1: 5}, {1: 5, 2: 0}, {1: 9, 2: 5})] == [
        "",
        "seen",
        "seen by 1 of 2",
        "seen by everyone",
    ]
    services.send_message(carol, conversation, body="To Bob", client_id="p1")
    services.send_message(carol, circle, body="To both", client_id="g1")
    services.mark_read(bob, conversation)
    services.mark_read(bob, circle)
    carol_client = client_for(carol)
    assert (
        '<span class="muted seen">seen</span>'
        in carol_client.get(f"/messages/{conversation.pk}/").content.decode()
    )
    assert (
        '<span class="muted seen">seen by 1 of 2</span>'
        in carol_client.get(f"/messages/{circle.pk}/").content.decode()
    )
    services.mark_read(erin, circle)
    page = carol_client.get(f"/messages/{circle.pk}/").content.decode()
    assert '<span class="muted seen">seen by everyone</span>' in page
    # In her language, on the page and in the wording the script uses for live reads.
    page = carol_client.get(f"/messages/{circle.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<span class="muted seen">visto por todos</span>' in page
    assert 'data-t-seen-by="visto por %(n)s de %(total)s"' in page


def test_the_composer_help_is_announced_and_languages_are_named_in_their_own_words(
    conversation: Any, bob: Any, client_for: Any
) -> None:
    page = client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    # The textarea points screen readers at its formatting help, which must exist.
    assert 'aria-describedby="id_body_helptext"' in page
    assert '<p class="help" id="id_body_helptext">' in page
    assert '<option value="es" lang="es">español</option>' in page
    assert '<option value="pt" lang="pt">Português</option>' in page


def test_a_scheduled_message_is_not_seen_before_it_goes_out(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    later = timezone.now() + timedelta(hours=5)
    scheduled = services.send_message(
        carol, conversation, body="Good morning", client_id="s1", send_at=later
    ).message
    sent = services.send_message(carol, conversation, body="Now", client_id="s2").message
    services.mark_read(bob, conversation)
    page = client_for(carol).get(f"/messages/{conversation.pk}/").content.decode()
    waiting = page[page.index(f'id="m{scheduled.pk}"') :].split("</li>", 1)[0]
    assert "data-scheduled" in waiting and "scheduled for" in waiting
    assert "seen" not in waiting
    read = page[page.index(f'id="m{sent.pk}"') :].split("</li>", 1)[0]
    assert '<span class="muted seen">seen</span>' in read


def test_a_message_for_their_morning_shows_the_time_on_their_clock(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    bob.time_zone = "Asia/Kathmandu"  # UTC+5:45, far from Carol's clock
    bob.save(update_fields=["time_zone"])
    client = client_for(carol)
    form = {"body": "For your morning", "client_id": "m1", "when": "morning"}
    assert client.post(f"/messages/{conversation.pk}/", form).status_code == 302
    scheduled = conversation.messages.get()
    page = client.get(f"/messages/{conversation.pk}/").content.decode()
    badge = page[page.index(f'id="m{scheduled.pk}"') :].split("</span>", 1)[0]
    assert f"(08:00 for {bob})" in badge


def test_in_a_group_a_scheduled_message_shows_each_ones_clock(
    circle: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    """Not the first member's alone: in a circle across zones that meant nothing."""
    from datetime import UTC, datetime

    at = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC)):
        scheduled = services.send_message(
            carol, circle, body="For the circle", client_id="g1", send_at=at
        ).message
        page = client_for(carol).get(f"/messages/{circle.pk}/").content.decode()
    badge = page[page.index(f'id="m{scheduled.pk}"') :].split("</span>", 1)[0]
    # Bob in São Paulo (09:00), Erin in Kathmandu (17:45).
    assert f"(09:00 for {bob}; 17:45 for {erin})" in badge


def test_the_night_hint_gives_their_morning_on_their_clock_and_on_the_senders(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    from zoneinfo import ZoneInfo

    from openmentor.messaging import coach

    now = timezone.now()
    bob.time_zone = zone_where_it_is(night=True)
    bob.save(update_fields=["time_zone"])
    carol.time_zone = "America/Sao_Paulo"
    carol.save(update_fields=["time_zone"])
    form = {"body": "Hello Bob, a question", "when": "now", "client_id": "n1", "action": "check"}
    page = client_for(carol).post(f"/messages/{conversation.pk}/", form).content.decode()
    their_morning = coach.next_morning(bob.time_zone, now)
    carols_time = their_morning.astimezone(ZoneInfo("America/Sao_Paulo"))
    on_carols_clock = carols_time.strftime("%H:%M")
    # Bob's day is named when it is not Carol's ("Mon 08:00 for Bob" while her Sunday).
    their_day = "" if their_morning.date() == carols_time.date() else f"{their_morning:%a} "
    assert f"({their_day}08:00 for {bob}; " in page
    assert f"{on_carols_clock} your time)" in page
    # The script asks the API while Carol types: the same words.
    api = client_for(carol).post(
        "/api/v1/messaging/coach",
        data=json.dumps({"conversation_id": conversation.pk, "body": "Hello Bob"}),
        content_type="application/json",
    )
    (night,) = [hint for hint in api.json()["hints"] if hint["code"] == "recipient_night"]
    assert f"({their_day}08:00 for {bob}; " in night["message"]


def test_coach_hints_on_the_page_never_block_and_can_be_turned_off(
    conversation: Any, bob: Any, client_for: Any
) -> None:
    client = client_for(bob)
    form = {"body": "WHY IS NOBODY ANSWERING ME", "when": "now", "client_id": "c1"}
    checked = client.post(f"/messages/{conversation.pk}/", {**form, "action": "check"})
    assert "capital letters" in checked.content.decode()
    assert 'href="/programs/global-doctoral/#guidelines"' in checked.content.decode()
    assert Message.objects.count() == 0
    sent = client.post(f"/messages/{conversation.pk}/", {**form, "action": "send"})
    assert sent.status_code == 302 and Message.objects.count() == 1
    client.post("/messages/coach/", {"enabled": "0", "conversation": conversation.pk})
    hints = client.post(
        "/api/v1/messaging/coach",
        data=json.dumps({"conversation_id": conversation.pk, "body": "SHOUTING AT EVERYONE NOW"}),
        content_type="application/json",
    ).json()
    assert hints == {"enabled": False, "hints": [], "guidelines_url": hints["guidelines_url"]}


def test_attachments_are_encrypted_and_served_only_to_participants(
    conversation: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 research plan", content_type="application/pdf")
    message = services.send_message(
        carol, conversation, body="", client_id="a1", attachments=[pdf]
    ).message
    attachment = message.attachments.get()
    with attachment.file.open("rb") as handle:
        assert b"research plan" not in handle.read()
    url = f"/messages/attachments/{attachment.pk}/"
    thread = client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    assert f'<a href="{url}">plan.pdf</a> <span class="muted">(22 B)</span>' in thread
    download = client_for(bob).get(url)
    assert download.status_code == 200 and download.content == b"%PDF-1.4 research plan"
    assert download["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert client_for(erin).get(url).status_code == 404
    # Any script's name stays a download, its name kept (RFC 6266), never shown inline.
    draft = SimpleUploadedFile("论文 草稿.pdf", b"%PDF-1.4 draft", content_type="application/pdf")
    named = services.send_message(carol, conversation, body="", client_id="a2", attachments=[draft])
    kept = client_for(bob).get(f"/messages/attachments/{named.message.attachments.get().pk}/")
    assert kept["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E8%AE%BA%E6%96%87%20%E8%8D%89%E7%A8%BF.pdf"
    )
    # A .csv that Windows with Excel declares as a sheet is taken as the CSV it is.
    sheet = SimpleUploadedFile("marks.csv", b"name,mark\nAna,9\n", "application/vnd.ms-excel")
    csv = services.send_message(carol, conversation, body="", client_id="a3", attachments=[sheet])
    assert csv.message.attachments.get().content_type == "text/csv"


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_the_page_form_sends_several_attachments_and_refuses_a_wrong_type(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    page = f"/messages/{conversation.pk}/"
    files = [
        SimpleUploadedFile("photo.png", PNG_BYTES, content_type="image/png"),
        SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf"),
    ]
    sent = client_for(carol).post(
        page, {"body": "Both files", "client_id": "files-1", "when": "now", "attachments": files}
    )
    assert sent.status_code == 302
    message = conversation.messages.get(client_id="files-1")
    assert sorted(a.name for a in message.attachments.all()) == ["photo.png", "plan.pdf"]
    thread = client_for(bob).get(page).content.decode()
    assert "photo.png" in thread and "plan.pdf" in thread

    only_file = client_for(carol).post(
        page,
        {
            "body": "",
            "client_id": "files-2",
            "when": "now",
            "attachments": SimpleUploadedFile(
                "plan.pdf", b"%PDF-1.4", content_type="application/pdf"
            ),
        },
    )
    assert only_file.status_code == 302  # a file alone is a message

    refused = client_for(carol).post(
        page,
        {
            "body": "A program",
            "client_id": "files-3",
            "when": "now",
            "attachments": SimpleUploadedFile(
                "tool.exe", b"MZ\x90\x00", content_type="application/x-msdownload"
            ),
        },
    )
    assert refused.status_code == 400
    assert (
        "only PDF, PNG, JPEG, text (.txt), CSV and Word (.docx) files can be attached"
        in refused.content.decode()
    )
    assert not conversation.messages.filter(client_id="files-3").exists()


def test_the_page_says_who_cannot_write_instead_of_offering_a_composer(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    page = f"/messages/{conversation.pk}/"
    assert 'id="composer"' in client_for(bob).get(page).content.decode()
    services.block(bob, carol.pk)
    bobs = client_for(bob).get(page).content.decode()
    assert 'id="composer"' not in bobs
    assert "You blocked this person. Unblock them to write again." in bobs
    assert "Unblock " in bobs
    carols = client_for(carol).get(page).content.decode()
    assert 'id="composer"' not in carols
    assert "You cannot send messages to this person." in carols
    # The plain form is refused the same way, and nothing is stored.
    refused = client_for(carol).post(page, {"body": "hi", "client_id": "blk-1", "when": "now"})
    assert refused.status_code == 400
    assert not conversation.messages.filter(client_id="blk-1").exists()


def test_a_support_thread_offers_no_blocking_and_no_their_morning(
    conversation: Any, bob: Any, alice: Any, client_for: Any
) -> None:
    # Reached by a link or after signing in, the start page asks first and creates nothing.
    start = client_for(bob).get(f"/messages/support/{conversation.program.slug}/")
    assert start.status_code == 200 and 'method="post"' in start.content.decode()
    assert not Conversation.objects.filter(support_for=bob).exists()
    opened = client_for(bob).post(f"/messages/support/{conversation.program.slug}/")
    support = Conversation.objects.get(support_for=bob)
    assert opened["Location"] == f"/messages/{support.pk}/"
    for person in (bob, alice):
        page = client_for(person).get(f"/messages/{support.pk}/").content.decode()
        assert 'id="composer"' in page
        assert "Block " not in page
        assert 'name="when"' not in page
    sent = client_for(bob).post(
        f"/messages/{support.pk}/", {"body": "A question", "client_id": "sup-1"}
    )
    assert sent.status_code == 302
    assert support.messages.get(client_id="sup-1").send_at is None
    # Once written in, a link to the start page ("your report was looked at") opens it.
    again = client_for(bob).get(f"/messages/support/{conversation.program.slug}/")
    assert again["Location"] == f"/messages/{support.pk}/"
    # A mentorship conversation still offers both.
    page = client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    assert "Block " in page and 'name="when"' in page


def test_coordinator_sees_activity_not_bodies_until_a_report(
    conversation: Any,
    carol: Any,
    bob: Any,
    alice: Any,
    dave: Any,
    other_program: Any,
    client_for: Any,
) -> None:
    message = services.send_message(carol, conversation, body="a rude remark", client_id="r1")
    support = services.support_conversation(bob, conversation.program)
    # A support thread opened by a click is not a conversation until someone writes.
    assert selectors.program_activity(conversation.program_id).support == []
    assert support.pk not in {c.pk for c in selectors.my_conversations(bob)}
    services.send_message(bob, support, body="A question", client_id="q1")
    assert support.pk in {c.pk for c in selectors.my_conversations(bob)}
    coordinator = client_for(alice)
    activity = coordinator.get("/messages/program/global-doctoral/").content.decode()
    assert "a rude remark" not in activity and "A question" not in activity
    # Who talks and when: the pair has been silent for three weeks.
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=timezone.now() - timedelta(days=21)
    )
    found = selectors.program_activity(conversation.program_id)
    assert [(pair.mentorship, pair.quiet) for pair in found.pairs] == [
        (conversation.mentorship, True)
    ]
    assert found.support == [support]
    assert sorted(map(str, found.pairs[0].people)) == sorted([str(carol), str(bob)])
    assert f'href="/messages/{support.pk}/"' in activity and str(carol) in activity
    later = selectors.program_activity(
        conversation.program_id, now=timezone.now() + selectors.QUIET_AFTER + timedelta(days=1)
    )
    assert all(pair.quiet for pair in later.pairs)
    assert client_for(dave).get("/messages/program/global-doctoral/").status_code == 404
    # Editing the remark away does not hide it from a report: its earlier versions go along.
    services.edit_message(carol, message.message.pk, "a kind remark")
    client_for(bob).post(f"/messages/message/{message.message.pk}/report/", {"reason": "Rude."})
    report = message.message.reports.get()
    assert client_for(dave).get(f"/messages/reports/{report.pk}/").status_code == 404
    waiting = Notification.objects.filter(user=alice, kind="messaging.report", read_at=None)
    assert waiting.exists()
    opened = coordinator.get(f"/messages/reports/{report.pk}/")
    assert not waiting.exists()  # opening the report reads its notification
    assert "a kind remark" in opened.content.decode()
    assert "Earlier versions" in opened.content.decode()
    assert "a rude remark" in opened.content.decode()
    # Nor does deleting it: the conversation sees a deleted message (and no history), the
    # report keeps what it was filed about.
    client_for(carol).post(f"/messages/message/{message.message.pk}/delete/", {"confirmed": "1"})
    thread_page = client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    assert "a kind remark" not in thread_page and "This message was deleted." in thread_page
    history = client_for(bob).get(f"/messages/message/{message.message.pk}/history/")
    assert "a rude remark" not in history.content.decode()
    kept = coordinator.get(f"/messages/reports/{report.pk}/").content.decode()
    assert "The author has since deleted this message." in kept
    assert "a kind remark" in kept and "a rude remark" in kept
    # The coordinator follows up with the reporter in Bob's support thread, from the report.
    assert f"Write to {bob}" in opened.content.decode()
    follow_up = coordinator.post(f"/messages/program/global-doctoral/support/{bob.pk}/")
    thread = Conversation.objects.get(kind="support", support_for=bob)
    assert follow_up.status_code == 302 and follow_up.url == f"/messages/{thread.pk}/"
    assert coordinator.get(follow_up.url).status_code == 200
    assert client_for(bob).get(follow_up.url).status_code == 200
    # Only the program's coordinators may open it, and only with its participants.
    assert (
        client_for(dave).post(f"/messages/program/global-doctoral/support/{bob.pk}/").status_code
        == 404
    )
    assert (
        client_for(bob).post(f"/messages/program/global-doctoral/support/{carol.pk}/").status_code
        == 404
    )
    assert (
        coordinator.post(f"/messages/program/global-doctoral/support/{dave.pk}/").status_code == 403
    )
    # Each of the two openings of the report is in the audit log.
    assert AuditLog.objects.filter(actor=alice, action="report.read").count() == 2


def test_edit_and_delete_through_pages(
    conversation: Any, carol: Any, bob: Any, erin: Any, alice: Any, client_for: Any
) -> None:
    message = services.send_message(carol, conversation, body="typo heer", client_id="e1").message
    assert client_for(bob).get(f"/messages/message/{message.pk}/edit/").status_code == 404
    empty = client_for(carol).post(f"/messages/message/{message.pk}/edit/", {"body": "  "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    own = client_for(carol).post(f"/messages/message/{message.pk}/report/", {"reason": "Hm."})
    assert "You cannot report your own message." in own.content.decode()
    assert not message.reports.exists()
    client_for(carol).post(f"/messages/message/{message.pk}/edit/", {"body": "typo here"})
    message.refresh_from_db()
    assert message.body == "typo here"
    # The people it was sent to can see what it said before the edit; nobody else can.
    thread = client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    assert f'href="/messages/message/{message.pk}/history/"' in thread
    history = client_for(bob).get(f"/messages/message/{message.pk}/history/").content.decode()
    assert "typo heer" in history and "typo here" in history
    edit_page = client_for(carol).get(f"/messages/message/{message.pk}/edit/").content.decode()
    assert f'href="/messages/message/{message.pk}/history/"' in edit_page
    for outsider in (erin, alice):  # another mentee; a coordinator without a report
        assert (
            client_for(outsider).get(f"/messages/message/{message.pk}/history/").status_code == 404
        )
    api = client_for(bob).get(f"/api/v1/messaging/messages/{message.pk}/history")
    assert [version["body"] for version in api.json()] == ["typo heer"]
    assert (
        client_for(erin).get(f"/api/v1/messaging/messages/{message.pk}/history").status_code == 404
    )
    assert client_for(bob).post(f"/messages/message/{message.pk}/delete/").status_code == 403
    client_for(carol).post(f"/messages/message/{message.pk}/delete/", {"confirmed": "1"})
    page = client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    assert "typo here" not in page and "This message was deleted." in page
    history = client_for(bob).get(f"/messages/message/{message.pk}/history/").content.decode()
    assert "typo" not in history  # deleting removes the earlier versions too
    assert UserEvent.objects.filter(user=bob, type="message.deleted").exists()


def test_long_poll_fallback_returns_missed_events_and_needs_sign_in(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    sent = services.send_message(carol, conversation, body="via long-poll", client_id="lp1")
    body = client_for(bob).get("/messages/poll/?after=0&timeout=0").json()
    assert [e["payload"]["message"] for e in body["events"]] == [sent.message.pk]
    assert body["last_id"] == body["events"][-1]["id"]
    assert Client().get("/messages/poll/?after=0&timeout=0").status_code == 401


def test_mentorship_link_opens_its_conversation_only_for_participants(
    mentorship: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    response = client_for(bob).get(f"/mentorships/{mentorship.pk}/messages/")
    assert response.status_code == 302 and response.url.startswith("/messages/")
    assert client_for(erin).get(f"/mentorships/{mentorship.pk}/messages/").status_code == 404


def test_block_and_unblock_from_the_thread_page(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    services.send_message(carol, conversation, body="hidden after block", client_id="b1")
    client = client_for(bob)
    block = f"/messages/people/{carol.pk}/block/"
    # Without JavaScript (no dialog), the question comes on a page of its own first.
    asked = client.post(block, {"next_conversation": conversation.pk}).content.decode()
    assert "Block this person?" in asked and 'name="confirmed" value="1"' in asked
    assert f'name="next_conversation" value="{conversation.pk}"' in asked
    assert "hidden after block" in client.get(f"/messages/{conversation.pk}/").content.decode()
    client.post(block, {"next_conversation": conversation.pk, "confirmed": "1"})
    assert "hidden after block" not in client.get(f"/messages/{conversation.pk}/").content.decode()
    client.post(
        f"/messages/people/{carol.pk}/block/",
        {"next_conversation": conversation.pk, "undo": "1"},
    )
    assert "hidden after block" in client.get(f"/messages/{conversation.pk}/").content.decode()


def test_api_refuses_a_page_size_below_one(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    services.send_message(carol, conversation, body="one", client_id="l1")
    services.send_message(carol, conversation, body="two", client_id="l2")
    url = f"/api/v1/messaging/conversations/{conversation.pk}/messages"
    client = client_for(bob)
    for limit in (0, -5):
        response = client.get(url, {"limit": limit})
        assert response.status_code == 422
        assert response.json()["code"] == "validation_failed"
        assert "limit" in response.json()["fields"]
    # Above the maximum is still served, capped at 200 as before.
    assert len(client.get(url, {"limit": 1000}).json()["messages"]) == 2


def test_the_notifications_badge_agrees_with_notifications_in_french(
    bob: Any, client_for: Any
) -> None:
    from django.conf import settings

    from openmentor.notifications import services as notifications

    for title in ("One", "Two"):
        notifications.notify(bob, kind="x", title=title, email=False)
    client = client_for(bob)
    # French picked on this browser: it wins over the language in Bob's settings.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    nav = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    nav = nav.split("</nav>")[0]
    assert '<span class="badge warn">2 non lues</span>' in nav


def test_the_thread_page_links_to_its_message_box_and_the_edit_page_focuses_its_own(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    sent = services.send_message(carol, conversation, body="typo", client_id="s1")
    client = client_for(carol)
    assert (
        '<a href="#id_body">Write a message</a>'
        in client.get(f"/messages/{conversation.pk}/").content.decode()
    )
    edit = client.get(f"/messages/message/{sent.message.pk}/edit/").content.decode()
    assert " autofocus" in edit.split("<textarea")[1].split(">")[0]
    # No message box, no link to it.
    services.block(bob, carol.pk)
    assert "#id_body" not in client.get(f"/messages/{conversation.pk}/").content.decode()


def test_a_too_long_message_is_refused_with_the_limit_written_as_a_number(
    conversation: Any, carol: Any, client_for: Any
) -> None:
    from django.conf import settings
    from django.utils import translation

    from openmentor.core.errors import ValidationFailed

    client = client_for(carol)
    too_long = "a" * (services.MAX_BODY_CHARS + 1)
    page = f"/messages/{conversation.pk}/"
    refused = client.post(page, {"body": too_long, "client_id": "long-1", "when": "now"})
    assert "A message can be at most 10,000 characters." in refused.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    refused = client.post(page, {"body": too_long, "client_id": "long-2", "when": "now"})
    assert "Un mensaje puede tener como máximo 10\xa0000 caracteres." in refused.content.decode()
    with translation.override("en"), pytest.raises(ValidationFailed, match="at most 10,000 "):
        services.send_message(carol, conversation, body=too_long, client_id="long-3")
    assert not conversation.messages.exists()


def test_deleting_twice_or_editing_a_deleted_message_says_so_and_keeps_the_text(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """Two tabs, or a form sent again on a slow connection."""
    message = services.send_message(carol, conversation, body="Draft", client_id="d1").message
    tab_one, tab_two = client_for(carol), client_for(carol)
    delete = f"/messages/message/{message.pk}/delete/"
    assert tab_one.post(delete, {"confirmed": "1"}).status_code == 302
    again = tab_two.post(delete, follow=True)
    assert again.status_code == 200 and "Message deleted." in again.content.decode()
    assert UserEvent.objects.filter(user=bob, type="message.deleted").count() == 1

    edit = f"/messages/message/{message.pk}/edit/"
    saved = tab_two.post(edit, {"body": "My careful rewrite"})
    page = saved.content.decode()
    assert saved.status_code == 400
    assert "This message was deleted, so it cannot be edited." in page
    assert "My careful rewrite</textarea>" in page  # the text is still there to copy
    opened = tab_two.get(edit, follow=True)
    assert opened.redirect_chain[-1][0] == f"/messages/{conversation.pk}/"
    assert "This message was deleted, so it cannot be edited." in opened.content.decode()


def test_a_scheduled_message_deleted_before_it_goes_out_leaves_no_trace(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    later = timezone.now() + timedelta(hours=5)
    scheduled = send(carol, "For tomorrow", send_at=later)
    answer = client_for(carol).delete(f"/api/v1/messaging/messages/{scheduled.pk}")
    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["deleted"]) == (scheduled.pk, True)
    assert not Message.objects.filter(pk=scheduled.pk).exists()
    assert services.deliver_due_messages(later + timedelta(minutes=1)) == 0
    for person in (carol, bob):
        page = client_for(person).get(f"/messages/{conversation.pk}/").content.decode()
        assert '<li class="message' not in page  # no tombstone, for either of them
    assert not UserEvent.objects.filter(user=bob).exists()


def test_only_a_pair_is_offered_their_morning(
    conversation: Any, circle: Any, carol: Any, client_for: Any
) -> None:
    """A group has several clocks: "the recipient's morning" would be one member's."""
    client = client_for(carol)
    morning = "Send at the recipient&#x27;s next morning"
    assert morning in client.get(f"/messages/{conversation.pk}/").content.decode()
    assert morning not in client.get(f"/messages/{circle.pk}/").content.decode()
    form = {"body": "For the group", "client_id": "g-m1", "when": "morning"}
    assert client.post(f"/messages/{circle.pk}/", form).status_code == 302
    sent = circle.messages.get()
    assert (sent.status, sent.send_at) == ("sent", None)


def test_a_link_to_an_old_message_opens_the_page_that_holds_it(
    conversation: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    """Search results, "back to the conversation" and notifications link to one message."""
    old = services.send_message(carol, conversation, body="The café on Friday", client_id="o")
    for n in range(selectors.PAGE_SIZE + 5):
        services.send_message(carol, conversation, body=f"Later {n}", client_id=f"l{n}")
    client = client_for(bob)
    client.get(f"/messages/{conversation.pk}/?after=0")  # read it all
    found = client.get("/messages/search/", {"q": "café"}).content.decode()
    link = old.message.get_absolute_url()
    assert f'href="{link}"'.replace("&", "&amp;") in found
    page = client.get(link).content.decode()
    assert f'id="m{old.message.pk}"' in page and "The café on Friday" in page
    assert "Later 8" in page and "Later 9" not in page  # what followed it, then a link on
    assert "Newer messages" in page and 'id="composer"' not in page
    # The newest page has no room for it, and an outsider gets nothing.
    assert (
        f'id="m{old.message.pk}"'
        not in client.get(f"/messages/{conversation.pk}/").content.decode()
    )
    assert client_for(erin).get(link).status_code == 404


def test_without_javascript_deleting_asks_first_and_refusals_open_at_the_form(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    message = services.send_message(carol, conversation, body="Oops, wrong chat", client_id="w")
    client = client_for(carol)
    delete = f"/messages/message/{message.message.pk}/delete/"
    asked = client.post(delete).content.decode()
    assert "Delete this message?" in asked and "Oops, wrong chat" in asked
    message.message.refresh_from_db()
    assert message.message.deleted_at is None
    assert client.post(delete, {"confirmed": "1"}).status_code == 302
    message.message.refresh_from_db()
    assert message.message.deleted_at is not None
    # A refused send (here: empty) comes back at the form, where its error is.
    refused = client.post(f"/messages/{conversation.pk}/", {"body": " ", "client_id": "e1"})
    assert refused.status_code == 400 and 'action="#composer"' in refused.content.decode()
    # Checking cannot keep chosen files: the page says so.
    note = SimpleUploadedFile("note.txt", b"notes", content_type="text/plain")
    checked = client.post(
        f"/messages/{conversation.pk}/",
        {
            "body": "Hello Bob",
            "client_id": "c2",
            "when": "now",
            "action": "check",
            "attachments": note,
        },
    )
    # Said beside the form, where the page opens, not in the banners at the top.
    answer = checked.content.decode()
    assert answer.index("Checking does not keep files: choose them again.") > answer.index(
        'id="composer"'
    )
    # Signing in again after a lapsed session comes back to the form's address as a GET:
    # the question, not an empty page.
    again = services.send_message(carol, conversation, body="Second try", client_id="w2")
    asked_again = client.get(f"/messages/message/{again.message.pk}/delete/")
    assert asked_again.status_code == 200 and "Delete this message?" in asked_again.content.decode()
    assert client.get(f"/messages/people/{bob.pk}/block/").status_code == 200
    again.message.refresh_from_db()
    assert again.message.deleted_at is None


def test_a_full_message_box_is_not_refused_for_its_line_breaks(
    conversation: Any, carol: Any, client_for: Any
) -> None:
    """A browser posts each line break as CR LF; the box counted it as one character."""
    lines = ["x" * 99] * 100  # 100 lines: 9,900 letters and 99 line breaks
    full = "\r\n".join(lines) + "."
    sent = client_for(carol).post(
        f"/messages/{conversation.pk}/", {"body": full, "client_id": "f1", "when": "now"}
    )
    assert sent.status_code == 302
    assert Message.objects.get().body == "\n".join(lines) + "."


def test_the_unread_count_endpoint_counts_the_persons_own_in_their_language(
    conversation: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    for n in range(2):
        services.send_message(carol, conversation, body=f"Note {n}", client_id=f"u{n}")
    bob.language = "es"
    bob.save(update_fields=["language"])
    change_status(carol, conversation.mentorship, "paused")  # a notification for Bob
    assert client_for(bob).get("/api/v1/messaging/unread").json() == {
        "messages": 2,
        "label": "2 sin leer",
        "notifications": 1,
        "notifications_label": "1 sin leer",
    }
    assert client_for(erin).get("/api/v1/messaging/unread").json()["messages"] == 0


def test_coordinators_see_every_pair_the_quiet_running_ones_first_and_can_write_to_them(
    program: Any, alice: Any, bob: Any, carol: Any, erin: Any, client_for: Any
) -> None:
    """Pairs that never opened their messages have no conversation yet: they are the
    quietest of all. Ended ones are listed after, never flagged; a block is shown."""
    from openmentor.mentorships.services import create_mentorship

    talking = create_mentorship(program, mentors=[carol], mentees=[bob], origin="test")
    services.send_message(
        carol, services.mentorship_conversation(talking), body="Hi", client_id="t1"
    )
    silent = create_mentorship(program, mentors=[carol], mentees=[erin], origin="test")
    ended = create_mentorship(program, mentors=[alice], mentees=[erin], origin="test")
    ended.status = "completed"
    ended.save(update_fields=["status"])
    Block.objects.create(blocker=erin, blocked=carol)  # blocked in another of their pairs
    found = selectors.program_activity(program.pk)
    assert [(p.mentorship, p.quiet, p.blocked) for p in found.pairs] == [
        (silent, True, True),
        (talking, False, False),
        (ended, False, False),
    ]
    page = client_for(alice).get(f"/messages/program/{program.slug}/").content.decode()
    assert "no message yet" in page and "messaging blocked" in page and "Completed" in page
    assert f'action="/messages/program/{program.slug}/support/{erin.pk}/"' in page
    assert f'aria-label="Write to {erin}"' in page
    # Reached from the coordinator console.
    console = client_for(alice).get(f"/programs/{program.slug}/console/").content.decode()
    assert f'href="/messages/program/{program.slug}/"' in console


def test_a_handled_report_says_by_whom_and_tells_the_reporter(
    conversation: Any, program: Any, alice: Any, bob: Any, carol: Any, dave: Any, client_for: Any
) -> None:
    add_member(program, dave, "coordinator")
    message = services.send_message(carol, conversation, body="Rude", client_id="h1").message
    report = services.report_message(bob, message.pk, "Not kind")
    client_for(alice).post(f"/messages/reports/{report.pk}/")
    seen_by_dave = client_for(dave).get(f"/messages/reports/{report.pk}/").content.decode()
    assert f"Handled by {alice} on" in seen_by_dave and "Mark as handled" not in seen_by_dave
    activity = client_for(dave).get(f"/messages/program/{program.slug}/").content.decode()
    assert "Handled reports" in activity and f"handled by {alice} on" in activity
    told = Notification.objects.get(user=bob, kind="messaging.report_handled")
    assert told.title == "The coordinators have looked at the message you reported"
    assert told.url == f"/messages/support/{program.slug}/"
    client_for(bob).get(told.url)  # followed: read, not left "new" in the bell
    told.refresh_from_db()
    assert told.read_at is not None


def test_a_coordinator_who_comes_back_has_nothing_unread_from_while_away(
    program: Any, alice: Any, bob: Any, dave: Any, client_for: Any
) -> None:
    from openmentor.programs import services as programs

    membership = add_member(program, dave, "coordinator")
    support = services.support_conversation(bob, program)
    services.send_message(bob, support, body="Before", client_id="b1")
    programs.remove_member(alice, program, membership.pk)
    services.send_message(bob, support, body="While Dave was away", client_id="b2")
    services.mark_read(alice, support)  # the team saw to it meanwhile
    membership.status = "active"
    membership.save(update_fields=["status"])
    assert selectors.unread_total(dave) == 0
    services.send_message(bob, support, body="After", client_id="b3")
    assert selectors.unread_total(dave) == 1


def test_coordinators_read_words_meant_for_them(
    program: Any, alice: Any, bob: Any, client_for: Any
) -> None:
    empty = client_for(alice).get("/messages/").content.decode()
    assert "When a participant writes to the coordinators" in empty
    assert "when you are matched in a mentorship" not in empty
    thread = services.support_conversation_with(alice, program, bob.pk)
    page = client_for(alice).get(f"/messages/{thread.pk}/").content.decode()
    assert "No messages yet." in page and "Say hello" not in page


def test_messaging_pages_do_not_download_htmx(conversation: Any, bob: Any, client_for: Any) -> None:
    """17 kB that only the matching round page uses: on a slow line, every byte waits."""
    for path in ("/messages/", f"/messages/{conversation.pk}/", "/dashboard/"):
        assert "htmx" not in client_for(bob).get(path).content.decode(), path


def test_opening_a_thread_reads_it_unless_the_script_will_once_it_is_seen(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    from openmentor.messaging.models import ConversationMember

    message = services.send_message(carol, conversation, body="Hello", client_id="o1").message

    def cursor() -> int:
        member = ConversationMember.objects.filter(user=bob, conversation=conversation).first()
        return member.last_read_message_id if member else 0

    with_script = client_for(bob)
    with_script.cookies["om_js"] = "1"  # messaging.js ran in this browser
    with_script.get(f"/messages/{conversation.pk}/")
    assert cursor() < message.pk  # left to the script, which waits until the tab is seen
    client_for(bob).get(f"/messages/{conversation.pk}/")  # no script: seeing is reading
    assert cursor() == message.pk


def test_the_activity_page_shows_the_quietest_pairs_a_page_at_a_time(
    program: Any, alice: Any, carol: Any, client_for: Any, monkeypatch: Any
) -> None:
    from conftest import make_person
    from openmentor.mentorships.services import create_mentorship

    monkeypatch.setattr(selectors, "PAIRS_PER_PAGE", 2)
    for n in range(3):
        mentee = make_person(f"mentee{n}@example.org", f"Mentee {n}")
        add_member(program, mentee, "mentee")
        mentorship = create_mentorship(program, mentors=[carol], mentees=[mentee], origin="t")
        if n == 0:  # the only pair that talks: the last, on page 2
            services.send_message(
                carol, services.mentorship_conversation(mentorship), body="Hi", client_id="p0"
            )
    first = client_for(alice).get(f"/messages/program/{program.slug}/").content.decode()
    assert "Mentee 1" in first and "Mentee 2" in first and "Mentee 0" not in first
    assert 'href="?page=2"' in first and "Page 1 of 2" in first
    second = client_for(alice).get(f"/messages/program/{program.slug}/?page=2").content.decode()
    assert "Mentee 0" in second and "Mentee 1" not in second


def test_without_javascript_the_delete_question_shows_the_message_as_it_reads(
    conversation: Any, carol: Any, client_for: Any
) -> None:
    message = services.send_message(
        carol, conversation, body="**Friday** at `10:00` <b>", client_id="d1"
    ).message
    question = client_for(carol).post(f"/messages/message/{message.pk}/delete/")
    html = question.content.decode()
    assert "<strong>Friday</strong>" in html and "<code>10:00</code>" in html
    assert "**Friday**" not in html and "<b>" not in html  # rendered, and still sanitised
    assert Message.objects.get(pk=message.pk).deleted_at is None


def test_the_list_opens_a_thread_with_unread_messages_at_the_first_of_them(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    services.send_message(carol, conversation, body="New for Bob", client_id="u1")
    listing = client_for(bob).get("/messages/").content.decode()
    assert f'href="/messages/{conversation.pk}/#unread"' in listing
    thread = client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    assert 'id="unread"' in thread
    # Carol has read everything: her link opens the thread as usual.
    assert (
        f'href="/messages/{conversation.pk}/"'
        in client_for(carol).get("/messages/").content.decode()
    )


def test_messaging_pages_are_kept_out_of_caches(
    conversation: Any, bob: Any, client_for: Any
) -> None:
    """A café computer's disk keeps no one's messages, and Back cannot bring back a form
    whose client id was used (its new text would be answered as a retry of the first)."""
    message = services.send_message(bob, conversation, body="private", client_id="c1").message
    for path in (
        f"/messages/{conversation.pk}/",
        "/messages/",
        "/messages/search/?q=private",
        f"/messages/message/{message.pk}/history/",
        f"/messages/message/{message.pk}/edit/",
    ):
        page = client_for(bob).get(path)
        assert page.status_code == 200, path
        assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"], path
