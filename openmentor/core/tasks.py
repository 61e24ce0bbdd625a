from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from huey import crontab
from huey.contrib.djhuey import periodic_task, task

from .health import record_worker_heartbeat


@task(retries=3, retry_delay=60)
def send_email(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


@periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Tells /healthz that the worker runs its periodic jobs."""
    record_worker_heartbeat()
