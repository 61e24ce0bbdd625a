from django.urls import path

from . import views

urlpatterns = [
    path("feedback/sessions/<id:session_id>/rate/", views.session_rate, name="session_rate"),
    path("feedback/surveys/<id:survey_id>/", views.survey_answer, name="survey_answer"),
    path("programs/<slug:slug>/feedback/", views.program_feedback, name="program_feedback"),
    path(
        "programs/<slug:slug>/feedback/surveys/<id:survey_id>/",
        views.survey_manage,
        name="survey_manage",
    ),
]
