"""A matching round end to end on a small program with real profiles."""

from __future__ import annotations

from typing import Any

import pytest

from openmentor.matching import services
from openmentor.matching.models import MatchingRound, Proposal, RoundStatus
from openmentor.mentorships.models import Mentorship

pytestmark = pytest.mark.django_db


def run(coordinator: Any, program: Any, capture: Any) -> MatchingRound:
    with capture(execute=True):
        new = services.start_round(coordinator, program)
    new.refresh_from_db()
    return new


def test_round_proposes_explained_pairs_and_publishing_creates_mentorships(
    matching_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    carol: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    done = run(alice, matching_program, django_capture_on_commit_callbacks)
    assert done.status == RoundStatus.DONE and done.progress == 100
    pairs = {(p.mentee_id, p.mentor_id): p for p in done.proposals.all()}
    assert (bob.pk, carol.pk) in pairs  # shares Portuguese and grant writing
    codes = {f["code"] for f in pairs[(bob.pk, carol.pk)].explanation}
    assert "shared_goals" in codes and "shared_language" in codes
    assert {mentee for mentee, _ in pairs} == {bob.pk, erin.pk}

    counts = services.publish_round(alice, done)
    assert counts == {"published": 2, "skipped": 0}
    assert Mentorship.objects.filter(program=matching_program, origin="round").count() == 2
    assert set(Proposal.objects.values_list("status", flat=True)) == {"published"}
