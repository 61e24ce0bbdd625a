"""Messaging API: conversations, messages with cursor pagination, idempotent send."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from openmentor.api.openapi import RATE_LIMITED
from openmentor.core.errors import ValidationFailed
from openmentor.core.types import AuthenticatedRequest
from openmentor.notifications.selectors import unread_count as unread_notifications

from . import coach, selectors, services
from .formatting import render_markdown
from .models import REACTION_EMOJI

router = Router(tags=["messaging"])

# Stated in the schema so that clients know (a larger ``limit`` is served as this many).
MAX_PAGE = selectors.MAX_PAGE_SIZE


class ConversationOut(Schema):
    id: int
    kind: str
    program: int
    mentorship: int | None
    title: str
    unread: int
    message_count: int
    last_message_at: datetime | None


class SenderOut(Schema):
    id: int
    name: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str = Field(
        ...,
        description="Relative to the site; a download for the session or the same "
        "`Authorization: Bearer` token.",
    )


class ReactionOut(Schema):
    emoji: str
    people: list[SenderOut]


class MessageOut(Schema):
    id: int
    conversation: int
    sender: SenderOut
    client_id: str
    status: str
    body: str
    html: str
    created_at: datetime
    sent_at: datetime | None
    send_at: datetime | None
    edited: bool
    deleted: bool
    attachments: list[AttachmentOut]
    reactions: list[ReactionOut] = Field(
        ...,
        description="By emoji, in a fixed order; who reacted, first first. None on a "
        "deleted or unsent message.",
    )


class MessagePageOut(Schema):
    messages: list[MessageOut]
    has_older: bool = Field(
        ..., description="Older messages exist: ask with `before` = the first id."
    )
    has_newer: bool = Field(
        ..., description="Newer messages exist: ask with `after` = the last id."
    )


class SendIn(Schema):
    client_id: str = Field(..., min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    body: str = Field(..., max_length=services.MAX_BODY_CHARS)
    # With its offset ("2026-11-30T08:00:00+07:00"): a bare time has no one meaning
    # between people in different zones.
    send_at: AwareDatetime | None = None


class ReactionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    emoji: str = Field(..., max_length=16, description="One of: " + " ".join(REACTION_EMOJI))
    on: bool = Field(True, description="true: add one's reaction; false: take it back.")


class EditIn(Schema):
    body: str = Field(..., max_length=services.MAX_BODY_CHARS)


class ReadIn(Schema):
    # A misspelt key would leave message_id out, which means "all of it".
    model_config = ConfigDict(extra="forbid")

    message_id: int | None = Field(
        None,
        description="Read up to this message of the conversation (none: all of it; 0 or "
        "below: an earlier position, which moves nothing).",
    )


class ReadOut(Schema):
    last_read_message_id: int


class ReportIn(Schema):
    reason: str = Field(..., max_length=2000)  # an empty one is refused, in words, by the service


class ReportOut(Schema):
    id: int
    message: int
    created_at: datetime


class BlockIn(Schema):
    user_id: int


class BlockedOut(Schema):
    id: int
    name: str


class CoachIn(Schema):
    conversation_id: int
    body: str = Field(..., max_length=services.MAX_BODY_CHARS)
    when: services.When = services.SEND_NOW


class HintOut(Schema):
    code: str
    message: str
    suggested_send_at: datetime | None


class CoachOut(Schema):
    enabled: bool
    hints: list[HintOut]
    guidelines_url: str


class UnreadOut(Schema):
    messages: int
    label: str  # "3 unread", in the person's language, as the navigation says it
    notifications: int
    notifications_label: str


@router.get("/messaging/unread", response=UnreadOut, url_name="messaging_unread")
def unread(request: AuthenticatedRequest) -> dict[str, Any]:
    """The navigation's counts: unread messages across the person's conversations, and
    unread notifications, each with the navigation's words for it."""
    count = selectors.unread_total(request.user)
    notifications = unread_notifications(request.user)
    return {
        "messages": count,
        "label": ngettext("%(n)s unread", "%(n)s unread", count)
        % {"n": formats.number_format(count)},
        "notifications": notifications,
        "notifications_label": npgettext(
            "notifications", "%(n)s unread", "%(n)s unread", notifications
        )
        % {"n": formats.number_format(notifications)},
    }


@router.get(
    "/messaging/conversations", response=list[ConversationOut], url_name="messaging_conversations"
)
def conversations(request: AuthenticatedRequest) -> list[dict[str, Any]]:
    services.ensure_my_conversations(request.user)
    return [
        {
            "id": c.pk,
            "kind": c.kind,
            "program": c.program_id,
            "mentorship": c.mentorship_id,
            "title": selectors.conversation_title(c, request.user),
            # Annotated by my_conversations, as the person sees the conversation: a blocked
            # person's messages neither count nor date it.
            "unread": getattr(c, "unread", 0),
            "message_count": c.shown_count,  # type: ignore[attr-defined]
            "last_message_at": c.shown_last_message_at,  # type: ignore[attr-defined]
        }
        for c in selectors.my_conversations(request.user)
    ]


@router.get(
    "/messaging/conversations/{conversation_id}/messages",
    response=MessagePageOut,
    summary="A page of messages: newest first page, then `before`; or `after` to catch up",
    url_name="messaging_messages",
)
def messages(
    request: AuthenticatedRequest,
    conversation_id: int,
    before: int | None = Query(None, ge=1, description="Messages older than this id."),
    # 0: from the first message on (as ``/events?after=0``).
    after: int | None = Query(None, ge=0, description="Messages newer than this id."),
    # Below 1 is a mistake to report; above the maximum is served capped.
    limit: Annotated[int, Field(json_schema_extra={"maximum": MAX_PAGE})] = Query(
        50, ge=1, description=f"At most {MAX_PAGE} (a larger value is served as {MAX_PAGE})."
    ),
) -> dict[str, Any]:
    """Messages in id order (oldest first within the page). Without a cursor: the newest
    page. ``before`` pages back through the history; ``after`` catches up from the last
    message a client has (give one of them, not both). ``has_older`` / ``has_newer`` say
    whether there is more on either side of the page. To follow a conversation as it goes
    on, catch up with ``GET /api/v1/events?after=`` (or be told at once on the WebSocket
    ``/ws/messaging/`` or the long poll ``/messages/poll/``) and fetch what the events name.
    """
    if before is not None and after is not None:
        problem = _("Give either before or after, not both.")
        raise ValidationFailed(problem, fields={"before": problem, "after": problem})
    conversation = selectors.conversation_for(request.user, conversation_id)
    rows, has_older, has_newer = selectors.thread_page(
        request.user, conversation, before=before, after=after, limit=limit
    )
    return {
        "messages": [services.serialize(m) for m in rows],
        "has_older": has_older,
        "has_newer": has_newer,
    }


@router.post(
    "/messaging/conversations/{conversation_id}/messages",
    response={200: MessageOut, 201: MessageOut},
    summary="Send; a retry with the same client_id returns the first message (200)",
    url_name="messaging_send",
    openapi_extra={"responses": {429: RATE_LIMITED}},
)
def send(request: AuthenticatedRequest, conversation_id: int, payload: SendIn) -> Status:
    """Send a message: 201 with it, or 200 with the message first sent under the same
    ``client_id`` (a retry). A retry is answered with what was stored, whatever its body
    says now: it may come after the person edited the message, which stays as edited."""
    conversation = selectors.conversation_for(request.user, conversation_id)
    result = services.send_message(
        request.user,
        conversation,
        body=payload.body,
        client_id=payload.client_id,
        send_at=payload.send_at,
    )
    # A new message has no reactions: no query for them on the send path.
    data = services.serialize(result.message, reactions=[] if result.created else None)
    return Status(201 if result.created else 200, data)


@router.get(
    "/messaging/messages/{message_id}", response=MessageOut, url_name="messaging_message_api"
)
def message(request: AuthenticatedRequest, message_id: int) -> dict[str, Any]:
    """One message (e.g. the one an event names); 404 when the person may not read it."""
    return services.serialize(
        selectors.message_for(request.user, message_id),
        hidden=selectors.blocked_by(request.user.pk),
    )


@router.patch(
    "/messaging/messages/{message_id}", response=MessageOut, url_name="messaging_edit_api"
)
def edit(request: AuthenticatedRequest, message_id: int, payload: EditIn) -> dict[str, Any]:
    return services.serialize(services.edit_message(request.user, message_id, payload.body))


@router.post(
    "/messaging/messages/{message_id}/reactions",
    response=MessageOut,
    summary="React to a message, or take one's reaction back",
    url_name="messaging_react_api",
)
def react(request: AuthenticatedRequest, message_id: int, payload: ReactionIn) -> dict[str, Any]:
    """Add (``on``: true) or remove (false) one's reaction; repeating it changes nothing.
    Answers with the message as it is now. The others in the conversation hear
    ``message.reacted`` (no unread count, no notification)."""
    message = services.set_reaction(request.user, message_id, payload.emoji, payload.on)
    return services.serialize(message, hidden=selectors.blocked_by(request.user.pk))


class RevisionOut(Schema):
    body: str
    html: str
    replaced_at: datetime


@router.get(
    "/messaging/messages/{message_id}/history",
    response=list[RevisionOut],
    url_name="messaging_history_api",
)
def history(request: AuthenticatedRequest, message_id: int) -> list[dict[str, Any]]:
    """Earlier versions of a message, oldest first (empty when it was never edited)."""
    _message, revisions = selectors.message_history(request.user, message_id)
    return [
        {"body": r.body, "html": render_markdown(r.body), "replaced_at": r.replaced_at}
        for r in revisions
    ]


@router.delete(
    "/messaging/messages/{message_id}", response=MessageOut, url_name="messaging_delete_api"
)
def delete(request: AuthenticatedRequest, message_id: int) -> dict[str, Any]:
    return services.serialize(services.delete_message(request.user, message_id))


@router.post(
    "/messaging/conversations/{conversation_id}/read", response=ReadOut, url_name="messaging_read"
)
def read(request: AuthenticatedRequest, conversation_id: int, payload: ReadIn) -> dict[str, int]:
    """Move the person's read cursor forward (never back) and tell the others."""
    conversation = selectors.conversation_for(request.user, conversation_id)
    target = services.mark_read(request.user, conversation, payload.message_id)
    return {"last_read_message_id": target}


@router.post(
    "/messaging/messages/{message_id}/report",
    response={201: ReportOut},
    url_name="messaging_report_api",
)
def report(request: AuthenticatedRequest, message_id: int, payload: ReportIn) -> Status:
    created = services.report_message(request.user, message_id, payload.reason)
    return Status(
        201, {"id": created.pk, "message": created.message_id, "created_at": created.created_at}
    )


@router.get("/messaging/blocks", response=list[BlockedOut], url_name="messaging_blocks_api")
def blocks(request: AuthenticatedRequest) -> list[dict[str, Any]]:
    """The people this person has blocked (their messages are hidden from this person;
    undo with ``DELETE /messaging/blocks/{id}``), by name."""
    return [
        {"id": person.pk, "name": str(person)} for person in selectors.blocked_people(request.user)
    ]


@router.post("/messaging/blocks", response={201: dict[str, int]}, url_name="messaging_block_api")
def block(request: AuthenticatedRequest, payload: BlockIn) -> Status:
    services.block(request.user, payload.user_id)
    return Status(201, {"blocked": payload.user_id})


@router.delete(
    "/messaging/blocks/{user_id}", response=dict[str, int], url_name="messaging_unblock_api"
)
def unblock(request: AuthenticatedRequest, user_id: int) -> dict[str, int]:
    return {"removed": services.unblock(request.user, user_id)}


@router.post(
    "/messaging/coach",
    response=CoachOut,
    summary="Writing hints for a draft",
    url_name="messaging_coach_api",
)
def coach_hints(request: AuthenticatedRequest, payload: CoachIn) -> dict[str, Any]:
    conversation = selectors.conversation_for(request.user, payload.conversation_id)
    enabled = selectors.coach_enabled(request.user)
    found = (
        coach.hints(
            payload.body,
            is_first_message=not selectors.has_sent_before(request.user, conversation),
            recipients=selectors.clocks(selectors.mentorship_others(conversation, request.user)),
            now=timezone.now(),
            for_their_morning=payload.when == services.SEND_AT_THEIR_MORNING,
        )
        if enabled
        else []
    )
    return {
        "enabled": enabled,
        "hints": [h.__dict__ for h in found],
        "guidelines_url": selectors.guidelines_url(conversation),
    }


@router.get(
    "/messaging/search",
    response=list[MessageOut],
    url_name="messaging_search_api",
    openapi_extra={
        "responses": {
            200: {
                "headers": {
                    "X-Search-Older-Than": {
                        "description": "Present when older messages remain unsearched: "
                        "pass it as `before` to go on with them.",
                        "schema": {"type": "integer"},
                    }
                }
            }
        }
    },
)
def search(
    request: AuthenticatedRequest,
    response: HttpResponse,
    q: str = Query("", max_length=200),
    before: int | None = Query(None, ge=1),
) -> list[dict[str, Any]]:
    """Matches, newest first, from a stretch of the person's messages (bodies are
    encrypted: no index). When older messages remain, the ``X-Search-Older-Than`` header
    holds the ``before`` value that goes on with them."""
    page = selectors.search(request.user, q, before=before)
    if page.older_than is not None:
        response["X-Search-Older-Than"] = str(page.older_than)
    hidden = selectors.blocked_by(request.user.pk)
    # The matches' reactions in one query, not one each.
    prefetch_related_objects(page.messages, selectors.reactions_seen_by(hidden))
    return [services.serialize(m) for m in page.messages]
