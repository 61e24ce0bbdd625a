"""The lean insert used by message sends, and the channel layers' batched group sends."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from channels.exceptions import ChannelFull

from openmentor.core.bulk import insert_objects, insert_rows
from openmentor.core.channel_layers import LocalChannelLayer, RedisPubSubLayer
from openmentor.notifications.models import UserEvent


def _insert_and_read_back(bob: Any, carol: Any) -> None:
    shared = {"conversation": 7, "note": "ünïcode ✓"}
    when = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # a DST change in Europe
    rows = [
        (bob.pk, "message.new", shared, when),
        (carol.pk, "message.new", shared, when),
        (bob.pk, "other", {"n": [1, 2]}, when),
    ]
    ids = insert_rows(UserEvent, ["user", "type", "payload", "created_at"], rows)

    assert len(set(ids)) == 3
    stored = UserEvent.objects.in_bulk(ids)
    for event_id, (user_id, type, payload, created_at) in zip(ids, rows, strict=True):
        event = stored[event_id]
        assert (event.user_id, event.type, event.payload, event.created_at) == (
            user_id,
            type,
            payload,
            created_at,
        )

    events = [UserEvent(user=bob, type="objects", payload={"i": i}) for i in range(3)]
    insert_objects(events, ["user", "type", "payload", "created_at"])
    assert [UserEvent.objects.get(pk=e.pk).payload for e in events] == [{"i": i} for i in range(3)]
    assert all(e.created_at is not None and not e._state.adding for e in events)
    assert insert_rows(UserEvent, ["user"], []) == []


@pytest.mark.django_db
def test_insert_rows_stores_what_the_orm_reads_back_in_order(bob: Any, carol: Any) -> None:
    _insert_and_read_back(bob, carol)


@pytest.mark.postgres
@pytest.mark.django_db
def test_insert_rows_on_postgresql(bob: Any, carol: Any) -> None:
    _insert_and_read_back(bob, carol)


@pytest.mark.asyncio
async def test_local_layer_delivers_each_group_send_once_to_every_member() -> None:
    layer = LocalChannelLayer(capacity=2)
    first, second, full = [await layer.new_channel() for _ in range(3)]
    await layer.group_add("user.1", first)
    await layer.group_add("user.1", second)
    await layer.group_add("user.2", full)
    await layer.send(full, {"type": "x"})
    await layer.send(full, {"type": "x"})
    with pytest.raises(ChannelFull):
        await layer.send(full, {"type": "x"})

    message = {"type": "user.event", "text": '{"id":1}'}
    # A full receiver misses the push; the others still get it.
    await layer.group_send_many([("user.2", message), ("user.1", message)])

    received = await layer.receive(first)
    assert received == message
    received["type"] = "changed by one receiver"
    assert (await layer.receive(second))["type"] == "user.event"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(first), 0.05)


@pytest.mark.asyncio
async def test_local_layer_keeps_messages_for_the_next_receiver_and_forgets_expired_ones() -> None:
    layer = LocalChannelLayer(expiry=60)
    channel = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    waiting.cancel()  # a socket that closed while waiting
    await asyncio.gather(waiting, return_exceptions=True)
    await layer.send(channel, {"type": "kept"})
    assert (await layer.receive(channel))["type"] == "kept"

    await layer.group_add("user.3", channel)
    layer.expiry = -1  # what is sent now is already expired
    await layer.send(channel, {"type": "stale"})
    layer.expiry = 60
    await layer.send(channel, {"type": "fresh"})
    layer._last_clean = 0.0
    layer._clean_expired()
    # The expired message went, and with it the channel's group membership, as upstream.
    assert layer.groups.get("user.3", {}) == {}
    assert (await layer.receive(channel))["type"] == "fresh"


@pytest.mark.asyncio
async def test_the_relay_carries_another_process_s_pushes_to_the_process_serving_people(
    caplog: Any,
) -> None:
    """Three layers on one relay path stand for three processes: the web process that
    serves people, the worker, and a second web process started by mistake."""
    path = Path(tempfile.mkdtemp(prefix="om-relay-")) / "push.sock"
    path.write_text("")  # a stale file left by a web process that stopped
    web, worker, second_web = (LocalChannelLayer(relay=str(path)) for _ in range(3))

    await worker.group_send_many([("user.1", {"type": "user.event", "text": "nobody"})])
    channel = await web.new_channel()
    await web.group_add("user.1", channel)  # someone connects: the web process listens
    assert path.is_socket() and path.stat().st_mode & 0o777 == 0o600

    await worker.group_send_many(
        [("user.1", {"type": "user.event", "text": "one"}), ("user.2", {"type": "x"})]
    )
    await worker.group_send("user.1", {"type": "user.event", "text": "two"})
    first = await asyncio.wait_for(web.receive(channel), 5)
    second = await asyncio.wait_for(web.receive(channel), 5)
    assert [first["text"], second["text"]] == ["one", "two"]

    # A second web process does not take the relay over; its own sockets still get its
    # pushes and the first process gets them too.
    other = await second_web.new_channel()
    await second_web.group_add("user.1", other)
    assert "Another process serves the push relay" in caplog.text
    await second_web.group_send("user.1", {"type": "user.event", "text": "three"})
    assert (await asyncio.wait_for(second_web.receive(other), 5))["text"] == "three"
    assert (await asyncio.wait_for(web.receive(channel), 5))["text"] == "three"
    # The web process never relays to itself: nothing arrives twice.
    await web.group_send("user.1", {"type": "user.event", "text": "four"})
    assert (await asyncio.wait_for(web.receive(channel), 5))["text"] == "four"
    assert not web.channels[channel].messages


@pytest.mark.redis
@pytest.mark.asyncio
async def test_redis_layer_sends_a_batch_to_the_groups_of_other_layers(redis_url: str) -> None:
    """Three layers stand for three processes: a worker that only sends, and two web
    processes with people connected; each process gets its own people's pushes, once."""
    sender = RedisPubSubLayer(hosts=[redis_url])
    receiver = RedisPubSubLayer(hosts=[redis_url])
    other = RedisPubSubLayer(hosts=[redis_url])
    try:
        alice, bob = await receiver.new_channel(), await receiver.new_channel()
        await receiver.group_add("user.10", alice)
        await receiver.group_add("user.11", bob)
        bob_elsewhere = await other.new_channel()
        await other.group_add("user.11", bob_elsewhere)
        await sender.group_send_many(
            [
                ("user.10", {"type": "a", "n": 1}),
                ("user.11", {"type": "b"}),
                ("user.12", {"type": "nobody"}),
                ("user.10", {"type": "a", "n": 2}),
            ]
        )
        got = [await asyncio.wait_for(receiver.receive(alice), 5) for _ in range(2)]
        assert [m["n"] for m in got] == [1, 2]
        assert (await asyncio.wait_for(receiver.receive(bob), 5))["type"] == "b"
        assert (await asyncio.wait_for(other.receive(bob_elsewhere), 5))["type"] == "b"
        await receiver.group_send("user.11", {"type": "single"})  # the one-off path still works
        assert (await asyncio.wait_for(other.receive(bob_elsewhere), 5))["type"] == "single"
        assert (await asyncio.wait_for(receiver.receive(bob), 5))["type"] == "single"
        for layer, channel in ((receiver, alice), (receiver, bob), (other, bob_elsewhere)):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(layer.receive(channel), 0.2)
    finally:
        await sender.flush()
        await receiver.flush()
        await other.flush()


@pytest.mark.django_db(transaction=True)  # autocommit: the push goes at once, no test atomic
def test_a_push_from_sync_code_on_a_running_event_loop_goes_out_when_the_loop_runs(
    monkeypatch: Any,
) -> None:
    from channels.layers import get_channel_layer

    from openmentor.core.consumers import user_group_name
    from openmentor.core.events import push_to_users_on_commit

    layer = get_channel_layer()

    async def scenario() -> dict[str, Any]:
        channel = await layer.new_channel()
        await layer.group_add(user_group_name(7), channel)
        # Sync code on the loop (a script, or a test driving a browser, which allow
        # async-unsafe calls) cannot block for the push: it used to fail with "You cannot
        # use AsyncToSync in the same thread as an async event loop".
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        push_to_users_on_commit([(7, '{"id":1}')])
        return dict(await asyncio.wait_for(layer.receive(channel), 5))

    assert asyncio.run(scenario())["text"] == '{"id":1}'


@pytest.mark.redis
@pytest.mark.asyncio
async def test_deployments_sharing_a_redis_server_do_not_hear_each_other(redis_url: str) -> None:
    """A staging copy or a restored backup on the same Redis server has its own channel
    prefix: person 11 there must not get person 11's messages from production."""
    production = RedisPubSubLayer(hosts=[redis_url], prefix="openmentor5")
    production_web = RedisPubSubLayer(hosts=[redis_url], prefix="openmentor5")
    restored_copy = RedisPubSubLayer(hosts=[redis_url], prefix="openmentor6")
    try:
        here, there = await production_web.new_channel(), await restored_copy.new_channel()
        await production_web.group_add("user.11", here)
        await restored_copy.group_add("user.11", there)
        await production.group_send_many([("user.11", {"type": "private"})])
        await production.group_send("user.11", {"type": "also private"})
        got = [await asyncio.wait_for(production_web.receive(here), 5) for _ in range(2)]
        assert sorted(m["type"] for m in got) == ["also private", "private"]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(restored_copy.receive(there), 0.3)
    finally:
        for layer in (production, production_web, restored_copy):
            await layer.flush()
