"""Reads for messaging, with the permission questions every page and endpoint asks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from openmentor.accounts.models import User
from openmentor.core.errors import NotFound
from openmentor.core.sql import fetch_rows, placeholders
from openmentor.mentorships import selectors as mentorship_selectors
from openmentor.mentorships.models import (
    OPEN_STATUSES,
    FormerParticipant,
    Mentorship,
    MentorshipParticipant,
    MentorshipStatus,
)
from openmentor.programs.models import Membership, MembershipStatus, Program, Role
from openmentor.programs.selectors import is_coordinator

from . import textsearch
from .models import (
    REACTION_EMOJI,
    Block,
    Conversation,
    ConversationKind,
    ConversationMember,
    Message,
    MessageRevision,
    MessageStatus,
    Reaction,
    Report,
)

PAGE_SIZE = 50
SEARCH_WINDOW = 2000
MAX_PAGE_SIZE = 200  # messages a page at most, whatever ``limit`` a client asks


def _mentorship_id(conversation: Conversation) -> int:
    # A check constraint guarantees it for mentorship conversations.
    return cast(int, conversation.mentorship_id)


def can_read(user: User, conversation: Conversation) -> bool:
    """Participants of the mentorship; for a support thread, its person and the program's
    current coordinators. Coordinators never read mentorship conversations here."""
    if not user.is_authenticated:
        return False
    if conversation.kind == ConversationKind.MENTORSHIP:
        return MentorshipParticipant.objects.filter(
            mentorship_id=_mentorship_id(conversation), user=user
        ).exists()
    return conversation.support_for_id == user.pk or is_coordinator(user, conversation.program)


def conversation_for(user: User, conversation_id: int) -> Conversation:
    """The conversation if the person may read it; otherwise NotFound (no existence leak)."""
    conversation = (
        Conversation.objects.select_related("program", "mentorship", "support_for")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None or not can_read(user, conversation):
        raise NotFound(_("Conversation not found."))
    return conversation


@dataclass(frozen=True)
class Audience:
    """Who may read a conversation now, and whether it still takes new messages."""

    user_ids: list[int]
    is_open: bool


def audience(conversation: Conversation) -> Audience:
    """One query; every send asks this (a deleted conversation has no audience)."""
    return audiences_by_id([conversation.pk]).get(conversation.pk, Audience([], False))


def audiences_by_id(conversation_ids: Iterable[int]) -> dict[int, Audience]:
    """``audience`` for many conversations, known by id only (the socket's sends) and
    without loading them: one query joins each conversation to its mentorship's
    participants; support threads add one query for their programs' coordinators.
    Unknown ids are left out."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    # Plain SQL: every socket send batch asks this, and building the same join through
    # the ORM took ~0.9 ms a batch, most of a small batch's time (bench/messaging.py).
    rows = fetch_rows(
        "SELECT c.id, c.kind, c.program_id, c.support_for_id, m.status, p.user_id "  # noqa: S608 - names from the models
        f"FROM {Conversation._meta.db_table} c "
        f"LEFT JOIN {Mentorship._meta.db_table} m ON m.id = c.mentorship_id "
        f"LEFT JOIN {MentorshipParticipant._meta.db_table} p ON p.mentorship_id = m.id "
        f"WHERE c.id IN ({placeholders(len(ids))})",
        ids,
    )
    people: dict[int, list[int]] = {}
    is_open: dict[int, bool] = {}
    support: dict[int, tuple[int, int]] = {}
    for pk, kind, program_id, support_for_id, status, user_id in rows:
        if kind == ConversationKind.MENTORSHIP:
            members = people.setdefault(pk, [])
            if user_id is not None:
                members.append(user_id)
            is_open[pk] = status in OPEN_STATUSES
        else:
            support[pk] = (program_id, support_for_id)
    found = {pk: Audience(members, bool(members) and is_open[pk]) for pk, members in people.items()}
    if support:
        coordinators: dict[int, list[int]] = {}
        for program_id, user_id in Membership.objects.filter(
            program_id__in={program_id for program_id, _person in support.values()},
            role=Role.COORDINATOR,
            status=MembershipStatus.ACTIVE,
        ).values_list("program_id", "user_id"):
            coordinators.setdefault(program_id, []).append(user_id)
        for pk, (program_id, person) in support.items():
            found[pk] = Audience(
                list(dict.fromkeys([person, *coordinators.get(program_id, [])])), True
            )
    return found


def audience_ids(conversation: Conversation) -> list[int]:
    """Everyone who may read the conversation now."""
    return audience(conversation).user_ids


def blocked_people(user: User) -> list[User]:
    """The people this person has blocked, by name (to show and undo)."""
    return list(User.objects.filter(pk__in=blocked_by(user.pk)).order_by("display_name", "pk"))


def blocked_by(user_id: int) -> set[int]:
    """People this person has blocked: their messages are hidden from this person."""
    return set(Block.objects.filter(blocker_id=user_id).values_list("blocked_id", flat=True))


def has_blocked(user_id: int, other_id: int) -> bool:
    return Block.objects.filter(blocker_id=user_id, blocked_id=other_id).exists()


def blockers_of(user_id: int) -> set[int]:
    return set(Block.objects.filter(blocked_id=user_id).values_list("blocker_id", flat=True))


@dataclass(frozen=True)
class Blocks:
    """One person's blocks, both ways."""

    of_me: set[int]  # people who blocked this person: they do not get this person's messages
    by_me: set[int]  # people this person blocked: hidden from this person


def blocks_of_many(user_ids: list[int]) -> dict[int, Blocks]:
    """``Blocks`` for many people in one query (plain SQL: every send batch asks)."""
    found = {user_id: Blocks(set(), set()) for user_id in user_ids}
    if not user_ids:
        return found
    marks = placeholders(len(user_ids))
    rows = fetch_rows(
        f"SELECT blocker_id, blocked_id FROM {Block._meta.db_table} "  # noqa: S608 - names from the model
        f"WHERE blocked_id IN ({marks}) OR blocker_id IN ({marks})",
        [*user_ids, *user_ids],
    )
    for blocker_id, blocked_id in rows:
        if blocked_id in found:
            found[blocked_id].of_me.add(blocker_id)
        if blocker_id in found:
            found[blocker_id].by_me.add(blocked_id)
    return found


SEND_WINDOW = timedelta(seconds=60)


def sends_since(sender_ids: list[int], since: datetime) -> dict[int, int]:
    """How many messages each sender has written since ``since`` (every row they wrote:
    sent, scheduled, not sent, deleted; a scheduled one counts when it was written), in
    one query (plain SQL: every send batch asks)."""
    found = dict.fromkeys(sender_ids, 0)
    if not sender_ids:
        return found
    rows = fetch_rows(
        f"SELECT sender_id, COUNT(*) FROM {Message._meta.db_table} "  # noqa: S608 - names from the model
        f"WHERE sender_id IN ({placeholders(len(sender_ids))}) AND created_at > %s "
        "GROUP BY sender_id",
        [*sender_ids, connection.ops.adapt_datetimefield_value(since)],
    )
    found.update(rows)
    return found


def seconds_until_send_allowed(sender_id: int, now: datetime, room: int) -> int:
    """Seconds until fewer than ``room`` of the sender's stored messages are within the
    window, counting from ``now`` (asked only for a refusal, so the ORM is fine)."""
    if room <= 0:  # the messages filling the window are being written now
        return math.ceil(SEND_WINDOW.total_seconds())
    recent = list(
        Message.objects.filter(sender_id=sender_id, created_at__gt=now - SEND_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:room]
    )
    if len(recent) < room:
        return 1
    leaves_at = recent[-1] + SEND_WINDOW
    return max(1, math.ceil((leaves_at - now).total_seconds()))


@dataclass(frozen=True)
class Refusal:
    code: str  # for clients to act on: "conversation_closed" or "blocked"
    message: str  # for the person, in the active language


def send_refusal(audience: Audience, sender_id: int, blocks: Blocks) -> Refusal | None:
    """Why this person cannot write in this conversation now (``None``: they can). A block
    works both ways: no one writes to a person who blocked them, nor to one they blocked."""
    if not audience.is_open:
        closed = _("This mentorship has ended; its conversation is read-only.")
        return Refusal("conversation_closed", closed)
    others = {uid for uid in audience.user_ids if uid != sender_id}
    if not others:
        return None
    if others <= blocks.of_me:
        return Refusal("blocked", _("You cannot send messages to this person."))
    if others <= blocks.of_me | blocks.by_me:
        if len(others) == 1:
            return Refusal("blocked", _("You blocked this person. Unblock them to write again."))
        return Refusal("blocked", _("You have blocked the others in this conversation."))
    return None


@dataclass(frozen=True)
class Composer:
    """What the thread page offers a person for writing, from one read of each."""

    cannot_write: str | None  # the reason there is no message box (send_refusal)
    read_only: bool  # an ended mentorship: no editing either
    blocked: set[int]  # people this person blocked (their "Unblock" buttons)


def composer_for(conversation: Conversation, user: User) -> Composer:
    found = audience(conversation)
    blocks = blocks_of_many([user.pk])[user.pk]
    refusal = send_refusal(found, user.pk, blocks)
    return Composer(refusal.message if refusal else None, not found.is_open, blocks.by_me)


def messages_by_client_id(keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Message]:
    """Messages already stored under these (sender id, client id) pairs, in one query.

    Filtering with ``sender_id IN (...) AND client_id IN (...)`` makes SQLite probe the
    unique index for every combination of the two lists (a batch of 150 sends: 22,500
    probes, 11 ms); joining the pairs themselves probes it once per pair (0.9 ms)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    table = Message._meta.db_table
    found = Message.objects.raw(
        f"WITH wanted (sender_id, client_id) AS (VALUES {placeholders(len(wanted), 2)}) "  # noqa: S608 - placeholders only
        f"SELECT message.* FROM wanted JOIN {table} message "
        "ON message.sender_id = wanted.sender_id AND message.client_id = wanted.client_id",
        [value for key in wanted for value in key],
    )
    return {(message.sender_id, message.client_id): message for message in found}


def visible_messages(user: User, conversation: Conversation) -> QuerySet[Message]:
    hidden = blocked_by(user.pk)
    return (
        Message.objects.filter(conversation=conversation)
        .filter(Q(status=MessageStatus.SENT) | Q(sender=user))
        .exclude(sender_id__in=hidden)
        .select_related("sender")
        .prefetch_related("attachments", reactions_seen_by(hidden))
    )


def reactions_seen_by(hidden: set[int]) -> Prefetch:
    """A page's reactions in one query (with who reacted), without those of the people the
    reader blocked: as their messages, their reactions no longer reach the reader."""
    reactions = Reaction.objects.select_related("user").order_by("id")
    if hidden:
        reactions = reactions.exclude(user_id__in=hidden)
    return Prefetch("reactions", queryset=reactions)


def reactions_of(message: Message) -> list[Reaction]:
    """The message's reactions, oldest first: prefetched with its page, or read now (one
    query, with who reacted)."""
    cache = getattr(message, "_prefetched_objects_cache", {})
    if "reactions" in cache:
        return list(cache["reactions"])
    return list(Reaction.objects.filter(message=message).select_related("user").order_by("id"))


@dataclass(frozen=True)
class ReactionGroup:
    """One emoji under a message: who reacted with it, first first."""

    emoji: str
    people: list[tuple[int, str]]  # (user id, name)

    @property
    def count(self) -> int:
        return len(self.people)

    @property
    def names(self) -> str:
        return ", ".join(name for _pk, name in self.people)

    def includes(self, user_id: int) -> bool:
        return any(pk == user_id for pk, _name in self.people)


def reaction_groups(
    reactions: Iterable[Reaction], hidden: Iterable[int] = ()
) -> list[ReactionGroup]:
    """Reactions by emoji, in the order of ``REACTION_EMOJI`` (stable: a chip does not move
    when someone reacts); ``hidden``: people whose reactions to leave out."""
    left_out = set(hidden)
    people: dict[str, list[tuple[int, str]]] = {}
    for reaction in reactions:
        if reaction.user_id not in left_out:
            people.setdefault(reaction.emoji, []).append((reaction.user_id, str(reaction.user)))
    return [ReactionGroup(emoji, people[emoji]) for emoji in REACTION_EMOJI if emoji in people]


def hidden_reactors(recipient_ids: list[int], reactor_ids: set[int]) -> dict[int, frozenset[int]]:
    """For each recipient, the reactors they blocked (whose reactions they do not see)."""
    found: dict[int, set[int]] = {}
    if recipient_ids and reactor_ids:
        for blocker_id, blocked_id in Block.objects.filter(
            blocker_id__in=recipient_ids, blocked_id__in=reactor_ids
        ).values_list("blocker_id", "blocked_id"):
            found.setdefault(blocker_id, set()).add(blocked_id)
    return {uid: frozenset(found.get(uid, ())) for uid in recipient_ids}


class ThreadPage(NamedTuple):
    messages: list[Message]
    has_older: bool
    has_newer: bool  # False on the newest page


def thread_page(
    user: User,
    conversation: Conversation,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> ThreadPage:
    """One page of a thread in id order, and whether there are messages on either side."""
    return _page_of(visible_messages(user, conversation), before, after, limit)


def _page_of(
    messages: QuerySet[Message], before: int | None, after: int | None, limit: int
) -> ThreadPage:
    """Keyset pagination on the message id, so page 1000 costs what page 1 costs."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if after is not None:  # paging forward: one more than a page says whether more follow
        rows = list(messages.filter(id__gt=after).order_by("id")[: limit + 1])
        return ThreadPage(rows[:limit], messages.filter(id__lte=after).exists(), len(rows) > limit)
    has_newer = before is not None and messages.filter(id__gte=before).exists()
    if before is not None:
        messages = messages.filter(id__lt=before)
    rows = list(messages.order_by("-id")[: limit + 1])
    return ThreadPage(list(reversed(rows[:limit])), len(rows) > limit, has_newer)


@dataclass(frozen=True)
class LeftBehind:
    """A group's conversation that the person left (they left the program and the group
    went on): theirs to read up to when they left, and no more."""

    conversation: Conversation
    departure: FormerParticipant

    @property
    def left_at(self) -> datetime:
        return self.departure.left_at

    @property
    def title(self) -> str:
        return mentorship_selectors.left_group_title(self.departure)


def left_behind_for(user: User, conversation_id: int) -> LeftBehind:
    """NotFound unless the person left this conversation's group (no existence leak)."""
    return _left_behind(user, Q(pk=conversation_id))


def conversation_left_behind_in(user: User, mentorship_id: int) -> Conversation:
    """The conversation of a group the person left (see ``left_behind_for``)."""
    return _left_behind(user, Q(mentorship_id=mentorship_id)).conversation


def _left_behind(user: User, which: Q) -> LeftBehind:
    conversation = (
        Conversation.objects.select_related("program", "mentorship")
        .filter(which, kind=ConversationKind.MENTORSHIP)
        .first()
    )
    left = (
        mentorship_selectors.departure(_mentorship_id(conversation), user.pk)
        if conversation is not None and user.is_authenticated
        else None
    )
    if conversation is None or left is None:
        raise NotFound(_("Conversation not found."))
    return LeftBehind(conversation, left)


def conversations_left_behind(user: User) -> list[LeftBehind]:
    """The conversations of the groups the person left, most recently left first."""
    departures = {d.mentorship_id: d for d in mentorship_selectors.departures_of(user.pk)}
    conversations = Conversation.objects.filter(
        kind=ConversationKind.MENTORSHIP, mentorship_id__in=departures
    ).select_related("program", "mentorship")
    found = [LeftBehind(c, departures[_mentorship_id(c)]) for c in conversations]
    return sorted(found, key=lambda left: left.left_at, reverse=True)


def _messages_left_behind(user: User, left: LeftBehind) -> QuerySet[Message]:
    """What was said until they left: edits and deletions since then show as they are."""
    return (
        Message.objects.filter(
            conversation=left.conversation, status=MessageStatus.SENT, sent_at__lte=left.left_at
        )
        .exclude(sender_id__in=blocked_by(user.pk))
        .select_related("sender")
        .prefetch_related("attachments")
    )


def left_behind_page(user: User, left: LeftBehind, *, before: int | None = None) -> ThreadPage:
    """The newest page of what the person may still read, or the one older than ``before``,
    each message as it read when they left."""
    page = _page_of(_messages_left_behind(user, left), before, None, PAGE_SIZE)
    _as_it_was(page.messages, left.left_at)
    return page


def _as_it_was(messages: list[Message], moment: datetime) -> None:
    """Messages edited after ``moment`` read as they did then: the version the first later
    edit replaced. "(edited)" stays only for an edit made before. (A message deleted since
    has no text left to show: its sender took it back.)"""
    edited_since = {
        m.pk: m for m in messages if m.edited_at and m.edited_at > moment and not m.deleted_at
    }
    versions: dict[int, list[MessageRevision]] = {}
    for revision in MessageRevision.objects.filter(message_id__in=edited_since).order_by("id"):
        versions.setdefault(revision.message_id, []).append(revision)
    for pk, message in edited_since.items():
        earlier = [r for r in versions.get(pk, []) if r.replaced_at <= moment]
        then = next((r for r in versions.get(pk, []) if r.replaced_at > moment), None)
        if then is not None:
            message.body_encrypted = then.body_encrypted
        message.edited_at = earlier[-1].replaced_at if earlier else None


def message_left_behind(user: User, message_id: int) -> Message:
    """A message of a conversation the person left, sent before they left (its files)."""
    conversation_id = (
        Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
    )
    left = left_behind_for(user, conversation_id or 0)
    found = _messages_left_behind(user, left).filter(pk=message_id).first()
    if found is None:
        raise NotFound(_("Message not found."))
    return found


# A message opened from a link (a search result, "back to the conversation") is shown with
# this many of the messages that followed it, so the reader sees what came of it.
CONTEXT_AFTER_LINKED = 9


@dataclass(frozen=True)
class ReaderPage:
    """The thread page a person opens. ``has_newer``: newer messages exist than these (an
    older page: no composer, no live messages). ``first_unread_id``: where the "new
    messages" divider goes, as of opening the page."""

    messages: list[Message]
    has_older: bool
    has_newer: bool
    first_unread_id: int | None


def reader_page(
    user: User,
    conversation: Conversation,
    *,
    before: int | None = None,
    after: int | None = None,
    at: int | None = None,
    newest: bool = False,
) -> ReaderPage:
    """The newest messages; or, when more is unread than one page holds (and ``newest``
    was not asked for), the page that starts at the first unread message, so that opening
    the thread skips nothing; or the page that holds message ``at``; or the page older
    than ``before`` / newer than ``after``."""
    visible = visible_messages(user, conversation)
    cursor = (
        ConversationMember.objects.filter(conversation=conversation, user=user)
        .values_list("last_read_message_id", flat=True)
        .first()
        or 0
    )
    first_unread = (
        visible.filter(id__gt=cursor, status=MessageStatus.SENT, deleted_at__isnull=True)
        .exclude(sender=user)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if before is None and after is None:
        anchor = at if at is not None or newest else first_unread
        if anchor is not None:
            later = list(
                visible.filter(id__gt=anchor)
                .order_by("id")
                .values_list("id", flat=True)[:PAGE_SIZE]
            )
            if len(later) == PAGE_SIZE:  # the newest page does not reach back to it
                if at is not None:
                    before = later[CONTEXT_AFTER_LINKED]
                else:
                    after = anchor - 1
    rows, has_older, has_newer = thread_page(user, conversation, before=before, after=after)
    return ReaderPage(rows, has_older, has_newer, first_unread)


def _taking_part_in(user: User) -> QuerySet[Conversation]:
    """The person's conversations: their mentorships', their own support threads and, as a
    coordinator, their programs' support threads."""
    coordinated = Membership.objects.filter(
        user=user, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE
    ).values("program_id")
    mentorships = MentorshipParticipant.objects.filter(user=user).values("mentorship_id")
    return Conversation.objects.filter(
        Q(kind=ConversationKind.MENTORSHIP, mentorship_id__in=mentorships)
        | Q(kind=ConversationKind.SUPPORT, support_for=user)
        | Q(kind=ConversationKind.SUPPORT, program_id__in=coordinated)
    ).exclude(_EMPTY_SUPPORT_THREAD)


# A support thread is opened by a click ("Contact the coordinators", "Write to ..."); until
# someone writes in it, it is not a conversation to list for either side.
_EMPTY_SUPPORT_THREAD = Q(kind=ConversationKind.SUPPORT, message_count=0)


def _unread_count(user: User, conversation: OuterRef, read_cursor: OuterRef) -> Coalesce:
    """What "unread" means, as a count per conversation for the outer query: sent, not
    deleted messages after the person's read cursor, not their own, not from people they
    blocked. A range on the thread index (conversation, status, id > cursor), so it costs
    what is unread, not the length of the history."""
    after_cursor = (
        Message.objects.filter(
            conversation_id=conversation,
            status=MessageStatus.SENT,
            id__gt=read_cursor,
            deleted_at__isnull=True,
        )
        .exclude(sender=user)
        .exclude(sender_id__in=list(blocked_by(user.pk)))
        .order_by()
        .values("conversation_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(after_cursor), Value(0), output_field=IntegerField())


def my_conversations(user: User) -> QuerySet[Conversation]:
    """Conversations the person takes part in, with unread counts and last activity
    (``shown_count``, ``shown_last_message_at``) as the person sees them."""
    cursor = ConversationMember.objects.filter(conversation=OuterRef("pk"), user=user).values(
        "last_read_message_id"
    )[:1]
    conversations = (
        _taking_part_in(user)
        .select_related("program", "mentorship", "support_for")
        .annotate(read_cursor=Coalesce(Subquery(cursor), Value(0), output_field=IntegerField()))
        .annotate(unread=_unread_count(user, OuterRef("pk"), OuterRef("read_cursor")))
    )
    hidden = blocked_by(user.pk)
    if hidden:
        # What the person sees of each conversation: the messages of someone they blocked
        # neither count nor date it (counted from the messages, for the few who block).
        shown = Message.objects.filter(
            conversation=OuterRef("pk"), status=MessageStatus.SENT
        ).exclude(sender_id__in=hidden)
        conversations = conversations.annotate(
            shown_count=Coalesce(
                Subquery(
                    shown.order_by().values("conversation").annotate(n=Count("id")).values("n")
                ),
                Value(0),
            ),
            shown_last_message_at=Subquery(shown.order_by("-id").values("sent_at")[:1]),
        )
    else:
        conversations = conversations.annotate(
            shown_count=F("message_count"), shown_last_message_at=F("last_message_at")
        )
    return conversations.order_by(F("shown_last_message_at").desc(nulls_last=True), "-id")


def kinds_shared_with(user: User, other_id: int) -> set[str]:
    """The kinds of conversation (mentorship, support) in which both people take part."""
    kinds = dict(_taking_part_in(user).values_list("pk", "kind"))
    return {kinds[pk] for pk, found in audiences_by_id(kinds).items() if other_id in found.user_ids}


def unread_total(user: User) -> int:
    """Messages waiting for the person across all their conversations (the navigation, on
    every page), counted from each of their read cursors."""
    cursors = ConversationMember.objects.filter(
        user=user, conversation__in=_taking_part_in(user).values("pk")
    ).annotate(
        unread=_unread_count(user, OuterRef("conversation_id"), OuterRef("last_read_message_id"))
    )
    return sum(cursors.values_list("unread", flat=True))


def conversation_title(conversation: Conversation, viewer: User) -> str:
    from django.utils.translation import gettext as _

    if conversation.kind == ConversationKind.SUPPORT:
        if conversation.support_for_id == viewer.pk:
            return _("Coordinators of %(program)s") % {"program": conversation.program.name}
        return _("%(person)s (support, %(program)s)") % {
            "person": conversation.support_for,
            "program": conversation.program.name,
        }
    names = [
        str(p.user)
        for p in MentorshipParticipant.objects.filter(mentorship_id=_mentorship_id(conversation))
        .select_related("user")
        .order_by("role", "user__display_name")
        if p.user_id != viewer.pk
    ]
    return ", ".join(names) or str(conversation.mentorship)


def other_members(conversation: Conversation, viewer: User) -> list[User]:
    ids = [uid for uid in audience_ids(conversation) if uid != viewer.pk]
    return list(User.objects.filter(pk__in=ids).order_by("display_name"))


def support_thread_of(user: User, program: Program) -> Conversation | None:
    """The person's own thread with the program's coordinators, once someone wrote in it."""
    return (
        Conversation.objects.filter(
            kind=ConversationKind.SUPPORT, program=program, support_for=user
        )
        .exclude(_EMPTY_SUPPORT_THREAD)
        .first()
    )


def programs_with_support_for(user: User) -> QuerySet[Program]:
    """The programs whose coordinators this person can write to: those they take part in
    (a coordinator answers support threads rather than opening one)."""
    return (
        Program.objects.filter(
            memberships__in=Membership.objects.filter(
                user=user, status=MembershipStatus.ACTIVE
            ).exclude(role=Role.COORDINATOR)
        )
        .distinct()
        .order_by("name")
    )


def mentorship_others(conversation: Conversation, viewer: User) -> list[User]:
    """The other people of a mentorship conversation: whose night the coach respects, whose
    morning a pair's message can wait for, whom one can block. None for a support thread,
    which a team answers."""
    if conversation.kind != ConversationKind.MENTORSHIP:
        return []
    return other_members(conversation, viewer)


def clocks(people: list[User]) -> list[tuple[str, str]]:
    """(name, time zone) of each person, for the coach."""
    return [(str(person), person.time_zone) for person in people]


def has_sent_before(user: User, conversation: Conversation) -> bool:
    return Message.objects.filter(conversation=conversation, sender=user).exists()


def message_for(user: User, message_id: int, *, even_if_blocked: bool = False) -> Message:
    """A message the person may read. ``even_if_blocked``: also one from someone they
    blocked, to report it (blocking first, in a hurry, must not take away the report)."""
    message = (
        Message.objects.select_related("conversation", "conversation__program", "sender")
        .filter(pk=message_id)
        .first()
    )
    if message is None or not can_read(user, message.conversation):
        raise NotFound(_("Message not found."))
    if message.status != MessageStatus.SENT and message.sender_id != user.pk:
        raise NotFound(_("Message not found."))
    # Hidden from whoever blocked its sender, as in the thread and search.
    if (
        not even_if_blocked
        and message.sender_id != user.pk
        and has_blocked(user.pk, message.sender_id)
    ):
        raise NotFound(_("Message not found."))
    return message


def message_history(user: User, message_id: int) -> tuple[Message, list[MessageRevision]]:
    """A message and its earlier versions, oldest first, for anyone who may read it (what
    it said before an edit stays visible to the people it was sent to). A deleted message
    has none: deleting removes its history with its body."""
    message = message_for(user, message_id)
    if message.deleted_at is not None:  # a reported one keeps them, for the report only
        return message, []
    return message, list(message.revisions.all())


@dataclass(frozen=True)
class SearchPage:
    """Matches, newest first, and where to go on: ``older_than`` is the id to pass as
    ``before`` for the next, older stretch, or None when every message has been looked at."""

    messages: list[Message]
    older_than: int | None


def search(user: User, query: str, limit: int = 50, before: int | None = None) -> SearchPage:
    """Search within one's own conversations, newest first.

    Bodies are encrypted, so there is no plaintext index: each call decrypts at most
    ``SEARCH_WINDOW`` of the person's visible messages (older than ``before``, if given)
    in memory and matches the text they show, without case or accents; the page offers to
    go on with older ones, so the whole history can be searched a stretch at a time."""
    needle = textsearch.fold(query.strip())
    if not needle:
        return SearchPage([], None)
    candidates = (
        Message.objects.filter(
            conversation_id__in=_taking_part_in(user).values("pk"), deleted_at__isnull=True
        )
        .filter(Q(status=MessageStatus.SENT) | Q(sender=user))
        .exclude(sender_id__in=blocked_by(user.pk))
    )
    if before is not None:
        candidates = candidates.filter(pk__lt=before)
    window = list(
        candidates.select_related("sender", "conversation").order_by("-id")[:SEARCH_WINDOW]
    )
    found: list[Message] = []
    for message in window:
        body = message.body_if_readable
        if body is not None and textsearch.matches(body, needle):
            found.append(message)
            if len(found) >= limit:
                return SearchPage(found, message.pk)
    older_than = window[-1].pk if len(window) == SEARCH_WINDOW else None
    return SearchPage(found, older_than)


def participant_ids(program: Program | int, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` who take part in the program (active, not as coordinators)."""
    return set(
        Membership.objects.filter(
            program=program, user_id__in=list(user_ids), status=MembershipStatus.ACTIVE
        )
        .exclude(role=Role.COORDINATOR)
        .values_list("user_id", flat=True)
    )


def participants_among(program: Program, people: list[User]) -> list[User]:
    """Those of ``people`` who take part in the program, once each, in the given order."""
    taking_part = participant_ids(program, [person.pk for person in people])
    return list({person.pk: person for person in people if person.pk in taking_part}.values())


def read_cursors_of_others(conversation: Conversation, viewer_id: int) -> dict[int, int]:
    """How far each other member has read (user id → last read message id): the viewer's
    messages show "seen", or in a group "seen by 2 of 3". Someone who blocked the viewer
    never gets the viewer's messages: they count as someone who has not read yet (their
    reads are not sent to the viewer either, ``services.mark_read``). Left out, they showed
    the viewer a member fewer ("seen by 1 of 2" among four), which named the blocker."""
    blockers = set(Block.objects.filter(blocked_id=viewer_id).values_list("blocker_id", flat=True))
    return {
        user_id: 0 if user_id in blockers else cursor
        # A closed account will never read: "seen by 2 of 3" would wait for it forever.
        for user_id, cursor in ConversationMember.objects.filter(
            conversation=conversation, user__is_active=True
        )
        .exclude(user_id=viewer_id)
        .values_list("user_id", "last_read_message_id")
    }


QUIET_AFTER = timedelta(days=14)


@dataclass(frozen=True)
class PairActivity:
    """One mentorship as its coordinators see it: who, how much, when, never what."""

    mentorship: Mentorship
    people: list[User]
    message_count: int
    last_message_at: datetime | None
    quiet: bool  # running, and no message yet or none for QUIET_AFTER: it may need a nudge
    blocked: bool  # someone in it blocked someone else in it: messaging between them stopped
    in_program: set[int]  # those still in the program, whom its coordinators can write to


@dataclass(frozen=True)
class ProgramActivity:
    pairs: Page[PairActivity]  # running ones first, the quietest first; then the others
    support: list[Conversation]  # support threads someone has written in, latest first


PAIRS_PER_PAGE = 100


def program_activity(
    program_id: int, page: int | str | None = None, now: datetime | None = None
) -> ProgramActivity:
    """Every mentorship of the program, including those whose people never opened their
    messages (no conversation yet: the quietest of all), a page at a time, and the support
    threads. Sorted and paged by the database: a large program has thousands of pairs, and
    only the page's people and blocks are read."""
    quiet_before = (now or timezone.now()) - QUIET_AFTER
    ordered = (
        Mentorship.objects.filter(program_id=program_id)
        .exclude(status=MentorshipStatus.PROPOSED)  # not started: matching's business
        .annotate(
            running_first=Case(
                When(status=MentorshipStatus.ACTIVE, then=0),
                When(status=MentorshipStatus.PAUSED, then=1),
                default=2,
            ),
            # A join, not a subquery per mentorship: only a mentorship's own conversation
            # points at it, so each mentorship stays one row.
            conversation_last_message_at=F("conversations__last_message_at"),
            conversation_message_count=F("conversations__message_count"),
        )
        # Never a message: the quietest, first.
        .order_by("running_first", F("conversation_last_message_at").asc(nulls_first=True), "pk")
        .prefetch_related("participants__user")
    )
    pairs = Paginator(ordered, PAIRS_PER_PAGE).get_page(page)
    people = {m.pk: [p.user for p in m.participants.all()] for m in pairs}
    on_page = [user.pk for group in people.values() for user in group]
    blocks = set(
        Block.objects.filter(blocker_id__in=on_page, blocked_id__in=on_page).values_list(
            "blocker_id", "blocked_id"
        )
    )
    in_program = participant_ids(program_id, on_page)
    activity = []
    for mentorship in pairs:
        last = mentorship.conversation_last_message_at
        ids = {user.pk for user in people[mentorship.pk]}
        activity.append(
            PairActivity(
                mentorship=mentorship,
                people=people[mentorship.pk],
                message_count=mentorship.conversation_message_count or 0,
                last_message_at=last,
                quiet=mentorship.status == MentorshipStatus.ACTIVE
                and (last is None or last < quiet_before),
                blocked=any((a, b) in blocks for a in ids for b in ids),
                in_program=ids & in_program,
            )
        )
    support = list(
        Conversation.objects.filter(program_id=program_id, kind=ConversationKind.SUPPORT)
        .exclude(_EMPTY_SUPPORT_THREAD)
        .select_related("support_for")
        .order_by(F("last_message_at").desc(nulls_last=True), "id")
    )
    # The same page (number, links), holding what coordinators see of each mentorship.
    paginator = cast("Paginator[Any]", pairs.paginator)
    return ProgramActivity(Page(activity, pairs.number, paginator), support)


def handled_reports(program_id: int, viewer: User, limit: int = 20) -> QuerySet[Report]:
    """The program's latest handled reports (who handled them, when), as ``open_reports``."""
    return (
        Report.objects.filter(
            message__conversation__program_id=program_id, resolved_at__isnull=False
        )
        .exclude(message__sender=viewer)
        .select_related("reporter", "resolved_by")
        .order_by("-resolved_at")[:limit]
    )


def open_reports(program_id: int, viewer: User) -> QuerySet[Report]:
    """The program's reports waiting for a coordinator, except those about the viewer's own
    messages (see ``report_handlers``)."""
    return (
        Report.objects.filter(
            message__conversation__program_id=program_id, resolved_at__isnull=True
        )
        .exclude(message__sender=viewer)
        .select_related("message", "message__sender", "reporter", "message__conversation")
        .order_by("-created_at")
    )


def report_handlers(report: Report) -> list[User]:
    """Who looks at a report: the program's coordinators, except the one whose message it
    is (a complaint about a coordinator does not go to them); the site's administrators
    when no other coordinator is left."""
    coordinators = list(
        User.objects.filter(
            memberships__program_id=report.message.conversation.program_id,
            memberships__role=Role.COORDINATOR,
            memberships__status=MembershipStatus.ACTIVE,
        )
        .exclude(pk=report.message.sender_id)
        .distinct()
    )
    return coordinators or list(User.objects.filter(is_superuser=True, is_active=True))


def report_for_coordinator(user: User, report_id: int) -> Report:
    report = get_object_or_404(
        Report.objects.select_related(
            "message",
            "message__sender",
            "message__conversation__program",
            "reporter",
            "resolved_by",
        ),
        pk=report_id,
    )
    if user not in report_handlers(report):
        raise NotFound(_("Report not found."))
    return report


def coach_enabled(user: User) -> bool:
    from .models import MessagingPreference

    preference = MessagingPreference.objects.filter(user=user).first()
    return preference is None or preference.coach_enabled


def guidelines_url(conversation: Conversation) -> str:
    from django.urls import reverse

    return reverse("program_detail", args=[conversation.program.slug]) + "#guidelines"


def reported_by(user: User, messages: Sequence[Message]) -> set[int]:
    """Which of these messages this person has reported: the page says so instead of
    offering "Report" again, as if nothing had happened."""
    return set(
        Report.objects.filter(reporter=user, message__in=[m.pk for m in messages]).values_list(
            "message_id", flat=True
        )
    )
