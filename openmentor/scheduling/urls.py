from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("scheduling/", views.my_meetings, name="my_meetings"),
    path("scheduling/availability/", views.availability, name="availability"),
    path("scheduling/availability/windows/", views.add_window, name="add_window"),
    path(
        "scheduling/availability/windows/<id:pk>/delete/",
        views.remove_window,
        name="remove_window",
    ),
    path("scheduling/availability/dates/", views.add_override, name="add_override"),
    path(
        "scheduling/availability/dates/<id:pk>/delete/",
        views.remove_override,
        name="remove_override",
    ),
    path("scheduling/availability/preferences/", views.update_preferences, name="preferences"),
    path("scheduling/mentorships/<id:pk>/find-a-time/", views.find_time, name="find_time"),
    path("scheduling/mentorships/<id:pk>/book/", views.book, name="book"),
    path("scheduling/meetings/<id:pk>/", views.meeting_detail, name="meeting"),
    path("scheduling/meetings/<id:pk>/accept/", views.accept, name="accept"),
    path("scheduling/meetings/<id:pk>/respond/", views.respond, name="respond"),
    path("scheduling/meetings/<id:pk>/cancel/", views.cancel, name="cancel"),
    path("scheduling/meetings/<id:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("scheduling/meetings/<id:pk>/notes/", views.save_notes, name="notes"),
    path("scheduling/meetings/<id:pk>/attendance/", views.attendance, name="attendance"),
    path("scheduling/meetings/<id:pk>/invite.ics", views.invitation_file, name="invitation"),
    path("scheduling/meetings/<id:pk>/room/", views.room, name="room"),
    path(
        "scheduling/programs/<slug:slug>/meetings/",
        views.program_meetings,
        name="program_meetings",
    ),
    path("scheduling/calendar-feed/", views.calendar_feed_settings, name="calendar_feed"),
    path("scheduling/feed/<str:token>.ics", views.calendar_feed, name="feed"),
]
