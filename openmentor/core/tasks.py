from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from huey.contrib.djhuey import task


@task(retries=3, retry_delay=60)
def send_email(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
