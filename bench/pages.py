"""Page budgets (DESIGN.md §6): core pages ≤ 100 KB compressed on first load and ≤ 15
requests, usable on an emulated 400 kbps / 400 ms link in ≤ 3 s; the coordinator's pages
over a program of 100,000 participants answer in ≤ 300 ms (server time, p95).

    python bench/pages.py                 # 100,000 participants
    python bench/pages.py --people 20000  # quicker

Part 1 (server time) runs in-process against a fresh SQLite database in WAL mode, the
embedded default. Baseline in the same run: the same pages for the demo program (about 60
people), so the figures show what scale adds. Part 2 (first load on a slow link) serves
the same database with uvicorn and loads each page in Debian's Chromium with an empty
cache under CDP network emulation; baseline in the same run: `/healthz`, a tiny JSON
answer, which shows the floor the link itself sets.

Results go to ``bench/results/pages.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VAR_DIR = tempfile.mkdtemp(prefix="om-bench-pages-")
os.environ["OPENMENTOR_VAR_DIR"] = VAR_DIR
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from openmentor.accounts.models import User  # noqa: E402
from openmentor.core.loopback import CHROMIUM_ARGS, free_port, start_uvicorn, stop  # noqa: E402
from openmentor.mentorships.models import Mentorship, MentorshipParticipant  # noqa: E402
from openmentor.messaging.models import Conversation  # noqa: E402
from openmentor.programs.models import Membership, Program  # noqa: E402

BIG_SLUG = "big-program"
DEMO_SLUG = "global-doctoral-mentoring"
COORDINATOR = "coordinator@demo.openmentor.org"
MENTOR = "mentor@demo.openmentor.org"  # has a conversation with a short history
PASSWORD = "openmentor-demo"  # noqa: S105 - the demo sign-in


def seed(people: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `make run` does
    call_command("seed_demo", verbosity=0)
    coordinator = User.objects.get(email=COORDINATOR)
    program = Program.objects.create(
        name="Big Program", slug=BIG_SLUG, approval="manual", created_by=coordinator
    )
    Membership.objects.create(
        program=program, user=coordinator, role="coordinator", status="active"
    )
    batch = 5000
    for start in range(0, people, batch):
        users = User.objects.bulk_create(
            User(email=f"p{n}@bench.example.org", display_name=f"Person {n:06d}", password="!")  # noqa: S106 - unusable
            for n in range(start, min(start + batch, people))
        )
        Membership.objects.bulk_create(
            Membership(
                program=program,
                user=user,
                role="mentor" if n % 5 == 0 else "mentee",
                status="pending" if n % 50 == 0 else "active",
                capacity=2 if n % 5 == 0 else None,
            )
            for n, user in enumerate(users, start=start)
        )
        _pair_up(program, users, start)


def _pair_up(program: Any, users: list[Any], start: int) -> None:
    """Each mentor of the batch with the next two mentees: the messaging activity page
    lists every mentorship (a fifth paused, some that never wrote), the quietest first."""
    by_number = dict(enumerate(users, start=start))
    pairs = [
        (by_number[n], by_number[n + k])
        for n in by_number
        if n % 5 == 0
        for k in (1, 2)
        if n + k in by_number
    ]
    mentorships = Mentorship.objects.bulk_create(
        Mentorship(program=program, status="paused" if i % 5 == 0 else "active")
        for i in range(len(pairs))
    )
    MentorshipParticipant.objects.bulk_create(
        MentorshipParticipant(mentorship=m, user=person, role=role)
        for m, (mentor, mentee) in zip(mentorships, pairs, strict=True)
        for person, role in ((mentor, "mentor"), (mentee, "mentee"))
    )
    now = timezone.now()
    Conversation.objects.bulk_create(
        Conversation(
            program=program,
            kind="mentorship",
            mentorship=m,
            message_count=i % 40,
            last_message_at=now - timedelta(hours=i % 2000),
        )
        for i, m in enumerate(mentorships)
        if i % 3  # a third never opened their messages
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def server_times(repeat: int) -> list[dict[str, Any]]:
    client = Client()
    client.force_login(User.objects.get(email=COORDINATOR))
    pages = [
        ("console overview", "/programs/{slug}/console/"),
        ("members, first page", "/programs/{slug}/console/members/"),
        ("members, search", "/programs/{slug}/console/members/?q=Person%200421"),
        ("members, last page", "/programs/{slug}/console/members/?page=last"),
        ("applications", "/programs/{slug}/console/applications/"),
        ("messaging activity, first page", "/messages/program/{slug}/"),
        ("messaging activity, page 100", "/messages/program/{slug}/?page=100"),
        ("dashboard", "/dashboard/"),
    ]
    results = []
    for name, pattern in pages:
        row: dict[str, Any] = {"page": name}
        for label, slug in (("big", BIG_SLUG), ("demo_baseline", DEMO_SLUG)):
            url = pattern.format(slug=slug)
            client.get(url)  # the first request of a process compiles templates: not timed
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            row[f"{label}_p50_ms"] = round(statistics.median(timings), 1)
            row[f"{label}_p95_ms"] = round(percentile(timings, 0.95), 1)
        results.append(row)
    return results


def signed_in_state(browser: Any, base: str, email: str) -> Any:
    login = browser.new_context()
    page = login.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/dashboard/")
    state = login.storage_state()
    login.close()
    return state


def first_loads(kbps: int, rtt_ms: int) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    server = start_uvicorn("config.asgi:application", env, port, options=["--log-level", "warning"])
    base = f"http://127.0.0.1:{port}"
    try:
        conversation = Conversation.objects.get(members__user__email=MENTOR)
        pages = [  # (name, path, who is signed in)
            ("link floor (/healthz, baseline)", "/healthz", None),
            ("home", "/", None),
            ("sign in", "/accounts/login/", None),
            ("program directory", "/programs/", None),
            ("program page", f"/programs/{DEMO_SLUG}/", None),
            ("dashboard", "/dashboard/", COORDINATOR),
            ("profile edit", "/profile/", COORDINATOR),
            (
                "coordinator applications",
                f"/programs/{DEMO_SLUG}/console/applications/",
                COORDINATOR,
            ),
            ("messages", "/messages/", COORDINATOR),
            ("meetings", "/scheduling/", COORDINATOR),
            # The live thread: its script, styles and the socket's first frames.
            ("conversation", f"/messages/{conversation.pk}/", MENTOR),
        ]
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            states = {
                email: signed_in_state(browser, base, email) for email in (COORDINATOR, MENTOR)
            }
            for name, path, who in pages:
                context = browser.new_context(storage_state=states[who] if who else None)
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": False,
                        "latency": rtt_ms,
                        "downloadThroughput": kbps * 1000 / 8,
                        "uploadThroughput": kbps * 1000 / 8,
                    },
                )
                wire_bytes: list[int] = []
                cdp.on(
                    "Network.loadingFinished",
                    lambda event, sink=wire_bytes: sink.append(event["encodedDataLength"]),
                )
                responses: list[Any] = []
                page.on("response", lambda response, sink=responses: sink.append(response))
                started = time.perf_counter()
                page.goto(base + path, wait_until="load")
                elapsed = (time.perf_counter() - started) * 1000
                page.wait_for_load_state("networkidle")
                bodies = [response.body() for response in responses if response.status < 300]
                rows.append(
                    {
                        "page": name,
                        "path": path,
                        "requests": len(responses),
                        "wire_kb": round(sum(wire_bytes) / 1024, 1),
                        "uncompressed_kb": round(sum(len(body) for body in bodies) / 1024, 1),
                        "gzip_kb": round(
                            sum(len(gzip.compress(body)) for body in bodies) / 1024, 1
                        ),
                        "load_ms": round(elapsed),
                    }
                )
                context.close()
            browser.close()
        return rows
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--kbps", type=int, default=400)
    parser.add_argument("--rtt", type=int, default=400)
    options = parser.parse_args()

    started = time.perf_counter()
    seed(options.people)
    seed_s = time.perf_counter() - started
    connection.close()
    report = {
        "benchmark": "pages",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "database": "sqlite (WAL), embedded default",
        "participants": options.people,
        "seed_s": round(seed_s, 1),
        "server_time": server_times(options.repeat),
        "link": {"kbps": options.kbps, "rtt_ms": options.rtt},
        "first_load": first_loads(options.kbps, options.rtt),
        "budgets": {"server_p95_ms": 300, "gzip_kb": 100, "requests": 15, "load_ms": 3000},
    }
    out = ROOT / "bench" / "results" / "pages.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    shutil.rmtree(VAR_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
