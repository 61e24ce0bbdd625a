"""ASGI entry point: HTTP through Django, WebSockets through Channels with the session."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.websockets import websocket_urlpatterns  # noqa: E402
from openmentor.core.body_limit import BodyLimit  # noqa: E402
from openmentor.core.runtime import tune_garbage_collector  # noqa: E402
from openmentor.core.socket_auth import OriginCheckedUnlessToken, SocketSessionAuth  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimit(django_asgi_app),
        "websocket": OriginCheckedUnlessToken(SocketSessionAuth(URLRouter(websocket_urlpatterns))),
    }
)

tune_garbage_collector()
