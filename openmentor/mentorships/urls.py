from django.urls import path

from . import views

urlpatterns = [
    path("mentorships/", views.mentorship_list, name="mentorship_list"),
    path("mentorships/mentees/", views.my_mentees_progress, name="my_mentees_progress"),
    path("mentorships/<id:pk>/", views.mentorship_detail, name="mentorship_detail"),
    path("mentorships/<id:pk>/status/", views.mentorship_status, name="mentorship_status"),
    path("mentorships/<id:pk>/close/", views.mentorship_close, name="mentorship_close"),
    path(
        "mentorships/<id:pk>/reflection/",
        views.mentorship_reflection,
        name="mentorship_reflection",
    ),
    path("mentorships/<id:pk>/agreement/", views.mentorship_agreement, name="mentorship_agreement"),
    path("mentorships/<id:pk>/goals/new/", views.goal_new, name="goal_new"),
    path("mentorships/<id:pk>/sessions/new/", views.session_new, name="session_new"),
    path("mentorships/<id:pk>/notes/", views.note_add, name="note_add"),
    path("mentorships/<id:pk>/progress/", views.mentorship_progress, name="mentorship_progress"),
    path("mentorships/notes/<id:note_id>/delete/", views.note_delete, name="note_delete"),
    path("mentorships/goals/<id:goal_id>/", views.goal_detail, name="goal_detail"),
    path("mentorships/goals/<id:goal_id>/update/", views.goal_update, name="goal_update"),
    path("mentorships/goals/<id:goal_id>/milestones/", views.milestone_add, name="milestone_add"),
    path("mentorships/goals/<id:goal_id>/actions/", views.action_add, name="action_add"),
    path("mentorships/goals/<id:goal_id>/comments/", views.goal_comment, name="goal_comment"),
    path(
        "mentorships/milestones/<id:milestone_id>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
    path("mentorships/actions/<id:item_id>/done/", views.action_done, name="action_done"),
    path(
        "programs/<slug:slug>/agreement-template/",
        views.agreement_template,
        name="agreement_template",
    ),
    path("credentials/verify/", views.credential_verify, name="credential_verify"),
    path(
        "credentials/<uuid:credential_id>.json",
        views.credential_download,
        name="credential_download",
    ),
    path(
        "credentials/<uuid:credential_id>/",
        views.credential_certificate,
        name="credential_certificate",
    ),
]
