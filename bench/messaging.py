"""Messaging benchmark: latency and throughput over real WebSockets, and a chaos run.

    python bench/messaging.py           # SQLite (1 process) and PostgreSQL+Redis (2 processes)
    python bench/messaging.py --quick   # SQLite only, 100 clients, 2,000 chaos messages
    python bench/messaging.py --clients 500 --no-chaos --output /tmp/m.json  # a reduced run

Everything runs on loopback. Per backend a child process migrates a fresh database, seeds
a program with pair and group mentorships, starts uvicorn server processes and drives
WebSocket clients with asyncio:

* latency: each conversation's sender sends over ``/ws/messaging/`` and waits until every
  other member has the push, then sends the next (closed loop, bounded by time: the
  server at saturation), then the same senders send on random schedules at half the
  rate reached (``half_load_*``). With two server processes the sockets are spread over
  both and every push crosses processes. A bare ASGI echo server (``echo_app`` below)
  under the same uvicorn with the same number of clients is measured in the same run as
  the baseline. ``server_cpu_ms_per_msg`` is the CPU the server processes spent per
  message in the closed loop (steadier than rates on a shared machine);
  ``total_cpu_ms_per_msg`` adds the load generator's and (PostgreSQL + Redis) the
  services' CPU, measured the same way for the echo, so ``percent_of_echo_at_equal_cpu``
  says what share of the echo's rate the same CPU carries: what ``percent_of_echo``
  would be if both runs kept every core busy.
  ``BENCH_LATENCY_SECONDS`` lengthens each phase (to attach a profiler).
* chaos: senders keep an outbox and resend with the same client id until confirmed (their
  own ``message.new`` event, or an ack for a retry); 5 % of sends drop the socket before
  the confirmation (failed send, retried); receivers drop their
  socket at random and catch up from ``/api/v1/events?after=``; the server sending
  processes are killed and restarted halfway. Sets of client ids sent, stored and
  delivered are compared.

Results: ``bench/results/messaging.json`` (a list of runs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from openmentor.core.loopback import free_port, start_uvicorn, stop  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "messaging.json"
PG_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/om_bench_messaging"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
LATENCY_SECONDS = float(os.environ.get("BENCH_LATENCY_SECONDS", "5"))  # longer to profile a server
# The chaos run: 10,000 messages, on both backends.
CHAOS_SQLITE = 10_000
CHAOS_POSTGRES = 10_000
SEED = 20260401


# --- the baseline: a bare ASGI WebSocket echo server ------------------------------------


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "websocket":
        return
    while True:
        event = await receive()
        if event["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif event["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": event.get("text")})
        else:
            return


# --- helpers ------------------------------------------------------------------------------


class Server:
    """One uvicorn process that can be killed and started again on the same port."""

    def __init__(self, app: str, env: dict[str, str], app_dir: Path = ROOT) -> None:
        self.app, self.env, self.app_dir = app, env, app_dir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        options = ["--log-level", "error", "--lifespan", "off", "--ws-ping-interval", "0"]
        options += os.environ.get("BENCH_UVICORN_EXTRA", "").split()
        self.process = start_uvicorn(
            self.app, self.env, self.port, options=options, app_dir=self.app_dir
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process:
            stop(self.process)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextlib.contextmanager
def client_gc_paused() -> Iterator[None]:
    """No garbage collection in the load generator while it measures.

    One process here plays hundreds of people, and its heap grows with every message it
    tracks; a collection of that heap stalled all of its sockets at once for 50-100 ms,
    which showed up as server latency in the top percentile (a real client is one
    person's browser). Applied to the echo baseline too."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


class CpuMeter:
    """CPU seconds spent between ``start()`` and ``stop()`` by the system under test: the
    server processes, the services they use (PostgreSQL's backends and Redis, when
    ``services`` is set) and this process, the load generator. Counted per process, so
    whatever else runs on the machine does not count."""

    SERVICE_NAMES = ("postgres", "redis-server")

    def __init__(self, server_pids: Callable[[], list[int]], services: bool = False) -> None:
        self.server_pids = server_pids
        self.services = services
        self.began: tuple[float, dict[int, float], dict[int, float], float] = (0, {}, {}, 0)

    def _now(self) -> tuple[float, dict[int, float], dict[int, float], float]:
        import psutil

        servers = {pid: sum(psutil.Process(pid).cpu_times()[:2]) for pid in self.server_pids()}
        services = {}
        if self.services:
            for process in psutil.process_iter(["name", "cpu_times"]):
                if process.info["name"] in self.SERVICE_NAMES and process.info["cpu_times"]:
                    services[process.pid] = sum(process.info["cpu_times"][:2])
        return time.perf_counter(), servers, services, time.process_time()

    def start(self) -> None:
        self.began = self._now()

    def stop(self, messages: int, prefix: str = "") -> dict[str, float]:
        wall, servers, services, generator = self._now()

        def spent(before: dict[int, float], after: dict[int, float]) -> float:
            # A process started meanwhile (a new database backend) counts from its start.
            return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())

        server_s = spent(self.began[1], servers)
        services_s = spent(self.began[2], services)
        generator_s = generator - self.began[3]
        total_s = server_s + services_s + generator_s
        per_message = 1000 / max(messages, 1)
        return {
            f"{prefix}server_cpu_ms_per_msg": round(server_s * per_message, 3),
            f"{prefix}services_cpu_ms_per_msg": round(services_s * per_message, 3),
            f"{prefix}load_generator_cpu_ms_per_msg": round(generator_s * per_message, 3),
            f"{prefix}total_cpu_ms_per_msg": round(total_s * per_message, 3),
            # Of all the machine's cores: how close the run came to using all of them.
            f"{prefix}cores_busy_percent": round(
                100 * total_s / (wall - self.began[0]) / (os.cpu_count() or 1), 1
            ),
        }


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- child: one backend -------------------------------------------------------------------


def child_env(backend: str, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "OPENMENTOR_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "ERROR",
        # Each simulated client sends several messages a second, far above one person's
        # limit; the limit is still checked on every send, it just never refuses here.
        "OPENMENTOR_MESSAGES_PER_MINUTE": "1000000",
    }
    env.pop("REDIS_URL", None)
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    else:
        env["DATABASE_URL"] = PG_URL
        env["REDIS_URL"] = REDIS_URL
        env["HUEY_NAME"] = "openmentor-bench"
    return env


def reset_postgres() -> None:
    import psycopg

    base, name = PG_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(max_clients: int) -> list[dict[str, Any]]:
    """Conversations for up to ``max_clients`` people: 60 % in pairs, 40 % in groups of 4.

    Returns one entry per conversation: its id, the sender's and the receivers' sessions."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from openmentor.accounts.models import User
    from openmentor.mentorships.services import create_mentorship
    from openmentor.messaging.services import mentorship_conversation
    from openmentor.programs.models import Membership, Program

    program = Program.objects.create(name="Bench", slug="bench")
    users = User.objects.bulk_create(
        User(email=f"bench{i}@example.org", display_name=f"Bench {i}", password="!")  # noqa: S106 - unusable
        for i in range(max_clients)
    )
    Membership.objects.bulk_create(
        Membership(program=program, user=u, role="mentee", status="active") for u in users
    )

    def session_for(user: Any) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return str(store.session_key)

    conversations = []
    index = 0
    # Interleave pairs and groups so any prefix of the list has the same mix.
    pattern = [2, 2, 2, 4, 2, 2, 4]  # 10 of 16 people in pairs, 8 in groups of four
    while True:
        size = pattern[len(conversations) % len(pattern)]
        if index + size > max_clients:
            break
        people = users[index : index + size]
        index += size
        mentorship = create_mentorship(program, mentors=people[:1], mentees=people[1:])
        conversation = mentorship_conversation(mentorship)
        conversations.append(
            {
                "id": conversation.pk,
                "size": size,
                "first_index": index - size,
                "sender": session_for(people[0]),
                "receivers": [session_for(p) for p in people[1:]],
            }
        )
    return conversations


def take(conversations: list[dict[str, Any]], clients: int) -> list[dict[str, Any]]:
    chosen, total = [], 0
    for conversation in conversations:
        if total + conversation["size"] > clients:
            break
        chosen.append(conversation)
        total += conversation["size"]
    return chosen


async def ws_connect(address: str, session: str, retry_seconds: float = 0) -> Any:
    import websockets

    deadline = time.monotonic() + retry_seconds
    while True:
        try:
            connection = await websockets.connect(
                f"ws://{address}/ws/messaging/",
                origin="http://127.0.0.1",
                additional_headers={"Cookie": f"sessionid={session}"},
                ping_interval=None,
                max_queue=None,
                open_timeout=20,
            )
            hello = json.loads(await asyncio.wait_for(connection.recv(), 20))
            assert hello["type"] == "hello", hello
            return connection
        except (TimeoutError, OSError, Exception):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1 + random.random() * 0.2)


async def latency_run(
    conversations: list[dict[str, Any]], addresses: list[str], cpu: CpuMeter
) -> dict[str, Any]:
    """Send → every receiver got the push, in two phases on the same sockets.

    1. Saturation (the headline figures): a closed loop per conversation, each sender
       sends its next message as soon as all receivers have the previous one, so the
       server always has one message per conversation in flight; latency here is mostly
       queueing (Little's law: in flight / throughput).
    2. Half load: the same senders send on random (Poisson) schedules at half the rate
       phase 1 reached, without waiting: the latency someone sees on a busy server that
       is not saturated.

    With several server processes the sockets are spread over them as a load balancer
    would, and every conversation's receivers sit on another process than its sender, so
    each push crosses processes through the channel layer."""
    sent_at: dict[str, float] = {}
    waiting: dict[str, asyncio.Event] = {}
    remaining: dict[str, int] = {}
    samples: dict[str, list[float]] = {"lat": [], "half": []}
    stop_at = half_stop_at = interval = 0.0
    completed = 0
    outstanding = 0
    half_delivered = asyncio.Event()

    async def receiver(session: str, address: str) -> None:
        nonlocal outstanding
        connection = await ws_connect(address, session, retry_seconds=30)
        ready.release()
        try:
            async for raw in connection:
                message = json.loads(raw)
                if message.get("type") != "message.new":
                    continue
                client_id = message["payload"]["client_id"]
                if client_id in sent_at:
                    phase = client_id.split("-", 1)[0]
                    samples[phase].append((time.perf_counter() - sent_at[client_id]) * 1000)
                    remaining[client_id] -= 1
                    if remaining[client_id] == 0:
                        waiting[client_id].set()
                        if phase == "half":
                            outstanding -= 1
                            if outstanding == 0 and time.perf_counter() >= half_stop_at:
                                half_delivered.set()
        except Exception:  # noqa: S110 - the socket closes when the run ends
            pass

    async def send(connection: Any, conversation: dict[str, Any], phase: str, n: int) -> str:
        client_id = f"{phase}-{conversation['id']}-{n}-{random.getrandbits(32)}"
        remaining[client_id] = conversation["size"] - 1
        waiting[client_id] = asyncio.Event()
        sent_at[client_id] = time.perf_counter()
        await connection.send(
            json.dumps({"type": "message.send", "conversation": conversation["id"],
                        "client_id": client_id, "body": f"Hello number {n}"})
        )  # fmt: skip
        return client_id

    async def sender(conversation: dict[str, Any], address: str) -> None:
        nonlocal completed, outstanding
        connection = await ws_connect(address, conversation["sender"], retry_seconds=30)
        ready.release()
        await start.wait()
        number = 0
        while time.perf_counter() < stop_at:
            number += 1
            client_id = await send(connection, conversation, "lat", number)
            try:
                await asyncio.wait_for(waiting[client_id].wait(), 10)
                completed += 1
            except TimeoutError:
                pass
        saturated.release()
        await half_start.wait()
        schedule = random.Random(conversation["id"])
        next_at = time.perf_counter()
        while True:
            next_at += schedule.expovariate(1 / interval)
            if next_at >= half_stop_at:
                break
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            number += 1
            outstanding += 1
            await send(connection, conversation, "half", number)
        await half_delivered.wait()
        await connection.close()

    ready, saturated = asyncio.Semaphore(0), asyncio.Semaphore(0)
    start, half_start = asyncio.Event(), asyncio.Event()
    people = sum(c["size"] for c in conversations)
    receivers = [
        asyncio.create_task(receiver(session, addresses[(i + 1) % len(addresses)]))
        for i, c in enumerate(conversations)
        for session in c["receivers"]
    ]
    senders = [
        asyncio.create_task(sender(c, addresses[i % len(addresses)]))
        for i, c in enumerate(conversations)
    ]
    for _ in range(people):
        await ready.acquire()
    with client_gc_paused():
        began = time.perf_counter()
        cpu.start()
        stop_at = began + LATENCY_SECONDS
        start.set()
        for _ in conversations:
            await saturated.acquire()
        elapsed = time.perf_counter() - began
        cpu_used = cpu.stop(completed)
        rate = completed / elapsed
        half_rate = rate / 2
        interval = len(conversations) / half_rate  # each sender's mean gap between sends
        half_stop_at = time.perf_counter() + LATENCY_SECONDS
        half_start.set()
        await asyncio.sleep(LATENCY_SECONDS)
        if outstanding == 0:
            half_delivered.set()
        try:
            await asyncio.wait_for(half_delivered.wait(), 10)
        except TimeoutError:
            half_delivered.set()  # report what arrived; the count shows what did not
    await asyncio.gather(*senders)
    for task in receivers:
        task.cancel()
    await asyncio.gather(*receivers, return_exceptions=True)
    return {
        "clients": people,
        "conversations": len(conversations),
        "p50_ms": round(percentile(samples["lat"], 0.50), 2),
        "p90_ms": round(percentile(samples["lat"], 0.90), 2),
        "p99_ms": round(percentile(samples["lat"], 0.99), 2),
        "max_ms": round(max(samples["lat"], default=float("nan")), 2),
        "msgs_per_s": round(rate, 1),
        "deliveries_per_s": round(len(samples["lat"]) / elapsed, 1),
        # CPU per message sent (servers: all their threads): steadier than the rates on a
        # shared 2-core machine, and what an optimisation changes.
        **cpu_used,
        "half_load_msgs_per_s": round(half_rate, 1),
        "half_load_p50_ms": round(percentile(samples["half"], 0.50), 2),
        "half_load_p99_ms": round(percentile(samples["half"], 0.99), 2),
        "half_load_undelivered": outstanding,
    }


async def echo_run(address: str, clients: int, cpu: CpuMeter) -> dict[str, float]:
    import websockets

    count = 0
    stop_at = 0.0
    ready = asyncio.Semaphore(0)
    start = asyncio.Event()

    async def client() -> None:
        nonlocal count
        async with websockets.connect(f"ws://{address}/", ping_interval=None) as connection:
            ready.release()
            await start.wait()
            while time.perf_counter() < stop_at:
                await connection.send('{"type":"message.send","body":"Hello"}')
                await connection.recv()
                count += 1

    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    for _ in range(clients):
        await ready.acquire()
    with client_gc_paused():
        began = time.perf_counter()
        cpu.start()
        stop_at = began + LATENCY_SECONDS
        start.set()
        await asyncio.gather(*tasks)
        rate = count / (time.perf_counter() - began)
        return {"echo_msgs_per_s": round(rate, 1), **cpu.stop(count, prefix="echo_")}


def confirms(reply: dict[str, Any], client_id: str) -> bool:
    """A send is confirmed by its own ``message.new`` event (a new message) or by a
    ``message.ack`` (a retried id, which stores and pushes nothing)."""
    if reply.get("type") == "message.ack":
        return bool(reply["client_id"] == client_id)
    return reply.get("type") == "message.new" and reply["payload"].get("client_id") == client_id


def http_events(address: str, session: str, after: int) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://{address}/api/v1/events?after={after}",
        headers={"Cookie": f"sessionid={session}"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


async def chaos_run(
    conversations: list[dict[str, Any]], total: int, senders_server: Server, receive_on: str
) -> dict[str, Any]:
    """Drops, failed sends and a restart; then compare client ids sent, stored, delivered."""
    rng = random.Random(SEED)
    share, extra = divmod(total, len(conversations))
    sent: set[str] = set()
    confirmed = 0
    delivered: dict[str, set[str]] = {}  # receiver session -> client ids seen
    ids_for: dict[str, set[int]] = {}  # client id -> server message ids seen
    expected: dict[str, list[str]] = {}  # client id -> receiver sessions
    restarted = asyncio.Event()
    failed_sends = drops = 0
    senders_done = asyncio.Event()

    def record(session: str, payload: dict[str, Any]) -> None:
        client_id = payload.get("client_id", "")
        delivered.setdefault(session, set()).add(client_id)
        ids_for.setdefault(client_id, set()).add(payload["message"])

    async def receiver(session: str) -> None:
        nonlocal drops
        cursor = 0
        while True:
            try:
                connection = await ws_connect(receive_on, session, retry_seconds=60)
            except Exception:  # noqa: S112 - server down for longer: keep trying
                continue
            # Catch up on whatever the pushes missed while away; if the server goes down
            # meanwhile, start over (as the browser does).
            try:
                while True:
                    page = await asyncio.to_thread(http_events, receive_on, session, cursor)
                    for event in page["events"]:
                        if event["type"] == "message.new":
                            record(session, event["payload"])
                    cursor = max(cursor, page["last_id"])
                    if len(page["events"]) < 500:
                        break
            except OSError:  # urllib's errors are OSErrors
                await connection.close()
                await asyncio.sleep(0.1)
                continue
            if senders_done.is_set():
                await connection.close()
                return
            try:
                while True:
                    raw = await asyncio.wait_for(connection.recv(), 1.0)
                    message = json.loads(raw)
                    if message.get("type") == "message.new":
                        record(session, message["payload"])
                        cursor = max(cursor, message["id"])
                    if rng.random() < 0.005:  # the train enters a tunnel
                        drops += 1
                        await connection.close()
                        await asyncio.sleep(rng.random() * 0.2)
                        break
            except TimeoutError:
                await connection.close()  # reconnect and catch up: ends the loop when done
            except Exception:
                await asyncio.sleep(0.05)

    async def sender(conversation: dict[str, Any]) -> None:
        nonlocal confirmed, failed_sends
        count = share + (1 if conversations.index(conversation) < extra else 0)
        outbox = [f"chaos-{conversation['id']}-{n}" for n in range(count)]
        for client_id in outbox:
            expected[client_id] = conversation["receivers"]
        connection = None
        for client_id in outbox:
            sent.add(client_id)
            message = json.dumps({"type": "message.send", "conversation": conversation["id"],
                                  "client_id": client_id, "body": f"chaos {client_id}"})  # fmt: skip
            while True:  # the outbox: resend the same id until acknowledged
                try:
                    if connection is None:
                        connection = await ws_connect(
                            senders_server.address, conversation["sender"], retry_seconds=60
                        )
                    await connection.send(message)
                    if rng.random() < 0.05:  # the send fails: socket gone before the confirmation
                        failed_sends += 1
                        await connection.close()
                        connection = None
                        continue
                    while True:
                        reply = json.loads(await asyncio.wait_for(connection.recv(), 10))
                        if confirms(reply, client_id):
                            break
                    confirmed += 1
                    break
                except Exception:
                    connection = None
                    await asyncio.sleep(0.05)
        if connection is not None:
            await connection.close()

    async def restart_halfway() -> None:
        while confirmed < total // 2:
            await asyncio.sleep(0.05)
        senders_server.kill()
        await asyncio.sleep(0.5)
        await asyncio.to_thread(senders_server.start)
        restarted.set()

    receivers = [asyncio.create_task(receiver(s)) for c in conversations for s in c["receivers"]]
    await asyncio.sleep(1.0)  # let receivers connect
    began = time.perf_counter()
    chaos = asyncio.create_task(restart_halfway())
    await asyncio.gather(*(sender(c) for c in conversations))
    await chaos
    senders_done.set()
    await asyncio.gather(*receivers)
    elapsed = time.perf_counter() - began

    stored_ids, stored, duplicate_rows = await asyncio.to_thread(stored_chaos_messages)
    missing = sum(
        1
        for client_id in sent
        if client_id not in stored_ids
        or any(client_id not in delivered.get(s, set()) for s in expected[client_id])
    )
    fully_delivered = sum(
        1
        for client_id in sent
        if all(client_id in delivered.get(s, set()) for s in expected[client_id])
    )
    duplicated = duplicate_rows + sum(1 for ids in ids_for.values() if len(ids) > 1)
    return {
        "clients": sum(c["size"] for c in conversations),
        "sent": len(sent),
        "stored": stored,
        "delivered": fully_delivered,
        "lost": missing,
        "duplicated": duplicated,
        "failed_sends_retried": failed_sends,
        "socket_drops": drops,
        "server_restarts": 1 if restarted.is_set() else 0,
        "seconds": round(elapsed, 1),
    }


def stored_chaos_messages() -> tuple[set[str], int, int]:
    from django.db.models import Count

    from openmentor.messaging.models import Message

    rows = Message.objects.filter(client_id__startswith="chaos-")
    duplicate_rows = (
        rows.values("sender_id", "client_id").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    return set(rows.values_list("client_id", flat=True)), rows.count(), duplicate_rows


def run_backend(backend: str, client_counts: list[int], chaos_total: int) -> list[dict[str, Any]]:
    """Latency runs for each client count, then the chaos run (skipped when chaos_total is 0)."""
    var_dir = Path(tempfile.mkdtemp(prefix=f"om-bench-{backend.split('+')[0]}-"))
    env = child_env(backend, var_dir)
    os.environ.update(env)
    if backend != "sqlite":
        os.environ["REDIS_URL"] = REDIS_URL
        reset_postgres()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    conversations = seed(max(client_counts))

    processes = 1 if backend == "sqlite" else 2
    servers = [Server("config.asgi:application", env) for _ in range(processes)]
    for server in servers:
        server.start()
    echo_server = Server("messaging:echo_app", env, app_dir=ROOT / "bench")
    echo_server.start()
    send_to, receive_on = servers[0], servers[-1]

    servers_cpu = CpuMeter(
        lambda: [s.process.pid for s in servers if s.process], services=backend != "sqlite"
    )
    echo_cpu = CpuMeter(lambda: [echo_server.process.pid] if echo_server.process else [])

    results = []
    try:
        for clients in client_counts:
            chosen = take(conversations, clients)
            measured = asyncio.run(
                latency_run(chosen, [server.address for server in servers], servers_cpu)
            )
            echo = asyncio.run(echo_run(echo_server.address, measured["clients"], echo_cpu))
            results.append(
                {
                    "run": "latency",
                    "backend": backend,
                    "server_processes": processes,
                    **measured,
                    **echo,
                    "percent_of_echo": round(
                        100 * measured["msgs_per_s"] / echo["echo_msgs_per_s"], 1
                    ),
                    "percent_of_echo_at_equal_cpu": round(
                        100 * echo["echo_total_cpu_ms_per_msg"] / measured["total_cpu_ms_per_msg"],
                        1,
                    ),
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
        if not chaos_total:
            return results
        chosen = take(conversations, 100)
        chaos = asyncio.run(chaos_run(chosen, chaos_total, send_to, receive_on.address))
        results.append({"run": "chaos", "backend": backend, "server_processes": processes, **chaos})
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    finally:
        for server in [*servers, echo_server]:
            server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", choices=["sqlite", "postgres+redis"])
    parser.add_argument("--chaos-sqlite", type=int, default=CHAOS_SQLITE)
    parser.add_argument("--chaos-postgres", type=int, default=CHAOS_POSTGRES)
    # Reduced runs while tuning: pick client counts and backends, skip the chaos run, and
    # write somewhere else than the recorded results.
    parser.add_argument("--clients", type=int, nargs="+")
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgres+redis"])
    parser.add_argument("--no-chaos", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    client_counts = args.clients or ([100] if args.quick else [100, 500])
    if args.child:
        chaos_total = args.chaos_sqlite if args.child == "sqlite" else args.chaos_postgres
        if args.quick:
            chaos_total = min(chaos_total, 2_000)
        if args.no_chaos:
            chaos_total = 0
        print(json.dumps(run_backend(args.child, client_counts, chaos_total)))
        return
    backends = args.backends or (["sqlite"] if args.quick else ["sqlite", "postgres+redis"])
    passed = ["--quick"] if args.quick else []
    passed += ["--chaos-sqlite", str(args.chaos_sqlite)]
    passed += ["--chaos-postgres", str(args.chaos_postgres)]
    if args.clients:
        passed += ["--clients", *map(str, args.clients)]
    if args.no_chaos:
        passed.append("--no-chaos")
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    for backend in backends:
        command = [sys.executable, __file__, "--child", backend, *passed]
        output = subprocess.run(command, check=True, capture_output=False, stdout=subprocess.PIPE)
        runs.extend(json.loads(output.stdout.decode().strip().splitlines()[-1]))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "messaging",
        "cpu_count": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "total_seconds": round(time.perf_counter() - started, 1),
        "latency_seconds_per_run": LATENCY_SECONDS,
        "runs": runs,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document, indent=2))


if __name__ == "__main__":
    main()
