from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openmentor.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from . import checks  # noqa: F401 - registers the deployment checks
        from .converters import IdConverter

        register_converter(IdConverter, "id")
