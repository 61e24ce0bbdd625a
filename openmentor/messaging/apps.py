from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "openmentor.messaging"
    label = "messaging"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
