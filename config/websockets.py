"""All WebSocket routes; each app adds its own list here."""

from openmentor.core.routing import websocket_urlpatterns as core_routes

websocket_urlpatterns = [*core_routes]
