"""OpenMentor settings, driven by environment variables.

Embedded defaults (no variables set) give a working single-process site: SQLite in
``var/``, an in-memory channel layer and a SQLite-backed Huey queue. Setting
``DATABASE_URL`` and ``REDIS_URL`` moves the same code onto PostgreSQL and Redis, and
``OPENMENTOR_PRODUCTION=1`` switches on the settings ``manage.py check --deploy`` asks for.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from openmentor.core.keys import configured_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OPENMENTOR_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_positive_int(name: str, default: int) -> int:
    """A whole number above zero, or the process refuses to start and says which variable
    (a "1h" left the unread e-mails failing quietly every five minutes)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number above 0, not {value!r}.")
    return int(value)


PRODUCTION = env_bool("OPENMENTOR_PRODUCTION")
DEBUG = env_bool("DEBUG", default=False)


# Embedded mode keeps one generated key so sessions survive restarts.
SECRET_KEY = configured_secret(
    "SECRET_KEY",
    "secret_key",
    lambda: secrets.token_urlsafe(64).encode(),
    var_dir=VAR_DIR,
    production=PRODUCTION,
)
# The message and credential keys are read when first needed; a production process without
# them must not start, serve for hours, then fail on the first message.
for _required in ("OPENMENTOR_MESSAGE_KEYS", "OPENMENTOR_SIGNING_KEY"):
    if PRODUCTION and not os.environ.get(_required, "").strip():
        raise ImproperlyConfigured(f"{_required} must be set when OPENMENTOR_PRODUCTION=1.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "django_countries",
    "ninja",  # its API docs page from our own static files (the CSP allows no CDN)
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "openmentor.core",
    "openmentor.accounts",
    "openmentor.programs",
    "openmentor.mentorships",
    "openmentor.matching",
    "openmentor.messaging",
    "openmentor.scheduling",
    "openmentor.resources",
    "openmentor.feedback",
    "openmentor.notifications",
    "openmentor.reports",
    "openmentor.api",
]

MIDDLEWARE = [
    "openmentor.core.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Pages are compressed for slow links; Django's GZip middleware pads responses
    # against BREACH (since 4.2) and CSRF tokens are masked per request.
    "django.middleware.gzip.GZipMiddleware",
    # ETag on GET answers, and 304 to a repeated request that sends it back (slow links).
    # After GZip, so the tag is the uncompressed body's (GZip makes it weak).
    "django.middleware.http.ConditionalGetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "openmentor.core.middleware.ContentSecurityPolicyMiddleware",
    "openmentor.core.middleware.UserTimezoneMiddleware",
    "openmentor.core.middleware.UserLanguageMiddleware",
    "openmentor.api.middleware.ApiErrorsMiddleware",
    "openmentor.api.middleware.ApiCachingMiddleware",
    "openmentor.core.middleware.SamePersonMiddleware",
    "openmentor.core.middleware.DomainErrorPageMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "openmentor" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openmentor.core.context_processors.site",
                "openmentor.messaging.context_processors.unread",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'openmentor.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each thread keeps its SQLite connection: a new one re-reads the whole schema and
    # re-registers Django's SQL functions, which cost every socket send batch (one database
    # call each) about 2.4 ms of CPU (bench/messaging.py, one conversation: 8.0 -> 5.6 ms
    # of server CPU per message, p50 8.4 -> 6.2 ms).
    DATABASES["default"]["CONN_MAX_AGE"] = None
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids
    # "database is locked" upgrades inside write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
elif (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("DATABASE_POOL", "1") != "0"
):
    # A psycopg connection pool per process instead of a new connection per request or
    # socket call (Django's pool needs conn_max_age=0, as above). DATABASE_POOL_MAX_SIZE
    # bounds the connections of one process (default 8; keep processes x max_size under
    # the server's max_connections); DATABASE_POOL_MIN_SIZE (default 2) stay open;
    # DATABASE_POOL=0 turns the pool off.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "8")),
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, queue, cache -----------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis pub/sub ignores the database number: deployments sharing one Redis server (a
    # staging copy, a restored backup) would hear each other's pushes. Each has its own
    # channel prefix: OPENMENTOR_CHANNEL_PREFIX, by default one per database number.
    # The cache takes the same prefix (a database number keeps them apart anyway).
    _redis = urlsplit(REDIS_URL)
    _redis_db = parse_qs(_redis.query).get("db", [""])[0] or (
        _redis.path.strip("/") if _redis.scheme != "unix" else ""
    )
    REDIS_PREFIX = os.environ.get("OPENMENTOR_CHANNEL_PREFIX") or f"openmentor{_redis_db or '0'}"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "openmentor.core.channel_layers.RedisPubSubLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("HUEY_NAME", "openmentor"),
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    # The worker's pushes reach the web process's sockets through a Unix socket in var/.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "openmentor.core.channel_layers.LocalChannelLayer",
            "CONFIG": {
                "relay": os.environ.get("OPENMENTOR_PUSH_RELAY", str(VAR_DIR / "push-relay.sock"))
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "openmentor",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- Accounts and sign-in -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_SIGNUP_FORM_CLASS = "openmentor.accounts.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "openmentor.accounts.adapter.AccountAdapter"
SITE_NAME = "OpenMentor"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "OpenMentor"
# Passkeys require a secure context; localhost counts as one for browsers.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
# The meeting formats with a weekday, per language (openmentor/formats/<language>/).
FORMAT_MODULE_PATH = ["openmentor.formats"]
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
]
# Ours first; then Portuguese for allauth and django-countries (they have only pt_BR/pt_PT).
LOCALE_PATHS = [BASE_DIR / "openmentor" / "locale", BASE_DIR / "openmentor" / "locale_vendor"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files and uploads -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "openmentor" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploads are never served directly: each kind has an access-checked view.
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # collectstatic writes gzip copies that WhiteNoise serves as they are, under names
        # with their content's hash, so a browser keeps them for a year and asks again
        # only when they change (on a slow link every page revalidated its CSS and JS
        # each minute). DEBUG serves the files as they are edited.
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# `make run` collects static files first, so only DEBUG needs to look them up in the apps.
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest request body read at all (core.body_limit): a message's five 10 MB files
# and its text fit; anything larger is refused before it is received.
MAX_REQUEST_BYTES = 51 * 1024 * 1024
PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024
# Messages one person may send in any 60 seconds, over all their conversations: far above
# anyone typing, low enough that a runaway script cannot flood a mentee's thread.
MESSAGES_PER_MINUTE = env_positive_int("OPENMENTOR_MESSAGES_PER_MINUTE", 30)
# How long a message stays unread before its recipient gets an e-mail about it.
MESSAGE_EMAIL_DELAY_MINUTES = env_positive_int("OPENMENTOR_MESSAGE_EMAIL_DELAY_MINUTES", 30)

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# STARTTLS (port 587) by default; EMAIL_USE_SSL=1 for a relay that speaks TLS at once (465).
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "465" if EMAIL_USE_SSL else "587"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OpenMentor <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Database sessions that remember their expiry (a socket ends with its sign-in).
SESSION_ENGINE = "openmentor.core.sessions"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # With a handler of its own here, run_huey adds none (it printed each line twice).
        "huey": {
            "handlers": ["console"],
            "level": os.environ.get("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200
NINJA_PAGINATION_CLASS = "openmentor.api.pagination.BoundedLimitOffsetPagination"
