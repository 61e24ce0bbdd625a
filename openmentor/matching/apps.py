from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "openmentor.matching"
    label = "matching"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
