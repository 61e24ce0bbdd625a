"""WSGI entry point, for tools that speak WSGI (schemathesis, some hosting); the platform
itself is served over ASGI (config/asgi.py) because of WebSockets."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
