"""All WebSocket routes; each app adds its own list here."""

from openmentor.core.routing import websocket_urlpatterns as core_routes
from openmentor.messaging.routing import websocket_urlpatterns as messaging_routes
from openmentor.scheduling.routing import websocket_urlpatterns as scheduling_routes

websocket_urlpatterns = [*core_routes, *messaging_routes, *scheduling_routes]
