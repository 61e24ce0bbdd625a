from django.urls import path

from . import views

P = "programs/<slug:slug>/matching/"
R = P + "rounds/<id:round_id>/"

urlpatterns = [
    path(P, views.console, name="matching_console"),
    path(P + "rounds/", views.round_start, name="matching_round_start"),
    path(R, views.round_detail, name="matching_round"),
    path(R + "progress/", views.round_progress, name="matching_round_progress"),
    path(R + "fairness/", views.round_fairness, name="matching_fairness"),
    path(R + "rerun/", views.round_rerun, name="matching_round_rerun"),
    path(R + "publish/", views.round_publish, name="matching_round_publish"),
    path(R + "swap/", views.round_swap, name="matching_round_swap"),
    path(R + "pair/", views.round_pair, name="matching_round_pair"),
    path(
        R + "proposals/<id:proposal_id>/<str:action>/",
        views.proposal_action,
        name="matching_proposal_action",
    ),
    path("programs/<slug:slug>/find-a-mentor/", views.my_matching, name="matching_my"),
    path(
        "programs/<slug:slug>/find-a-mentor/preferences/",
        views.my_preferences,
        name="matching_preferences",
    ),
    path(
        "programs/<slug:slug>/find-a-mentor/request/",
        views.request_create,
        name="matching_request_create",
    ),
    path(
        "matching/requests/<id:request_id>/<str:action>/",
        views.request_action,
        name="matching_request_action",
    ),
    path(
        "matching/proposals/<id:proposal_id>/respond/",
        views.proposal_respond,
        name="matching_proposal_respond",
    ),
]
