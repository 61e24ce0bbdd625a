from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from openmentor.api.api import api
from openmentor.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("dashboard/", core_views.dashboard, name="dashboard"),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("openmentor.accounts.urls")),
    path("", include("openmentor.programs.urls")),
    path("", include("openmentor.mentorships.urls")),
    path("", include("openmentor.matching.urls")),
    path("", include("openmentor.messaging.urls")),
    path("", include("openmentor.scheduling.urls")),
    path("", include("openmentor.resources.urls")),
    path("", include("openmentor.feedback.urls")),
    path("", include("openmentor.notifications.urls")),
    path("", include("openmentor.reports.urls")),
]
