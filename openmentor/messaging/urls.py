from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("messages/", views.conversation_list, name="messaging_list"),
    path("messages/search/", views.search, name="messaging_search"),
    path("messages/poll/", views.poll, name="messaging_poll"),
    path("messages/coach/", views.coach_setting, name="messaging_coach"),
    path("messages/<int:pk>/", views.thread, name="messaging_thread"),
    path("messages/message/<int:pk>/edit/", views.edit_message, name="messaging_edit"),
    path("messages/message/<int:pk>/delete/", views.delete_message, name="messaging_delete"),
    path("messages/message/<int:pk>/history/", views.message_history, name="messaging_history"),
    path("messages/message/<int:pk>/report/", views.report_message, name="messaging_report_new"),
    path("messages/message/<int:pk>/react/", views.react, name="messaging_react"),
    path("messages/attachments/<int:pk>/", views.attachment, name="messaging_attachment"),
    path("messages/people/<int:user_id>/block/", views.block_person, name="messaging_block"),
    path("messages/support/<slug:slug>/", views.start_support, name="messaging_support"),
    path(
        "messages/program/<slug:slug>/support/<int:user_id>/",
        views.support_with,
        name="messaging_support_with",
    ),
    path(
        "messages/program/<slug:slug>/", views.program_activity, name="messaging_program_activity"
    ),
    path("messages/reports/<int:pk>/", views.report_detail, name="messaging_report"),
    path(
        "messages/reports/<int:pk>/files/<int:attachment_id>/",
        views.report_attachment,
        name="messaging_report_attachment",
    ),
    path("mentorships/<int:pk>/messages/", views.mentorship_messages, name="mentorship_messages"),
]
