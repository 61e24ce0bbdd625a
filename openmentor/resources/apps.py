from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "openmentor.resources"
    label = "resources"
