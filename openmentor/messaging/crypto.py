"""Encryption at rest for message bodies, edit history and attachments.

Keys come from ``OPENMENTOR_MESSAGE_KEYS`` (comma-separated Fernet keys, newest first);
MultiFernet encrypts with the first and decrypts with any, so keys rotate without downtime
(``manage.py rotate_message_keys`` re-encrypts everything with the first key). Embedded
mode, like the SECRET_KEY, keeps one generated key under ``var/``."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from openmentor.core.keys import configured_secret

KEYS_ENV = "OPENMENTOR_MESSAGE_KEYS"


def configured_keys() -> list[str]:
    """The keys, newest first: the variable's, or embedded mode's file in ``var/``."""
    keys = configured_secret(
        KEYS_ENV,
        "message_key",
        Fernet.generate_key,
        var_dir=settings.VAR_DIR,
        production=getattr(settings, "PRODUCTION", False),
    )
    return [key.strip() for key in keys.split(",") if key.strip()]


@lru_cache(maxsize=1)
def cipher() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in configured_keys()])
    except ValueError as error:
        raise ImproperlyConfigured(f"{KEYS_ENV} holds a key that is not a Fernet key.") from error


def reset_cipher() -> None:
    """Forget the loaded keys (after the environment changed, e.g. in a rotation)."""
    cipher.cache_clear()


def encrypt_text(text: str) -> str:
    return cipher().encrypt(text.encode()).decode()


def decrypt_text(token: str) -> str:
    if not token:
        return ""
    return cipher().decrypt(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return cipher().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return cipher().decrypt(token)


def rotate_token(token: str) -> str:
    return cipher().rotate(token.encode()).decode() if token else token


__all__ = [
    "InvalidToken",
    "decrypt_bytes",
    "decrypt_text",
    "encrypt_bytes",
    "encrypt_text",
    "reset_cipher",
    "rotate_token",
]
