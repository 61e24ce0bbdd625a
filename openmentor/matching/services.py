"""Every write of matching: settings, rounds and proposals, self-service requests.

Mentor capacity is an invariant of the database: every path that creates a mentorship locks
the capacity holders' Membership rows (``select_for_update``) and counts their open
mentorships inside the same transaction before creating one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from openmentor.accounts.models import User
from openmentor.core.errors import (
    Conflict,
    DomainError,
    NotAllowed,
    NotFound,
    ValidationFailed,
    conflict_if_duplicate,
)
from openmentor.core.languages import LANGUAGES
from openmentor.mentorships import selectors as mentorship_selectors
from openmentor.mentorships.models import OPEN_STATUSES, Mentorship, MentorshipParticipant
from openmentor.mentorships.services import add_mentees, create_mentorship
from openmentor.messaging.services import mark_read, mentorship_conversation, send_message
from openmentor.notifications.services import notify
from openmentor.programs.models import Delivery, Membership, MembershipStatus, Program, Role
from openmentor.programs.selectors import is_coordinator
from openmentor.programs.services import require_not_closed

from . import adapter, selectors
from .models import (
    MAX_RANKED_MENTORS,
    Consent,
    MatchingPreference,
    MatchingRound,
    MatchingSettings,
    MentorRequest,
    Proposal,
    ProposalStatus,
    RequestStatus,
    RoundStatus,
    UnmatchedReason,
)

log = logging.getLogger(__name__)

SETTINGS_FIELDS = (
    "weight_shared_goals",
    "weight_text_similarity",
    "weight_availability",
    "weight_language",
    "weight_seniority",
    "cross_border_bonus",
    "min_language_level",
    "min_overlap_hours",
    "exclude_same_org_unit",
    "mode",
    "candidates_per_mentee",
    "require_consent",
    "max_pending_requests",
    "request_expiry_days",
)


def _require_coordinator(user: User, program: Program) -> None:
    if not is_coordinator(user, program):
        raise NotAllowed(_("Only the program's coordinators can do that."))


# -- capacity ------------------------------------------------------------------------------


def _lock_capacity(program: Program, givers: Sequence[User], needed: int = 1) -> None:
    """Lock each capacity holder's membership and fail unless each has ``needed`` room left.

    Rows are locked in primary-key order so two transactions never wait on each other.
    """
    roles = selectors.giver_roles(program)
    locked = list(
        Membership.objects.select_for_update(of=("self",))
        .filter(
            program=program,
            user__in=givers,
            role__in=roles,
            status=MembershipStatus.ACTIVE,
        )
        .select_related("program", "user")
        .order_by("pk")
    )
    if len(locked) != len({g.pk for g in givers}):
        raise Conflict(_("That person is no longer taking part in the program."))
    load = adapter.open_load(program, [m.user_id for m in locked])
    for membership in locked:
        if load.get(membership.user_id, 0) + needed > membership.effective_capacity:
            raise Conflict(
                _("%(name)s has no room for another mentee right now.") % {"name": membership.user},
                code="capacity_full",
            )


def _create_pair(program: Program, mentor: User, mentee: User, *, origin: str) -> Mentorship:
    if program.is_peer:
        _lock_capacity(program, [mentor, mentee])
        return create_mentorship(program, peers=[mentee, mentor], origin=origin)
    _lock_capacity(program, [mentor])
    return create_mentorship(program, mentors=[mentor], mentees=[mentee], origin=origin)


# -- settings ------------------------------------------------------------------------------


def update_settings(user: User, program: Program, data: dict[str, Any]) -> MatchingSettings:
    _require_coordinator(user, program)
    current = adapter.settings_for(program)
    unknown = set(data) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown settings: %(names)s") % {"names": ", ".join(unknown)})
    for name, value in data.items():
        setattr(current, name, value)
    try:
        current.full_clean()
    except Exception as error:  # django ValidationError → our domain error with fields
        fields = getattr(error, "message_dict", {})
        raise ValidationFailed(
            _("Please correct the settings."),
            fields={k: " ".join(v) for k, v in fields.items()},
        ) from error
    current.save()
    return current


# -- rounds ----------------------------------------------------------------------------------


def start_round(user: User, program: Program) -> MatchingRound:
    """Queue a new round; the worker runs it after this transaction commits."""
    _require_coordinator(user, program)
    require_not_closed(program)
    already_running = _("A matching round is already running for this program.")
    if MatchingRound.objects.filter(
        program=program, status__in=[RoundStatus.QUEUED, RoundStatus.RUNNING]
    ).exists():
        raise Conflict(already_running)
    with conflict_if_duplicate(already_running):  # a double click raced past the check
        new = MatchingRound.objects.create(
            program=program,
            created_by=user,
            settings_snapshot=adapter.snapshot(adapter.settings_for(program)),
        )
        _enqueue(new)
    return new


def rerun_round(user: User, round: MatchingRound) -> MatchingRound:
    """Propose again for everyone not in a locked or published pair; locked pairs stay."""
    _require_coordinator(user, round.program)
    require_not_closed(round.program)
    try:
        with transaction.atomic():
            current = MatchingRound.objects.select_for_update(of=("self",)).get(pk=round.pk)
            if current.is_active:
                raise Conflict(_("This round is still running."))
            current.status = RoundStatus.QUEUED
            current.progress = 0
            current.error = ""
            current.save(update_fields=["status", "progress", "error", "updated_at"])
            _enqueue(current)
    except IntegrityError:  # another round of the program is running
        raise Conflict(_("A matching round is already running for this program.")) from None
    return current


def _enqueue(round: MatchingRound) -> None:
    from .tasks import run_round_task

    round_id = round.pk
    transaction.on_commit(lambda: run_round_task(round_id))


def _progress(round_id: int, value: int, **fields: Any) -> None:
    MatchingRound.objects.filter(pk=round_id).update(
        progress=value, updated_at=timezone.now(), **fields
    )


def run_round(round_id: int) -> None:
    """The background job: build the program's problem, solve, store proposals."""
    found = MatchingRound.objects.select_related("program").filter(pk=round_id).first()
    if found is None or found.status != RoundStatus.QUEUED:
        return  # a retried or stale job: the round already ran or is running elsewhere
    started = timezone.now()
    _progress(round_id, 5, status=RoundStatus.RUNNING, started_at=started)
    try:
        _solve_round(found)
    except Exception as error:
        log.exception("matching round %s failed", round_id)
        _progress(
            round_id,
            100,
            status=RoundStatus.FAILED,
            finished_at=timezone.now(),
            error=str(error)[:2000],
        )
        raise


def _solve_round(round: MatchingRound) -> None:
    program = round.program
    snap = round.settings_snapshot
    kept = list(
        Proposal.objects.filter(
            round=round, status__in=[ProposalStatus.LOCKED, ProposalStatus.PUBLISHED]
        )
    )
    rejected = list(
        Proposal.objects.filter(round=round, status=ProposalStatus.REJECTED).values_list(
            "mentee_id", "mentor_id"
        )
    )
    taken = {p.mentee_id for p in kept}
    reserved: Counter[int] = Counter()
    for p in kept:
        if p.mentorship_id is None:  # published ones with a mentorship already count as load
            reserved[p.mentor_id] += 1
            if program.is_peer:
                reserved[p.mentee_id] += 1
        if program.is_peer:
            taken.add(p.mentor_id)
    peers_rejected = [(b, a) for a, b in rejected] if program.is_peer else []
    seekers = {
        m.user_id
        for m in Membership.objects.filter(
            program=program,
            status=MembershipStatus.ACTIVE,
            role__in=selectors.seeker_roles(program),
        )
    }
    # A mentee, or a peer, who already has an open mentorship here is not matched again by
    # a round ("every active participant who is not matched yet"; peers in a running
    # circle were paired anew).
    seekers -= set(
        MentorshipParticipant.objects.filter(
            mentorship__program=program,
            mentorship__status__in=OPEN_STATUSES,
            role="peer" if program.is_peer else "mentee",
        ).values_list("user_id", flat=True)
    )
    _progress(round.pk, 20)
    pp = adapter.build_program_problem(
        program,
        snap,
        mentee_ids=seekers - taken,
        reserved_load=dict(reserved),
        extra_excluded=[*rejected, *peers_rejected],
    )
    _progress(round.pk, 50)
    solution = adapter.solve(pp, snap)
    _progress(round.pk, 85)
    with transaction.atomic():
        Proposal.objects.filter(round=round, status=ProposalStatus.PROPOSED).delete()
        UnmatchedReason.objects.filter(round=round).delete()
        Proposal.objects.bulk_create(
            Proposal(
                round=round,
                mentee_id=mentee,
                mentor_id=mentor,
                score=round_score(score),
                explanation=list(factors),
            )
            for mentee, mentor, score, factors in solution.pairs
        )
        UnmatchedReason.objects.bulk_create(
            UnmatchedReason(round=round, user_id=user_id, reasons=list(reasons))
            for user_id, reasons in adapter.with_missing_languages_named(solution.unmatched).items()
            if user_id not in taken
        )
        finished = timezone.now()
        MatchingRound.objects.filter(pk=round.pk).update(
            status=RoundStatus.DONE,
            progress=100,
            finished_at=finished,
            runs=round.runs + 1,
            stats={
                **solution.stats,
                "proposed": len(solution.pairs),
                "kept": len(kept),
                "unmatched": len(solution.unmatched),
                "seconds": round_score((finished - (round.started_at or finished)).total_seconds()),
            },
            updated_at=finished,
        )


def round_score(value: float) -> float:
    return float(f"{value:.4f}")


def _editable(round: MatchingRound) -> None:
    # Read from the database: the caller's copy may predate the worker finishing.
    status = MatchingRound.objects.filter(pk=round.pk).values_list("status", flat=True).first()
    if status != RoundStatus.DONE:
        raise Conflict(_("Wait for the round to finish before changing it."))


def _editable_proposal(user: User, proposal: Proposal) -> Proposal:
    _require_coordinator(user, proposal.round.program)
    _editable(proposal.round)
    if proposal.status == ProposalStatus.PUBLISHED:
        raise Conflict(_("This pair is already published."))
    return proposal


def lock_proposal(user: User, proposal: Proposal, *, locked: bool = True) -> Proposal:
    _editable_proposal(user, proposal)
    if proposal.status == ProposalStatus.REJECTED:
        raise Conflict(_("A rejected pair cannot be locked."))
    proposal.status = ProposalStatus.LOCKED if locked else ProposalStatus.PROPOSED
    proposal.save(update_fields=["status", "updated_at"])
    return proposal


@transaction.atomic
def reject_proposal(user: User, proposal: Proposal) -> Proposal:
    """The pair is rejected; its mentee (in a peer round, both peers) goes back to the
    people without a pair, where the coordinator can pair them by hand or re-run."""
    _editable_proposal(user, proposal)
    proposal.status = ProposalStatus.REJECTED
    proposal.save(update_fields=["status", "updated_at"])
    left = (
        [proposal.mentee_id, proposal.mentor_id]
        if proposal.round.program.is_peer
        else [proposal.mentee_id]
    )
    for person_id in left:
        UnmatchedReason.objects.update_or_create(
            round=proposal.round,
            user_id=person_id,
            defaults={"reasons": [adapter.PAIR_REJECTED]},
        )
    return proposal


def _pair_facts(
    round: MatchingRound, pairs: list[tuple[int, int]]
) -> list[tuple[bool, float, tuple[dict[str, Any], ...]]]:
    mentees = {a for a, _ in pairs}
    if round.program.is_peer:
        mentees |= {b for _, b in pairs}
    pp = adapter.build_program_problem(round.program, round.settings_snapshot, mentee_ids=mentees)
    missing = [
        pid
        for pid in {x for pair in pairs for x in pair}
        if pid not in pp.mentee_row and pid not in pp.mentor_row
    ]
    if missing or any(a not in pp.mentee_row or b not in pp.mentor_row for a, b in pairs):
        raise ValidationFailed(_("Both people must be active in this program in those roles."))
    return pp.pair_factors(pairs)


@transaction.atomic
def swap_mentors(user: User, round: MatchingRound, first_id: int, second_id: int) -> list[Proposal]:
    """Exchange the mentors of two proposals; both new pairs must satisfy the hard rules."""
    _require_coordinator(user, round.program)
    _editable(round)
    if first_id == second_id:
        raise ValidationFailed(_("Choose two different pairs to swap."))
    found = {
        p.pk: p
        for p in Proposal.objects.select_for_update(of=("self",)).filter(
            round=round, pk__in=[first_id, second_id]
        )
    }
    if len(found) != 2:
        raise NotFound(_("One of those pairs is not in this round."))
    first, second = found[first_id], found[second_id]
    for p in (first, second):
        if p.status not in (ProposalStatus.PROPOSED, ProposalStatus.LOCKED):
            raise Conflict(_("Only proposed or locked pairs can be swapped."))
    if first.mentor_id == second.mentor_id:
        raise ValidationFailed(_("Both pairs have the same mentor; nothing would change."))
    pairs = [(first.mentee_id, second.mentor_id), (second.mentee_id, first.mentor_id)]
    facts = _pair_facts(round, pairs)
    if not all(ok for ok, _s, _w in facts):
        raise ValidationFailed(
            _("That swap breaks a hard rule (language, shared time, exclusions or requirements).")
        )
    first.mentor_id, second.mentor_id = second.mentor_id, first.mentor_id
    for proposal, (_ok, score, why) in zip((first, second), facts, strict=True):
        proposal.score = round_score(score)
        proposal.explanation = list(why)
        proposal.is_manual = True
        proposal.save(update_fields=["mentor", "score", "explanation", "is_manual", "updated_at"])
    return [first, second]


@transaction.atomic
def manual_pair(user: User, round: MatchingRound, mentee_id: int, mentor_id: int) -> Proposal:
    """The coordinator pairs two people by hand; the pair is locked at once."""
    _require_coordinator(user, round.program)
    _editable(round)
    if mentee_id == mentor_id:
        raise ValidationFailed(_("Choose two different people."))
    if (
        Proposal.objects.filter(round=round, mentee_id=mentee_id)
        .filter(selectors.LIVE_PROPOSAL)
        .exists()
    ):
        raise Conflict(_("That mentee already has a pair in this round; reject it first."))
    ok, score, why = _pair_facts(round, [(mentee_id, mentor_id)])[0]
    load = adapter.open_load(round.program, [mentor_id]).get(mentor_id, 0)
    load += (
        Proposal.objects.filter(round=round, mentor_id=mentor_id)
        .filter(selectors.LIVE_PROPOSAL, mentorship__isnull=True)
        .count()
    )
    membership = selectors.active_membership(
        User(pk=mentor_id), round.program, selectors.giver_roles(round.program)
    )
    if membership is None:
        raise ValidationFailed(_("Both people must be active in this program in those roles."))
    if load >= membership.effective_capacity:
        raise Conflict(_("That mentor has no room left in this round."), code="capacity_full")
    if _circles_on(round):
        in_circle = (
            Proposal.objects.filter(round=round, mentor_id=mentor_id)
            .filter(selectors.LIVE_PROPOSAL)
            .count()
        )
        if in_circle >= round.program.max_group_size:
            raise Conflict(_("That mentor's circle is already as large as the program allows."))
    proposal = Proposal.objects.create(
        round=round,
        mentee_id=mentee_id,
        mentor_id=mentor_id,
        score=round_score(score),
        explanation=list(why),
        status=ProposalStatus.LOCKED,
        is_manual=True,
    )
    UnmatchedReason.objects.filter(round=round, user_id=mentee_id).delete()
    # A hand-made pair may break a rule on purpose (the coordinator knows the people);
    # it is recorded so the review table can say so.
    if not ok:
        proposal.explanation = [{"code": "manual_override", "points": 0}]
        proposal.save(update_fields=["explanation"])
    return proposal


def _circles_on(round: MatchingRound) -> bool:
    return bool((round.settings_snapshot.get("groups") or {}).get("enabled"))


def _create_for(program: Program, proposals: list[Proposal], *, circles: bool) -> Mentorship:
    """One mentorship for a pair, or for a mentor's whole circle. With circles, the
    mentees join the circle their mentor already leads when it has room: a later round
    (or a pair made by hand) made the mentor a second circle instead."""
    mentor = proposals[0].mentor
    if circles:
        circle = mentorship_selectors.open_circle_led_by(program.pk, mentor.pk, len(proposals))
        if circle is not None:
            _lock_capacity(program, [mentor], needed=len(proposals))
            return add_mentees(circle, [p.mentee for p in proposals])
    if len(proposals) == 1:
        only = proposals[0]
        if selectors.one_mentor_each(program):
            _claim_mentee(program, only.mentee)
        return _create_pair(program, only.mentor, only.mentee, origin="round")
    _lock_capacity(program, [mentor], needed=len(proposals))
    return create_mentorship(
        program, mentors=[mentor], mentees=[p.mentee for p in proposals], origin="round"
    )


def publish_round(user: User, round: MatchingRound) -> dict[str, int]:
    """Publish every proposed and locked pair: a mentorship each (one per circle in group
    programs), or a consent request to both people when the program asks for consent."""
    _require_coordinator(user, round.program)
    require_not_closed(round.program)
    _editable(round)
    program = round.program
    consent = bool(round.settings_snapshot.get("require_consent"))
    counts = {"published": 0, "skipped": 0}
    rows = Proposal.objects.filter(
        round=round, status__in=[ProposalStatus.PROPOSED, ProposalStatus.LOCKED]
    ).values_list("pk", "mentor_id")
    units: dict[Any, list[int]] = {}
    for proposal_id, mentor_id in rows:
        units.setdefault(mentor_id if _circles_on(round) else proposal_id, []).append(proposal_id)
    for unit in units.values():
        try:
            with transaction.atomic():
                proposals = list(
                    Proposal.objects.select_for_update(of=("self",))
                    .select_related("mentor", "mentee", "round__program")
                    .filter(
                        pk__in=unit,
                        status__in=[ProposalStatus.PROPOSED, ProposalStatus.LOCKED],
                    )
                    .order_by("pk")
                )
                if not proposals:
                    continue
                mentorship = (
                    None if consent else _create_for(program, proposals, circles=_circles_on(round))
                )
                for proposal in proposals:
                    proposal.status = ProposalStatus.PUBLISHED
                    if consent:
                        proposal.mentor_consent = proposal.mentee_consent = Consent.PENDING
                        _ask_consent(proposal)
                    else:
                        proposal.mentorship = mentorship
                        _announce(proposal)
                    proposal.save()
                counts["published"] += len(proposals)
        except Conflict:
            counts["skipped"] += len(unit)  # the mentor filled up meanwhile: still proposed
    MatchingRound.objects.filter(pk=round.pk).update(published_at=timezone.now())
    return counts


def _ask_consent(proposal: Proposal) -> None:
    program = proposal.round.program
    for person in (proposal.mentor, proposal.mentee):
        notify(
            person,
            kind="matching.proposal",
            title=gettext_lazy("You have a proposed match in %(program)s"),
            params={"program": program.name},
            body=gettext_lazy("Please accept or decline it."),
            url=reverse("matching_my", args=[program.slug]),
        )


def _announce(proposal: Proposal) -> None:
    program = proposal.round.program
    for person, other in ((proposal.mentor, proposal.mentee), (proposal.mentee, proposal.mentor)):
        notify(
            person,
            kind="matching.matched",
            title=gettext_lazy("You are matched with %(name)s"),
            params={"name": other},
            body=program.name,
            url=reverse("dashboard"),
        )


@transaction.atomic
def respond_to_proposal(user: User, proposal_id: int, *, accept: bool) -> Proposal:
    proposal = (
        Proposal.objects.select_related("round__program", "mentor", "mentee")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None or user.pk not in (proposal.mentor_id, proposal.mentee_id):
        raise NotFound(_("Not found."))
    round = proposal.round
    # Lock the whole circle (or just the pair), in key order, so the last two answers of a
    # circle cannot both think the other one is still missing.
    unit = (
        Proposal.objects.filter(
            round=round,
            mentor_id=proposal.mentor_id,
            status=ProposalStatus.PUBLISHED,
            mentorship__isnull=True,
        )
        if _circles_on(round)
        else Proposal.objects.filter(pk=proposal.pk)
    )
    locked = {
        p.pk: p
        for p in unit.select_for_update(of=("self",)).select_related(
            "mentor", "mentee", "round__program"
        )
    }
    proposal = locked.get(proposal_id, proposal)
    side = "mentor_consent" if user.pk == proposal.mentor_id else "mentee_consent"
    if proposal.status != ProposalStatus.PUBLISHED or getattr(proposal, side) != Consent.PENDING:
        raise Conflict(_("This proposal is not waiting for your answer."))
    setattr(proposal, side, Consent.ACCEPTED if accept else Consent.DECLINED)
    if not accept:
        proposal.status = ProposalStatus.REJECTED
    proposal.save()
    members = [p for p in locked.values() if p.status == ProposalStatus.PUBLISHED]
    waiting = any(Consent.PENDING in (p.mentor_consent, p.mentee_consent) for p in members)
    agreed = [
        p
        for p in members
        if p.mentor_consent == Consent.ACCEPTED and p.mentee_consent == Consent.ACCEPTED
    ]
    if agreed and not waiting:
        mentorship = _create_for(
            round.program, sorted(agreed, key=lambda p: p.pk), circles=_circles_on(round)
        )
        for p in agreed:
            p.mentorship = mentorship
            p.save(update_fields=["mentorship", "updated_at"])
            _announce(p)
    return proposal


# -- self-service requests -----------------------------------------------------------------------


def create_request(
    user: User,
    program: Program,
    *,
    mentor_id: int,
    message: str,
    idempotency_key: str,
) -> tuple[MentorRequest, bool]:
    """Ask one mentor. Returns (request, created); a retry with the same key returns the first."""
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 64:
        raise ValidationFailed(
            _("The request key must be 8 to 64 characters."), fields={"idempotency_key": ""}
        )
    earlier = MentorRequest.objects.filter(mentee=user, idempotency_key=key).first()
    if earlier is not None:
        if earlier.program_id != program.pk or earlier.mentor_id != mentor_id:
            raise Conflict(_("That request key was already used for another request."))
        return earlier, False
    if len(message) > 2000:
        raise ValidationFailed(
            _("The message can be at most 2,000 characters."),
            fields={"message": _("At most 2,000 characters.")},
        )
    require_not_closed(program)
    if not selectors.self_service_open(program):
        raise NotAllowed(_("In this program the coordinators make the matches."))
    if selectors.active_membership(user, program, selectors.seeker_roles(program)) is None:
        raise NotAllowed(_("Only active mentees of this program can ask for a mentor."))
    if mentor_id == user.pk:
        raise ValidationFailed(_("You cannot ask yourself."), fields={"mentor": ""})
    giver = selectors.active_membership(User(pk=mentor_id), program, selectors.giver_roles(program))
    if giver is None:
        raise ValidationFailed(
            _("That person is not a mentor in this program."), fields={"mentor": ""}
        )
    if (user.pk, mentor_id) in adapter.blocked_pairs(program):
        raise NotAllowed(_("You cannot ask this mentor."))
    if adapter.open_load(program, [mentor_id]).get(mentor_id, 0) >= giver.effective_capacity:
        raise Conflict(_("This mentor has no room right now."), code="capacity_full")
    if selectors.one_mentor_each(program) and selectors.has_open_mentor(program, user):
        raise Conflict(_("You already have a mentor in this program."), code="already_matched")
    settings_ = adapter.settings_for(program)
    if selectors.pending_count(user, program) >= settings_.max_pending_requests:
        raise Conflict(
            _("You already have %(n)s open requests; wait for an answer or withdraw one.")
            % {"n": settings_.max_pending_requests},
            code="too_many_requests",
        )
    facts = _request_facts(program, user, mentor_id)
    try:
        with transaction.atomic():
            created = MentorRequest.objects.create(
                program=program,
                mentee=user,
                mentor_id=mentor_id,
                message=message.strip(),
                idempotency_key=key,
                score=facts[1] if facts else None,
                explanation=list(facts[2]) if facts else [],
                expires_at=timezone.now() + timedelta(days=settings_.request_expiry_days),
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race: return its request.
        earlier = MentorRequest.objects.filter(mentee=user, idempotency_key=key).first()
        if earlier is not None:
            return earlier, False
        raise Conflict(_("You already asked this mentor; wait for the answer.")) from None
    mentor = created.mentor
    notify(
        mentor,
        kind="matching.request",
        title=gettext_lazy("%(name)s asks you to be their mentor"),
        params={"name": user},
        body=created.message[:300],
        url=reverse("matching_my", args=[program.slug]),
    )
    return created, True


def _claim_mentee(program: Program, mentee: User) -> None:
    """Lock the mentee's membership and fail if they found a mentor meanwhile."""
    list(
        Membership.objects.select_for_update(of=("self",)).filter(
            program=program, user=mentee, role__in=selectors.seeker_roles(program)
        )
    )
    if selectors.has_open_mentor(program, mentee):
        raise Conflict(_("%(name)s already has a mentor.") % {"name": mentee})


def _request_facts(
    program: Program, user: User, mentor_id: int
) -> tuple[bool, float, tuple[dict[str, Any], ...]] | None:
    snap = adapter.snapshot(adapter.settings_for(program))
    pp = adapter.build_program_problem(program, snap, mentee_ids={user.pk})
    if user.pk not in pp.mentee_row or mentor_id not in pp.mentor_row:
        return None
    ok, score, why = pp.pair_factors([(user.pk, mentor_id)])[0]
    return (ok, round_score(score), why)


def _pending_for_update(request_id: int) -> MentorRequest:
    found = (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("program", "mentee", "mentor")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise NotFound(_("Not found."))
    return found


def _still_pending(found: MentorRequest) -> None:
    if found.status != RequestStatus.PENDING:
        raise Conflict(
            _("This request is already %(status)s.") % {"status": found.get_status_display()}
        )
    if found.expires_at <= timezone.now():
        raise Conflict(_("This request has expired."), code="expired")


@transaction.atomic
def accept_request(user: User, request_id: int, message: str = "") -> MentorRequest:
    """The mentor says yes: the mentorship starts, within the mentor's capacity.

    Lock order, the same in every transaction so none waits on another in a cycle: the
    mentee's membership (one-to-one programs), the request, then the capacity holders'
    memberships. The mentee's other requests are closed last, while the first lock is held.
    """
    peek = MentorRequest.objects.select_related("program").filter(pk=request_id).first()
    if peek is None or peek.mentor_id != user.pk:
        raise NotFound(_("Not found."))
    program = peek.program
    one_mentor = selectors.one_mentor_each(program)
    if one_mentor:
        list(
            Membership.objects.select_for_update(of=("self",)).filter(
                program=program, user_id=peek.mentee_id, role__in=selectors.seeker_roles(program)
            )
        )
    found = _pending_for_update(request_id)
    _still_pending(found)
    if one_mentor and selectors.has_open_mentor(program, found.mentee):
        raise Conflict(_("%(name)s already has a mentor.") % {"name": found.mentee})
    found.mentorship = _create_pair(program, found.mentor, found.mentee, origin="request")
    found.status = RequestStatus.ACCEPTED
    found.decided_at = timezone.now()
    found.response_message = message.strip()[:2000]
    found.save()
    _open_conversation_with(found)
    if one_mentor:
        # One mentor each: the mentee's other open requests in this program are closed.
        MentorRequest.objects.filter(
            program=program, mentee=found.mentee, status=RequestStatus.PENDING
        ).update(status=RequestStatus.WITHDRAWN, decided_at=found.decided_at)
    notify(
        found.mentee,
        kind="matching.request_accepted",
        title=gettext_lazy("%(name)s accepted your request"),
        params={"name": found.mentor},
        body=found.response_message[:300],
        url=reverse("dashboard"),
    )
    return found


def _open_conversation_with(accepted: MentorRequest) -> None:
    """The pair's conversation starts with what they said: the request's words and the
    mentor's answer ("no messages yet" under a welcome they had just written). The
    mentor has read the request; the mentee hears of the answer as of any message."""
    assert accepted.mentorship is not None
    conversation = mentorship_conversation(accepted.mentorship)
    key = f"request-{accepted.pk}"
    try:
        if accepted.message.strip():
            send_message(accepted.mentee, conversation, body=accepted.message, client_id=key)
            mark_read(accepted.mentor, conversation)
        if accepted.response_message:
            send_message(
                accepted.mentor,
                conversation,
                body=accepted.response_message,
                client_id=f"{key}-answer",
            )
    except DomainError:
        # A send refused (the send limit of someone who just wrote a lot): the match
        # stands; the words are in the request and its notification.
        log.info("request %s: its words did not open the conversation", accepted.pk)


@transaction.atomic
def decline_request(user: User, request_id: int, message: str = "") -> MentorRequest:
    found = _pending_for_update(request_id)
    if found.mentor_id != user.pk:
        raise NotFound(_("Not found."))
    _still_pending(found)
    found.status = RequestStatus.DECLINED
    found.decided_at = timezone.now()
    found.response_message = message.strip()[:2000]
    found.save()
    notify(
        found.mentee,
        kind="matching.request_declined",
        title=gettext_lazy("%(name)s cannot take your request"),
        params={"name": found.mentor},
        body=found.response_message[:300],
        url=reverse("matching_my", args=[found.program.slug]),
    )
    return found


@transaction.atomic
def leave_matching(user: User, program_id: int, role: str) -> None:
    """Someone left the program in ``role`` (or was removed): what could still pair them
    there ends. Their waiting requests are withdrawn, and a proposal waiting for consents
    counts them as a no; otherwise a mentor's later yes made a mentorship with someone no
    longer in the program."""
    theirs = Q()
    if role in (Role.MENTEE, Role.PEER):
        theirs |= Q(mentee=user)
    if role in (Role.MENTOR, Role.PEER):
        theirs |= Q(mentor=user)
    if not theirs:  # a coordinator
        return
    MentorRequest.objects.filter(
        theirs, program_id=program_id, status=RequestStatus.PENDING
    ).update(status=RequestStatus.WITHDRAWN, decided_at=timezone.now())
    waiting = Proposal.objects.filter(
        theirs,
        round__program_id=program_id,
        status=ProposalStatus.PUBLISHED,
        mentorship__isnull=True,
    )
    for proposal in waiting:
        side = "mentor_consent" if proposal.mentor_id == user.pk else "mentee_consent"
        if getattr(proposal, side) == Consent.PENDING:
            respond_to_proposal(user, proposal.pk, accept=False)  # settles the rest, as a no
        else:  # they said yes before leaving; the others' answers settle without them
            setattr(proposal, side, Consent.DECLINED)
            proposal.status = ProposalStatus.REJECTED
            proposal.save(update_fields=[side, "status", "updated_at"])


@transaction.atomic
def close_matching(program_id: int) -> None:
    """The program closed: nothing can pair people in it any more. Waiting requests are
    withdrawn and proposals waiting for consents rejected (a later yes would otherwise
    meet a refusal); rounds and their pairs stay for the record."""
    now = timezone.now()
    MentorRequest.objects.filter(program_id=program_id, status=RequestStatus.PENDING).update(
        status=RequestStatus.WITHDRAWN, decided_at=now, updated_at=now
    )
    Proposal.objects.filter(
        round__program_id=program_id, status=ProposalStatus.PUBLISHED, mentorship__isnull=True
    ).update(status=ProposalStatus.REJECTED, updated_at=now)


@transaction.atomic
def withdraw_request(user: User, request_id: int) -> MentorRequest:
    found = _pending_for_update(request_id)
    if found.mentee_id != user.pk:
        raise NotFound(_("Not found."))
    if found.status != RequestStatus.PENDING:
        raise Conflict(_("Only a waiting request can be withdrawn."))
    found.status = RequestStatus.WITHDRAWN
    found.decided_at = timezone.now()
    found.save(update_fields=["status", "decided_at", "updated_at"])
    return found


def expire_requests(now: Any = None) -> int:
    """Close every pending request past its expiry (run hourly by the worker)."""
    moment = now or timezone.now()
    return MentorRequest.objects.filter(
        status=RequestStatus.PENDING, expires_at__lte=moment
    ).update(status=RequestStatus.EXPIRED, decided_at=moment, updated_at=moment)


# -- matching preferences ------------------------------------------------------------------


def set_matching_preferences(
    actor: User,
    membership: Membership,
    *,
    must_speak: Sequence[str] = (),
    must_country: Sequence[str] = (),
    must_meet_in_person: bool = False,
    ranked_mentors: Sequence[int] = (),
) -> MatchingPreference:
    """Save what ``membership``'s person asks of their match; only they may do it.

    Every input is checked before anything is written: known language and country codes,
    meeting in person only in hybrid programs, at most three ranked mentors, no repeats,
    each an active mentor (a peer, in peer programs) of the same program."""
    program = membership.program
    if actor.pk != membership.user_id:
        raise NotAllowed(_("Only the person themself can set their matching preferences."))
    if membership.status != MembershipStatus.ACTIVE or membership.role not in (
        selectors.seeker_roles(program)
    ):
        raise NotAllowed(_("Only active mentees (or peers) of this program set preferences."))
    fields: dict[str, str] = {}

    languages: list[str] = []
    for raw in must_speak:
        code = str(raw).strip().lower()
        if code not in LANGUAGES:
            fields["must_speak"] = _("“%(code)s” is not a language we know.") % {"code": raw}
            break
        if code not in languages:
            languages.append(code)

    known_countries = dict(countries)
    country_codes: list[str] = []
    for raw in must_country:
        code = str(raw).strip().upper()
        if code not in known_countries:
            fields["must_country"] = _("“%(code)s” is not a country code we know.") % {"code": raw}
            break
        if code not in country_codes:
            country_codes.append(code)

    if must_meet_in_person and program.delivery != Delivery.HYBRID:
        fields["must_meet_in_person"] = _(
            "This program meets online only, so meeting in person cannot be required."
        )

    try:
        ranked = [int(r) for r in ranked_mentors]
    except (TypeError, ValueError):
        ranked = [0]  # not an id: reported below as not an active mentor
    if len(ranked) > MAX_RANKED_MENTORS:
        fields["ranked_mentors"] = (
            _("Rank at most %(n)s peers.") if program.is_peer else _("Rank at most %(n)s mentors.")
        ) % {"n": MAX_RANKED_MENTORS}
    elif len(set(ranked)) != len(ranked):
        fields["ranked_mentors"] = (
            _("Rank each peer only once.") if program.is_peer else _("Rank each mentor only once.")
        )
    elif ranked:
        allowed = set(
            Membership.objects.filter(
                program=program,
                user_id__in=ranked,
                role__in=selectors.giver_roles(program),
                status=MembershipStatus.ACTIVE,
            )
            .exclude(user_id=actor.pk)
            .values_list("user_id", flat=True)
        )
        if set(ranked) - allowed:
            fields["ranked_mentors"] = (
                _("You can only rank people who are active peers in this program.")
                if program.is_peer
                else _("You can only rank people who are active mentors in this program.")
            )

    if fields:
        raise ValidationFailed(" ".join(fields.values()), fields=fields)
    found, _created = MatchingPreference.objects.update_or_create(
        membership=membership,
        defaults={
            "must_speak": languages,
            "must_country": country_codes,
            "must_meet_in_person": bool(must_meet_in_person),
            "ranked_mentors": ranked,
        },
    )
    return found
