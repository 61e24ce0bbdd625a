"""Secrets that come from the environment in production and are generated once into a
private file under ``var/`` in embedded mode (the Django secret key, the message key, the
credential signing key). Settings import it, so it uses nothing from Django but an
exception class."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_or_create(path: Path, generate: Callable[[], bytes]) -> str:
    """Write a new value to a private temporary file, then link it into place: the link
    fails if another process got there first, so every process ends up with one value."""
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            os.write(descriptor, generate())
            os.close(descriptor)
            os.chmod(temporary, 0o600)
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


def configured_secret(
    env_name: str,
    file_name: str,
    generate: Callable[[], bytes],
    *,
    var_dir: Path,
    production: bool,
) -> str:
    value = os.environ.get(env_name, "").strip()
    if value:
        return value
    if production:
        raise ImproperlyConfigured(f"{env_name} must be set when OPENMENTOR_PRODUCTION=1.")
    return read_or_create(var_dir / file_name, generate)
