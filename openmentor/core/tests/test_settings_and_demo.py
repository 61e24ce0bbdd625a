"""Production settings pass Django's deployment check; the demo loads and its sign-ins work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from openmentor.programs.management.commands.seed_demo import DEMO_PASSWORD, SIGN_INS

ROOT = Path(__file__).resolve().parents[3]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OPENMENTOR_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def make_run(tmp_path: Path, *args: str, **env: str) -> str:
    """What `make run` starts, each line with the SITE_URL it gets: a stand-in Python
    prints them instead of running anything."""
    python, worker_started = tmp_path / "python", tmp_path / "worker-started"
    worker_started.unlink(missing_ok=True)
    # The server (last, in the foreground) waits for the worker's line: when it ends, the
    # recipe's `kill 0` would cut the worker off before it printed.
    python.write_text(
        "#!/bin/sh\n"
        'echo "$* SITE_URL=$SITE_URL"\n'
        f'[ "$2" = run_huey ] && touch "{worker_started}"\n'
        f'[ "$1" = -m ] && while [ ! -e "{worker_started}" ]; do sleep 0.05; done\n'
        "exit 0\n"
    )
    python.chmod(0o755)
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SITE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    result = subprocess.run(
        ["make", "--silent", "--old-file=.venv/.synced", "run", f"PY={python}", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,  # the recipe ends with `kill 0`: its own process group only
    )
    return result.stdout


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
def test_make_run_links_e_mails_to_its_own_port_unless_told_otherwise(tmp_path: Path) -> None:
    started = make_run(tmp_path, "PORT=8123")
    assert "-m uvicorn config.asgi:application --host 127.0.0.1 --port 8123" in started
    for command in ("manage.py run_huey", "-m uvicorn"):  # the worker sends the e-mails
        line = next(line for line in started.splitlines() if command in line)
        assert line.endswith("SITE_URL=http://127.0.0.1:8123")
    own = make_run(tmp_path, "PORT=8123", SITE_URL="https://mentor.example.org")
    assert "run_huey --quiet SITE_URL=https://mentor.example.org" in own


PRODUCTION_KEYS = {
    "OPENMENTOR_MESSAGE_KEYS": "wx4_2v7yWZ6M8OGf3L3Gq5QqkZ0d0m0eV1y6bGfC2oI=",
    "OPENMENTOR_SIGNING_KEY": "Aa1Gx0mJqS3o5XcN7tQ2YvR8wE4pK6bL9zU1dF3hC0s=",
}


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        OPENMENTOR_PRODUCTION="1",
        OPENMENTOR_VAR_DIR=str(tmp_path),
        SECRET_KEY="x" * 20 + "-production-secret-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="mentor.example.org",
        **{**PRODUCTION_KEYS, **env},
    )


def test_production_settings_pass_check_deploy_with_no_warnings(tmp_path: Path) -> None:
    result = check_deploy(tmp_path, EMAIL_HOST="smtp.example.org")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_e_mail_would_stay_on_the_machine(tmp_path: Path) -> None:
    """Without EMAIL_HOST mail goes to files: no one would get their confirmation link."""
    result = check_deploy(tmp_path)
    assert result.returncode != 0
    assert "openmentor.W001" in result.stderr
    says = f"the filebased backend keeps it on this machine ({tmp_path}/mail)."
    assert f"E-mail is not sent: {says}" in result.stderr


def test_production_refuses_to_start_without_its_message_or_signing_key(tmp_path: Path) -> None:
    """Both are read when first needed: a process without them served for hours, then
    failed on the first message."""
    for missing in PRODUCTION_KEYS:
        result = check_deploy(tmp_path, **{missing: ""}, EMAIL_HOST="smtp.example.org")
        assert result.returncode != 0
        assert f"{missing} must be set when OPENMENTOR_PRODUCTION=1." in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_manage("check", OPENMENTOR_PRODUCTION="1", OPENMENTOR_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_number_setting_that_is_not_a_number_stops_the_start_and_says_which(
    tmp_path: Path,
) -> None:
    """ "1h" for the unread e-mail delay passed every check, then failed every five minutes."""
    for value in ("1h", "0"):
        result = run_manage(
            "check",
            OPENMENTOR_VAR_DIR=str(tmp_path),
            OPENMENTOR_MESSAGE_EMAIL_DELAY_MINUTES=value,
        )
        assert result.returncode != 0
        assert (
            f"OPENMENTOR_MESSAGE_EMAIL_DELAY_MINUTES must be a whole number above 0, not '{value}'."
            in result.stderr
        )
    fine = run_manage(
        "check", OPENMENTOR_VAR_DIR=str(tmp_path), OPENMENTOR_MESSAGES_PER_MINUTE="12"
    )
    assert fine.returncode == 0, fine.stderr


@pytest.mark.django_db
def test_demo_data_spans_the_world_and_its_sign_ins_work(
    django_capture_on_commit_callbacks,
) -> None:
    from openmentor.accounts.models import ProfileLanguage, User
    from openmentor.messaging.models import Conversation
    from openmentor.messaging.services import email_unread
    from openmentor.programs.models import Program

    call_command("seed_demo", "--if-empty")
    people = User.objects.filter(email__endswith="@demo.openmentor.org", is_staff=False)
    assert 55 <= people.count() <= 70
    assert people.values("profile__country").distinct().count() >= 15
    zones = set(people.values_list("time_zone", flat=True))
    assert len(zones) >= 10
    assert {"Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"} <= zones  # half-hour zones
    assert {
        "Europe/London",
        "Australia/Sydney",
        "America/Santiago",
    } & zones  # both hemispheres' DST
    assert ProfileLanguage.objects.values("code").distinct().count() >= 5
    assert {p.structure for p in Program.objects.all()} == {"hierarchical", "peer"}

    for _role, email, _program in SIGN_INS:
        client = Client()
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.get("/dashboard/").status_code == 200
        if email in ("mentor@demo.openmentor.org", "thabo.nkosi@demo.openmentor.org"):
            # A history of some days: the newest message is still unread (the mentor's
            # from his mentee; Thabo's from the circle), the earlier ones were read.
            nav = client.get("/dashboard/").content.decode().split("</nav>")[0]
            assert "1 unread" in nav, email
        if email == "mentor@demo.openmentor.org":
            # The demo mentor's conversation opens with its short history, bodies rendered.
            conversation = Conversation.objects.get(members__user__email=email)
            thread = client.get(f"/messages/{conversation.pk}/")
            assert thread.status_code == 200
            assert b"<strong>methods</strong>" in thread.content
            assert thread.content.count(b'<li class="message') == 4
        if email in ("yasmin.rahman@demo.openmentor.org", "thabo.nkosi@demo.openmentor.org"):
            # The other side of that conversation, and a circle of four: both have messages.
            [conversation] = Conversation.objects.filter(members__user__email=email)
            listed = client.get("/messages/").content.decode()
            assert f'href="/messages/{conversation.pk}/' in listed  # "#unread" when it is
            assert conversation.members.count() == (2 if email.startswith("yasmin") else 4)

    # Every running relationship is named after its people, not "Mentorship 3".
    from openmentor.mentorships.models import Mentorship

    assert Mentorship.objects.exists() and not Mentorship.objects.filter(title="").exists()
    # Made-up messages never turn into "unread" e-mails to the demo's people.
    assert email_unread(timezone.now() + timedelta(hours=2)) == 0
    call_command("seed_demo", "--if-empty")  # a second run leaves the data alone
    assert Program.objects.count() == 2


@pytest.mark.django_db
def test_portuguese_covers_the_sign_in_pages_and_country_names() -> None:
    from django.utils import translation
    from django_countries import countries

    page = Client(HTTP_ACCEPT_LANGUAGE="pt").get("/accounts/login/").content.decode()
    assert 'lang="pt"' in page
    assert "Esqueceu sua senha?" in page  # allauth's own text, not English
    with translation.override("pt"):
        assert countries.name("DE") == "Alemanha"
    with translation.override("es"):  # the other languages keep their own catalogs
        assert countries.name("DE") == "Alemania"
