"""The program's data as CSV files for its coordinators (console → Export): members,
applications and mentorships. Reads only.

Each file is read from the database in chunks (``.iterator(chunk_size=…)``, the related
rows prefetched once per chunk) and written out row by row, so a program of 100,000
members is never held in memory, and the number of queries depends on the number of
chunks, never on the number of rows. Messaging is read as counts and times only (the
conversation's ``message_count`` and ``last_message_at``): no message body is ever read.
Private accessibility needs are left out (not even read); ratings are left out too, since
feedback is shown only in groups of five or more.

The cells are made safe for spreadsheets: a text starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading ``'``, so an imported name such as
``=HYPERLINK(…)`` reads as text and never runs as a formula. Dates are ISO 8601
(``YYYY-MM-DD``); times are in UTC as ``YYYY-MM-DD HH:MM:SS`` (RFC 3339's form with a space,
which spreadsheets read as a date and time, where the ``T…Z`` form stays text in Excel)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Avg, Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openmentor.accounts.models import Profile, User
from openmentor.mentorships.models import (
    OPEN_STATUSES,
    Goal,
    Mentorship,
    MentorshipParticipant,
    ParticipantRole,
    SessionLog,
)
from openmentor.messaging.models import Conversation, ConversationKind
from openmentor.programs.models import Membership, MembershipStatus, Program, Role
from openmentor.scheduling.models import Meeting, MeetingStatus

CHUNK_SIZE = 2000
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = "; "
BYTES_PER_PART = 32 * 1024

Cell = str | int | float | date | datetime | None
Row = Sequence[Cell]


@dataclass(frozen=True)
class Export:
    kind: str  # in the address and the file name
    title: Promise
    description: Promise
    rows: Callable[[Program], Iterator[Row]]  # the header first


def cell(value: Cell) -> str | int | float:
    """One value as the spreadsheet should read it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _utc_day(moment: datetime | None) -> date | None:
    return moment.astimezone(UTC).date() if moment else None


def _profile(user: User) -> Profile | None:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def _count(queryset: QuerySet[Any], link: str) -> Coalesce:
    """How many rows of ``queryset`` point at the outer row through ``link``: a subquery, so
    several counts on one query never multiply each other as joins would."""
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# Members -------------------------------------------------------------------------------


def _source_label(source: str) -> str:
    labels = {
        "application": _("Application"),
        "invitation": _("Invitation"),
        "import": _("CSV import"),
        "creator": _("Created the program"),
        "demo": _("Demo data"),
    }
    return labels.get(source, source)


def _person_header() -> list[Cell]:
    return [_("Name"), _("E-mail"), _("Role"), _("Status"), _("Joined through")]


def _person_cells(membership: Membership) -> list[Cell]:
    """Who, in which role and status, and how they joined: the first cells of the members
    and the applications files."""
    return [
        membership.user.name,
        membership.user.email,
        membership.get_role_display(),
        membership.get_status_display(),
        _source_label(membership.source),
    ]


def member_rows(program: Program) -> Iterator[Row]:
    yield [
        *_person_header(),
        _("Joined or decided on"),
        _("Country"),
        _("Time zone"),
        _("Languages (code:level from 1 to 5)"),
        _("Expertise"),
        _("Capacity"),
        _("Open mentorships"),
    ]
    # A participation counts in the role of the membership (someone can mentor in one
    # mentorship of the program and be mentored in another).
    open_mentorships = (
        MentorshipParticipant.objects.filter(
            user=OuterRef("user"),
            role=OuterRef("role"),
            mentorship__program=OuterRef("program"),
            mentorship__status__in=OPEN_STATUSES,
        )
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    memberships = (
        Membership.objects.filter(program=program)
        .select_related("user", "user__profile")
        .defer(
            "answers",
            "motivation",
            "decision_message",
            "user__profile__accessibility_needs",  # private: never exported
            "user__profile__bio",
            "user__profile__goals_text",
        )
        .prefetch_related("user__profile__languages", "user__profile__expertise")
        .annotate(
            open_mentorships=Coalesce(Subquery(open_mentorships, output_field=IntegerField()), 0)
        )
        .order_by("role", "user__display_name", "user__email", "pk")
    )
    takes_mentees = (Role.MENTOR, Role.PEER)
    for membership in memberships.iterator(chunk_size=CHUNK_SIZE):
        user = membership.user
        profile = _profile(user)
        decided = membership.decided_at or (
            membership.created_at if membership.status == MembershipStatus.ACTIVE else None
        )
        capacity = (
            membership.capacity
            if membership.capacity is not None
            else program.default_mentor_capacity
        )
        yield [
            *_person_cells(membership),
            _utc_day(decided),
            profile.country.name if profile and profile.country else "",
            user.time_zone,
            SEPARATOR.join(
                f"{language.code}:{language.proficiency}"
                for language in (profile.languages.all() if profile else [])
            ),
            SEPARATOR.join(tag.name for tag in (profile.expertise.all() if profile else [])),
            capacity if membership.role in takes_mentees else None,
            membership.open_mentorships,  # type: ignore[attr-defined]
        ]


# Applications --------------------------------------------------------------------------


def _answer(value: Any) -> Cell:
    if isinstance(value, list):
        return SEPARATOR.join(str(choice) for choice in value)
    if isinstance(value, bool):  # not a kind of answer today; never a 1 or 0 in the file
        return str(value)
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)


def application_rows(program: Program) -> Iterator[Row]:
    questions = list(program.questions.all())
    yield [
        *_person_header(),  # "joined through": the invited and imported answer after joining
        _("Applied on"),
        _("Motivation"),
        *[question.prompt for question in questions],
    ]
    applications = (
        Membership.objects.filter(program=program)
        .exclude(role=Role.COORDINATOR)  # coordinators are made so, they never apply
        .select_related("user")
        .order_by("created_at", "pk")
    )
    for membership in applications.iterator(chunk_size=CHUNK_SIZE):
        answers = membership.answers or {}
        yield [
            *_person_cells(membership),
            _utc_day(membership.created_at) if membership.source == "application" else None,
            membership.motivation,
            *[_answer(answers.get(str(question.pk))) for question in questions],
        ]


# Mentorships ---------------------------------------------------------------------------


def mentorship_rows(program: Program) -> Iterator[Row]:
    yield [
        _("Mentorship id"),
        _("Name"),
        _("Status"),
        _("Mentors"),
        _("Mentees"),
        _("Peers"),
        _("Started on"),
        _("Ends on"),
        _("Closed at (UTC)"),
        _("Reason for ending"),
        _("Last message at (UTC)"),
        _("Messages"),
        _("Sessions logged"),
        _("Meetings held"),
        _("Goals"),
        _("Average goal progress (%)"),
    ]
    conversation = Conversation.objects.filter(
        mentorship=OuterRef("pk"), kind=ConversationKind.MENTORSHIP
    )
    goal_progress = (
        Goal.objects.filter(mentorship=OuterRef("pk"))
        .order_by()
        .values("mentorship")
        .annotate(average=Avg("progress"))
        .values("average")
    )
    mentorships = (
        Mentorship.objects.filter(program=program)
        .annotate(
            export_last_message_at=Subquery(conversation.values("last_message_at")[:1]),
            export_message_count=Coalesce(Subquery(conversation.values("message_count")[:1]), 0),
            export_sessions=_count(SessionLog.objects.all(), "mentorship"),
            export_meetings_held=_count(
                Meeting.objects.filter(status=MeetingStatus.HELD), "mentorship"
            ),
            export_goals=_count(Goal.objects.all(), "mentorship"),
            export_goal_progress=Subquery(goal_progress),
        )
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=MentorshipParticipant.objects.select_related("user").order_by(
                    "joined_at", "pk"
                ),
            )
        )
        .order_by("pk")
    )
    for mentorship in mentorships.iterator(chunk_size=CHUNK_SIZE):
        names: dict[str, list[str]] = {role: [] for role in ParticipantRole.values}
        for participant in mentorship.participants.all():
            names.setdefault(participant.role, []).append(participant.user.name)
        progress = mentorship.export_goal_progress  # type: ignore[attr-defined]
        yield [
            mentorship.pk,
            str(mentorship),
            mentorship.get_status_display(),
            SEPARATOR.join(names[ParticipantRole.MENTOR]),
            SEPARATOR.join(names[ParticipantRole.MENTEE]),
            SEPARATOR.join(names[ParticipantRole.PEER]),
            mentorship.started_on,
            mentorship.ends_on,
            mentorship.closed_at,
            mentorship.ended_reason,
            mentorship.export_last_message_at,  # type: ignore[attr-defined]
            mentorship.export_message_count,  # type: ignore[attr-defined]
            mentorship.export_sessions,  # type: ignore[attr-defined]
            mentorship.export_meetings_held,  # type: ignore[attr-defined]
            mentorship.export_goals,  # type: ignore[attr-defined]
            round(float(progress), 1) if progress is not None else None,
        ]


EXPORTS = (
    Export(
        "members",
        gettext_lazy("Members"),
        gettext_lazy(
            "Everyone in the program, whatever their status: name, e-mail, role, status, how "
            "and when they joined, country, time zone, languages (code:level from 1 to 5), "
            "expertise, capacity and number of open mentorships. Accessibility needs are not "
            "included."
        ),
        member_rows,
    ),
    Export(
        "applications",
        gettext_lazy("Applications"),
        gettext_lazy(
            "Every application, waiting or decided: name, e-mail, role, status, date applied, "
            "motivation, then one column per application question with the answers."
        ),
        application_rows,
    ),
    Export(
        "mentorships",
        gettext_lazy("Mentorships"),
        gettext_lazy(
            "Every mentorship: its name, status and people, start, end and closing dates, the "
            "reason for ending, messaging activity (the last message's time and the number of "
            "messages, never their content), sessions logged, meetings held, number of goals "
            "and average goal progress."
        ),
        mentorship_rows,
    ),
)
EXPORTS_BY_KIND = {export.kind: export for export in EXPORTS}


def filename(export: Export, program: Program, day: date) -> str:
    return f"{program.slug}-{export.kind}-{day.isoformat()}.csv"


def _in_language(language: str, rows: Iterable[Row]) -> Iterator[Row]:
    """Each row made in ``language``: the file is written after the view has returned
    (under ASGI, a batch at a time in a worker thread), when the request's language is no
    longer active."""
    iterator = iter(rows)
    while True:
        with translation.override(language):
            row = next(iterator, None)
        if row is None:
            return
        yield row


class _Line:
    """What ``csv.writer`` writes into: it hands the line back."""

    def write(self, line: str) -> str:
        return line


def csv_bytes(export: Export, program: Program, language: str) -> Iterator[bytes]:
    """The file as UTF-8 with a byte order mark (Excel then reads accents right), in parts
    of about ``BYTES_PER_PART`` bytes."""
    writer = csv.writer(_Line())
    lines: list[str] = [BOM]
    size = 0
    for row in _in_language(language, export.rows(program)):
        line: str = writer.writerow([cell(value) for value in row])
        lines.append(line)
        size += len(line)
        if size >= BYTES_PER_PART:
            yield "".join(lines).encode()
            lines, size = [], 0
    if lines:
        yield "".join(lines).encode()
