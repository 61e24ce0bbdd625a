from django.urls import URLPattern, path

from .consumers import MessagingConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/messaging/", MessagingConsumer.as_asgi()),
]
