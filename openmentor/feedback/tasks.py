from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="5"))
def send_due_surveys() -> dict[str, int]:
    # Hourly: a survey goes out on its day, reminders follow the survey's interval.
    return services.send_due_surveys()
