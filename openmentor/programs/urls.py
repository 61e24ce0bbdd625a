from django.urls import path

from . import views

urlpatterns = [
    path("programs/", views.program_directory, name="program_directory"),
    path("programs/new/", views.program_create, name="program_create"),
    path("programs/<slug:slug>/", views.program_detail, name="program_detail"),
    path("programs/<slug:slug>/apply/", views.apply, name="program_apply"),
    path("programs/<slug:slug>/leave/", views.leave, name="program_leave"),
    path("programs/<slug:slug>/console/", views.console, name="program_console"),
    path(
        "programs/<slug:slug>/console/settings/",
        views.console_settings,
        name="program_console_settings",
    ),
    path("programs/<slug:slug>/console/close/", views.console_close, name="program_close"),
    path("programs/<slug:slug>/console/reopen/", views.console_reopen, name="program_reopen"),
    path(
        "programs/<slug:slug>/console/questions/", views.console_questions, name="program_questions"
    ),
    path(
        "programs/<slug:slug>/console/questions/<id:question_id>/edit/",
        views.console_question_edit,
        name="program_question_edit",
    ),
    path(
        "programs/<slug:slug>/console/questions/<id:question_id>/move/",
        views.console_question_move,
        name="program_question_move",
    ),
    path(
        "programs/<slug:slug>/console/questions/<id:question_id>/delete/",
        views.console_question_delete,
        name="program_question_delete",
    ),
    path(
        "programs/<slug:slug>/console/applications/",
        views.console_applications,
        name="program_applications",
    ),
    path(
        "programs/<slug:slug>/console/applications/<id:membership_id>/decide/",
        views.console_decide,
        name="program_decide",
    ),
    path("programs/<slug:slug>/console/members/", views.console_members, name="program_members"),
    path(
        "programs/<slug:slug>/console/members/<id:membership_id>/remove/",
        views.console_member_remove,
        name="program_member_remove",
    ),
    path("programs/<slug:slug>/console/invite/", views.console_invite, name="program_invite"),
    path(
        "programs/<slug:slug>/console/invite/<id:invitation_id>/resend/",
        views.console_invitation_resend,
        name="program_invitation_resend",
    ),
    path(
        "programs/<slug:slug>/console/invite/<id:invitation_id>/revoke/",
        views.console_invitation_revoke,
        name="program_invitation_revoke",
    ),
    path("programs/<slug:slug>/console/import/", views.console_import, name="program_import"),
    path(
        "programs/<slug:slug>/complete/<slug:role>/",
        views.complete_membership,
        name="program_complete",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
