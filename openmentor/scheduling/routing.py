from django.urls import URLPattern, path

from .consumers import MeetingRoomConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/meetings/<id:meeting_id>/", MeetingRoomConsumer.as_asgi()),
]
