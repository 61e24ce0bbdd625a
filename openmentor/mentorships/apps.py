from django.apps import AppConfig


class MentorshipsConfig(AppConfig):
    name = "openmentor.mentorships"
    label = "mentorships"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
