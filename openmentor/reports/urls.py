from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("programs/<slug:slug>/console/export/", views.console_export, name="program_export"),
    path(
        "programs/<slug:slug>/console/export/<slug:kind>.csv",
        views.console_export_file,
        name="program_export_file",
    ),
]
