"""Matching in the product, end to end through Django: profiles in the database become a
round's proposals, and a mentee's recommendations page is computed.

    python bench/matching_rounds.py                  # 1,000 mentees x 300 mentors
    python bench/matching_rounds.py --mentees 200 --mentors 60

A throwaway SQLite database in a temporary directory is migrated and filled with a
synthetic program (languages, countries, tags, goal texts, time zones, capacity 1-5,
weekly availability windows for half the people). Timed, each best of ``--repeat``:

* ``load_build_s``: reading memberships and profiles and building the engine problem;
* ``round_s``: a whole round as the worker runs it (load, solve, store proposals and reasons);
* ``recommend_ms``: one mentee's ranked, explained recommendations (what the page does).

The engine alone is measured by ``bench/matching.py``; this is the Django-side cost.
Results go to ``bench/results/matching_rounds.json``. Target (DESIGN.md §6): 1,000 x 300
interactively, under a second for the round.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LANGUAGES = ["en", "es", "pt", "fr", "de", "ar", "hi", "ne", "sw", "zh"]
COUNTRIES = ["BR", "IN", "NP", "NG", "KE", "GB", "DE", "FR", "US", "MX", "CN", "EG", "PT", "ES"]
ZONES = [
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Mexico_City",
    "Asia/Shanghai",
    "Africa/Cairo",
    "Europe/Lisbon",
    "Europe/Madrid",
]
TAGS = [
    "grant writing", "statistics", "machine learning", "qualitative methods", "python",
    "academic writing", "public speaking", "leadership", "data visualisation", "ethics",
    "peer review", "teaching", "career planning", "networking", "project management",
    "survey design", "r", "sql", "open science", "fieldwork",
]  # fmt: skip


def setup_django(directory: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    os.environ.setdefault("OPENMENTOR_SECRET_KEY", "bench-only-not-secret")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(n_mentees: int, n_mentors: int, seed: int = 7) -> object:
    from django.contrib.auth.hashers import make_password

    from openmentor.accounts.models import Profile, ProfileLanguage, Tag, User
    from openmentor.programs.models import Membership, Program
    from openmentor.scheduling.models import AvailabilityWindow

    rng = random.Random(seed)
    tags = [Tag.objects.create(name=t) for t in TAGS]
    program = Program.objects.create(
        name="Bench", slug="bench", starts_on=date(2027, 1, 4), matching_mode="both"
    )
    coordinator = User.objects.create_user(email="coord@bench.test", display_name="Coordinator")
    Membership.objects.create(
        program=program, user=coordinator, role="coordinator", status="active"
    )
    n = n_mentees + n_mentors
    users = User.objects.bulk_create(
        User(
            email=f"p{i}@bench.test",
            display_name=f"Person {i}",
            time_zone=ZONES[i % len(ZONES)],
            password=make_password(None),  # unusable: nobody signs in here
        )
        for i in range(n)
    )
    Profile.objects.bulk_create(
        Profile(
            user=u,
            country=COUNTRIES[i % len(COUNTRIES)],
            seniority=1 + (i % 5),
            goals_text=" ".join(rng.sample(TAGS, 3)) + " for my thesis",
            headline=f"Works on {rng.choice(TAGS)}",
            organisation_unit=f"Unit {i % 12}",
        )
        for i, u in enumerate(users)
        if not Profile.objects.filter(user=u).exists()
    )
    languages = []
    for u in users:
        first, second = rng.sample(LANGUAGES[:6], 2)
        languages.append(ProfileLanguage(profile_id=u.pk, code=first, proficiency=5))
        languages.append(
            ProfileLanguage(profile_id=u.pk, code=second, proficiency=rng.randint(2, 5))
        )
    ProfileLanguage.objects.bulk_create(languages)
    expertise = Profile.expertise.through
    interests = Profile.interests.through
    expertise.objects.bulk_create(
        expertise(profile_id=u.pk, tag_id=t.pk)
        for u in users[n_mentees:]
        for t in rng.sample(tags, 4)
    )
    interests.objects.bulk_create(
        interests(profile_id=u.pk, tag_id=t.pk)
        for u in users[:n_mentees]
        for t in rng.sample(tags, 2)
    )
    windows = []
    for u in users[::2]:
        for weekday in rng.sample(range(7), 3):
            start = rng.randint(7, 18)
            windows.append(
                AvailabilityWindow(
                    user=u,
                    weekday=weekday,
                    start_time=clock(start),
                    end_time=clock(start + 3),
                    time_zone=u.time_zone,
                )
            )
    AvailabilityWindow.objects.bulk_create(windows)
    Membership.objects.bulk_create(
        [
            *(
                Membership(program=program, user=u, role="mentee", status="active")
                for u in users[:n_mentees]
            ),
            *(
                Membership(
                    program=program,
                    user=u,
                    role="mentor",
                    status="active",
                    capacity=rng.randint(1, 5),
                )
                for u in users[n_mentees:]
            ),
        ]
    )
    program.coordinator = coordinator  # type: ignore[attr-defined]
    program.sample_mentee = users[0]  # type: ignore[attr-defined]
    return program


def best_of(repeat: int, work: object) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=1000)
    parser.add_argument("--mentors", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        setup_django(directory)
        from openmentor.matching import adapter, services
        from openmentor.matching.models import MatchingRound, Proposal, RoundStatus

        program = populate(args.mentees, args.mentors)
        snap = adapter.snapshot(adapter.settings_for(program))  # type: ignore[arg-type]
        load_build_s, _ = best_of(
            args.repeat,
            lambda: adapter.build_program_problem(program, snap),  # type: ignore[arg-type]
        )

        def one_round() -> MatchingRound:
            MatchingRound.objects.all().delete()
            made = MatchingRound.objects.create(program=program, settings_snapshot=snap)
            services.run_round(made.pk)
            made.refresh_from_db()
            assert made.status == RoundStatus.DONE, made.error
            return made

        round_s, done = best_of(args.repeat, one_round)
        recommend_s, recs = best_of(
            args.repeat,
            lambda: adapter.recommend_for(program, program.sample_mentee, snap),  # type: ignore[attr-defined,arg-type]
        )
        result = {
            "instance": f"{args.mentees}x{args.mentors}",
            "load_build_s": round(load_build_s, 3),
            "round_s": round(round_s, 3),
            "recommend_ms": round(recommend_s * 1000, 1),
            "proposals": Proposal.objects.filter(round=done).count(),
            "unmatched": done.unmatched.count(),  # type: ignore[union-attr]
            "recommendations": len(recs),  # type: ignore[arg-type]
            "repeat": args.repeat,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        }
    out = ROOT / "bench" / "results" / "matching_rounds.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([result], indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
