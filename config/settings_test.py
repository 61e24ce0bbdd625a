"""Test settings: the embedded defaults with fast hashing, captured e-mail and a queue
that runs tasks in-process. ``DATABASE_URL`` still chooses the database, so the
PostgreSQL-only tests run against a real server (see the Makefile's ``test`` target)."""

import os

os.environ.setdefault(
    "OPENMENTOR_VAR_DIR",
    str(__import__("pathlib").Path(__file__).resolve().parent.parent / "var" / "test"),
)

from .settings import *  # noqa: F403
from .settings import DATABASES, HUEY, STORAGES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HUEY = {**HUEY, "immediate": True}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "openmentor.core.channel_layers.LocalChannelLayer"}}
MEDIA_ROOT = VAR_DIR / "media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a live server thread and the test share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/ip,5/5m/key"}
LANGUAGE_CODE = "en"
# Tests write whole threads in an instant; the send limit's own tests set theirs.
MESSAGES_PER_MINUTE = 100_000
# Static files are looked up per request, so an edited file never meets a stale length.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
