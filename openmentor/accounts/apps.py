from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openmentor.accounts"
    label = "accounts"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects them
