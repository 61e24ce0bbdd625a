from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """What coordinators take away: the program's data as files. It reads every app (people,
    mentorships, messaging counts, meetings) and no app depends on it."""

    name = "openmentor.reports"
    label = "reports"
