from django.urls import path

from . import views

urlpatterns = [
    path("resources/", views.library, name="resource_library"),
    path("resources/new/", views.resource_new, name="resource_new"),
    path("resources/<id:pk>/", views.resource_detail, name="resource_detail"),
    path("resources/<id:pk>/file/", views.resource_file, name="resource_file"),
    path("resources/<id:pk>/done/", views.resource_done, name="resource_done"),
    path("resources/<id:pk>/share/", views.resource_share, name="resource_share"),
    path("resources/<id:pk>/delete/", views.resource_delete, name="resource_delete"),
    path("resources/paths/new/", views.path_new, name="path_new"),
    path("resources/paths/<id:pk>/", views.path_detail, name="path_detail"),
]
