from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .models import UserEvent
from .selectors import expired_events_cutoff


@db_periodic_task(crontab(minute="17", hour="3"))
def prune_old_events() -> None:
    # Clients catch up for at least 24 hours; a week leaves room for long absences.
    UserEvent.objects.filter(created_at__lt=expired_events_cutoff()).delete()
