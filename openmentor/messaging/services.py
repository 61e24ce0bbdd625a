"""Every write for messaging. Events go out only after the transaction commits."""

from __future__ import annotations

import os
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from openmentor.accounts.models import User
from openmentor.core.bulk import insert_objects
from openmentor.core.errors import (
    Conflict,
    DomainError,
    NotAllowed,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from openmentor.core.sql import execute, placeholders
from openmentor.core.text import plain_text
from openmentor.core.timezones import json_time
from openmentor.mentorships.models import Mentorship, MentorshipParticipant
from openmentor.notifications.services import mark_read_at, notify, publish_event, publish_events
from openmentor.programs.models import Program
from openmentor.programs.selectors import is_coordinator

from . import selectors
from .crypto import encrypt_bytes
from .formatting import render_markdown
from .models import (
    REACTION_EMOJI,
    Attachment,
    AuditLog,
    Block,
    Conversation,
    ConversationKind,
    ConversationMember,
    Message,
    MessageRevision,
    MessageStatus,
    MessagingPreference,
    Reaction,
    Report,
)

MAX_BODY_CHARS = 10_000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
}
# What else browsers declare for a .csv: with Excel installed, Windows calls it a sheet.
CSV_ALIASES = {
    "application/vnd.ms-excel",
    "application/csv",
    "text/x-csv",
    "text/comma-separated-values",
}


def attachment_type(upload: UploadedFile) -> str:
    """The type an upload is checked and served as: as declared, a .csv as text/csv."""
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared in CSV_ALIASES and (upload.name or "").lower().endswith(".csv"):
        return "text/csv"
    return declared


# Magic numbers for the binary types: the declared type alone is not trusted.
SIGNATURES = {
    "application/pdf": b"%PDF",
    "image/png": b"\x89PNG",
    "image/jpeg": b"\xff\xd8\xff",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": b"PK",
}


def unread_email_delay() -> timedelta:
    """How long a message may stay unread before its recipient gets an e-mail."""
    return timedelta(minutes=settings.MESSAGE_EMAIL_DELAY_MINUTES)


# --- conversations ----------------------------------------------------------------------


def _add_members(conversation: Conversation) -> None:
    ConversationMember.objects.bulk_create(
        [
            ConversationMember(conversation=conversation, user_id=uid)
            for uid in selectors.audience_ids(conversation)
        ],
        ignore_conflicts=True,
    )


def join_support_threads(user_id: int, program_id: int) -> None:
    """A coordinator who starts later reads the program's support threads from where the
    team is: what another coordinator has read or answered is history, there to read
    without counting as unread or sending an e-mail about it; what no one has seen yet is
    unread for them too. (Starting at the newest message told the person asking for help
    that a message no one had opened was seen.)"""
    team_read = (
        ConversationMember.objects.filter(conversation=OuterRef("pk"))
        .exclude(user_id=OuterRef("support_for_id"))
        .values("conversation")
        .annotate(furthest=Max("last_read_message_id"))
        .values("furthest")
    )
    threads = Conversation.objects.filter(
        kind=ConversationKind.SUPPORT, program_id=program_id
    ).annotate(
        team_read=Subquery(team_read),
        team_wrote=Max("messages__id", filter=~Q(messages__sender_id=F("support_for_id"))),
    )
    ConversationMember.objects.bulk_create(
        [
            ConversationMember(
                conversation=thread,
                user_id=user_id,
                last_read_message_id=max(thread.team_read or 0, thread.team_wrote or 0),
            )
            for thread in threads
        ],
        ignore_conflicts=True,
    )


def leave_support_threads(user_id: int, program_id: int) -> None:
    """A coordinator who leaves stops being a member of the program's support threads (their
    own, as a participant, stays): coming back later, they start from the newest message
    as a new coordinator does, not with what was written while they were away as unread."""
    ConversationMember.objects.filter(
        user_id=user_id,
        conversation__program_id=program_id,
        conversation__kind=ConversationKind.SUPPORT,
    ).exclude(conversation__support_for_id=user_id).delete()


def join_mentorship_conversation(mentorship_id: int) -> None:
    """Someone added to a running mentorship (a circle's new member) joins its conversation."""
    conversation = Conversation.objects.filter(
        kind=ConversationKind.MENTORSHIP, mentorship_id=mentorship_id
    ).first()
    if conversation is not None:
        _add_members(conversation)


def leave_mentorship_conversation(mentorship_id: int, user_id: int) -> None:
    """Someone who left a mentorship (a circle goes on without them) leaves its
    conversation: no unread counts, e-mails or "seen by" places for them any more. A page
    of it they have open turns read-only (``conversation.left``)."""
    left = ConversationMember.objects.filter(
        conversation__kind=ConversationKind.MENTORSHIP,
        conversation__mentorship_id=mentorship_id,
        user_id=user_id,
    )
    for conversation_id in left.values_list("conversation_id", flat=True):
        publish_event(
            [user_id], type="conversation.left", payload={"conversation": conversation_id}
        )
    left.delete()


def mentorship_conversation(mentorship: Mentorship) -> Conversation:
    try:
        with transaction.atomic():
            conversation, _created = Conversation.objects.get_or_create(
                kind=ConversationKind.MENTORSHIP,
                mentorship=mentorship,
                defaults={"program_id": mentorship.program_id},
            )
    except IntegrityError:  # created concurrently
        conversation = Conversation.objects.get(
            kind=ConversationKind.MENTORSHIP, mentorship=mentorship
        )
    _add_members(conversation)
    return conversation


def open_mentorship_conversation(user: User, mentorship_id: int) -> Conversation:
    mentorship = Mentorship.objects.filter(pk=mentorship_id).first()
    if (
        mentorship is None
        or not MentorshipParticipant.objects.filter(mentorship=mentorship, user=user).exists()
    ):
        raise NotFound(_("Mentorship not found."))
    return mentorship_conversation(mentorship)


def ensure_my_conversations(user: User) -> None:
    """Make sure each of the person's mentorships has its conversation."""
    have = set(
        Conversation.objects.filter(
            kind=ConversationKind.MENTORSHIP, mentorship__participants__user=user
        ).values_list("mentorship_id", flat=True)
    )
    for mentorship in Mentorship.objects.filter(participants__user=user).exclude(pk__in=have):
        mentorship_conversation(mentorship)


def support_conversation(user: User, program: Program) -> Conversation:
    """The person's thread with the program's coordinators (participants only)."""
    if user.pk not in selectors.participant_ids(program, [user.pk]):
        raise NotAllowed(_("Only participants of this program can write to its coordinators."))
    return _support_thread(program, user.pk)


def support_conversation_with(coordinator: User, program: Program, person_id: int) -> Conversation:
    """A coordinator opens (or returns to) a participant's support thread, e.g. to follow
    up a report with the person who made it or the person who wrote the message."""
    if not is_coordinator(coordinator, program):
        raise NotFound(_("Program not found."))
    if person_id not in selectors.participant_ids(program, [person_id]):
        raise NotAllowed(_("This person does not take part in the program."))
    return _support_thread(program, person_id)


def _support_thread(program: Program, person_id: int) -> Conversation:
    try:
        with transaction.atomic():
            conversation, _created = Conversation.objects.get_or_create(
                kind=ConversationKind.SUPPORT, program=program, support_for_id=person_id
            )
    except IntegrityError:
        conversation = Conversation.objects.get(
            kind=ConversationKind.SUPPORT, program=program, support_for_id=person_id
        )
    _add_members(conversation)
    return conversation


# --- messages ---------------------------------------------------------------------------


def serialize(
    message: Message,
    attachments: list[Attachment] | None = None,
    reactions: list[Reaction] | None = None,
    hidden: Iterable[int] = (),
) -> dict[str, Any]:
    """What clients see of a message (API, pushes). Pass ``attachments`` and ``reactions``
    when already known (a new message has none of either: no query for them on the send
    path); ``hidden``: people whose reactions the reader does not see (they blocked them)."""
    deleted = message.deleted_at is not None
    if attachments is None:
        attachments = [] if deleted else list(message.attachments.all())
    if reactions is None:
        reactions = [] if deleted or message.status != MessageStatus.SENT else None
    body = "" if deleted else message.body
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "sender": {"id": message.sender_id, "name": str(message.sender)},
        "client_id": message.client_id,
        "status": message.status,
        "body": body,
        "html": "" if deleted else render_markdown(body),
        "created_at": json_time(message.created_at),
        "sent_at": json_time(message.sent_at) if message.sent_at else None,
        "send_at": json_time(message.send_at) if message.send_at else None,
        "edited": message.edited_at is not None,
        "deleted": deleted,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "size": a.size,
                "content_type": a.content_type,
                "url": reverse("messaging_attachment", args=[a.pk]),
            }
            for a in attachments
        ],
        "reactions": [
            {
                "emoji": group.emoji,
                "people": [{"id": pk, "name": name} for pk, name in group.people],
            }
            for group in selectors.reaction_groups(
                selectors.reactions_of(message) if reactions is None else reactions, hidden
            )
        ],
    }


def _event_payload(message: Message) -> dict[str, Any]:
    """What the event log keeps of a message event: ids only, never the text."""
    return {
        "conversation": message.conversation_id,
        "message": message.pk,
        "client_id": message.client_id,
        "sender": message.sender_id,
    }


def _publish_message_event(message: Message, type: str, *, reactor_id: int | None = None) -> None:
    """A changed message (edited, deleted, reacted to) to everyone who may read it, as
    ``_deliver`` sends a new one: not to those who blocked its sender, nor (a reaction) to
    those who blocked the person reacting. Each recipient's copy leaves out the reactions
    of people they blocked (one push per such group of readers; nearly always one)."""
    conversation = message.conversation
    hidden_from = selectors.blockers_of(message.sender_id)
    if reactor_id is not None:
        hidden_from |= selectors.blockers_of(reactor_id)
    recipients = [uid for uid in selectors.audience_ids(conversation) if uid not in hidden_from]
    reactions = [] if message.deleted_at is not None else selectors.reactions_of(message)
    readers: dict[frozenset[int], list[int]] = {}
    for uid, hidden in selectors.hidden_reactors(
        recipients, {r.user_id for r in reactions}
    ).items():
        readers.setdefault(hidden, []).append(uid)
    payload = _event_payload(message)
    if reactor_id is not None:
        payload["user"] = reactor_id
    publish_events(
        (uids, type, payload, {"data": serialize(message, reactions=reactions, hidden=hidden)})
        for hidden, uids in readers.items()
    )


# When a message goes: now, or at the recipient's next morning (the page's and the API's
# "when", also for the coach, which then has no night to warn about).
SEND_NOW: Final = "now"
SEND_AT_THEIR_MORNING: Final = "morning"
When = Literal["now", "morning"]


def too_long_message() -> str:
    return _("A message can be at most %(n)s characters.") % {
        "n": formats.number_format(MAX_BODY_CHARS, force_grouping=True)
    }


def _clean_body(body: str, *, allow_empty: bool = False) -> str:
    body = plain_text(body, "body")
    if not body and not allow_empty:
        raise ValidationFailed(_("Write a message first."), fields={"body": _("Write a message.")})
    if len(body) > MAX_BODY_CHARS:
        message = too_long_message()
        raise ValidationFailed(message, fields={"body": message})
    return body


def too_large_message(name: str) -> str:
    return _("%(name)s is larger than %(mb)d MB.") % {
        "name": name,
        "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024),
    }


def too_many_files_message() -> str:
    return _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}


def _check_attachment(upload: UploadedFile) -> bytes:
    name = os.path.basename(upload.name or "file")[:200]
    if upload.size and upload.size > MAX_ATTACHMENT_BYTES:
        message = too_large_message(name)
        raise ValidationFailed(message, fields={"attachments": message})
    content_type = attachment_type(upload)
    suffixes = ALLOWED_ATTACHMENT_TYPES.get(content_type)
    data = upload.read(MAX_ATTACHMENT_BYTES + 1)
    signature = SIGNATURES.get(content_type)
    if (
        suffixes is None
        or not name.lower().endswith(suffixes)
        or (signature and not data.startswith(signature))
        or len(data) > MAX_ATTACHMENT_BYTES
    ):
        message = wrong_type_message(name)
        raise ValidationFailed(message, fields={"attachments": message})
    return data


def wrong_type_message(name: str) -> str:
    return _(
        "%(name)s: only PDF, PNG, JPEG, text (.txt), CSV and Word (.docx) files can be attached."
    ) % {"name": name}


def attachment_suffixes() -> list[str]:
    """What the file picker offers and the page checks before a slow upload."""
    return [suffix for suffixes in ALLOWED_ATTACHMENT_TYPES.values() for suffix in suffixes]


def _sendable_body(
    audience: selectors.Audience,
    sender_id: int,
    blocks: selectors.Blocks,
    body: str,
    *,
    allow_empty: bool = False,
) -> str:
    """The cleaned body, or the reason this sender cannot send it here now."""
    refusal = selectors.send_refusal(audience, sender_id, blocks)
    if refusal:
        raise NotAllowed(refusal.message, code=refusal.code)
    return _clean_body(body, allow_empty=allow_empty)


MAX_SCHEDULED = 20  # per person and conversation, waiting to go out


def _waiting_scheduled(sender_id: int, conversation_id: int) -> int:
    return Message.objects.filter(
        sender_id=sender_id, conversation_id=conversation_id, status=MessageStatus.SCHEDULED
    ).count()


def _too_many(sender_id: int, now: datetime, unstored: int = 0) -> TooManyRequests:
    """The refusal, with how long to wait; ``unstored``: the sender's messages accepted
    in this batch, not yet in the database."""
    limit = settings.MESSAGES_PER_MINUTE
    seconds = selectors.seconds_until_send_allowed(sender_id, now, limit - unstored)
    return TooManyRequests(
        ngettext(
            "You have sent %(limit)d messages in the last minute. Send this one again in "
            "%(seconds)d second.",
            "You have sent %(limit)d messages in the last minute. Send this one again in "
            "%(seconds)d seconds.",
            seconds,
        )
        % {"limit": limit, "seconds": seconds},
        retry_after=seconds,
    )


def _check_send_rate(sender_id: int, now: datetime) -> None:
    since = now - selectors.SEND_WINDOW
    if selectors.sends_since([sender_id], since)[sender_id] >= settings.MESSAGES_PER_MINUTE:
        raise _too_many(sender_id, now)


@dataclass
class SendResult:
    message: Message
    created: bool


def send_message(
    sender: User,
    conversation: Conversation,
    *,
    body: str,
    client_id: str,
    send_at: datetime | None = None,
    attachments: list[UploadedFile] | None = None,
) -> SendResult:
    """Send (or schedule) a message. A retry with the same ``client_id`` returns the first
    message and changes nothing: the unique constraint makes this hold under races too."""
    if not CLIENT_ID.fullmatch(client_id or ""):
        raise ValidationFailed(_("The message has no valid client id."))
    audience = selectors.audience(conversation)
    if sender.pk not in audience.user_ids:
        raise NotFound(_("Conversation not found."))
    # No read for a retry on the happy path: the unique constraint catches it below. Only a
    # send that would be refused asks first whether it is a retry (which returns the first
    # message, even once the mentorship has ended).
    try:
        attachments = attachments or []
        blocks = selectors.blocks_of_many([sender.pk])[sender.pk]
        body = _sendable_body(audience, sender.pk, blocks, body, allow_empty=bool(attachments))
        if len(attachments) > MAX_ATTACHMENTS:
            raise ValidationFailed(
                too_many_files_message(), fields={"attachments": too_many_files_message()}
            )
        files = [(upload, _check_attachment(upload)) for upload in attachments]
        now = timezone.now()
        _check_send_rate(sender.pk, now)
        scheduled = send_at is not None and send_at > now + timedelta(minutes=1)
        if scheduled and _waiting_scheduled(sender.pk, conversation.pk) >= MAX_SCHEDULED:
            # The send limit counts messages as they are written: without this, a script
            # could write 30 a minute for hours, all due at the same moment.
            raise ValidationFailed(
                _("You already have %(n)d messages waiting to go out in this conversation.")
                % {"n": MAX_SCHEDULED},
                fields={"send_at": _("Send or cancel one of them first.")},
            )
    except DomainError:
        existing = _stored_send(sender.pk, client_id)
        if existing is None:
            raise
        return _retried(existing, conversation.pk)
    if send_at is not None and send_at > now + timedelta(days=30):
        raise ValidationFailed(
            _("A message can be scheduled at most 30 days ahead."),
            fields={"send_at": _("Pick a time within 30 days.")},
        )
    try:
        with transaction.atomic():
            message = Message.compose(
                body,
                conversation=conversation,
                sender=sender,
                client_id=client_id,
                status=MessageStatus.SCHEDULED if scheduled else MessageStatus.SENT,
                send_at=send_at if scheduled else None,
                sent_at=None if scheduled else now,
            )
            message.save(force_insert=True)
            saved: list[Attachment] = []
            for upload, data in files:
                attachment = Attachment(
                    message=message,
                    token=secrets.token_hex(16),
                    name=os.path.basename(upload.name or "file")[:200],
                    content_type=attachment_type(upload),
                    size=len(data),
                )
                attachment.file.save("upload.bin", ContentFile(encrypt_bytes(data)), save=False)
                attachment.save()
                saved.append(attachment)
            if not scheduled:
                _deliver(
                    [message],
                    now,
                    {conversation.pk: audience},
                    {sender.pk: blocks.of_me},
                    {message.pk: saved},
                )
            else:  # to the sender's other open pages only: no one else sees it yet
                _tell_sender(message, "message.scheduled", saved)
    except IntegrityError:
        # The same client id won a race in another request: return the first message.
        existing = _stored_send(sender.pk, client_id)
        if existing is None:
            raise
        return _retried(existing, conversation.pk)
    return SendResult(message, created=True)


@dataclass
class SendRequest:
    """One immediate text send, as the socket receives it."""

    sender: User
    conversation: Conversation | int  # the row, or its id (loaded with the batch)
    body: str
    client_id: str


def in_their_language(user: User) -> translation.override:
    """Words for one person, whatever the thread is doing: a socket batch runs for many
    people in one thread, and a worker for none; each refusal or notice is written in the
    language of the person it goes to."""
    return translation.override(user.language or settings.LANGUAGE_CODE)


def send_messages(requests: list[SendRequest]) -> list[SendResult | DomainError]:
    """Many immediate text sends in one transaction: the socket's group commit.

    Each request gets what ``send_message`` would give it (a result, or the error it would
    raise): the same checks against the database as it is now (audience and whether the
    mentorship is open, blocks), the same idempotency (a retried client id returns the first
    message; a race lost to another process makes the whole batch fall back to one
    transaction per send, where the unique constraint decides), bodies encrypted, one event
    row per recipient, pushes after the commit. The reads and writes are one query each for
    the whole batch instead of one each per send, and no conversation row is loaded: the
    audience query goes from the conversation ids straight to the people."""
    results: list[SendResult | DomainError | None] = [None] * len(requests)
    conversation_ids = [
        r.conversation if isinstance(r.conversation, int) else r.conversation.pk for r in requests
    ]
    # Who may write is the audience (participants; for a support thread its person and the
    # current coordinators), so an unknown id and a conversation the sender may not read
    # both end as "not found".
    audiences = selectors.audiences_by_id(set(conversation_ids))
    valid = []
    for i, r in enumerate(requests):
        if conversation_ids[i] not in audiences:
            with in_their_language(r.sender):
                results[i] = NotFound(_("Conversation not found."))
        elif not CLIENT_ID.fullmatch(r.client_id or ""):
            with in_their_language(r.sender):
                results[i] = ValidationFailed(_("The message has no valid client id."))
        else:
            valid.append(i)
    senders = list({requests[i].sender.pk for i in valid})
    existing = selectors.messages_by_client_id(
        (requests[i].sender.pk, requests[i].client_id) for i in valid
    )
    blocks = selectors.blocks_of_many(senders)
    now = timezone.now()
    sent_lately = selectors.sends_since(senders, now - selectors.SEND_WINDOW)
    accepted: Counter[int] = Counter()
    new: list[tuple[int, Message]] = []
    first_in_batch: dict[tuple[int, str], int] = {}
    repeats: list[tuple[int, int]] = []
    for i in valid:
        request = requests[i]
        sender, conversation_id = request.sender, conversation_ids[i]
        audience = audiences[conversation_id]
        if sender.pk not in audience.user_ids:
            with in_their_language(sender):
                results[i] = NotFound(_("Conversation not found."))
            continue
        key = (sender.pk, request.client_id)
        if key in existing:
            with in_their_language(sender):
                try:
                    results[i] = _retried(existing[key], conversation_id)
                except DomainError as error:
                    results[i] = error
            continue
        if key in first_in_batch:  # resent before the first attempt was stored
            repeats.append((i, first_in_batch[key]))
            continue
        try:
            body = _sendable_body(audience, sender.pk, blocks[sender.pk], request.body)
        except DomainError:
            # Asked again in the sender's language: the refusal is rare, so the common
            # case pays nothing for switching languages.
            with in_their_language(sender):
                try:
                    _sendable_body(audience, sender.pk, blocks[sender.pk], request.body)
                except DomainError as error:
                    results[i] = error
            continue
        if sent_lately[sender.pk] + accepted[sender.pk] >= settings.MESSAGES_PER_MINUTE:
            with in_their_language(sender):
                results[i] = _too_many(sender.pk, now, accepted[sender.pk])
            continue
        accepted[sender.pk] += 1
        first_in_batch[key] = i
        new.append(
            (
                i,
                Message.compose(
                    body,
                    conversation_id=conversation_id,
                    sender=sender,
                    client_id=request.client_id,
                    status=MessageStatus.SENT,
                    sent_at=now,
                ),
            )
        )
    if new:
        try:
            with transaction.atomic():
                _store_batch(
                    [message for _i, message in new],
                    now,
                    audiences,
                    {sender_id: found.of_me for sender_id, found in blocks.items()},
                )
        except IntegrityError:
            # Another process stored one of these client ids meanwhile: send one by one.
            return _send_one_by_one(requests, conversation_ids)
        for i, message in new:
            results[i] = SendResult(message, created=True)
    for i, first in repeats:
        done = results[first]
        if isinstance(done, SendResult):
            try:
                results[i] = _retried(done.message, conversation_ids[i])
            except DomainError as error:
                results[i] = error
        else:
            results[i] = done
    return [r for r in results if r is not None]


def _store_batch(
    messages: list[Message],
    now: datetime,
    audiences: dict[int, selectors.Audience],
    blockers: dict[int, set[int]],
) -> None:
    insert_objects(
        messages,
        [
            "conversation",
            "sender",
            "client_id",
            "body_encrypted",
            "status",
            "created_at",
            "sent_at",
        ],
    )
    _deliver(messages, now, audiences, blockers)


def _deliver(
    messages: list[Message],
    now: datetime,
    audiences: dict[int, selectors.Audience],
    blockers: dict[int, set[int]],
    attachments: dict[int, list[Attachment]] | None = None,
) -> None:
    """Stored messages go out: conversation counters, one event row per recipient (not
    to people who blocked the sender), pushes after the commit. Unread counts never
    include one's own messages, so the sender's read cursor stays."""
    conversations_by_count: dict[int, list[int]] = {}
    for pk, added in Counter(message.conversation_id for message in messages).items():
        conversations_by_count.setdefault(added, []).append(pk)
    last_message_at = connection.ops.adapt_datetimefield_value(now)
    # Plain SQL, once per distinct count (a socket batch: nearly always one count): the
    # ORM update cost ~0.5 ms to build for every batch.
    for added, pks in conversations_by_count.items():
        execute(
            f"UPDATE {Conversation._meta.db_table} SET last_message_at = %s, "  # noqa: S608 - names from the model
            f"message_count = message_count + %s WHERE id IN ({placeholders(len(pks))})",
            [last_message_at, added, *pks],
        )
    publish_events(
        (
            [
                uid
                for uid in audiences[message.conversation_id].user_ids
                if uid not in blockers[message.sender_id]
            ],
            "message.new",
            _event_payload(message),
            # A new message has no reactions yet: no query for them on the hottest path.
            {"data": serialize(message, (attachments or {}).get(message.pk, []), reactions=[])},
        )
        for message in messages
    )


def _send_one_by_one(
    requests: list[SendRequest], conversation_ids: list[int]
) -> list[SendResult | DomainError]:
    conversations = Conversation.objects.in_bulk(set(conversation_ids))
    results: list[SendResult | DomainError] = []
    for request, conversation_id in zip(requests, conversation_ids, strict=True):
        try:
            conversation = conversations.get(conversation_id)
            if conversation is None:
                raise NotFound(_("Conversation not found."))
            results.append(
                send_message(
                    request.sender, conversation, body=request.body, client_id=request.client_id
                )
            )
        except DomainError as error:
            results.append(error)
    return results


def _stored_send(sender_id: int, client_id: str) -> Message | None:
    return selectors.messages_by_client_id([(sender_id, client_id)]).get((sender_id, client_id))


def _retried(existing: Message, conversation_id: int) -> SendResult:
    if existing.conversation_id != conversation_id:
        raise Conflict(
            _("This client id was already used for another conversation."),
            code="client_id_reused",
        )
    return SendResult(existing, created=False)


def deliver_due_messages(now: datetime | None = None) -> int:
    """Send scheduled messages whose time has come (run every minute by the worker)."""
    now = now or timezone.now()
    delivered = 0
    due = Message.objects.filter(status=MessageStatus.SCHEDULED, send_at__lte=now).values_list(
        "pk", flat=True
    )
    for message_id in list(due[:500]):
        with transaction.atomic():
            message = (
                Message.objects.select_for_update()
                .select_related("conversation", "sender")
                .filter(pk=message_id, status=MessageStatus.SCHEDULED)
                .first()
            )
            if message is None:  # another worker delivered it
                continue
            # Checked again now, as a send now would be: things change in hours.
            audience = selectors.audience(message.conversation)
            blocks = selectors.blocks_of_many([message.sender_id])[message.sender_id]
            still_in = message.sender.is_active and message.sender_id in audience.user_ids
            with in_their_language(message.sender):
                refusal = (
                    selectors.send_refusal(audience, message.sender_id, blocks)
                    if still_in
                    else selectors.Refusal("left", _("You are no longer in this conversation."))
                )
            if refusal:
                # Someone who has left cannot open the conversation: no link to it.
                _not_sent(message, refusal.message, link=still_in)
                continue
            message = _goes_out_now(message, now)
            _deliver(
                [message],
                now,
                {message.conversation_id: audience},
                {message.sender_id: blocks.of_me},
            )
            delivered += 1
    return delivered


def _goes_out_now(scheduled: Message, now: datetime) -> Message:
    """A scheduled message goes out as a new row. Ids order a conversation and read
    cursors count by them: under the id it got when it was written, it would sit before
    what was said while it waited, already "read" by everyone who read past it. What its
    sender changed before it went out was a draft, so no history comes with it."""
    waited_as, written_at = scheduled.pk, scheduled.created_at
    # Its (sender, client id) moves to the new row; the old one is deleted below.
    Message.objects.filter(pk=waited_as).update(client_id=f"~{waited_as}")
    scheduled.pk = None
    scheduled._state.adding = True
    scheduled.status, scheduled.sent_at, scheduled.edited_at = MessageStatus.SENT, now, None
    scheduled.save(force_insert=True)
    # Written when it was written (auto_now_add stamped now): the send limit counted it
    # then, and must not count it again as the sender's message of this minute.
    Message.objects.filter(pk=scheduled.pk).update(created_at=written_at)
    scheduled.created_at = written_at
    Attachment.objects.filter(message_id=waited_as).update(message=scheduled)
    Message.objects.filter(pk=waited_as).delete()  # with its draft revisions
    return scheduled


def _tell_sender(message: Message, type: str, attachments: list[Attachment] | None = None) -> None:
    publish_event(
        [message.sender_id],
        type=type,
        payload=_event_payload(message),
        # Told to its sender alone: a message that is not (or not yet) sent has no reactions.
        push_extra={"data": serialize(message, attachments, reactions=[])},
    )


def _not_sent(message: Message, refusal: str, link: bool = True) -> None:
    message.status = MessageStatus.NOT_SENT
    message.save(update_fields=["status"])
    _tell_sender(message, "message.not_sent")
    with in_their_language(message.sender):
        notify(
            message.sender,
            kind="messaging.not_sent",
            title=gettext_lazy("Your scheduled message was not sent"),
            body=refusal,
            url=message.get_absolute_url() if link else "",
            dedupe_key=f"messaging.not_sent:{message.pk}",
        )


def _own_message(user: User, message_id: int) -> Message:
    message = selectors.message_for(user, message_id)
    if message.sender_id != user.pk:
        raise NotAllowed(_("You can only change your own messages."), code="not_your_message")
    return message


@transaction.atomic
def edit_message(user: User, message_id: int, body: str) -> Message:
    message = _own_message(user, message_id)
    if message.deleted_at is not None:
        raise Conflict(
            _("This message was deleted, so it cannot be edited."), code="message_deleted"
        )
    # An ended mentorship's conversation is a record: no rewriting it (deleting one's own
    # message stays possible).
    if not selectors.audience(message.conversation).is_open:
        raise NotAllowed(
            _("This mentorship has ended; its conversation is read-only."),
            code="conversation_closed",
        )
    body = _clean_body(body)
    if body == message.body:
        return message
    MessageRevision.objects.create(message=message, body_encrypted=message.body_encrypted)
    message.body = body
    message.edited_at = timezone.now()
    message.save(update_fields=["body_encrypted", "edited_at"])
    if message.status == MessageStatus.SENT:
        _publish_message_event(message, "message.edited")
    else:  # still waiting: only the sender's other pages show it
        _tell_sender(message, "message.edited")
    return message


@transaction.atomic
def delete_message(user: User, message_id: int) -> Message:
    """A tombstone: the row stays (so threads and cursors keep their shape); the body,
    its history and its files are gone. A reported message keeps its body and history for
    the report (the author cannot delete what the coordinators were asked to look at);
    to everyone in the conversation it is deleted all the same.

    A scheduled message, or one that could not be sent, never reached anyone, so it leaves
    no tombstone and tells no one: it is removed. Deleting a deleted message again (a
    second tab, a resent form) changes nothing."""
    message = _own_message(user, message_id)
    if message.deleted_at is not None:
        return message
    reported = message.reports.exists()
    if not reported:
        for attachment in message.attachments.all():
            attachment.file.delete(save=False)
            attachment.delete()
    message.deleted_at = timezone.now()
    if message.status in (MessageStatus.SCHEDULED, MessageStatus.NOT_SENT):
        deleted_id = message.pk
        message.delete()
        message.pk = deleted_id  # callers answer with the message that was deleted
        _tell_sender(message, "message.deleted", attachments=[])  # gone from their other pages
        return message
    if not reported:
        message.revisions.all().delete()
        message.body = ""
    message.reactions.all().delete()  # no nods left under a tombstone
    message.save(update_fields=["body_encrypted", "deleted_at"])
    _publish_message_event(message, "message.deleted")
    return message


def unknown_reaction_message() -> str:
    return _("Choose one of these reactions: %(emoji)s") % {"emoji": " ".join(REACTION_EMOJI)}


@transaction.atomic
def set_reaction(user: User, message_id: int, emoji: str, on: bool) -> Message:
    """Add (``on``) or take back one's reaction to a message; doing it twice is doing it
    once. Only someone who may read the conversation now (not someone who left the group),
    only on a sent message that is still there, and only where they may still write (an
    ended mentorship's conversation is a record; a block stops it as it stops messages).
    The others hear ``message.reacted``: no unread count, no notification, no e-mail."""
    message = selectors.message_for(user, message_id)  # NotFound: not theirs to see
    # "❤" typed without its emoji variation selector is the same heart.
    emoji = {e.replace("\ufe0f", ""): e for e in REACTION_EMOJI}.get(
        emoji.replace("\ufe0f", ""), emoji
    )
    if emoji not in REACTION_EMOJI:
        text = unknown_reaction_message()
        raise ValidationFailed(text, fields={"emoji": text})
    if message.deleted_at is not None:
        raise Conflict(_("This message was deleted."), code="message_deleted")
    if message.status != MessageStatus.SENT:
        raise Conflict(_("Only a sent message can get reactions."), code="message_not_sent")
    audience = selectors.audience(message.conversation)
    if user.pk not in audience.user_ids:
        raise NotFound(_("Message not found."))
    refusal = selectors.send_refusal(
        audience, user.pk, selectors.blocks_of_many([user.pk])[user.pk]
    )
    if refusal:
        raise NotAllowed(refusal.message, code=refusal.code)
    if on:
        _reaction, changed = Reaction.objects.get_or_create(message=message, user=user, emoji=emoji)
    else:
        deleted, _details = Reaction.objects.filter(
            message=message, user=user, emoji=emoji
        ).delete()
        changed = deleted > 0
    if changed:
        _publish_message_event(message, "message.reacted", reactor_id=user.pk)
    return message


def mark_read(user: User, conversation: Conversation, up_to: int | None = None) -> int:
    """Move the person's read cursor forward (never back); tell the others. ``up_to`` is a
    message of this conversation (0 or below: an earlier position, which moves nothing)."""
    if not selectors.can_read(user, conversation):
        raise NotFound(_("Conversation not found."))
    if (
        up_to is not None
        and up_to > 0
        and not selectors.visible_messages(user, conversation).filter(pk=up_to).exists()
    ):
        raise NotFound(_("Message not found."))
    newest = (
        Message.objects.filter(conversation=conversation, status=MessageStatus.SENT)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
        or 0
    )
    target = newest if up_to is None else min(up_to, newest)
    with transaction.atomic():
        member, _created = ConversationMember.objects.get_or_create(
            conversation=conversation, user=user
        )
        moved = ConversationMember.objects.filter(
            pk=member.pk, last_read_message_id__lt=target
        ).update(last_read_message_id=target, last_read_at=timezone.now())
        # The notifications pointing into this thread are read too ("not sent" as well as
        # "unread"), whether or not the cursor moves.
        mark_read_at(user, reverse("messaging_thread", args=[conversation.pk]))
        if not moved:  # never back: the cursor stays where it is, and that is the answer
            target = max(target, member.last_read_message_id)
        else:
            # Not to the people this reader blocked: their messages never reached the reader.
            hidden = selectors.blocked_by(user.pk)
            publish_event(
                [uid for uid in selectors.audience_ids(conversation) if uid not in hidden],
                type="conversation.read",
                payload={"conversation": conversation.pk, "user": user.pk, "message": target},
            )
    return target


def mark_page_read(user: User, conversation: Conversation, page: selectors.ReaderPage) -> None:
    """Read up to what a thread page shows: the newest page all of it; an older page only
    when it shows unread messages (the first unread, or one opened from a link)."""
    if not page.messages:
        return
    newest_shown = page.messages[-1].pk
    if not page.has_newer:
        mark_read(user, conversation)
    elif page.first_unread_id is not None and page.first_unread_id <= newest_shown:
        mark_read(user, conversation, up_to=newest_shown)


@transaction.atomic
def report_message(user: User, message_id: int, reason: str) -> Report:
    """Carry a message to the program's coordinators (the only way content reaches them).
    Reporting again after the report was handled opens it again, with the new reason."""
    message = selectors.message_for(user, message_id, even_if_blocked=True)
    if message.sender_id == user.pk:
        raise ValidationFailed(_("You cannot report your own message."))
    if message.deleted_at is not None:
        raise Conflict(_("This message was deleted."), code="message_deleted")
    reason = plain_text(reason, "reason")
    if not reason or len(reason) > 2000:
        text = _("Say briefly what is wrong (up to 2000 characters).")
        raise ValidationFailed(text, fields={"reason": text})
    report, created = Report.objects.get_or_create(
        message=message, reporter=user, defaults={"reason": reason}
    )
    if created:
        _tell_report_handlers(report, f"messaging.report:{report.pk}")
        return report
    # The earlier reasons stay above the new one, so the coordinators see the whole story
    # (a form sent twice adds nothing); a handled report opens again.
    handled = report.resolved_at is not None
    if reason not in report.reason.split("\n\n"):
        report.reason = f"{report.reason}\n\n{reason}"
    report.resolved_at = None
    report.save(update_fields=["reason", "resolved_at"])
    if handled:
        times = AuditLog.objects.filter(report=report, action="report.resolved").count()
        _tell_report_handlers(report, f"messaging.report:{report.pk}:again:{times}")
    return report


def _tell_report_handlers(report: Report, dedupe_key: str) -> None:
    program = report.message.conversation.program
    for handler in selectors.report_handlers(report):  # each in their own language
        notify(
            handler,
            kind="messaging.report",
            title=gettext_lazy("A message was reported in %(program)s"),
            params={"program": program.name},
            url=reverse("messaging_report", args=[report.pk]),
            dedupe_key=dedupe_key,
        )


@transaction.atomic
def read_report(coordinator: User, report_id: int) -> Report:
    """A coordinator opens a report: the one privileged read, always audited."""
    report = selectors.report_for_coordinator(coordinator, report_id)
    _audit(coordinator, "report.read", report)
    mark_read_at(coordinator, reverse("messaging_report", args=[report.pk]))
    return report


@transaction.atomic
def read_report_attachment(coordinator: User, report_id: int, attachment_id: int) -> Attachment:
    """A file of a reported message, opened from the report: audited like the report."""
    report = selectors.report_for_coordinator(coordinator, report_id)
    attachment = report.message.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("File not found."))
    _audit(coordinator, "report.attachment", report)
    return attachment


def _audit(coordinator: User, action: str, report: Report) -> None:
    AuditLog.objects.create(
        actor=coordinator,
        action=action,
        conversation=report.message.conversation,
        message=report.message,
        report=report,
    )


@transaction.atomic
def resolve_report(coordinator: User, report_id: int) -> Report:
    """Mark a report handled; the other coordinators see by whom and when, and the person
    who reported it hears that it was looked at (not what was decided)."""
    report = selectors.report_for_coordinator(coordinator, report_id)
    if report.resolved_at is None:
        report.resolved_at = timezone.now()
        report.resolved_by = coordinator
        report.save(update_fields=["resolved_at", "resolved_by"])
        AuditLog.objects.create(
            actor=coordinator,
            action="report.resolved",
            message=report.message,
            report=report,
            conversation_id=report.message.conversation_id,
        )
        notify(
            report.reporter,
            kind="messaging.report_handled",
            title=gettext_lazy("The coordinators have looked at the message you reported"),
            body=gettext_lazy(
                "You can write to them in your support thread if there is more to say."
            ),
            url=reverse("messaging_support", args=[report.message.conversation.program.slug]),
            dedupe_key=f"messaging.report_handled:{report.pk}:{report.resolved_at.isoformat()}",
        )
    return report


def block(user: User, other_id: int) -> Block:
    if other_id == user.pk:
        raise ValidationFailed(_("You cannot block yourself."))
    # Blocks are between the people of a mentorship: a support thread keeps the program's
    # coordinators and its participant reachable (a problem there goes to a report).
    shared = selectors.kinds_shared_with(user, other_id)
    if ConversationKind.MENTORSHIP not in shared:
        if ConversationKind.SUPPORT in shared:
            raise NotAllowed(
                _(
                    "Coordinators and the people they support cannot block each other. "
                    "To raise a problem, report the message."
                )
            )
        raise NotFound(_("Person not found."))
    blocked, _created = Block.objects.get_or_create(blocker=user, blocked_id=other_id)
    return blocked


def unblock(user: User, other_id: int) -> int:
    deleted, _details = Block.objects.filter(blocker=user, blocked_id=other_id).delete()
    return deleted


def set_coach(user: User, enabled: bool) -> MessagingPreference:
    preference, _created = MessagingPreference.objects.update_or_create(
        user=user, defaults={"coach_enabled": enabled}
    )
    return preference


def email_unread(now: datetime | None = None) -> int:
    """One e-mail per person and conversation for messages unread longer than the delay.

    The dedupe key names the person's read cursor, so a retried run sends nothing new and
    a person who has not read since gets no second e-mail for the same backlog."""
    now = now or timezone.now()
    cutoff = now - unread_email_delay()
    due = (
        Message.objects.filter(
            status=MessageStatus.SENT,
            deleted_at__isnull=True,
            sent_at__lte=cutoff,
            sent_at__gte=cutoff - timedelta(days=2),
        )
        .values_list("conversation_id", flat=True)
        .distinct()
    )
    sent = 0
    for conversation in Conversation.objects.filter(pk__in=list(due)).select_related("program"):
        for member in ConversationMember.objects.filter(conversation=conversation).select_related(
            "user"
        ):
            person = member.user
            hidden = selectors.blocked_by(person.pk)
            unread = (
                Message.objects.filter(
                    conversation=conversation,
                    status=MessageStatus.SENT,
                    deleted_at__isnull=True,
                    pk__gt=member.last_read_message_id,
                    sent_at__lte=cutoff,
                )
                .exclude(sender=person)
                .exclude(sender_id__in=hidden)
            )
            count = unread.count()
            if not count or not selectors.can_read(person, conversation):
                continue
            writers = ", ".join(
                str(writer) for writer in User.objects.filter(pk__in=unread.values("sender_id"))
            )
            # Words to translate, not words written out: the notification list shows them
            # in the person's language of the moment, also after they change it.
            created = notify(
                person,
                kind="messaging.unread",
                title=ngettext_lazy(
                    "Unread: %(n)d message from %(who)s (%(program)s)",
                    "Unread: %(n)d messages from %(who)s (%(program)s)",
                    "n",
                ),
                body=gettext_lazy("Open the conversation to read and reply."),
                params={"n": count, "who": writers, "program": conversation.program.name},
                url=reverse("messaging_thread", args=[conversation.pk]),
                dedupe_key=f"messaging.unread:{conversation.pk}:{member.last_read_message_id}",
            )
            sent += created is not None
    return sent
