from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.mark_all_read, name="notifications_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
]
