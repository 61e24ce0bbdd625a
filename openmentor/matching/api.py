"""Matching API: rounds and proposals (coordinators), recommendations and requests
(participants). Object-level permission on every endpoint; errors are {code, message}."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import StringConstraints

from openmentor.core.errors import NotAllowed
from openmentor.core.types import AuthenticatedRequest
from openmentor.programs.models import Delivery, Membership, Program
from openmentor.programs.selectors import can_view_program, is_coordinator

from . import adapter, selectors, services
from .models import MatchingPreference, MatchingRound, MentorRequest, Proposal

router = Router(tags=["matching"])


# -- schemas -------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    program: str = Field(..., alias="program.slug")
    status: str
    progress: int
    runs: int
    stats: dict[str, Any]
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    published_at: datetime | None


class ProposalOut(Schema):
    id: int
    round_id: int
    mentor_id: int
    mentor_name: str
    mentee_id: int
    mentee_name: str
    score: float
    status: str
    is_manual: bool
    mentor_consent: str
    mentee_consent: str
    mentorship_id: int | None
    explanation: list[dict[str, Any]]
    reasons: list[str]

    @staticmethod
    def resolve_mentor_name(obj: Proposal) -> str:
        return str(obj.mentor)

    @staticmethod
    def resolve_mentee_name(obj: Proposal) -> str:
        return str(obj.mentee)

    @staticmethod
    def resolve_reasons(obj: Proposal) -> list[str]:
        return adapter.describe(obj.explanation)


# Ids beyond a 64-bit integer cannot exist and would overflow the database driver.
Id = Field(..., ge=1, le=2**63 - 1)


class SwapIn(Schema):
    first: int = Id
    second: int = Id


class PairIn(Schema):
    mentee_id: int = Id
    mentor_id: int = Id


class PublishOut(Schema):
    published: int
    skipped: int


class RecommendationOut(Schema):
    mentor_id: int
    mentor_name: str
    score: float
    explanation: list[dict[str, Any]]
    reasons: list[str]


class RequestIn(Schema):
    mentor_id: int = Id
    message: str = Field("", max_length=2000)
    idempotency_key: str = Field(..., min_length=8, max_length=64)


class AnswerIn(Schema):
    message: str = Field("", max_length=2000)


class RequestOut(Schema):
    id: int
    program: str = Field(..., alias="program.slug")
    mentee_id: int
    mentor_id: int
    message: str
    status: str
    score: float | None
    explanation: list[dict[str, Any]]
    expires_at: datetime
    decided_at: datetime | None
    response_message: str
    mentorship_id: int | None
    created_at: datetime


class RespondIn(Schema):
    accept: bool


# -- helpers -------------------------------------------------------------------------------------


def _program(request: AuthenticatedRequest, slug: str) -> Program:
    program = get_object_or_404(Program, slug=slug)
    if not can_view_program(request.user, program):
        raise Http404
    return program


def _coordinated(request: AuthenticatedRequest, slug: str) -> Program:
    program = _program(request, slug)
    if not is_coordinator(request.user, program):
        raise NotAllowed(_("Only the program's coordinators can do that."))
    return program


def _round(request: AuthenticatedRequest, round_id: int) -> MatchingRound:
    return selectors.coordinated_round(request.user, round_id)


# -- rounds and proposals ----------------------------------------------------------------------


@router.get("/programs/{slug}/matching/rounds", response=list[RoundOut], summary="Rounds")
def list_rounds(request: AuthenticatedRequest, slug: str) -> Any:
    return list(selectors.rounds_of(_coordinated(request, slug))[:100])


@router.post(
    "/programs/{slug}/matching/rounds",
    response={202: RoundOut},
    summary="Start a matching round (runs in the background)",
)
def create_round(request: AuthenticatedRequest, slug: str) -> Any:
    return Status(202, services.start_round(request.user, _coordinated(request, slug)))


@router.get("/matching/rounds/{round_id}", response=RoundOut, summary="Round status")
def get_round(request: AuthenticatedRequest, round_id: int) -> MatchingRound:
    return _round(request, round_id)


@router.post(
    "/matching/rounds/{round_id}/run",
    response={202: RoundOut},
    summary="Re-run for everyone not in a locked or published pair",
)
def rerun_round(request: AuthenticatedRequest, round_id: int) -> Any:
    return Status(202, services.rerun_round(request.user, _round(request, round_id)))


@router.get(
    "/matching/rounds/{round_id}/proposals", response=list[ProposalOut], summary="Proposals"
)
def list_proposals(
    request: AuthenticatedRequest,
    round_id: int,
    status: str = "",
    q: str = "",
    min_score: float | None = None,
) -> Any:
    return list(
        selectors.proposals_of(
            _round(request, round_id), status=status, query=q[:100], min_score=min_score
        )
    )


@router.post("/matching/proposals/{proposal_id}/lock", response=ProposalOut)
def lock_proposal(request: AuthenticatedRequest, proposal_id: int) -> Proposal:
    return services.lock_proposal(
        request.user, selectors.coordinated_proposal(request.user, proposal_id)
    )


@router.post("/matching/proposals/{proposal_id}/unlock", response=ProposalOut)
def unlock_proposal(request: AuthenticatedRequest, proposal_id: int) -> Proposal:
    return services.lock_proposal(
        request.user, selectors.coordinated_proposal(request.user, proposal_id), locked=False
    )


@router.post("/matching/proposals/{proposal_id}/reject", response=ProposalOut)
def reject_proposal(request: AuthenticatedRequest, proposal_id: int) -> Proposal:
    return services.reject_proposal(
        request.user, selectors.coordinated_proposal(request.user, proposal_id)
    )


@router.post(
    "/matching/rounds/{round_id}/swap",
    response=list[ProposalOut],
    summary="Exchange the mentors of two proposals",
)
def swap(request: AuthenticatedRequest, round_id: int, payload: SwapIn) -> Any:
    return services.swap_mentors(
        request.user, _round(request, round_id), payload.first, payload.second
    )


@router.post(
    "/matching/rounds/{round_id}/pairs",
    response={201: ProposalOut},
    summary="Pair two people by hand (locked)",
)
def manual_pair(request: AuthenticatedRequest, round_id: int, payload: PairIn) -> Any:
    return Status(
        201,
        services.manual_pair(
            request.user, _round(request, round_id), payload.mentee_id, payload.mentor_id
        ),
    )


@router.post("/matching/rounds/{round_id}/publish", response=PublishOut)
def publish(request: AuthenticatedRequest, round_id: int) -> Any:
    return services.publish_round(request.user, _round(request, round_id))


class RateOut(Schema):
    group: str
    total: int
    matched: int
    rate: int


class LoadOut(Schema):
    mentees: int
    mentors: int


class FairnessOut(Schema):
    total: int
    matched: int
    by_country: list[RateOut]
    by_language: list[RateOut]
    by_region: list[RateOut]
    load: list[LoadOut]
    mentors_full: int
    mentors_total: int


@router.get(
    "/matching/rounds/{round_id}/fairness",
    response=FairnessOut,
    summary="Match rate by country, language and time-zone region; mentor load",
)
def fairness(request: AuthenticatedRequest, round_id: int) -> Any:
    return selectors.fairness(_round(request, round_id))


@router.post(
    "/matching/proposals/{proposal_id}/respond",
    response=ProposalOut,
    summary="Accept or decline a published proposal (participants, when consent is asked)",
)
def respond(request: AuthenticatedRequest, proposal_id: int, payload: RespondIn) -> Proposal:
    return services.respond_to_proposal(request.user, proposal_id, accept=payload.accept)


# -- self-service ----------------------------------------------------------------------------


@router.get(
    "/programs/{slug}/matching/recommendations",
    response=list[RecommendationOut],
    summary="Ranked mentors (or peers) for me, with explanations",
)
def recommendations(request: AuthenticatedRequest, slug: str, k: int = 10) -> Any:
    program = _program(request, slug)
    if selectors.active_membership(request.user, program, selectors.seeker_roles(program)) is None:
        raise NotAllowed(_("Only active mentees of this program get recommendations."))
    if not selectors.self_service_open(program):
        raise NotAllowed(_("In this program the coordinators make the matches."))
    snap = adapter.snapshot(adapter.settings_for(program))
    return [
        {
            "mentor_id": rec["mentor"].pk,
            "mentor_name": str(rec["mentor"]),
            "score": rec["score"],
            "explanation": rec["factors"],
            "reasons": rec["reasons"],
        }
        for rec in adapter.recommend_for(program, request.user, snap, k=max(1, min(k, 50)))
    ]


@router.post(
    "/programs/{slug}/matching/requests",
    response={201: RequestOut, 200: RequestOut},
    summary="Ask a mentor; a retry with the same idempotency_key returns the first request",
)
def create_request(request: AuthenticatedRequest, slug: str, payload: RequestIn) -> Any:
    made, created = services.create_request(
        request.user,
        _program(request, slug),
        mentor_id=payload.mentor_id,
        message=payload.message,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201 if created else 200, made)


@router.get("/matching/requests", response=list[RequestOut], summary="Requests I sent or received")
def my_requests(request: AuthenticatedRequest, role: str = "sent") -> Any:
    qs = (
        selectors.requests_received(request.user)
        if role == "received"
        else selectors.requests_sent(request.user)
    )
    return list(qs[:200])


@router.get("/matching/requests/{request_id}", response=RequestOut)
def get_request(request: AuthenticatedRequest, request_id: int) -> MentorRequest:
    return selectors.visible_request(request.user, request_id)


@router.post("/matching/requests/{request_id}/accept", response=RequestOut)
def accept_request(
    request: AuthenticatedRequest, request_id: int, payload: AnswerIn
) -> MentorRequest:
    return services.accept_request(request.user, request_id, payload.message)


@router.post("/matching/requests/{request_id}/decline", response=RequestOut)
def decline_request(
    request: AuthenticatedRequest, request_id: int, payload: AnswerIn
) -> MentorRequest:
    return services.decline_request(request.user, request_id, payload.message)


@router.post("/matching/requests/{request_id}/withdraw", response=RequestOut)
def withdraw_request(request: AuthenticatedRequest, request_id: int) -> MentorRequest:
    return services.withdraw_request(request.user, request_id)


# -- matching preferences ----------------------------------------------------------------------


class PreferencesIn(Schema):
    must_speak: list[Annotated[str, StringConstraints(max_length=8)]] = Field(
        default_factory=list, max_length=20, description="Language codes (ISO 639-1)"
    )
    must_country: list[Annotated[str, StringConstraints(max_length=2)]] = Field(
        default_factory=list, max_length=50, description="Country codes (ISO 3166-1 alpha-2)"
    )
    must_meet_in_person: bool = False
    ranked_mentor_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        default_factory=list,
        max_length=10,
        description="Up to three mentor (peer) user ids, most preferred first",
    )


class PreferencesOut(Schema):
    program: str
    must_speak: list[str]
    must_country: list[str]
    must_meet_in_person: bool
    in_person_offered: bool
    ranked_mentor_ids: list[int]


def _own_seeker_membership(request: AuthenticatedRequest, slug: str) -> Membership:
    program = _program(request, slug)
    membership = selectors.seeker_membership(request.user, program)
    if membership is None:
        raise NotAllowed(_("Only active mentees (or peers) of this program set preferences."))
    return membership


def _preferences_out(membership: Membership, found: MatchingPreference | None) -> dict[str, Any]:
    program = membership.program
    return {
        "program": program.slug,
        "must_speak": found.must_speak if found else [],
        "must_country": found.must_country if found else [],
        "must_meet_in_person": found.must_meet_in_person if found else False,
        "in_person_offered": program.delivery == Delivery.HYBRID,
        "ranked_mentor_ids": found.ranked_mentors if found else [],
    }


@router.get(
    "/programs/{slug}/matching-preferences",
    response=PreferencesOut,
    summary="My must-haves and ranked mentors in this program",
)
def get_preferences(request: AuthenticatedRequest, slug: str) -> Any:
    membership = _own_seeker_membership(request, slug)
    return _preferences_out(membership, selectors.preference_of(membership))


@router.put(
    "/programs/{slug}/matching-preferences",
    response=PreferencesOut,
    summary="Replace my must-haves and ranked mentors (invalid input changes nothing)",
)
def put_preferences(request: AuthenticatedRequest, slug: str, payload: PreferencesIn) -> Any:
    membership = _own_seeker_membership(request, slug)
    saved = services.set_matching_preferences(
        request.user,
        membership,
        must_speak=payload.must_speak,
        must_country=payload.must_country,
        must_meet_in_person=payload.must_meet_in_person,
        ranked_mentors=payload.ranked_mentor_ids,
    )
    return _preferences_out(membership, saved)
