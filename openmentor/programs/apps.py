from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "openmentor.programs"
    label = "programs"
