from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "openmentor.scheduling"
    label = "scheduling"
