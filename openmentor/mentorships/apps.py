from django.apps import AppConfig


class MentorshipsConfig(AppConfig):
    name = "openmentor.mentorships"
    label = "mentorships"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects them
