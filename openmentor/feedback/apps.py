from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "openmentor.feedback"
    label = "feedback"
