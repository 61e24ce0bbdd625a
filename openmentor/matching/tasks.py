"""Background jobs of matching. Jobs receive ids and reload what they need."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_task()
def run_round_task(round_id: int) -> None:
    services.run_round(round_id)


@db_periodic_task(crontab(minute="*/15"))
def expire_requests_task() -> int:
    return services.expire_requests()
