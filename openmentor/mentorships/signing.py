"""The site's Ed25519 signing key for credentials.

Production takes it from ``OPENMENTOR_SIGNING_KEY`` (a PEM private key, or the 32 raw
bytes in base64); embedded mode keeps a generated key under ``var/``, like SECRET_KEY,
so credentials stay verifiable across restarts."""

from __future__ import annotations

import base64
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from openmentor.core.keys import configured_secret

KEY_FILE_NAME = "credential_signing_key.pem"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Multicodec prefix of an Ed25519 public key in did:key identifiers.
_ED25519_PUB_PREFIX = b"\xed\x01"


def _parse(value: str) -> Ed25519PrivateKey:
    value = value.strip()
    if value.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(value.encode(), password=None)
    else:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_")
        key = Ed25519PrivateKey.from_private_bytes(raw)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("OPENMENTOR_SIGNING_KEY must be an Ed25519 private key.")
    return key


@cache
def signing_key() -> Ed25519PrivateKey:
    return _parse(
        configured_secret(
            "OPENMENTOR_SIGNING_KEY",
            KEY_FILE_NAME,
            _new_private_key_pem,
            var_dir=settings.VAR_DIR,
            production=getattr(settings, "PRODUCTION", False),
        )
    )


def _new_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = _BASE58[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _BASE58.find(char)
        if index < 0:
            raise ValueError("not base58")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading_ones = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_ones + body


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc(_ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("not base58btc multibase")
    decoded = base58btc_decode(value[1:])
    if not decoded.startswith(_ED25519_PUB_PREFIX) or len(decoded) != 34:
        raise ValueError("not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def issuer_did() -> str:
    return "did:key:" + public_key_multibase(signing_key().public_key())


def verification_method() -> str:
    did = issuer_did()
    return f"{did}#{did.removeprefix('did:key:')}"
