from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "openmentor.matching"
    label = "matching"
