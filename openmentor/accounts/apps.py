from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openmentor.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
