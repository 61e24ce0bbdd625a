from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "openmentor.api"
    label = "api"
