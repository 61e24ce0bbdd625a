"""Real processes on loopback for the tests and the benchmarks: a free port, a uvicorn
process that is listening before the caller goes on, and the flags Debian's Chromium
needs headless. No Django import: the benchmarks use it before settings are chosen."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_uvicorn(
    app: str,
    env: Mapping[str, str],
    port: int,
    *,
    options: Sequence[str] = (),
    app_dir: Path = ROOT,
    seconds: float = 60,
) -> subprocess.Popen[bytes]:
    """``python -m uvicorn app`` on 127.0.0.1:``port``, returned once it accepts
    connections; ``RuntimeError`` if it exits or is not listening within ``seconds``."""
    process = subprocess.Popen(  # noqa: S603 - our interpreter, arguments from our callers
        [sys.executable, "-m", "uvicorn", app, "--app-dir", str(app_dir),
         "--port", str(port), *options],
        cwd=ROOT, env=dict(env),
    )  # fmt: skip
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"uvicorn {app} did not start on port {port}") from None
            time.sleep(0.05)  # polling the port, bounded by the deadline


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)
