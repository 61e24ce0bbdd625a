from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("messages/", views.conversation_list, name="messaging_list"),
    path("messages/search/", views.search, name="messaging_search"),
    path("messages/poll/", views.poll, name="messaging_poll"),
    path("messages/coach/", views.coach_setting, name="messaging_coach"),
    path("messages/<id:pk>/", views.thread, name="messaging_thread"),
    path("messages/message/<id:pk>/edit/", views.edit_message, name="messaging_edit"),
    path("messages/message/<id:pk>/delete/", views.delete_message, name="messaging_delete"),
    path("messages/message/<id:pk>/history/", views.message_history, name="messaging_history"),
    path("messages/message/<id:pk>/report/", views.report_message, name="messaging_report_new"),
    path("messages/message/<id:pk>/react/", views.react, name="messaging_react"),
    path("messages/attachments/<id:pk>/", views.attachment, name="messaging_attachment"),
    path("messages/people/<id:user_id>/block/", views.block_person, name="messaging_block"),
    path("messages/support/<slug:slug>/", views.start_support, name="messaging_support"),
    path(
        "messages/program/<slug:slug>/support/<id:user_id>/",
        views.support_with,
        name="messaging_support_with",
    ),
    path(
        "messages/program/<slug:slug>/", views.program_activity, name="messaging_program_activity"
    ),
    path("messages/reports/<id:pk>/", views.report_detail, name="messaging_report"),
    path(
        "messages/reports/<id:pk>/files/<id:attachment_id>/",
        views.report_attachment,
        name="messaging_report_attachment",
    ),
    path("mentorships/<id:pk>/messages/", views.mentorship_messages, name="mentorship_messages"),
]
