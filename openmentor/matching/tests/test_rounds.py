"""A matching round end to end on a small program with real profiles."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import add_member, make_person
from openmentor.core.errors import Conflict, NotFound, ValidationFailed
from openmentor.matching import services
from openmentor.matching.models import MatchingRound, Proposal, RoundStatus
from openmentor.mentorships.models import Mentorship

from .conftest import give_profile

pytestmark = pytest.mark.django_db


def run(coordinator: Any, program: Any, capture: Any) -> MatchingRound:
    with capture(execute=True):
        new = services.start_round(coordinator, program)
    new.refresh_from_db()
    return new


def published_asking_consent(coordinator: Any, program: Any, capture: Any) -> MatchingRound:
    """A round run and published in a program that asks both sides before a match starts."""
    from openmentor.matching.adapter import settings_for

    settings_ = settings_for(program)
    settings_.require_consent = True
    settings_.save()
    done = run(coordinator, program, capture)
    services.publish_round(coordinator, done)
    return done


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


@pytest.fixture
def done(
    matching_program: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> MatchingRound:
    return run(alice, matching_program, django_capture_on_commit_callbacks)


def test_swap_exchanges_mentors_and_rescores_both_pairs(
    done: MatchingRound, alice: Any, bob: Any, erin: Any, carol: Any, matching_program: Any
) -> None:
    first = done.proposals.get(mentee=bob)
    second = done.proposals.get(mentee=erin)
    assert first.mentor_id != second.mentor_id
    old_first_mentor = first.mentor_id
    services.swap_mentors(alice, done, first.pk, second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.mentor_id == old_first_mentor and first.is_manual and second.is_manual
    # Frank speaks only English, bob's English is professional: still a valid pair.
    assert first.explanation and first.score > 0


def test_swap_that_breaks_a_hard_rule_is_refused_and_changes_nothing(
    done: MatchingRound, alice: Any, bob: Any, erin: Any, matching_program: Any
) -> None:
    from openmentor.accounts.models import ProfileLanguage

    # Bob loses his English: only carol (Portuguese) can mentor him.
    ProfileLanguage.objects.filter(profile__user=bob, code="en").delete()
    first, second = done.proposals.get(mentee=bob), done.proposals.get(mentee=erin)
    before = {p.pk: p.mentor_id for p in (first, second)}
    with pytest.raises(ValidationFailed):
        services.swap_mentors(alice, done, first.pk, second.pk)
    assert {p.pk: p.mentor_id for p in done.proposals.all()} == before


def test_reject_then_rerun_keeps_locked_pairs_and_never_reproposes_the_rejected_one(
    done: MatchingRound,
    alice: Any,
    bob: Any,
    erin: Any,
    carol: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    locked = services.lock_proposal(alice, done.proposals.get(mentee=erin))
    rejected = services.reject_proposal(alice, done.proposals.get(mentee=bob))
    with django_capture_on_commit_callbacks(execute=True):
        services.rerun_round(alice, done)
    done.refresh_from_db()
    assert done.status == RoundStatus.DONE and done.runs == 2
    locked.refresh_from_db()
    assert locked.status == "locked"
    bob_live = done.proposals.filter(mentee=bob).exclude(status="rejected")
    assert not bob_live.filter(mentor_id=rejected.mentor_id).exists()


def test_manual_pair_is_locked_and_checks_roles_and_existing_pairs(
    done: MatchingRound, alice: Any, bob: Any, erin: Any, carol: Any, matching_program: Any
) -> None:
    services.reject_proposal(alice, done.proposals.get(mentee=bob))
    with pytest.raises(ValidationFailed):  # erin is not a mentor
        services.manual_pair(alice, done, bob.pk, erin.pk)
    made = services.manual_pair(alice, done, bob.pk, matching_program.frank.pk)
    assert made.status == "locked" and made.is_manual
    with pytest.raises(Conflict):  # bob already has a live pair
        services.manual_pair(alice, done, bob.pk, carol.pk)


def test_consent_publishes_then_waits_for_both_answers(
    matching_program: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    erin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    done = published_asking_consent(alice, matching_program, django_capture_on_commit_callbacks)
    assert not Mentorship.objects.exists()
    bobs = done.proposals.get(mentee=bob)
    mentor = bobs.mentor
    with pytest.raises(NotFound):  # erin is not part of bob's proposal
        services.respond_to_proposal(erin, bobs.pk, accept=True)
    services.respond_to_proposal(bob, bobs.pk, accept=True)
    assert not Mentorship.objects.exists()
    services.respond_to_proposal(mentor, bobs.pk, accept=True)
    bobs.refresh_from_db()
    assert bobs.mentorship is not None
    erins = done.proposals.get(mentee=erin)
    services.respond_to_proposal(erin, erins.pk, accept=False)
    erins.refresh_from_db()
    assert erins.status == "rejected" and Mentorship.objects.count() == 1


def test_bad_settings_are_refused_with_a_clear_message(
    matching_program: Any, alice: Any, client_for: Any
) -> None:
    from django.urls import reverse

    from openmentor.matching.models import MatchingSettings

    url = reverse("matching_console", args=[matching_program.slug])
    response = client_for(alice).post(
        url, {"mode": "optimal", "min_language_level": "9", "weight_shared_goals": "-1"}
    )
    assert response.status_code == 400
    assert "Ensure this value" in response.content.decode()
    assert not MatchingSettings.objects.filter(min_language_level=9).exists()


def test_unmatched_people_carry_a_reason(
    matching_program: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    loner = make_person("lena@example.org", "Lena Mentee", time_zone="Pacific/Auckland")
    give_profile(loner, languages={"mi": 5}, country="NZ", interests=["poetry"])
    add_member(matching_program, loner, "mentee")
    done = run(alice, matching_program, django_capture_on_commit_callbacks)
    row = done.unmatched.get(user=loner)
    assert row.reasons == ["no_shared_language"]


def test_a_queued_round_shows_a_progress_bar_that_htmx_polls_until_done(
    matching_program: Any, alice: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.urls import reverse

    queued = services.start_round(alice, matching_program)  # the job has not run yet
    client = client_for(alice)
    page = client.get(reverse("matching_round", args=[matching_program.slug, queued.pk]))
    html = page.content.decode()
    assert 'hx-trigger="every 2s"' in html and "<progress" in html
    assert "htmx" in html.split("</head>")[0]  # the one page that loads it
    assert "Refresh" in html  # the no-JavaScript way to poll
    with pytest.raises(Conflict):  # one round at a time
        services.start_round(alice, matching_program)
    services.run_round(queued.pk)
    progress = reverse("matching_round_progress", args=[matching_program.slug, queued.pk])
    polled = client.get(progress, headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true" and "every 2s" not in polled.content.decode()


def test_a_peer_round_pairs_peers_and_publishing_makes_peer_mentorships(
    peer_program: Any, dave: Any, django_capture_on_commit_callbacks: Any
) -> None:
    done = run(dave, peer_program, django_capture_on_commit_callbacks)
    pairs = list(done.proposals.all())
    assert len(pairs) == 1  # three peers: one pair, one left over with a reason
    assert done.unmatched.count() == 1
    services.publish_round(dave, done)
    mentorship = Mentorship.objects.get()
    assert {p.role for p in mentorship.participants.all()} == {"peer"}


def test_stable_mode_uses_the_engines_stable_solver(
    matching_program: Any, alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from openmentor.matching.adapter import settings_for

    settings_ = settings_for(matching_program)
    settings_.mode = "stable"
    settings_.save()
    done = run(alice, matching_program, django_capture_on_commit_callbacks)
    assert done.stats["mode"] == "stable" and "note" not in done.stats
    assert done.proposals.count() == 2


def test_a_mentee_who_already_has_a_mentor_is_not_matched_again(
    matching_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    mentorship: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    done = run(alice, matching_program, django_capture_on_commit_callbacks)
    assert list(done.proposals.values_list("mentee_id", flat=True)) == [erin.pk]
    assert not done.unmatched.filter(user=bob).exists()


@pytest.fixture
def circle_program(matching_program: Any) -> Any:
    matching_program.group_format = "group"
    matching_program.max_group_size = 3
    matching_program.save()
    return matching_program


def test_a_group_program_forms_a_circle_and_publishing_makes_one_mentorship(
    circle_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    done = run(alice, circle_program, django_capture_on_commit_callbacks)
    assert done.stats["mode"] == "circles" and done.stats["circles"] == 1
    mentors = set(done.proposals.values_list("mentor_id", flat=True))
    assert len(mentors) == 1 and done.proposals.count() == 2
    services.publish_round(alice, done)
    circle = Mentorship.objects.get()
    roles = sorted(p.role for p in circle.participants.all())
    assert roles == ["mentee", "mentee", "mentor"]
    # The circle uses two of the mentor's places.
    from openmentor.matching.adapter import open_load

    assert open_load(circle_program) == {mentors.pop(): 2}


def test_with_consent_a_circle_starts_once_everyone_has_answered(
    circle_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    done = published_asking_consent(alice, circle_program, django_capture_on_commit_callbacks)
    bobs, erins = done.proposals.get(mentee=bob), done.proposals.get(mentee=erin)
    mentor = bobs.mentor
    services.respond_to_proposal(bob, bobs.pk, accept=True)
    services.respond_to_proposal(mentor, bobs.pk, accept=True)
    services.respond_to_proposal(mentor, erins.pk, accept=True)
    assert not Mentorship.objects.exists()  # erin has not answered yet
    services.respond_to_proposal(erin, erins.pk, accept=True)
    circle = Mentorship.objects.get()
    assert circle.participants.filter(role="mentee").count() == 2


def test_a_hand_made_pair_cannot_grow_a_circle_past_the_programs_limit(
    circle_program: Any,
    alice: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    circle_program.max_group_size = 2
    circle_program.save()
    circle_program.memberships.filter(role="mentor").update(capacity=5)
    done = run(alice, circle_program, django_capture_on_commit_callbacks)
    mentor_id = done.proposals.values_list("mentor_id", flat=True).first()
    newcomer = make_person("nia@example.org", "Nia Mentee", time_zone="Europe/London")
    give_profile(newcomer, languages={"en": 5}, country="GB", interests=["statistics"])
    add_member(circle_program, newcomer, "mentee")
    with pytest.raises(Conflict, match="circle"):
        services.manual_pair(alice, done, newcomer.pk, mentor_id)


def test_publishing_skips_a_mentee_who_found_a_mentor_meanwhile(
    done: MatchingRound, alice: Any, bob: Any, carol: Any, matching_program: Any
) -> None:
    from openmentor.mentorships.services import create_mentorship

    create_mentorship(matching_program, mentors=[matching_program.frank], mentees=[bob])
    counts = services.publish_round(alice, done)
    assert counts == {"published": 1, "skipped": 1}
    assert done.proposals.get(mentee=bob).status in ("proposed", "locked")
    assert Mentorship.objects.filter(participants__user=bob).count() == 1


def test_a_failed_round_says_so_and_can_be_run_again(
    matching_program: Any,
    alice: Any,
    client_for: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.urls import reverse

    from openmentor.matching import adapter

    queued = services.start_round(alice, matching_program)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(adapter, "solve", broken)
    with pytest.raises(RuntimeError):
        services.run_round(queued.pk)
    queued.refresh_from_db()
    assert queued.status == RoundStatus.FAILED and "solver exploded" in queued.error
    page = client_for(alice).get(reverse("matching_round", args=[matching_program.slug, queued.pk]))
    assert "The round failed." in page.content.decode()
    assert "Run the round again" in page.content.decode()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.rerun_round(alice, queued)
    queued.refresh_from_db()
    assert queued.status == RoundStatus.DONE and queued.proposals.count() == 2


def test_someone_who_leaves_while_a_proposal_waits_for_consent_counts_as_a_no(
    matching_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from openmentor.programs.services import leave_program

    done = published_asking_consent(alice, matching_program, django_capture_on_commit_callbacks)
    bobs, erins = done.proposals.get(mentee=bob), done.proposals.get(mentee=erin)
    services.respond_to_proposal(erin, erins.pk, accept=True)  # yes, then she leaves
    leave_program(bob, matching_program, "mentee")
    leave_program(erin, matching_program, "mentee")
    for proposal in (bobs, erins):
        proposal.refresh_from_db()
        assert proposal.status == "rejected"
    # Their mentors' yes no longer makes a mentorship with someone who left.
    with pytest.raises(Conflict):
        services.respond_to_proposal(erins.mentor, erins.pk, accept=True)
    assert not Mentorship.objects.exists()


def test_the_fairness_view_counts_utc_and_its_aliases_as_one_region() -> None:
    """A browser reporting Etc/UTC gave a meaningless "Etc" row beside "UTC"."""
    from openmentor.matching.selectors import zone_region

    assert {zone_region(zone) for zone in ("UTC", "Etc/UTC", "Etc/GMT", "GMT")} == {"UTC"}
    # A fixed offset is its own (POSIX names have the sign reversed).
    assert zone_region("Etc/GMT+3") == "UTC-3" and zone_region("Etc/GMT-14") == "UTC+14"
    assert zone_region("America/Argentina/Buenos_Aires") == "America"
    assert zone_region("Asia/Kathmandu") == "Asia"


def test_the_round_page_and_list_show_the_pairs_as_they_stand_after_publishing(
    done: MatchingRound, alice: Any, matching_program: Any, client_for: Any
) -> None:
    """After publishing, the page still gave the algorithm's figures from before the
    edits, the list said "—" pairs, and "Publish pairs" was still offered."""
    from django.urls import reverse

    page_url = reverse("matching_round", args=[matching_program.slug, done.pk])
    before = client_for(alice).get(page_url).content.decode()
    assert "Pairs to publish: 2 · Published: 0" in before and "Publish pairs" in before
    services.publish_round(alice, done)
    after = client_for(alice).get(page_url).content.decode()
    assert "Pairs to publish: 0 · Published: 2" in after
    assert "Publish pairs" not in after
    listed = client_for(alice).get(reverse("matching_console", args=[matching_program.slug]))
    assert "<td>2</td>" in listed.content.decode()  # the round's pairs in the list


def test_a_circle_with_room_takes_in_a_later_mentee_and_a_full_one_does_not(
    circle_program: Any,
    alice: Any,
    bob: Any,
    erin: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A mentee paired later with a mentor who leads a circle got a second "circle" of
    two beside it."""
    from openmentor.messaging import services as messaging
    from openmentor.messaging.models import ConversationMember
    from openmentor.programs.models import Membership

    done = run(alice, circle_program, django_capture_on_commit_callbacks)
    services.publish_round(alice, done)
    circle = Mentorship.objects.get()
    conversation = messaging.mentorship_conversation(circle)
    mentor = circle.participants.get(role="mentor").user
    Membership.objects.filter(user=mentor, program=circle_program).update(capacity=5)
    late, later = (make_person(f"{n}@example.org", f"{n.title()} Late") for n in ("gina", "hugo"))
    for person in (late, later):
        add_member(circle_program, person, "mentee")
        give_profile(person, languages={"en": 5, "pt": 5}, country="PT")
    services.manual_pair(alice, done, late.pk, mentor.pk)
    services.publish_round(alice, done)
    assert Mentorship.objects.count() == 1
    circle.refresh_from_db()
    assert sorted(p.user.name for p in circle.participants.filter(role="mentee")) == sorted(
        [bob.name, erin.name, late.name]
    )
    assert circle.title.endswith("& Gina Late")
    assert ConversationMember.objects.filter(conversation=conversation, user=late).exists()
    assert bob.notifications.filter(title__contains="Gina Late joined").exists()
    # Three mentees is the program's largest circle: no room for a fourth in it.
    from openmentor.mentorships.selectors import open_circle_led_by

    assert open_circle_led_by(circle_program.pk, mentor.pk, 1) is None
    with pytest.raises(Conflict, match="as large as the program allows"):
        services.manual_pair(alice, done, later.pk, mentor.pk)


def test_someone_who_set_no_language_is_told_so_not_that_no_mentor_speaks_theirs(
    matching_program: Any, alice: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.urls import reverse

    quiet = make_person("ivo@example.org", "Ivo Quiet")
    add_member(matching_program, quiet, "mentee")
    done = run(alice, matching_program, django_capture_on_commit_callbacks)
    assert list(done.unmatched.get(user=quiet).reasons) == ["no_languages_set"]
    page = client_for(alice).get(reverse("matching_round", args=[matching_program.slug, done.pk]))
    assert "Their profile names no language" in page.content.decode()


def test_a_peer_round_leaves_out_peers_already_in_a_running_mentorship(
    peer_program: Any, dave: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Peers of a running circle were paired anew, against "every active participant who
    is not matched yet"; the review table named the two peers "Mentee" and "Mentor"."""
    from django.urls import reverse

    first = run(dave, peer_program, django_capture_on_commit_callbacks)
    services.publish_round(dave, first)
    paired = {p.user_id for p in Mentorship.objects.get().participants.all()}
    second = run(dave, peer_program, django_capture_on_commit_callbacks)
    assert not second.proposals.exists()
    assert not second.unmatched.filter(user_id__in=paired).exists()
    page = client_for(dave).get(reverse("matching_round", args=[peer_program.slug, first.pk]))
    text = page.content.decode()
    assert '<th scope="col">Peer</th><th scope="col">Peer</th>' in text
    assert "Swap partners between two pairs" in text and ">Other peer" in text
    forms = text.split('<h3 id="swap-heading">')[1].split("</main>")[0]
    assert ">Mentor" not in forms and ">Mentee" not in forms


def test_a_one_to_one_mentorship_is_never_grown_into_a_circle(
    circle_program: Any, bob: Any, carol: Any
) -> None:
    """Its conversation was said between two people: a newcomer would read it all."""
    from openmentor.mentorships.selectors import open_circle_led_by
    from openmentor.mentorships.services import create_mentorship

    create_mentorship(circle_program, mentors=[carol], mentees=[bob], origin="request")
    assert open_circle_led_by(circle_program.pk, carol.pk, 1) is None


def test_a_rejected_pairs_mentee_is_listed_without_a_pair(
    done: MatchingRound, alice: Any, matching_program: Any, client_for: Any
) -> None:
    """The question said "they go back to the people without a pair", and they did not
    show there."""
    from django.urls import reverse

    proposal = done.proposals.first()
    services.reject_proposal(alice, proposal)
    reasons = done.unmatched.get(user_id=proposal.mentee_id).reasons
    assert reasons == ["pair_rejected"]
    page = client_for(alice).get(reverse("matching_round", args=[matching_program.slug, done.pk]))
    text = page.content.decode()
    assert "Without a pair: 1" in text
    assert "The coordinators rejected the pair proposed for them." in text
    # Paired by hand, they leave that list.
    services.manual_pair(alice, done, proposal.mentee_id, proposal.mentor_id)
    assert not done.unmatched.filter(user_id=proposal.mentee_id).exists()
