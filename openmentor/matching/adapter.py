"""From a program's memberships and profiles to the engine's records, and back to words.

The engine never imports Django; this module is the only place that knows both sides.

Availability: each person's weekly windows (``scheduling.AvailabilityWindow``, local
wall-clock time in the window's IANA zone) are expanded with zoneinfo into the UTC hour
slots of the program's first week, so the daylight-saving offsets are the ones in force
when the program starts. An hour counts when the windows cover at least half of it.
Someone who has not entered any window is assumed free 08:00-21:00 local time on weekdays.

Preferences: a mentee's (or peer's) ``MatchingPreference`` becomes the record's ``requires``
(``lang``, ``country``, and ``mode: in_person`` while the program is hybrid, met by mentors
whose profile's meeting modes include in person) and ``ranking`` (their ranked mentors).
"""

from __future__ import annotations

import itertools
import zoneinfo
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from django.db.models import Count
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from openmentor.accounts.models import User
from openmentor.core.languages import language_name
from openmentor.mentorships.models import OPEN_STATUSES, FormerParticipant, MentorshipParticipant
from openmentor.programs.models import Delivery, Membership, MembershipStatus, Program, Role

from . import engine
from .engine.explain import explain_pairs
from .models import BlockedPair, MatchingPreference, MatchingSettings

GRID = engine.AvailabilityGrid(n_slots=168, slot_minutes=60)
DEFAULT_DAY_HOURS = (8, 21)  # local wall-clock hours a person is assumed free on weekdays


# -- settings ---------------------------------------------------------------------------


def settings_for(program: Program) -> MatchingSettings:
    found, _created = MatchingSettings.objects.get_or_create(program=program)
    return found


def snapshot(ms: MatchingSettings) -> dict[str, Any]:
    """The settings a round runs with, frozen when it starts."""
    return {
        "weights": {
            "shared_goals": ms.weight_shared_goals,
            "text_similarity": ms.weight_text_similarity,
            "availability": ms.weight_availability,
            "language": ms.weight_language,
            "seniority": ms.weight_seniority,
            "cross_border": ms.cross_border_bonus,
        },
        "rules": {
            "min_language_level": ms.min_language_level,
            "min_overlap_hours": ms.min_overlap_hours,
            "exclude_same_org_unit": ms.exclude_same_org_unit,
            "candidates_per_mentee": ms.candidates_per_mentee,
        },
        "mode": ms.mode,
        "require_consent": ms.require_consent,
        # Circles: hierarchical programs in group format get one circle per mentor.
        "groups": {
            "enabled": ms.program.group_format == "group" and not ms.program.is_peer,
            "max_size": ms.program.max_group_size,
        },
    }


def weights_and_rules(snap: dict[str, Any]) -> tuple[engine.ProgramWeights, engine.MatchRules]:
    return engine.ProgramWeights(**snap["weights"]), engine.MatchRules(**snap["rules"])


# -- availability -----------------------------------------------------------------------


def grid_start(program: Program) -> datetime:
    """Monday 00:00 UTC of the week the program starts (or of this week)."""
    first_day = program.starts_on or timezone.now().date()
    monday = first_day - timedelta(days=first_day.weekday())
    return datetime.combine(monday, time(0), tzinfo=zoneinfo.ZoneInfo("UTC"))


def default_availability(time_zone: str, start: datetime) -> list[int]:
    """UTC hour slots (of the week from ``start``) that are weekday daytime in ``time_zone``."""
    return list(_default_availability(time_zone, start))


@lru_cache(maxsize=1024)
def _default_availability(time_zone: str, start: datetime) -> tuple[int, ...]:
    # Everyone in one zone gets the same slots: computed once per zone and week.
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    slots: set[int] = set()
    local_monday: date = start.date()
    first, last = DEFAULT_DAY_HOURS
    for day in range(7):
        local_day = local_monday + timedelta(days=day)
        if local_day.weekday() >= 5:
            continue
        for hour in range(first, last):
            moment = datetime.combine(local_day, time(hour), tzinfo=zone)
            offset_hours = int((moment - start).total_seconds() // 3600)
            # The week repeats: an evening in Auckland on Monday is Sunday in UTC.
            slots.add(offset_hours % GRID.n_slots)
    return tuple(sorted(slots))


def window_availability(
    windows: Iterable[tuple[int, time, time, str]], start: datetime
) -> list[int]:
    """UTC hour slots covered (at least half an hour) by weekly local windows.

    Each window is (weekday 0=Monday, start, end, IANA zone); an end of 00:00 is midnight.
    """
    minutes: dict[int, int] = {}
    monday: date = start.date()
    step = timedelta(minutes=15)
    for weekday, begin, end, zone_name in windows:
        try:
            zone = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        day = monday + timedelta(days=weekday)
        local = datetime.combine(day, begin)
        local_end = datetime.combine(day + timedelta(days=1) if end == time(0) else day, end)
        while local < local_end:
            # Wall-clock steps converted one by one, so a DST change inside a window counts.
            utc_minutes = (local.replace(tzinfo=zone) - start).total_seconds() // 60
            slot = int(utc_minutes // 60) % GRID.n_slots
            minutes[slot] = minutes.get(slot, 0) + 15
            local += step
    return sorted(slot for slot, covered in minutes.items() if covered >= 30)


def availability_of(user_ids: Iterable[int], start: datetime) -> dict[int, list[int]]:
    """Slots per person from their availability windows (people without any are absent)."""
    from openmentor.scheduling.models import AvailabilityWindow

    windows: dict[int, list[tuple[int, time, time, str]]] = {}
    rows = AvailabilityWindow.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "weekday", "start_time", "end_time", "time_zone"
    )
    for user_id, weekday, begin, end, zone in rows:
        windows.setdefault(user_id, []).append((weekday, begin, end, zone))
    return {user_id: window_availability(w, start) for user_id, w in windows.items()}


# -- loading a program --------------------------------------------------------------------


def open_load(program: Program, user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Capacity in use per person: a mentor's mentees across their open mentorships (a
    circle of four uses four), a peer's open peer mentorships."""
    qs = MentorshipParticipant.objects.filter(
        mentorship__program=program,
        mentorship__status__in=OPEN_STATUSES,
        role__in=["mentor", "peer"],
    )
    if user_ids is not None:
        qs = qs.filter(user_id__in=list(user_ids))
    rows = list(qs.values_list("user_id", "mentorship_id", "role"))
    mentees_in = dict(
        MentorshipParticipant.objects.filter(
            mentorship_id__in={m for _, m, role in rows if role == "mentor"}, role="mentee"
        )
        .values("mentorship_id")
        .annotate(n=Count("id"))
        .values_list("mentorship_id", "n")
    )
    load: dict[int, int] = {}
    for user_id, mentorship_id, role in rows:
        used = mentees_in.get(mentorship_id, 0) if role == "mentor" else 1
        load[user_id] = load.get(user_id, 0) + used
    return load


def past_pairs(program: Program) -> set[tuple[int, int]]:
    """(mentee, mentor) pairs, in both directions for peers, that already had a mentorship
    (someone who left a group that went on was in it too)."""
    rows = itertools.chain(
        MentorshipParticipant.objects.filter(mentorship__program=program).values_list(
            "mentorship_id", "user_id", "role"
        ),
        FormerParticipant.objects.filter(mentorship__program=program).values_list(
            "mentorship_id", "user_id", "role"
        ),
    )
    by_mentorship: dict[int, list[tuple[int, str]]] = {}
    for mentorship_id, user_id, role in rows:
        by_mentorship.setdefault(mentorship_id, []).append((user_id, role))
    pairs: set[tuple[int, int]] = set()
    for people in by_mentorship.values():
        for a, role_a in people:
            for b, role_b in people:
                if a != b and (
                    (role_a == "mentee" and role_b == "mentor")
                    or (role_a == "peer" and role_b == "peer")
                ):
                    pairs.add((a, b))
    return pairs


def blocked_pairs(program: Program) -> set[tuple[int, int]]:
    rows = BlockedPair.objects.filter(program=program).values_list("first_id", "second_id")
    return {pair for a, b in rows for pair in ((a, b), (b, a))}


@dataclass
class Person:
    """What matching reads about one participant, loaded with flat queries (no model objects:
    a program of thousands is read in a handful of queries)."""

    user_id: int
    capacity: int
    time_zone: str = "UTC"
    country: str = ""
    org_unit: str = ""
    seniority: int = 0
    goals_text: str = ""
    headline: str = ""
    bio: str = ""
    meeting_modes: list[str] = field(default_factory=list)
    languages: dict[str, int] = field(default_factory=dict)
    expertise: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    # The person's own "must" filters on their match and their ranked mentors (seekers only).
    requires: dict[str, list[str]] = field(default_factory=dict)
    ranking: list[int] = field(default_factory=list)


def preference_requires(
    program: Program, must_speak: list[str], must_country: list[str], in_person: bool
) -> dict[str, list[str]]:
    """A person's "must" filters as the engine's trait families: ``lang`` (a mentor's
    languages at the program's level), ``country``, and ``mode`` (``mode:in_person`` comes
    from the profile's meeting modes; asked only while the program is hybrid)."""
    requires: dict[str, list[str]] = {}
    if must_speak:
        requires["lang"] = list(must_speak)
    if must_country:
        requires["country"] = list(must_country)
    if in_person and program.delivery == Delivery.HYBRID:
        requires["mode"] = ["in_person"]
    return requires


def load_people(
    program: Program, roles: Sequence[str], user_ids: Iterable[int] | None = None
) -> list[Person]:
    """Active members of ``program`` in ``roles`` (optionally only ``user_ids``), by user id."""
    from openmentor.accounts.models import Profile, ProfileLanguage

    memberships = Membership.objects.filter(
        program=program, status=MembershipStatus.ACTIVE, role__in=list(roles)
    )
    if user_ids is not None:
        memberships = memberships.filter(user_id__in=list(user_ids))
    people = {
        user_id: Person(
            user_id=user_id,
            capacity=capacity if capacity is not None else program.default_mentor_capacity,
        )
        for user_id, capacity in memberships.order_by("user_id").values_list("user_id", "capacity")
    }
    ids = list(people)
    for user_id, zone in User.objects.filter(pk__in=ids).values_list("pk", "time_zone"):
        people[user_id].time_zone = zone
    profile_rows = Profile.objects.filter(user_id__in=ids).values_list(
        "user_id",
        "country",
        "organisation_unit",
        "seniority",
        "goals_text",
        "headline",
        "bio",
        "meeting_modes",
    )
    for user_id, country, unit, seniority, goals, headline, bio, modes in profile_rows:
        person = people[user_id]
        person.country = str(country or "")
        person.org_unit = (unit or "").strip().lower()
        person.seniority = seniority or 0
        person.goals_text, person.headline, person.bio = goals, headline, bio
        person.meeting_modes = list(modes or [])
    language_rows = ProfileLanguage.objects.filter(profile_id__in=ids).values_list(
        "profile_id", "code", "proficiency"
    )
    for user_id, code, level in language_rows:
        people[user_id].languages[code] = level
    preference_rows = MatchingPreference.objects.filter(
        membership__program=program,
        membership__status=MembershipStatus.ACTIVE,
        membership__role__in=list(roles),
        membership__user_id__in=ids,
    ).values_list(
        "membership__user_id", "must_speak", "must_country", "must_meet_in_person", "ranked_mentors"
    )
    for user_id, must_speak, must_country, in_person, ranked in preference_rows:
        people[user_id].requires = preference_requires(program, must_speak, must_country, in_person)
        people[user_id].ranking = [int(r) for r in ranked or []]
    tag_links = (
        (Profile.expertise.through, "expertise"),
        (Profile.interests.through, "interests"),
    )
    for through, attribute in tag_links:
        for user_id, name in through.objects.filter(profile_id__in=ids).values_list(
            "profile_id", "tag__name"
        ):
            getattr(people[user_id], attribute).append(name)
    return list(people.values())


def _record(
    person: Person,
    start: datetime,
    *,
    as_mentor: bool,
    as_mentee: bool,
    availability: dict[int, list[int]],
) -> engine.PersonRecord:
    text_parts: list[str] = []
    if as_mentee:
        text_parts += [person.goals_text, " ".join(person.interests)]
    if as_mentor:
        text_parts += [person.headline, person.bio, " ".join(person.expertise)]
    return engine.PersonRecord(
        id=person.user_id,
        languages=person.languages,
        country=person.country or None,
        org_unit=person.org_unit or None,
        expertise=person.expertise if as_mentor else (),
        goals=person.interests if as_mentee else (),
        text=" ".join(p for p in text_parts if p),
        availability=availability.get(person.user_id)
        or default_availability(person.time_zone, start),
        seniority=float(person.seniority),
        capacity=person.capacity if as_mentor else 1,
        traits=[f"mode:{mode}" for mode in person.meeting_modes],
        requires=person.requires if as_mentee else {},
        ranking=person.ranking if as_mentee else (),
    )


@dataclass
class ProgramProblem:
    """A program's engine problem plus the Django people behind each row."""

    program: Program
    problem: engine.MatchingProblem
    scorer: engine.Scorer
    mentee_row: dict[int, int]
    mentor_row: dict[int, int]
    is_peer: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def pair_factors(
        self, pairs: Sequence[tuple[int, int]]
    ) -> list[tuple[bool, float, tuple[dict[str, Any], ...]]]:
        """(feasible, score, explanation) of each (mentee id, mentor id) pair."""
        if not pairs:
            return []
        i = np.array([self.mentee_row[a] for a, _ in pairs], dtype=np.int64)
        j = np.array([self.mentor_row[b] for _, b in pairs], dtype=np.int64)
        factors = self.scorer.pair_factors(i, j)
        explained = explain_pairs(self.scorer, factors)
        return [
            (bool(ok), float(score) if ok else 0.0, expl)
            for ok, score, expl in zip(
                factors.feasible.tolist(), factors.score.tolist(), explained, strict=True
            )
        ]


def build_program_problem(
    program: Program,
    snap: dict[str, Any],
    *,
    mentee_ids: set[int] | None = None,
    reserved_load: dict[int, int] | None = None,
    extra_excluded: Iterable[tuple[int, int]] = (),
) -> ProgramProblem:
    """Everyone active in the program, or only ``mentee_ids`` on the mentee side.

    ``reserved_load`` adds capacity already promised (locked proposals) to the open load.
    """
    weights, rules = weights_and_rules(snap)
    start = grid_start(program)
    is_peer = program.is_peer
    if is_peer:
        mentor_members = load_people(program, [Role.PEER])
        mentee_members = (
            mentor_members
            if mentee_ids is None
            else [p for p in mentor_members if p.user_id in mentee_ids]
        )
    else:
        mentee_members = load_people(program, [Role.MENTEE], mentee_ids)
        mentor_members = load_people(program, [Role.MENTOR])
    load = open_load(program)
    for user_id, n in (reserved_load or {}).items():
        load[user_id] = load.get(user_id, 0) + n
    slots = availability_of({m.user_id for m in [*mentee_members, *mentor_members]}, start)
    mentees = [
        _record(m, start, as_mentor=is_peer, as_mentee=True, availability=slots)
        for m in mentee_members
    ]
    mentors = [
        _record(m, start, as_mentor=True, as_mentee=is_peer, availability=slots)
        for m in mentor_members
    ]
    excluded: set[tuple[Hashable, Hashable]] = set(past_pairs(program)) | blocked_pairs(program)
    excluded |= set(extra_excluded)
    if is_peer:
        excluded |= {(m.user_id, m.user_id) for m in mentor_members}
        # A peer with no room left cannot start another circle either.
        full = {m.user_id for m in mentor_members if load.get(m.user_id, 0) >= m.capacity}
        mentees = [r for r in mentees if r.id not in full]
    problem = engine.build_problem(
        mentees,
        mentors,
        grid=GRID,
        min_language_level=rules.min_language_level,
        excluded_pairs=excluded,
        mentor_load={m.user_id: load.get(m.user_id, 0) for m in mentor_members},
    )
    scorer = engine.Scorer(problem, weights, rules)
    return ProgramProblem(
        program=program,
        problem=problem,
        scorer=scorer,
        mentee_row={pid: r for r, pid in enumerate(problem.mentees.ids)},  # type: ignore[misc]
        mentor_row={pid: r for r, pid in enumerate(problem.mentors.ids)},  # type: ignore[misc]
        is_peer=is_peer,
        # A peer round pairs within one pool: the peers with room, and the pairs never to make.
        extra={"pool": mentees, "excluded": excluded, "weights": weights, "rules": rules}
        if is_peer
        else {},
    )


# -- solving ------------------------------------------------------------------------------


@dataclass
class Solution:
    pairs: list[tuple[int, int, float, tuple[dict[str, Any], ...]]]  # mentee, mentor, score, why
    unmatched: dict[int, tuple[str, ...]]
    stats: dict[str, Any]


NO_LANGUAGES_SET = "no_languages_set"
PAIR_REJECTED = "pair_rejected"


def with_missing_languages_named(
    unmatched: dict[int, tuple[str, ...]],
) -> dict[int, tuple[str, ...]]:
    """Someone who set no language shares none with anyone: say that, not that no mentor
    speaks their languages well enough (a coordinator went looking for such a mentor)."""
    from openmentor.accounts.models import ProfileLanguage

    with_languages = set(
        ProfileLanguage.objects.filter(profile__user_id__in=list(unmatched)).values_list(
            "profile__user_id", flat=True
        )
    )
    return {
        user_id: tuple(
            NO_LANGUAGES_SET
            if code == "no_shared_language" and user_id not in with_languages
            else code
            for code in reasons
        )
        for user_id, reasons in unmatched.items()
    }


def solve(pp: ProgramProblem, snap: dict[str, Any]) -> Solution:
    if pp.is_peer:
        if getattr(engine, "pair_peers", None) is not None:
            return _pool_peers(pp)
        return _pair_peers(pp)
    groups = snap.get("groups") or {}
    if groups.get("enabled") and getattr(engine, "form_groups", None) is not None:
        return _circles(pp, int(groups.get("max_size") or 6))
    mode = snap.get("mode", "optimal")
    stats: dict[str, Any] = {"mode": mode}
    stable = _stable_solver()
    if mode == "stable" and stable is not None:
        result = stable(pp.problem, scorer=pp.scorer)
    else:
        if mode == "stable":
            # The engine's stable solver is not there yet: say so rather than pretend.
            stats["note"] = "stable_unavailable_used_optimal"
        result = engine.assign(pp.problem, scorer=pp.scorer, maximize_matches=True)
    stats.update(
        {k: v for k, v in getattr(result, "stats", {}).items() if isinstance(v, int | float)}
    )
    return Solution(
        pairs=[(p.mentee, p.mentor, p.score, p.factors) for p in result.pairs],  # type: ignore[misc]
        unmatched={u.person: u.reasons for u in result.unmatched},  # type: ignore[misc]
        stats=stats,
    )


def _stable_solver() -> Any:
    """The engine's stable solver, when the engine ships one (it is being built in parallel)."""
    try:
        from .engine.stable import stable_match
    except ImportError:
        return None
    return stable_match


def _circles(pp: ProgramProblem, max_size: int) -> Solution:
    """Circles of 2..max_size mentees, one mentor each; every member keeps the explanation
    of their own fit with the mentor (the circle's shared time is in the group factors)."""
    result = engine.form_groups(pp.problem, scorer=pp.scorer, min_size=2, max_size=max_size)
    members = [(mentee, group.mentor) for group in result.groups for mentee in group.mentees]
    facts = pp.pair_factors(members)  # type: ignore[arg-type]
    group_factors = {
        group.mentor: tuple(f for f in group.factors if f.get("code") == "group_availability")
        for group in result.groups
    }
    pairs = [
        (mentee, mentor, score, (*why, *group_factors[mentor]))
        for (mentee, mentor), (_ok, score, why) in zip(members, facts, strict=True)
    ]
    return Solution(
        pairs=pairs,  # type: ignore[arg-type]
        unmatched={u.person: u.reasons for u in result.unmatched},  # type: ignore[misc]
        stats={"mode": "circles", "circles": len(result.groups)},
    )


def _pool_peers(pp: ProgramProblem) -> Solution:
    """The engine's peer pairing (exact on small pools) over the peers who have room."""
    records = pp.extra["pool"]
    excluded = [(a, b) for a, b in pp.extra["excluded"] if a != b]
    rules = pp.extra["rules"]
    pool = engine.build_pool(
        records, grid=GRID, min_language_level=rules.min_language_level, excluded_pairs=excluded
    )
    result = engine.pair_peers(pool, pp.extra["weights"], rules)
    stats = {k: v for k, v in result.stats.items() if isinstance(v, int | float)}
    return Solution(
        pairs=[(p.mentee, p.mentor, p.score, p.factors) for p in result.pairs],  # type: ignore[misc]
        unmatched={u.person: u.reasons for u in result.unmatched},  # type: ignore[misc]
        stats={"mode": "peers", "exact": bool(result.exact), **stats},
    )


def _pair_peers(pp: ProgramProblem) -> Solution:
    """Greedy best-first pairing within one pool (each peer in at most one new pair).

    A thin stand-in until the engine's peer pairing lands: symmetric score is the sum of
    both directions, so each pair is good for both people.
    """
    ids = list(pp.problem.mentees.ids)
    if len(ids) < 2:
        return Solution([], {pid: ("odd_one_out",) for pid in ids}, {"mode": "peer_greedy"})  # type: ignore[misc]
    cands = pp.scorer.candidates()
    both: dict[tuple[int, int], float] = {}
    for i, j, s in zip(
        cands.mentee.tolist(), cands.mentor.tolist(), cands.score.tolist(), strict=True
    ):
        a, b = ids[i], ids[j]
        if a == b or b not in pp.mentee_row:
            continue
        back = pp.pair_factors([(b, a)])[0]
        if not back[0]:
            continue
        key = (min(a, b), max(a, b))  # type: ignore[type-var]
        both[key] = max(both.get(key, 0.0), s + back[1])
    used: set[int] = set()
    chosen: list[tuple[int, int]] = []
    for (a, b), _score in sorted(both.items(), key=lambda kv: -kv[1]):
        if a not in used and b not in used:
            used.update((a, b))
            chosen.append((a, b))
    facts = pp.pair_factors(chosen)
    pairs = [(a, b, score, why) for (a, b), (_ok, score, why) in zip(chosen, facts, strict=True)]
    unmatched = {
        pid: (("odd_one_out",) if any(pid in k for k in both) else ("no_compatible_peer",))
        for pid in ids
        if pid not in used
    }
    return Solution(pairs, unmatched, {"mode": "peer_greedy", "candidates": len(both)})  # type: ignore[arg-type]


def recommend_for(
    program: Program, user: User, snap: dict[str, Any], k: int = 10
) -> list[dict[str, Any]]:
    """Ranked mentors (or peers) with room for ``user``, with their explanations."""
    pp = build_program_problem(program, snap, mentee_ids={user.pk})
    row = pp.mentee_row.get(user.pk)
    if row is None:
        return []
    found = engine.recommend(pp.scorer, row, k=k)
    users = User.objects.select_related("profile").in_bulk([rec.mentor for rec in found])
    return [
        {
            "mentor": users[rec.mentor],  # type: ignore[index]
            "score": rec.score,
            "factors": list(rec.factors),
            "reasons": describe(rec.factors),
        }
        for rec in found
    ]


# -- words ----------------------------------------------------------------------------------


def describe_factor(factor: dict[str, Any]) -> str:
    code = factor.get("code")
    if code == "shared_language":
        # "English and Spanish" in each language ("inglês e espanhol"), not a bare list.
        names = get_text_list(
            [language_name(c, in_sentence=True) for c in factor.get("languages", [])], _("and")
        )
        return _("Both speak %(languages)s.") % {"languages": names}
    if code == "availability_overlap":
        return _("About %(hours)s hours a week of shared free time.") % {
            "hours": f"{factor['hours_per_week']:g}"
        }
    if code == "shared_goals":
        return _("Shared goals: %(tags)s.") % {"tags": ", ".join(factor.get("tags", []))}
    if code == "goal_text_similarity":
        terms = factor.get("terms")
        if terms:
            return _("Goals and experience both mention %(terms)s.") % {"terms": ", ".join(terms)}
        return _("Goals read close to the experience on offer.")
    if code == "seniority_gap":
        return _("The mentor is further along in their career.")
    if code == "cross_border":
        countries = factor.get("countries", ["", ""])
        return _("A cross-border pair: %(a)s and %(b)s.") % {"a": countries[0], "b": countries[1]}
    if code == "ranked_preference":
        return _("Honours a ranked preference: the mentee ranked this mentor number %(rank)s.") % {
            "rank": factor.get("rank")
        }
    if code == "group_availability":
        return _("The whole circle is free about %(hours)s hours a week.") % {
            "hours": f"{factor['hours_per_week']:g}"
        }
    if code == "requirements_met":
        return _("Meets every must-have: %(traits)s.") % {
            "traits": ", ".join(describe_trait(t) for t in factor.get("traits", []))
        }
    return str(code)


def country_name(code: str) -> str:
    from django_countries import countries

    return str(dict(countries).get(code, code))


def describe_trait(trait: str) -> str:
    """``lang:pt`` → "speaks Portuguese", ``country:BR`` → "lives in Brazil"."""
    family, _sep, value = trait.partition(":")
    if family == "lang":
        return _("speaks %(language)s") % {"language": language_name(value, in_sentence=True)}
    if family == "country":
        return _("lives in %(country)s") % {"country": country_name(value)}
    if trait == "mode:in_person":
        return _("can meet in person")
    return trait


def describe_musts(
    must_speak: Iterable[str], must_country: Iterable[str], in_person: bool
) -> list[str]:
    """A person's must-haves in words, e.g. ["speaks Portuguese or Spanish"]."""
    out: list[str] = []
    languages = [language_name(c, in_sentence=True) for c in must_speak]
    if languages:
        out.append(_("speaks %(languages)s") % {"languages": _(" or ").join(languages)})
    places = [country_name(c) for c in must_country]
    if places:
        out.append(_("lives in %(countries)s") % {"countries": _(" or ").join(places)})
    if in_person:
        out.append(_("can meet in person"))
    return out


def describe(factors: Iterable[dict[str, Any]]) -> list[str]:
    return [describe_factor(f) for f in factors]


def describe_reason(code: str) -> str:
    # Looked up at call time so the text follows the reader's language.
    texts = {
        "no_mentors": _("The program has no mentors with room yet."),
        "no_shared_language": _("No mentor speaks one of their languages well enough."),
        NO_LANGUAGES_SET: _("Their profile names no language, so they share none with anyone."),
        PAIR_REJECTED: _("The coordinators rejected the pair proposed for them."),
        "no_availability_overlap": _("No mentor who shares a language is free at the same times."),
        "requirements_not_met": _(
            "No mentor meets every must-have they set (language, country or meeting in person)."
        ),
        "no_more_senior_mentor": _("No otherwise suitable mentor is senior enough."),
        "excluded": _(
            "Every otherwise suitable mentor is excluded (same unit, past or blocked pair)."
        ),
        "all_suitable_mentors_full": _("Every suitable mentor is already full."),
        "not_selected": _("A suitable mentor had room, but the match went to other people."),
        "odd_one_out": _("Every compatible peer was paired with someone else."),
        "group_too_small": _("Not enough compatible people to form a circle."),
        "no_compatible_group": _("No circle shares a language and free time with them."),
        "no_compatible_peer": _("No other peer shares a language and free time."),
    }
    return texts.get(code, code)


__all__ = [
    "GRID",
    "ProgramProblem",
    "Solution",
    "build_program_problem",
    "default_availability",
    "describe",
    "describe_reason",
    "open_load",
    "recommend_for",
    "settings_for",
    "snapshot",
    "solve",
]
