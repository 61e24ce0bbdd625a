from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "openmentor.analytics"
    label = "analytics"
