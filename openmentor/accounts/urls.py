from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile_edit, name="profile_edit"),
    path("profile/photo/", views.photo_upload, name="photo_upload"),
    path("profile/photo/remove/", views.photo_remove, name="photo_remove"),
    path("people/<id:user_id>/", views.profile_detail, name="profile_detail"),
    path("people/<id:user_id>/photo/", views.photo, name="profile_photo"),
    path("settings/tokens/", views.tokens, name="tokens"),
    path("settings/tokens/<id:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("tags/synonyms/", views.tag_synonyms, name="tag_synonyms"),
]
