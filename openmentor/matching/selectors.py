"""Reads for matching, with the permission questions each page and endpoint asks."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openmentor.accounts.models import User
from openmentor.core.errors import NotAllowed, NotFound
from openmentor.core.languages import language_name
from openmentor.mentorships.models import OPEN_STATUSES, MentorshipParticipant
from openmentor.programs.models import Membership, MembershipStatus, Program, Role
from openmentor.programs.selectors import is_coordinator

from . import adapter
from .models import (
    MatchingPreference,
    MatchingRound,
    MentorRequest,
    Proposal,
    ProposalStatus,
    RequestStatus,
)

LIVE_PROPOSAL = Q(
    status__in=[ProposalStatus.PROPOSED, ProposalStatus.LOCKED, ProposalStatus.PUBLISHED]
)


def coordinated_round(user: User, round_id: int, program: Program | None = None) -> MatchingRound:
    """The round, if ``user`` coordinates its program; outsiders learn nothing about it."""
    found = MatchingRound.objects.select_related("program").filter(pk=round_id).first()
    if found is None or (program is not None and found.program_id != program.pk):
        raise NotFound(_("Not found."))
    if not is_coordinator(user, found.program):
        if Membership.objects.filter(program=found.program, user=user).exists():
            raise NotAllowed(_("Only the program's coordinators can do that."))
        raise NotFound(_("Not found."))
    return found


def coordinated_proposal(user: User, proposal_id: int) -> Proposal:
    found = Proposal.objects.select_related("round__program").filter(pk=proposal_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    coordinated_round(user, found.round_id)
    return found


def rounds_of(program: Program) -> QuerySet[MatchingRound]:
    """With ``pair_count``: its pairs as they stand (not rejected; pairs made by hand and
    published count too, which the algorithm's own figures did not)."""
    return (
        MatchingRound.objects.filter(program=program)
        .select_related("created_by")
        .annotate(
            pair_count=Count("proposals", filter=~Q(proposals__status=ProposalStatus.REJECTED))
        )
    )


@dataclass(frozen=True)
class RoundCounts:
    """A round as it stands now, after any hand edits and publishing."""

    to_publish: int  # proposed or locked
    published: int
    without_pair: int


def round_counts(round: MatchingRound) -> RoundCounts:
    by_status = dict(
        Proposal.objects.filter(round=round)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return RoundCounts(
        to_publish=by_status.get(ProposalStatus.PROPOSED, 0)
        + by_status.get(ProposalStatus.LOCKED, 0),
        published=by_status.get(ProposalStatus.PUBLISHED, 0),
        without_pair=round.unmatched.count(),
    )


def proposals_of(
    round: MatchingRound, *, status: str = "", query: str = "", min_score: float | None = None
) -> QuerySet[Proposal]:
    qs = Proposal.objects.filter(round=round).select_related(
        "mentor", "mentee", "mentor__profile", "mentee__profile"
    )
    if status in ProposalStatus.values:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(
            Q(mentor__display_name__icontains=query)
            | Q(mentee__display_name__icontains=query)
            | Q(mentor__email__icontains=query)
            | Q(mentee__email__icontains=query)
        )
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    return qs.order_by("-score", "pk")


def active_membership(user: User, program: Program, roles: list[str]) -> Membership | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(
            program=program, user=user, role__in=roles, status=MembershipStatus.ACTIVE
        )
        .select_related("program")
        .first()
    )


def seeker_roles(program: Program) -> list[str]:
    """Who may ask for a mentor: mentees, or everyone in a peer program."""
    return [Role.PEER] if program.is_peer else [Role.MENTEE]


def giver_roles(program: Program) -> list[str]:
    return [Role.PEER] if program.is_peer else [Role.MENTOR]


def self_service_open(program: Program) -> bool:
    return program.matching_mode in ("self_service", "both")


def visible_request(user: User, request_id: int) -> MentorRequest:
    """A request seen only by the two people in it (coordinators use the console)."""
    found = (
        MentorRequest.objects.select_related("program", "mentee", "mentor")
        .filter(pk=request_id)
        .filter(Q(mentee=user) | Q(mentor=user))
        .first()
    )
    if found is None:
        raise NotFound(_("Not found."))
    return found


def requests_sent(user: User, program: Program | None = None) -> QuerySet[MentorRequest]:
    qs = MentorRequest.objects.filter(mentee=user).select_related("mentor", "program")
    return qs.filter(program=program) if program else qs


def requests_received(user: User, program: Program | None = None) -> QuerySet[MentorRequest]:
    qs = MentorRequest.objects.filter(mentor=user).select_related("mentee", "program")
    return qs.filter(program=program) if program else qs


def waiting_for_answer(user: User) -> list[tuple[Program, int]]:
    """Each program where requests to this person wait for their answer, with how many."""
    counts = (
        MentorRequest.objects.filter(
            mentor=user, status=RequestStatus.PENDING, expires_at__gt=timezone.now()
        )
        .values("program")
        .annotate(n=Count("pk"))
        .values_list("program", "n")
    )
    by_program = dict(counts)
    programs = Program.objects.filter(pk__in=by_program).order_by("name")
    return [(program, by_program[program.pk]) for program in programs]


def requests_in(program: Program) -> QuerySet[MentorRequest]:
    """Self-service requests of a program for its coordinators: who asked whom and when.
    The message stays between the two people (templates never show it here)."""
    return MentorRequest.objects.filter(program=program).select_related("mentee", "mentor")


def request_counts(program: Program) -> dict[str, int]:
    rows = (
        MentorRequest.objects.filter(program=program)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: n for status, n in rows}


def pending_count(user: User, program: Program) -> int:
    return MentorRequest.objects.filter(
        program=program, mentee=user, status=RequestStatus.PENDING
    ).count()


def proposals_awaiting(user: User) -> QuerySet[Proposal]:
    """Published proposals in which ``user`` still has to accept or decline."""
    return (
        Proposal.objects.filter(status=ProposalStatus.PUBLISHED, mentorship__isnull=True)
        .filter(Q(mentor=user, mentor_consent="pending") | Q(mentee=user, mentee_consent="pending"))
        .select_related("round__program", "mentor", "mentee")
    )


# -- fairness ------------------------------------------------------------------------------


def _rate_rows(total: Counter[str], matched: Counter[str]) -> list[dict[str, Any]]:
    return [
        {
            "group": group,
            "total": n,
            "matched": matched[group],
            "rate": round(100 * matched[group] / n) if n else 0,
        }
        for group, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


UTC_ALIASES = {"UTC", "GMT", "Universal", "Zulu", "Greenwich", "UCT"}


def zone_region(zone: str) -> str:
    """The region of a time zone for the fairness view: "Europe/Lisbon" is Europe; UTC and
    its aliases (Etc/UTC, which a browser may report) are "UTC"; a fixed offset is named as
    one (Etc/GMT+3 is three hours behind: "UTC-3"), not lumped with UTC."""
    region, _slash, rest = zone.partition("/")
    if region != "Etc":
        return "UTC" if region in UTC_ALIASES else region
    if rest in UTC_ALIASES or rest in ("GMT0", "GMT+0", "GMT-0"):
        return "UTC"
    if rest.startswith("GMT") and rest[3:4] in ("+", "-"):
        return "UTC" + ("-" if rest[3] == "+" else "+") + rest[4:]  # POSIX signs are reversed
    return region


def fairness(round: MatchingRound) -> dict[str, Any]:
    """Match rate by country, language and time-zone region; mentor load distribution."""
    program = round.program
    live = list(Proposal.objects.filter(round=round).filter(LIVE_PROPOSAL))
    matched_ids = {p.mentee_id for p in live} | (
        {p.mentor_id for p in live} if program.is_peer else set()
    )
    seekers = (
        Membership.objects.filter(
            program=program, status=MembershipStatus.ACTIVE, role__in=seeker_roles(program)
        )
        .select_related("user", "user__profile")
        .prefetch_related("user__profile__languages")
    )
    by_country: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    m_country: Counter[str] = Counter()
    m_language: Counter[str] = Counter()
    m_region: Counter[str] = Counter()
    for membership in seekers:
        user = membership.user
        profile = user.profile
        country = profile.country.name if profile.country else "—"
        region = zone_region(user.time_zone)
        languages = [language_name(lang.code) for lang in profile.languages.all()] or ["—"]
        is_matched = user.pk in matched_ids
        by_country[str(country)] += 1
        by_region[region] += 1
        m_country[str(country)] += is_matched
        m_region[region] += is_matched
        for language in languages:
            by_language[language] += 1
            m_language[language] += is_matched
    load: dict[int, int] = defaultdict(int)
    for p in live:
        load[p.mentor_id] += 1
        if program.is_peer:
            load[p.mentee_id] += 1
    givers = Membership.objects.filter(
        program=program, status=MembershipStatus.ACTIVE, role__in=giver_roles(program)
    ).select_related("program")
    existing = adapter.open_load(program)
    distribution: Counter[int] = Counter()
    full = 0
    for membership in givers:
        n = load[membership.user_id] + existing.get(membership.user_id, 0)
        distribution[n] += 1
        full += n >= membership.effective_capacity
    total = sum(by_country.values())
    return {
        "total": total,
        "matched": len([1 for m in seekers if m.user_id in matched_ids]),
        "by_country": _rate_rows(by_country, m_country),
        "by_language": _rate_rows(by_language, m_language),
        "by_region": _rate_rows(by_region, m_region),
        "load": [{"mentees": k, "mentors": v} for k, v in sorted(distribution.items())],
        "mentors_full": full,
        "mentors_total": len(givers),
    }


# -- matching preferences --------------------------------------------------------------------


def seeker_membership(user: User, program: Program) -> Membership | None:
    """The membership through which ``user`` looks for a mentor (or a peer) in ``program``."""
    return active_membership(user, program, seeker_roles(program))


def preference_of(membership: Membership) -> MatchingPreference | None:
    return MatchingPreference.objects.filter(membership=membership).first()


def rankable_people(program: Program, user: User) -> list[tuple[int, str]]:
    """(user id, name) of everyone ``user`` may rank: active mentors (peers) but themself."""
    rows = (
        Membership.objects.filter(
            program=program, status=MembershipStatus.ACTIVE, role__in=giver_roles(program)
        )
        .exclude(user=user)
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )
    return [(m.user_id, str(m.user)) for m in rows]


def preferences_in(
    program: Program, user_ids: list[int] | None = None
) -> dict[int, MatchingPreference]:
    """Preferences of the program's seekers by user id (the adapter's and review's read)."""
    qs = MatchingPreference.objects.filter(
        membership__program=program,
        membership__status=MembershipStatus.ACTIVE,
        membership__role__in=seeker_roles(program),
    )
    if user_ids is not None:
        qs = qs.filter(membership__user_id__in=user_ids)
    return {
        user_id: pref
        for user_id, pref in ((p.membership.user_id, p) for p in qs.select_related("membership"))
    }


def one_mentor_each(program: Program) -> bool:
    """One-to-one hierarchical programs: a mentee has one mentor at a time."""
    return not program.is_peer and program.group_format == "one_to_one"


def has_open_mentor(program: Program, mentee: User) -> bool:
    return MentorshipParticipant.objects.filter(
        mentorship__program=program,
        mentorship__status__in=OPEN_STATUSES,
        user=mentee,
        role="mentee",
    ).exists()
