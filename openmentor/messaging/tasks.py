from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*"))
def deliver_scheduled_messages() -> None:
    services.deliver_due_messages()


@db_periodic_task(crontab(minute="*/5"))
def email_unread_messages() -> None:
    services.email_unread()
