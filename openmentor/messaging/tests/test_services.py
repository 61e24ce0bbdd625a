from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation

from openmentor.core.errors import NotAllowed, NotFound, ValidationFailed
from openmentor.messaging import selectors, services
from openmentor.messaging.models import AuditLog, Message, MessageStatus
from openmentor.notifications.models import Notification, UserEvent

pytestmark = pytest.mark.django_db


def test_retried_send_with_the_same_client_id_returns_the_first_message(
    conversation: Any, carol: Any, bob: Any
) -> None:
    first = services.send_message(carol, conversation, body="Hello Bob", client_id="abc-1")
    again = services.send_message(carol, conversation, body="Hello Bob", client_id="abc-1")
    assert first.created and not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.filter(sender=carol).count() == 1
    # One event per recipient, not two.
    assert UserEvent.objects.filter(user=bob, type="message.new").count() == 1


def test_body_is_encrypted_at_rest(conversation: Any, send: Any, carol: Any) -> None:
    message = send(carol, "my secret research plan")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_encrypted FROM messaging_message WHERE id = %s", [message.pk])
        raw = cursor.fetchone()[0]
    assert "secret" not in raw
    assert Message.objects.get(pk=message.pk).body == "my secret research plan"
    # The catch-up log stores ids only, never the text.
    payloads = [str(e.payload) for e in UserEvent.objects.all()]
    assert payloads and not any("secret" in p for p in payloads)


def test_bad_input_is_refused_and_nothing_saved(conversation: Any, carol: Any) -> None:
    for body, client_id in [("   ", "ok-1"), ("x" * 10_001, "ok-2"), ("fine", "bad id!")]:
        with pytest.raises(ValidationFailed):
            services.send_message(carol, conversation, body=body, client_id=client_id)
    fake_pdf = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed):
        services.send_message(
            carol, conversation, body="cv", client_id="ok-3", attachments=[fake_pdf]
        )
    assert Message.objects.count() == 0


def test_outsiders_cannot_read_or_send(
    conversation: Any,
    send: Any,
    carol: Any,
    erin: Any,
    charlie: Any,
    alice: Any,
    dave: Any,
    other_program: Any,
) -> None:
    message = send(carol, "hello")
    for person in (erin, charlie, alice, dave):
        with pytest.raises(NotFound):
            selectors.conversation_for(person, conversation.pk)
        with pytest.raises(NotFound):
            services.send_message(person, conversation, body="hi", client_id="x1")
        with pytest.raises(NotFound):
            services.edit_message(person, message.pk, "changed")
        assert selectors.search(person, "hello").messages == []


def test_edit_keeps_history_and_delete_leaves_a_tombstone(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    message = send(carol, "Meet on Tuesday")
    with pytest.raises(NotAllowed):
        services.edit_message(bob, message.pk, "Meet on Friday")
    services.edit_message(carol, message.pk, "Meet on Wednesday")
    message.refresh_from_db()
    assert message.body == "Meet on Wednesday" and message.edited_at
    assert [r.body for r in message.revisions.all()] == ["Meet on Tuesday"]
    services.delete_message(carol, message.pk)
    message.refresh_from_db()
    assert message.deleted_at and message.body == "" and not message.revisions.exists()
    types = list(UserEvent.objects.filter(user=bob).values_list("type", flat=True))
    assert types == ["message.new", "message.edited", "message.deleted"]


def test_unread_counts_and_read_cursor(conversation: Any, send: Any, carol: Any, bob: Any) -> None:
    send(carol, "one")
    last = send(carol, "two")
    unread = {c.pk: c.unread for c in selectors.my_conversations(bob)}
    assert unread[conversation.pk] == 2
    assert {c.pk: c.unread for c in selectors.my_conversations(carol)}[conversation.pk] == 0
    services.mark_read(bob, conversation)
    assert {c.pk: c.unread for c in selectors.my_conversations(bob)}[conversation.pk] == 0
    read_event = UserEvent.objects.filter(user=carol, type="conversation.read").get()
    assert read_event.payload["message"] == last.pk


def test_cursor_pagination_walks_a_long_thread_without_gaps(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    sent = [send(carol, f"m{i}").pk for i in range(7)]
    page, has_older, _newer = selectors.thread_page(bob, conversation, limit=3)
    seen = [m.pk for m in page]
    while has_older:
        page, has_older, _newer = selectors.thread_page(bob, conversation, before=seen[0], limit=3)
        seen = [m.pk for m in page] + seen
    assert seen == sent
    newer, _older, _more = selectors.thread_page(bob, conversation, after=sent[4], limit=10)
    assert [m.pk for m in newer] == sent[5:]


def test_report_reaches_coordinators_and_each_read_is_audited(
    conversation: Any,
    send: Any,
    carol: Any,
    bob: Any,
    alice: Any,
    dave: Any,
    other_program: Any,
) -> None:
    message = send(carol, "something unkind")
    report = services.report_message(bob, message.pk, "This felt unkind.")
    assert Notification.objects.filter(user=alice, kind="messaging.report").exists()
    with pytest.raises(NotFound):
        services.read_report(dave, report.pk)
    opened = services.read_report(alice, report.pk)
    assert opened.message.body == "something unkind"
    log = AuditLog.objects.get()
    assert (log.actor, log.action, log.message_id) == (alice, "report.read", message.pk)


def test_block_hides_messages_and_stops_one_to_one_sending(
    conversation: Any, send: Any, carol: Any, bob: Any, charlie: Any
) -> None:
    send(carol, "before the block")
    services.block(bob, carol.pk)
    with pytest.raises(NotAllowed):
        services.send_message(carol, conversation, body="hello?", client_id="after-block")
    page, _older, _newer = selectors.thread_page(bob, conversation)
    assert page == []
    with pytest.raises(NotFound):  # only people one shares a conversation with
        services.block(bob, charlie.pk)


def test_an_ended_mentorship_keeps_its_messages_as_they_were(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    message = send(carol, "Thanks for everything")
    mentorship = conversation.mentorship
    mentorship.status = "ended"
    mentorship.save(update_fields=["status"])
    with pytest.raises(NotAllowed, match="read-only"):
        services.edit_message(carol, message.pk, "Rewritten later")
    message.refresh_from_db()
    assert message.body == "Thanks for everything" and message.edited_at is None
    page = client_for(carol).get(f"/messages/{conversation.pk}/").content.decode()
    assert f"/messages/message/{message.pk}/edit/" not in page
    # An old link to the edit page says so at once instead of offering a form.
    assert client_for(carol).get(f"/messages/message/{message.pk}/edit/").status_code == 302
    assert f"/messages/message/{message.pk}/delete/" in page  # one's own words can still go
    assert "read-only" in page


def test_someone_who_blocked_the_sender_does_not_count_as_having_seen(
    circle: Any, carol: Any, bob: Any, erin: Any
) -> None:
    services.block(erin, carol.pk)
    services.send_message(carol, circle, body="To the circle", client_id="c-1")
    before = UserEvent.objects.filter(user=carol, type="conversation.read").count()
    services.mark_read(erin, circle)
    services.mark_read(bob, circle)
    # Only Bob got Carol's message; Erin's read reaches Carol neither as an event nor on
    # her page, where Erin counts as not having read yet: "seen by 1 of 2", as if she had
    # not come by. (Leaving her out said "seen by 1 of 1" and named the blocker.)
    assert UserEvent.objects.filter(user=carol, type="conversation.read").count() == before + 1
    cursors = selectors.read_cursors_of_others(circle, carol.pk)
    assert cursors == {bob.pk: cursors[bob.pk], erin.pk: 0} and cursors[bob.pk] > 0


def test_a_block_stops_writing_both_ways_until_undone(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    services.block(bob, carol.pk)
    # Bob blocked Carol: he cannot write to her either (his words would reach someone he
    # chose not to hear), in a single send and in a socket batch, and is told why.
    with pytest.raises(NotAllowed, match="Unblock them to write again"):
        services.send_message(bob, conversation, body="one last word", client_id="b-1")
    [refused] = services.send_messages(
        [services.SendRequest(bob, conversation.pk, "one last word", "b-2")]
    )
    assert isinstance(refused, NotAllowed)
    assert selectors.composer_for(conversation, bob).cannot_write == (
        "You blocked this person. Unblock them to write again."
    )
    assert selectors.composer_for(conversation, carol).cannot_write == (
        "You cannot send messages to this person."
    )
    assert not conversation.messages.exists()
    services.unblock(bob, carol.pk)
    assert selectors.composer_for(conversation, bob).cannot_write is None
    assert send(bob, "sorry, my mistake").body == "sorry, my mistake"


def test_scheduled_message_goes_out_when_due(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    later = timezone.now() + timedelta(hours=5)
    message = send(carol, "good morning", send_at=later)
    assert message.status == MessageStatus.SCHEDULED
    assert selectors.thread_page(bob, conversation)[0] == []
    assert services.deliver_due_messages(now=later - timedelta(minutes=5)) == 0
    assert services.deliver_due_messages(now=later) == 1
    assert [m.client_id for m in selectors.thread_page(bob, conversation)[0]] == [message.client_id]
    assert UserEvent.objects.filter(user=bob, type="message.new").count() == 1


def test_unread_email_once_per_conversation_in_the_recipients_language(
    conversation: Any, send: Any, carol: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    bob.language = "es"
    bob.save()
    send(carol, "uno")
    send(carol, "dos")
    mail.outbox.clear()
    later = timezone.now() + services.unread_email_delay() + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.email_unread(now=later) == 1
        assert services.email_unread(now=later) == 0  # a re-run sends nothing new
    assert [m.to for m in mail.outbox] == [[bob.email]]
    notification = Notification.objects.get(user=bob, kind="messaging.unread")
    assert notification.title == f"Sin leer: 2 mensajes de {carol} ({conversation.program.name})"
    assert not Notification.objects.filter(user=carol, kind="messaging.unread").exists()
    # Shown in his language of the moment, with the plural of that language.
    with translation.override("fr"):
        assert notification.shown_title == (
            f"Non lus : 2 messages de {carol} ({conversation.program.name})"
        )
        assert notification.shown_body == "Ouvrez la conversation pour lire et répondre."


def test_an_unread_title_too_long_for_its_column_is_shortened(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    program = conversation.program
    program.name = "A program with a long but allowed name " * 4
    program.save(update_fields=["name"])
    carol.display_name = "Carol " + "Mentor-" * 16
    carol.save(update_fields=["display_name"])
    send(carol, "uno")
    assert services.email_unread(now=timezone.now() + timedelta(hours=2)) == 1
    title = Notification.objects.get(user=bob, kind="messaging.unread").title
    assert (
        len(title) == 200 and title.startswith("Unread: 1 message from Carol") and title[-1] == "…"
    )


@pytest.mark.postgres
def test_on_postgresql_a_long_unread_title_is_stored_shortened(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    """PostgreSQL refuses a title over 200 characters (SQLite does not check): the run
    stopped there, for everyone after, every 5 minutes for two days."""
    test_an_unread_title_too_long_for_its_column_is_shortened(conversation, send, carol, bob)


def test_unread_email_respects_preferences(
    conversation: Any, send: Any, carol: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from openmentor.notifications.services import set_preference

    set_preference(bob, "messaging.unread", "in_app")
    send(carol, "uno")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.email_unread(now=timezone.now() + timedelta(hours=2)) == 1
    assert mail.outbox == []
    notification = Notification.objects.get(user=bob, kind="messaging.unread")
    assert notification.title == f"Unread: 1 message from {carol} ({conversation.program.name})"


def test_search_finds_only_own_conversations(
    conversation: Any, send: Any, carol: Any, bob: Any, erin: Any, program: Any
) -> None:
    send(carol, "The Grant proposal is due")
    found = selectors.search(bob, "grant")
    assert [m.body for m in found.messages] == ["The Grant proposal is due"]
    assert found.older_than is None  # everything was looked at
    assert selectors.search(erin, "grant").messages == []


def test_search_results_show_the_message_formatted_with_the_matches_marked(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    from openmentor.messaging.templatetags.messaging_tags import highlight

    send(carol, "The **Grant** is for R&D <script>alert(1)</script>")
    html = client_for(bob).get("/messages/search/", {"q": "grant"}).content.decode()
    assert "<strong><mark>Grant</mark></strong>" in html
    assert "R&amp;D" in html and "<script>alert" not in html
    # Text between tags is matched unescaped: a query never splits an entity or a tag.
    assert highlight("<p>R&amp;D &lt;b&gt;</p>", "amp") == "<p>R&amp;D &lt;b&gt;</p>"
    assert highlight("<p>R&amp;D</p>", "r&d") == "<p><mark>R&amp;D</mark></p>"
    assert highlight('<a href="/grant">a grant</a>', "grant") == (
        '<a href="/grant">a <mark>grant</mark></a>'
    )


def test_search_matches_the_text_people_see_without_case_or_accents(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    import unicodedata

    formatted = send(carol, "Read the **quarterly** report, see [the wiki](https://example.com/w)")
    decomposed = send(carol, unicodedata.normalize("NFD", "Crème brûlée at the café"))
    long_one = send(carol, "filler words " * 60 + "the needle-kiwi at the end")

    def found(query: str) -> list[int]:
        return [m.pk for m in selectors.search(bob, query).messages]

    assert found("quarterly report") == [formatted.pk]  # as it reads, not as it is typed
    marked = client_for(bob).get("/messages/search/", {"q": "quarterly report"}).content.decode()
    assert "<strong><mark>quarterly</mark></strong><mark> report</mark>" in marked
    assert found("**") == [] and found("example.com") == []
    assert found("crème brûlée") == [decomposed.pk]  # typed composed, stored decomposed
    assert found("CAFE") == [decomposed.pk] and found("café") == [decomposed.pk]
    # A long message's result shows the match, wherever it is, marked.
    page = client_for(bob).get("/messages/search/", {"q": "needle-kiwi"}).content.decode()
    assert found("needle-kiwi") == [long_one.pk]
    assert "<mark>needle-kiwi</mark>" in page
    accents = client_for(bob).get("/messages/search/", {"q": "cafe"}).content.decode()
    assert "<mark>café</mark>" in unicodedata.normalize("NFC", accents)


def test_search_goes_on_through_older_messages_a_stretch_at_a_time(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any, monkeypatch: Any
) -> None:
    oldest = send(carol, "Budget draft, first version")
    for n in range(5):
        send(bob, f"Chatting {n}")
    newest = send(carol, "Budget draft, final version")
    monkeypatch.setattr(selectors, "SEARCH_WINDOW", 3)  # a long history, in small

    first = selectors.search(bob, "budget")
    assert [m.pk for m in first.messages] == [newest.pk]
    assert first.older_than is not None
    second = selectors.search(bob, "budget", before=first.older_than)
    assert second.messages == [] and second.older_than is not None
    third = selectors.search(bob, "budget", before=second.older_than)
    assert [m.pk for m in third.messages] == [oldest.pk] and third.older_than is None
    # A full page of matches goes on right after its last match.
    assert selectors.search(bob, "budget", limit=1).older_than == newest.pk

    client = client_for(bob)
    html = client.get("/messages/search/", {"q": "budget"}).content.decode()
    assert "final version" in html and "first version" not in html
    assert f"before={first.older_than}" in html and "Search older messages" in html
    older = client.get("/messages/search/", {"q": "budget", "before": second.older_than})
    assert "first version" in older.content.decode()
    assert "Search older messages" not in older.content.decode()
    api = client.get("/api/v1/messaging/search", {"q": "budget"})
    assert [m["id"] for m in api.json()] == [newest.pk]
    assert api["X-Search-Older-Than"] == str(first.older_than)
    last = client.get("/api/v1/messaging/search", {"q": "budget", "before": second.older_than})
    assert [m["id"] for m in last.json()] == [oldest.pk] and "X-Search-Older-Than" not in last
    assert 'name="before"' not in older.content.decode()  # a new search starts from the newest
    nonsense = client.get("/messages/search/", {"q": "budget", "before": "soon"})
    assert nonsense.status_code == 200 and "final version" in nonsense.content.decode()
    assert client.get("/api/v1/messaging/search", {"q": "x", "before": "0"}).status_code == 422


def test_support_thread_is_between_participant_and_coordinators(
    program: Any, bob: Any, erin: Any, alice: Any, dave: Any, other_program: Any
) -> None:
    thread = services.support_conversation(bob, program)
    services.send_message(bob, thread, body="Question about deadlines", client_id="q1")
    assert selectors.can_read(alice, thread)
    assert not selectors.can_read(erin, thread)
    assert not selectors.can_read(dave, thread)
    with pytest.raises(NotAllowed):
        services.support_conversation(alice, program)  # coordinators answer, not ask


def test_rotating_keys_re_encrypts_everything_with_the_new_key(
    conversation: Any, send: Any, carol: Any, monkeypatch: Any
) -> None:
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from openmentor.messaging import crypto

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(crypto.KEYS_ENV, old_key)
    crypto.reset_cipher()
    message = send(carol, "rotate me")
    services.edit_message(carol, message.pk, "rotated")
    monkeypatch.setenv(crypto.KEYS_ENV, f"{new_key},{old_key}")
    call_command("rotate_message_keys")
    monkeypatch.setenv(crypto.KEYS_ENV, new_key)  # the old key is gone now
    crypto.reset_cipher()
    message.refresh_from_db()
    assert message.body == "rotated"
    assert [r.body for r in message.revisions.all()] == ["rotate me"]
    monkeypatch.undo()
    crypto.reset_cipher()


def test_rotation_goes_past_what_it_cannot_open_and_says_what_is_left(
    conversation: Any, send: Any, carol: Any, monkeypatch: Any, settings: Any, tmp_path: Any
) -> None:
    """One message under a lost key or one missing file stopped the run with a traceback,
    leaving everything after it on the old key; an operator then retiring the old key lost
    all of it. Now the rest is re-encrypted, what is left is listed, the run fails, and
    ``--check`` says when the old key can go."""
    from cryptography.fernet import Fernet
    from django.core.management import CommandError, call_command

    from openmentor.messaging import crypto
    from openmentor.messaging.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    lost, old, new = (Fernet.generate_key().decode() for _ in range(3))
    monkeypatch.setenv(crypto.KEYS_ENV, lost)
    crypto.reset_cipher()
    unreadable = send(carol, "under a lost key")
    monkeypatch.setenv(crypto.KEYS_ENV, old)
    crypto.reset_cipher()
    readable = send(carol, "rotate me")
    files = [
        SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4 " + name.encode(), "application/pdf")
        for name in ("gone", "kept")
    ]
    with_files = send(carol, "two files", attachments=files)
    gone, kept = with_files.attachments.order_by("pk")
    gone.file.storage.delete(gone.file.name)

    monkeypatch.setenv(crypto.KEYS_ENV, f"{new},{old}")
    errors = io.StringIO()
    with pytest.raises(CommandError, match="keep the old keys"):
        call_command("rotate_message_keys", stdout=io.StringIO(), stderr=errors)
    assert f"Message {unreadable.pk}: no key opens it" in errors.getvalue()
    assert f"Attachment {gone.pk}: file" in errors.getvalue()
    # Everything else is on the new key: readable with it alone.
    monkeypatch.setenv(crypto.KEYS_ENV, new)
    crypto.reset_cipher()
    readable.refresh_from_db()
    assert readable.body == "rotate me"
    kept = Attachment.objects.get(pk=kept.pk)
    with kept.file.open("rb") as handle:
        assert crypto.decrypt_bytes(handle.read()) == b"%PDF-1.4 kept"
    # --check changes nothing and still names what no key opens.
    checked = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rotate_message_keys", "--check", stdout=checked, stderr=io.StringIO())
    assert "0 item(s) still on an older key" in checked.getvalue()
    monkeypatch.undo()
    crypto.reset_cipher()


def test_in_embedded_mode_a_new_key_goes_in_front_of_the_old_one(
    conversation: Any, send: Any, carol: Any, monkeypatch: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.management import CommandError, call_command

    from openmentor.messaging import crypto

    monkeypatch.delenv(crypto.KEYS_ENV, raising=False)
    settings.VAR_DIR = tmp_path
    crypto.reset_cipher()
    message = send(carol, "kept readable")
    [old] = crypto.configured_keys()
    call_command("rotate_message_keys", "--new-key", stdout=io.StringIO())
    new, still_old = (tmp_path / "message_key").read_text().split(",")
    assert still_old == old and new != old
    assert (tmp_path / "message_key").stat().st_mode & 0o777 == 0o600
    # Nothing re-encrypted yet (the running site must restart first): --check says so.
    with pytest.raises(CommandError):
        call_command("rotate_message_keys", "--check", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("rotate_message_keys", stdout=io.StringIO())
    call_command("rotate_message_keys", "--check", stdout=io.StringIO())  # all on the new key
    (tmp_path / "message_key").write_text(new)  # retired, once no backup needs it
    crypto.reset_cipher()
    message.refresh_from_db()
    assert message.body == "kept readable"
    crypto.reset_cipher()


def test_a_backup_restored_without_its_key_or_files_shows_the_thread_not_an_error(
    conversation: Any, send: Any, carol: Any, bob: Any, client_for: Any, monkeypatch: Any
) -> None:
    """A database restored from before a key rotation, or without its media directory:
    what cannot be read says so, the rest of the thread stays readable."""
    from cryptography.fernet import Fernet
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openmentor.messaging import crypto

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(crypto.KEYS_ENV, old_key)
    crypto.reset_cipher()
    plan = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    old = services.send_message(
        carol, conversation, body="Sealed with the old key", client_id="k1", attachments=[plan]
    ).message
    monkeypatch.setenv(crypto.KEYS_ENV, new_key)  # the old key was dropped
    crypto.reset_cipher()
    send(bob, "Written after the rotation")

    page = client_for(bob).get(f"/messages/{conversation.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Written after the rotation" in text
    assert "the server no longer has the key it was encrypted with" in text
    attachment = old.attachments.get()
    assert client_for(bob).get(f"/messages/attachments/{attachment.pk}/").status_code == 404
    # Search looks at what can be read, not at the notice in the unreadable one's place.
    assert [m.body for m in selectors.search(bob, "rotation").messages] == [
        "Written after the rotation"
    ]
    assert selectors.search(bob, "key").messages == []

    attachment.file.storage.delete(attachment.file.name)  # media not restored
    assert client_for(bob).get(f"/messages/attachments/{attachment.pk}/").status_code == 404
    monkeypatch.undo()
    crypto.reset_cipher()


def test_a_scheduled_message_changed_or_cancelled_is_news_to_its_sender_only(
    conversation: Any, send: Any, carol: Any, bob: Any
) -> None:
    """The sender's other pages follow; the recipient never learns of a message that has
    not gone out."""
    from openmentor.notifications.models import UserEvent

    scheduled = send(carol, "v1", send_at=timezone.now() + timedelta(hours=8))
    services.edit_message(carol, scheduled.pk, "v2")
    services.delete_message(carol, scheduled.pk)
    events = [(e.type, e.payload["message"]) for e in UserEvent.objects.filter(user=carol)]
    assert events == [
        ("message.scheduled", scheduled.pk),
        ("message.edited", scheduled.pk),
        ("message.deleted", scheduled.pk),
    ]
    assert not UserEvent.objects.filter(user=bob).exists()
