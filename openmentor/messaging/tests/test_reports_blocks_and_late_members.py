"""What QA found around reports, blocks, scheduled sends, people who join later and the
API's edges: each test is a person's situation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import add_member, make_person
from openmentor.core.errors import Conflict, NotAllowed, NotFound
from openmentor.mentorships.models import MentorshipParticipant
from openmentor.messaging import selectors, services
from openmentor.messaging.models import AuditLog, Block, ConversationMember, Message, Report
from openmentor.notifications.models import Notification, UserEvent
from openmentor.programs.models import Membership


def test_a_deleted_message_is_gone_for_the_conversation_even_once_reported(
    circle: Any, carol: Any, bob: Any, erin: Any, alice: Any, client_for: Any
) -> None:
    plan = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 the plan", content_type="application/pdf")
    message = services.send_message(
        carol, circle, body="SECRET-TEXT", client_id="r1", attachments=[plan]
    ).message
    attachment = message.attachments.get()
    report = services.report_message(bob, message.pk, "Rude and the file is offensive")
    services.delete_message(carol, message.pk)

    for person in (bob, erin):  # the reporter and someone else in the circle
        page = client_for(person).get(f"/messages/message/{message.pk}/report/", follow=True)
        assert "SECRET-TEXT" not in page.content.decode()
        assert "This message was deleted." in page.content.decode()
        assert client_for(person).get(f"/messages/attachments/{attachment.pk}/").status_code == 404
        files = f"/messages/reports/{report.pk}/files/{attachment.pk}/"
        assert client_for(person).get(files).status_code == 404
    with pytest.raises(Conflict):
        services.report_message(erin, message.pk, "Me too")

    # The coordinator still has what was reported, text and file, each opening audited.
    detail = client_for(alice).get(f"/messages/reports/{report.pk}/").content.decode()
    assert "SECRET-TEXT" in detail and "plan.pdf" in detail
    download = client_for(alice).get(f"/messages/reports/{report.pk}/files/{attachment.pk}/")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 the plan"
    assert AuditLog.objects.filter(actor=alice, action="report.attachment").count() == 1


def test_a_report_made_again_after_it_was_handled_is_open_again(
    conversation: Any, carol: Any, bob: Any, alice: Any
) -> None:
    message = services.send_message(carol, conversation, body="Hm", client_id="h1").message
    first = services.report_message(bob, message.pk, "First time")
    services.report_message(bob, message.pk, "First time")  # the form sent twice
    first.refresh_from_db()
    assert first.reason == "First time"
    services.resolve_report(alice, first.pk)
    again = services.report_message(bob, message.pk, "It happened again")
    assert again.pk == first.pk
    assert (again.reason, again.resolved_at) == ("First time\n\nIt happened again", None)
    assert list(selectors.open_reports(conversation.program_id, alice)) == [again]
    assert Notification.objects.filter(user=alice, kind="messaging.report").count() == 2
    # More said while it is open is added for the coordinators to read.
    services.report_message(bob, message.pk, "And once more")
    again.refresh_from_db()
    assert again.reason == "First time\n\nIt happened again\n\nAnd once more"


def test_a_report_about_a_coordinator_goes_to_the_others_or_to_the_site_admins(
    program: Any, alice: Any, bob: Any, dave: Any, client_for: Any
) -> None:
    add_member(program, dave, "coordinator")
    support = services.support_conversation(bob, program)
    services.send_message(bob, support, body="A question", client_id="q1")
    answer = services.send_message(alice, support, body="Rude answer", client_id="a1").message
    report = services.report_message(bob, answer.pk, "The coordinator was rude to me")

    told = Notification.objects.filter(kind="messaging.report").values_list("user_id", flat=True)
    assert list(told) == [dave.pk]
    assert client_for(alice).get(f"/messages/reports/{report.pk}/").status_code == 404
    with pytest.raises(NotFound):
        services.resolve_report(alice, report.pk)
    assert report not in selectors.open_reports(program.pk, alice)
    assert report in selectors.open_reports(program.pk, dave)

    # Alice alone coordinates again: the site's administrators stand in.
    Membership.objects.filter(program=program, user=dave).delete()
    admin = make_person("admin@example.org", "Site Admin")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    assert selectors.report_handlers(report) == [admin]
    handled = client_for(admin).post(f"/messages/reports/{report.pk}/")
    assert handled.status_code == 302
    report.refresh_from_db()
    assert report.resolved_at is not None


def test_no_one_blocks_a_coordinator_or_is_blocked_by_one(
    conversation: Any, program: Any, alice: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    support = services.support_conversation(bob, program)
    services.send_message(bob, support, body="Hello", client_id="s1")
    says = "Coordinators and the people they support cannot block each other."
    for blocker, blocked in ((bob, alice), (alice, bob)):
        with pytest.raises(NotAllowed, match=says):
            services.block(blocker, blocked.pk)
        answer = client_for(blocker).post(
            "/api/v1/messaging/blocks", {"user_id": blocked.pk}, content_type="application/json"
        )
        assert answer.status_code == 403 and answer.json()["message"].startswith(says)
        page = client_for(blocker).post(
            f"/messages/people/{blocked.pk}/block/", {"confirmed": "1"}, follow=True
        )
        assert says in page.content.decode()
    assert not Block.objects.exists()
    services.block(bob, carol.pk)  # within the mentorship, still possible
    assert Block.objects.filter(blocker=bob, blocked=carol).exists()


def test_a_scheduled_message_does_not_go_to_someone_blocked_since(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    later = timezone.now() + timedelta(hours=1)
    scheduled = send(carol, "For tomorrow", send_at=later)
    services.block(carol, bob.pk)
    assert services.deliver_due_messages(later + timedelta(minutes=1)) == 0
    scheduled.refresh_from_db()
    assert scheduled.status == "not_sent"
    assert not UserEvent.objects.filter(user=bob, type="message.new").exists()
    note = Notification.objects.get(user=carol, kind="messaging.not_sent")
    assert note.body == "You blocked this person. Unblock them to write again."
    assert f"#m{scheduled.pk}" in note.url
    mine = client_for(carol).get(f"/messages/{conversation.pk}/").content.decode()
    shown = mine[mine.index(f'id="m{scheduled.pk}"') :].split("</li>", 1)[0]
    assert "Not sent" in shown
    note.refresh_from_db()  # its link points into the thread she opened: read
    assert note.read_at is not None
    assert (
        "For tomorrow" not in client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    )
    services.unblock(carol, bob.pk)
    assert services.deliver_due_messages(later + timedelta(minutes=2)) == 0  # not tried again
    # It never reached Bob: deleting it removes it, and tells him nothing (not even when).
    services.delete_message(carol, scheduled.pk)
    assert not Message.objects.filter(pk=scheduled.pk).exists()
    assert not UserEvent.objects.filter(user=bob, type="message.deleted").exists()


def test_people_who_join_later_count_and_hear_of_new_messages(
    program: Any,
    circle: Any,
    alice: Any,
    bob: Any,
    dave: Any,
    charlie: Any,
    carol: Any,
    client_for: Any,
) -> None:
    support = services.support_conversation(bob, program)
    services.send_message(bob, support, body="Old question", client_id="o1")
    services.send_message(alice, support, body="Old answer", client_id="a1")
    services.send_message(bob, support, body="Not seen by anyone yet", client_id="o2")
    add_member(program, dave, "coordinator")
    # What the team has read or answered is history, there to read, not waiting as unread
    # or sent as an e-mail; what no one has seen is unread for the newcomer too, and Bob's
    # page does not call it seen.
    assert selectors.unread_total(dave) == 1
    not_seen = Message.objects.get(client_id="o2")
    assert all(
        cursor < not_seen.pk
        for cursor in selectors.read_cursors_of_others(support, bob.pk).values()
    )
    services.send_message(bob, support, body="New question", client_id="o3")
    assert selectors.unread_total(dave) == 2
    nav = client_for(dave).get("/dashboard/").content.decode().split("</nav>")[0]
    assert "2 unread" in nav
    services.email_unread(timezone.now() + timedelta(hours=1))
    assert Notification.objects.filter(user=dave, kind="messaging.unread").exists()

    # A new member of a running circle takes part in its conversation.
    MentorshipParticipant.objects.create(mentorship=circle.mentorship, user=charlie, role="mentee")
    assert ConversationMember.objects.filter(conversation=circle, user=charlie).exists()
    services.send_message(carol, circle, body="Welcome!", client_id="w1")
    assert selectors.unread_total(charlie) == 1


def test_the_api_answers_bad_times_and_numbers_clearly_and_changes_nothing(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    client = client_for(carol)
    send = f"/api/v1/messaging/conversations/{conversation.pk}/messages"
    naive = client.post(
        send,
        {"client_id": "n1", "body": "x", "send_at": "2026-11-30T10:00:00"},
        content_type="application/json",
    )
    assert naive.status_code == 422
    assert naive.json()["fields"] == {
        "send_at": "Enter a date and time with its time zone, like 2026-12-01T08:00:00+01:00."
    }
    # In the person's language, as the pages answer.
    spanish = client.post(
        send,
        {"client_id": "n2", "send_at": "2026-11-30T10:00:00+01:00"},
        content_type="application/json",
        headers={"accept-language": "es"},
    )
    assert spanish.json()["message"] == "La solicitud no es válida."
    assert spanish.json()["fields"] == {"body": "Este campo es obligatorio."}
    not_json = client.post(
        send, "{x", content_type="application/json", headers={"accept-language": "es"}
    )
    assert not_json.status_code == 400
    assert not_json.json() == {
        "code": "invalid",
        "message": "El cuerpo de la solicitud no es JSON válido.",
    }
    assert not Message.objects.exists()

    sent = services.send_message(bob, conversation, body="Hi", client_id="h1").message
    read = f"/api/v1/messaging/conversations/{conversation.pk}/read"
    assert client.post(read, {}, content_type="application/json").json() == {
        "last_read_message_id": sent.pk
    }
    # An earlier or made-up position moves nothing, and the answer says where it stays.
    backwards = client.post(read, {"message_id": -5}, content_type="application/json")
    assert backwards.json() == {"last_read_message_id": sent.pk}
    # Last: the database refuses the number inside this test's transaction.
    huge = client.delete(f"/api/v1/messaging/blocks/{2**63}")
    assert huge.status_code == 422 and huge.json()["code"] == "validation_failed"


def test_a_scheduled_message_arrives_unread_after_what_was_said_meanwhile(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    later = timezone.now() + timedelta(hours=2)
    note = SimpleUploadedFile("agenda.txt", b"1. chapter two", content_type="text/plain")
    scheduled = services.send_message(
        carol, conversation, body="I think you are lazy", client_id="later-1",
        send_at=later, attachments=[note],
    ).message  # fmt: skip
    services.edit_message(carol, scheduled.pk, "Shall we talk about chapter two?")
    services.send_message(bob, conversation, body="Morning!", client_id="b1")
    services.send_message(carol, conversation, body="Hi Bob", client_id="c1")
    services.mark_read(bob, conversation)

    assert services.deliver_due_messages(later + timedelta(minutes=1)) == 1
    went_out = Message.objects.get(client_id="later-1")
    assert went_out.status == "sent"
    assert [m.body for m in conversation.messages.order_by("id")] == [
        "Morning!",
        "Hi Bob",
        "Shall we talk about chapter two?",
    ]
    assert selectors.unread_total(bob) == 1  # not counted as read by his earlier reading
    assert went_out.attachments.get().name == "agenda.txt"
    # The draft it was before it went out is no one's history.
    assert went_out.edited_at is None and not went_out.revisions.exists()
    history = client_for(bob).get(f"/messages/message/{went_out.pk}/history/").content.decode()
    assert "lazy" not in history
    # A retry of the send that scheduled it still finds it.
    again = services.send_message(
        carol, conversation, body="I think you are lazy", client_id="later-1", send_at=later
    )
    assert (again.created, again.message.pk) == (False, went_out.pk)


def test_a_scheduled_message_does_not_go_out_once_its_sender_has_left(
    program: Any, alice: Any, bob: Any, dave: Any, client_for: Any
) -> None:
    """A coordinator schedules a reply in a support thread, then is removed from the
    program: neither they nor anyone else can cancel it any more, so it must not go out."""
    add_member(program, dave, "coordinator")
    support = services.support_conversation(bob, program)
    services.send_message(bob, support, body="Can someone help?", client_id="s1")
    later = timezone.now() + timedelta(hours=1)
    scheduled = services.send_message(
        alice, support, body="Sent after removal", client_id="s2", send_at=later
    ).message
    from openmentor.programs import services as programs

    programs.remove_member(dave, program, Membership.objects.get(user=alice, program=program).pk)

    assert services.deliver_due_messages(later + timedelta(minutes=1)) == 0
    scheduled.refresh_from_db()
    assert scheduled.status == "not_sent"
    assert [m.body for m in Message.objects.filter(conversation=support, status="sent")] == [
        "Can someone help?"
    ]
    note = Notification.objects.get(user=alice, kind="messaging.not_sent")
    assert note.body == "You are no longer in this conversation."
    assert note.url == ""  # the conversation is no longer theirs to open
    thread = client_for(bob).get(f"/messages/{support.pk}/").content.decode()
    assert "Can someone help?" in thread and "Sent after removal" not in thread


def test_a_scheduled_message_of_a_deactivated_account_does_not_go_out(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    later = timezone.now() + timedelta(hours=1)
    scheduled = send(carol, "For tomorrow", send_at=later)
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    assert services.deliver_due_messages(later + timedelta(minutes=1)) == 0
    scheduled.refresh_from_db()
    assert scheduled.status == "not_sent"


def test_whoever_blocked_a_sender_cannot_open_their_messages_by_address(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """Hidden in the thread and search, and so behind every address of one message too:
    its history and its files. Reporting it stays open: someone who blocks first, in a
    hurry, must still be able to bring it to the coordinators."""
    plan = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 the plan", content_type="application/pdf")
    message = services.send_message(
        carol, conversation, body="First draft", client_id="b1", attachments=[plan]
    ).message
    services.edit_message(carol, message.pk, "Second draft")
    services.block(bob, carol.pk)
    bob_client = client_for(bob)
    for address in (
        f"/messages/message/{message.pk}/history/",
        f"/api/v1/messaging/messages/{message.pk}/history",
        f"/messages/attachments/{message.attachments.get().pk}/",
    ):
        answer = bob_client.get(address)
        assert answer.status_code == 404, address
        assert "draft" not in answer.content.decode()
    report_page = f"/messages/message/{message.pk}/report/"
    assert "Second draft" in bob_client.get(report_page).content.decode()
    reported = bob_client.post(report_page, {"reason": "Rude, so I blocked her"})
    assert reported.status_code == 302
    assert Report.objects.get(message=message, reporter=bob).reason == "Rude, so I blocked her"
    # Carol, who was blocked, still has her own message and its history.
    assert client_for(carol).get(f"/messages/message/{message.pk}/history/").status_code == 200


def test_the_conversation_list_does_not_count_or_date_a_blocked_persons_messages(
    circle: Any, carol: Any, bob: Any, erin: Any, client_for: Any
) -> None:
    services.send_message(carol, circle, body="From Carol", client_id="c1")
    carols_time = Message.objects.get(client_id="c1").sent_at
    services.block(bob, erin.pk)
    services.send_message(erin, circle, body="From Erin, hidden from Bob", client_id="e1")
    seen_by_bob = selectors.my_conversations(bob).get(pk=circle.pk)
    assert (seen_by_bob.shown_count, seen_by_bob.shown_last_message_at) == (1, carols_time)
    seen_by_carol = selectors.my_conversations(carol).get(pk=circle.pk)
    assert seen_by_carol.shown_count == 2
    assert seen_by_carol.shown_last_message_at == Message.objects.get(client_id="e1").sent_at


def test_a_reported_message_says_so_to_the_one_who_reported_it(
    conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    """It looked exactly as before, with "Report" offered again."""
    theirs = services.send_message(carol, conversation, body="Rude words", client_id="r1").message
    services.report_message(bob, theirs.pk, reason="Unkind")
    page = client_for(bob).get(f"/messages/{conversation.pk}/").content.decode()
    assert "You reported this message to the coordinators." in page
    assert f'href="/messages/message/{theirs.pk}/report/"' not in page
    assert (
        "You reported this"
        not in client_for(carol).get(f"/messages/{conversation.pk}/").content.decode()
    )
