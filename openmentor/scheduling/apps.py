from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "openmentor.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects them
