"""Live pages (ggzy.core.live, GET /live/<channel>/): delivered after commit, resumed by id, slow clients
dropped alone, channels typed and refused as the one 404; on PostgreSQL one listener connection serves
every subscriber of a process."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.db import connection, connections, transaction
from django.test import AsyncClient, Client
from django.utils import timezone

from ggzy.core import live, live_views
from ggzy.core.models import LiveMessage
from tests.factories import signed_in

pytestmark = pytest.mark.django_db(transaction=True)  # the listener reads what other connections commit

T = TypeVar("T")
WAIT = 5.0


@pytest.fixture(autouse=True)
def test_channel() -> Iterator[None]:
    live.register_channel(
        "test:",
        lambda viewer, channel: channel != "test:secret",
        filter=lambda viewer, message: message.kind != "hidden",
    )
    yield
    live._CHANNELS.pop("test:", None)


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    async def whole() -> T:
        try:
            return await scenario()
        finally:
            await sync_to_async(connections.close_all)()

    return asyncio.run(whole())


def publish(channel: str, kind: str, data: dict[str, object], *, rollback: bool = False) -> None:
    with transaction.atomic():
        live.publish(channel, kind, data)
        transaction.set_rollback(rollback)


apublish = sync_to_async(publish)


async def collect(messages: AsyncGenerator[live.Live, None], into: list[live.Live], n: int) -> None:
    async for message in messages:
        into.append(message)
        if len(into) >= n:
            return


async def started(channel: str, last_id: int | None = None) -> AsyncGenerator[live.Live, None]:
    """A subscription already registered with the hub and listening (its first step is taken)."""
    messages = live.subscribe(channel, last_id)
    first = asyncio.ensure_future(anext(messages))
    while not live.hub().subscribers.get(channel) or not live.hub().ready.is_set():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)

    async def chained() -> AsyncGenerator[live.Live, None]:
        yield await first
        async for message in messages:
            yield message

    return chained()


def test_delivered_after_commit_never_after_rollback() -> None:
    async def scenario() -> list[live.Live]:
        got: list[live.Live] = []
        messages = await started("test:a")
        reader = asyncio.ensure_future(collect(messages, got, 2))
        await apublish("test:a", "step", {"n": 1}, rollback=True)
        await apublish("test:a", "step", {"n": 2})
        await apublish("test:b", "step", {"n": 3})  # another channel
        await apublish("test:a", "hidden", {"n": 4})  # the channel's filter keeps it from the viewer
        await apublish("test:a", "step", {"n": 5})
        await asyncio.wait_for(reader, WAIT)
        return got

    got = run(scenario)
    assert [m.data["n"] for m in got] == [2, 5]
    assert LiveMessage.objects.filter(channel="test:a").count() == 3  # the rolled back one is not stored


def test_nothing_is_delivered_before_the_commit() -> None:
    async def scenario() -> tuple[int, list[live.Live]]:
        got: list[live.Live] = []
        messages = await started("test:a")
        reader = asyncio.ensure_future(collect(messages, got, 1))
        seen_inside: list[int] = []

        def slow_commit() -> None:
            with transaction.atomic():
                live.publish("test:a", "step", {"n": 1})
                time.sleep(live.POLL_SECONDS * 3)
                seen_inside.append(len(got))

        await asyncio.get_running_loop().run_in_executor(None, slow_commit)
        await asyncio.wait_for(reader, WAIT)
        await sync_to_async(connections.close_all)()
        return seen_inside[0], got

    seen_inside, got = run(scenario)
    assert seen_inside == 0
    assert [m.data["n"] for m in got] == [1]


def test_resume_replays_exactly_the_missed_ones_in_order() -> None:
    for n in range(6):
        publish("test:r", "step", {"n": n})
    ids = list(LiveMessage.objects.filter(channel="test:r").order_by("id").values_list("id", flat=True))

    async def scenario() -> list[live.Live]:
        got: list[live.Live] = []
        messages = live.subscribe("test:r", ids[2])
        reader = asyncio.ensure_future(collect(messages, got, 4))
        while not live.hub().subscribers.get("test:r") or not live.hub().ready.is_set():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        await apublish("test:r", "step", {"n": 6})  # then live ones
        await asyncio.wait_for(reader, WAIT)
        return got

    got = run(scenario)
    assert [m.id for m in got[:3]] == ids[3:]
    assert [m.data["n"] for m in got] == [3, 4, 5, 6]


def test_the_stream_resumes_from_last_event_id() -> None:
    for n in range(4):
        publish("test:s", "step", {"n": n})
    ids = list(LiveMessage.objects.filter(channel="test:s").order_by("id").values_list("id", flat=True))

    async def scenario() -> tuple[dict[str, str], list[bytes]]:
        response = await AsyncClient().get("/live/test:s/", headers={"Last-Event-ID": str(ids[1])})
        assert response.status_code == 200
        stream = aiter(response.streaming_content)  # type: ignore[attr-defined]
        chunks = [await asyncio.wait_for(anext(stream), WAIT) for _ in range(3)]
        await stream.aclose()
        return dict(response.headers), chunks

    headers, chunks = run(scenario)
    assert headers["Content-Type"].startswith("text/event-stream")
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Accel-Buffering"] == "no"
    assert chunks[0] == b"retry: 2000\n\n"
    assert chunks[1:] == [
        f'id: {ids[2]}\nevent: step\ndata: {{"n": 2}}\n\n'.encode(),
        f'id: {ids[3]}\nevent: step\ndata: {{"n": 3}}\n\n'.encode(),
    ]


def test_a_slow_subscriber_is_dropped_and_a_fast_one_gets_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "QUEUE_SIZE", 5)
    count = 20

    async def scenario() -> tuple[list[live.Live], bool, int]:
        fast: list[live.Live] = []
        fast_messages = await started("test:f")
        slow_messages = await started("test:f")  # never read
        reader = asyncio.ensure_future(collect(fast_messages, fast, count))
        for n in range(count):
            await apublish("test:f", "step", {"n": n})
        await asyncio.wait_for(reader, WAIT * 2)
        remaining = len(live.hub().subscribers.get("test:f", ()))
        slow_ended = False
        try:
            async with asyncio.timeout(WAIT):
                async for _ in slow_messages:
                    pass
            slow_ended = True
        except TimeoutError:
            pass
        return fast, slow_ended, remaining

    fast, slow_ended, remaining = run(scenario)
    assert [m.data["n"] for m in fast] == list(range(count))
    assert slow_ended  # its stream ended: the browser reconnects and resumes from its last id
    assert remaining == 1


def test_unknown_channel_is_404() -> None:
    assert Client().get("/live/nothing:here/").status_code == 404
    assert Client().get("/live/no-prefix/").status_code == 404


def test_a_channel_refusing_the_viewer_is_404() -> None:
    assert Client().get("/live/test:secret/").status_code == 404


def test_time_channel_ticks_without_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> list[bytes]:
        response = await AsyncClient().get("/live/time:now/")
        assert response.status_code == 200
        stream = aiter(response.streaming_content)  # type: ignore[attr-defined]
        chunks = [await asyncio.wait_for(anext(stream), WAIT) for _ in range(3)]
        await stream.aclose()
        return chunks

    chunks = run(scenario)
    assert chunks[0] == b"retry: 2000\n\n"
    assert all(c.startswith(b'event: now\ndata: {"now": "') for c in chunks[1:])
    assert chunks[1] != chunks[2]
    assert not LiveMessage.objects.exists()
    assert Client().get("/live/time:other/").status_code == 404


def test_heartbeat_comment_while_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_views, "HEARTBEAT_SECONDS", 0.2)

    async def scenario() -> list[bytes]:
        response = await AsyncClient().get("/live/test:quiet/")
        stream = aiter(response.streaming_content)  # type: ignore[attr-defined]
        chunks = [await asyncio.wait_for(anext(stream), WAIT) for _ in range(2)]
        await stream.aclose()
        return chunks

    assert run(scenario) == [b"retry: 2000\n\n", b": keepalive\n\n"]


def test_prune_deletes_messages_older_than_a_day() -> None:
    publish("test:p", "step", {})
    LiveMessage.objects.update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    publish("test:p", "step", {})
    assert live.live_prune() == 1
    assert live.live_prune() == 0
    assert LiveMessage.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY needs PostgreSQL")
def test_one_listener_connection_serves_many_subscribers() -> None:
    def connections_now() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(cursor.fetchone()[0])

    async def scenario() -> tuple[int, int, list[int]]:
        first = await started("test:many")
        before = await sync_to_async(connections_now)()
        others = [await started("test:many") for _ in range(50)]
        after = await sync_to_async(connections_now)()
        got: list[list[live.Live]] = [[] for _ in range(51)]
        readers = [
            asyncio.ensure_future(collect(m, into, 1)) for m, into in zip([first, *others], got, strict=True)
        ]
        await apublish("test:many", "step", {"n": 1})
        await asyncio.wait_for(asyncio.gather(*readers), WAIT)
        return before, after, [len(g) for g in got]

    assert live.backend() == "postgres"
    before, after, received = run(scenario)
    assert after == before  # 51 subscribers, one listener connection
    assert received == [1] * 51


@pytest.mark.skipif(connection.vendor != "postgresql", reason="counts PostgreSQL's connections")
def test_signed_in_streams_hold_no_database_connection() -> None:
    from django.contrib.auth.models import User

    user = User.objects.create_user("watcher", password="x")

    def connections_now() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(cursor.fetchone()[0])

    clients = [signed_in(AsyncClient(), user) for _ in range(11)]  # sessions made as sign-in makes them

    requests: list[ThreadSensitiveContext] = []

    async def open_stream() -> AsyncIterator[bytes]:
        client = clients.pop()
        requests.append(ThreadSensitiveContext())  # a thread of its own per request, as under ASGI
        await requests[-1].__aenter__()
        response = await client.get("/live/test:watched/")
        assert response.status_code == 200
        stream = aiter(response.streaming_content)
        assert await asyncio.wait_for(anext(stream), WAIT) == b"retry: 2000\n\n"
        return stream

    async def scenario() -> tuple[int, int]:
        streams = [await open_stream()]
        await asyncio.sleep(0.2)
        before = await sync_to_async(connections_now)()
        streams += [await open_stream() for _ in range(10)]
        await asyncio.sleep(0.2)
        after = await sync_to_async(connections_now)()
        for stream in streams:
            await stream.aclose()  # type: ignore[attr-defined]
        for request in reversed(requests):
            await request.__aexit__(None, None, None)
        return before, after

    before, after = run(scenario)
    assert after <= before


# --- GGZY_LIVE_BACKEND=redis: stored as ever, announced on Redis after the commit --------------------------
REDIS_URL = "redis://127.0.0.1:6379/9"


def redis_reachable() -> bool:
    try:
        import redis
    except ImportError:
        return False
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


_redis_reachable = pytest.mark.skipif(not redis_reachable(), reason=f"no Redis server at {REDIS_URL}")
#: Redis is the backend for several hosts, and several hosts share a server database: on the SQLite test
#: database (in memory, shared cache) the listener's thread and a writer lock each other's table at once
#: ("table is locked", no busy wait), which no deployment with Redis meets — these run on PostgreSQL.
_on_a_server_database = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Redis serves several hosts: they share PostgreSQL, not SQLite"
)


def needs_redis(test: Any) -> Any:
    return _redis_reachable(_on_a_server_database(test))


def heard(announced: list[bytes], n: int) -> None:
    """Wait (a little) until `n` announcements were heard on Redis, and a moment more for any extra."""
    deadline = time.monotonic() + WAIT
    while len(announced) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)


@pytest.fixture
def redis_backend(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """The redis backend on a channel of this test's own (pub/sub ignores the database number: tests
    running at the same time must not hear each other); yields what was published on that channel."""
    import threading
    import uuid

    import redis

    settings.GGZY_LIVE_BACKEND = "redis"
    settings.GGZY_REDIS_URL = REDIS_URL
    channel = f"ggzy_live_test_{uuid.uuid4().hex}"
    monkeypatch.setattr(live, "REDIS_CHANNEL", channel)
    heard: list[bytes] = []
    client = redis.Redis.from_url(REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            message = pubsub.get_message(timeout=0.1)
            if message is not None:
                heard.append(message["data"])

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    yield heard
    stop.set()
    thread.join()
    pubsub.close()
    client.close()


@needs_redis
def test_redis_delivers_after_commit_never_after_rollback(redis_backend: list[bytes]) -> None:
    async def scenario() -> list[live.Live]:
        got: list[live.Live] = []
        messages = await started("test:a")
        reader = asyncio.ensure_future(collect(messages, got, 2))
        await apublish("test:a", "step", {"n": 1}, rollback=True)
        await apublish("test:a", "step", {"n": 2})
        await apublish("test:b", "step", {"n": 3})  # another channel
        await apublish("test:a", "step", {"n": 4})
        await asyncio.wait_for(reader, WAIT)
        return got

    assert live.backend() == "redis"
    got = run(scenario)
    assert [m.data["n"] for m in got] == [2, 4]
    stored = list(LiveMessage.objects.order_by("id").values_list("id", flat=True))
    assert len(stored) == 3  # the rolled back one is neither stored ...
    heard(redis_backend, 3)
    assert redis_backend == [str(i).encode() for i in stored]  # ... nor announced: only ids, after commit


@needs_redis
def test_redis_announces_nothing_before_the_commit(redis_backend: list[bytes]) -> None:
    with transaction.atomic():
        live.publish("test:a", "step", {"n": 1})
        time.sleep(0.3)
        assert redis_backend == []
    message = LiveMessage.objects.get()
    heard(redis_backend, 1)
    assert redis_backend == [str(message.id).encode()]


@needs_redis
def test_redis_resume_replays_the_missed_ones_then_live(redis_backend: list[bytes]) -> None:
    for n in range(5):
        publish("test:r", "step", {"n": n})
    ids = list(LiveMessage.objects.filter(channel="test:r").order_by("id").values_list("id", flat=True))

    async def scenario() -> list[live.Live]:
        got: list[live.Live] = []
        messages = live.subscribe("test:r", ids[1])
        reader = asyncio.ensure_future(collect(messages, got, 4))
        while not live.hub().subscribers.get("test:r") or not live.hub().ready.is_set():
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        await apublish("test:r", "step", {"n": 5})  # then live ones, through Redis
        await asyncio.wait_for(reader, WAIT)
        return got

    got = run(scenario)
    assert [m.id for m in got[:3]] == ids[2:]
    assert [m.data["n"] for m in got] == [2, 3, 4, 5]


@needs_redis
def test_redis_lost_connection_drops_the_subscribers_then_listens_again(redis_backend: list[bytes]) -> None:
    import redis

    def kill_the_listener() -> None:
        with redis.Redis.from_url(REDIS_URL) as admin:
            for client in admin.client_list(_type="pubsub"):
                if client.get("name") == live._redis_client_name():
                    admin.client_kill_filter(_id=client["id"])

    async def scenario() -> tuple[list[live.Live], list[live.Live]]:
        before: list[live.Live] = []
        messages = live.subscribe("test:lost")
        reader = asyncio.ensure_future(collect(messages, before, 10))
        while not live.hub().subscribers.get("test:lost") or not live.hub().ready.is_set():
            await asyncio.sleep(0.01)
        await sync_to_async(kill_the_listener)()
        await asyncio.wait_for(reader, WAIT)  # the stream ended: the browser reconnects and replays
        after: list[live.Live] = []
        again = await started("test:lost")  # the listener subscribed again
        reader = asyncio.ensure_future(collect(again, after, 1))
        await apublish("test:lost", "step", {"n": 1})
        await asyncio.wait_for(reader, WAIT)
        return before, after

    before, after = run(scenario)
    assert [m.id for m in before] == []  # nothing stored was lost: it ended (a reconnect marker at most)
    assert [m.data["n"] for m in after] == [1]


def test_a_transient_database_error_on_reading_announced_messages_is_retried_not_a_lost_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite answers "table is locked" at once while a writer holds it: the listener reads again (a few
    times, briefly) instead of dropping every subscriber as on a lost connection."""
    from django.db import OperationalError

    monkeypatch.setattr(live, "READ_PAUSE", 0.001)
    calls: list[list[int]] = []

    async def flaky(ids: list[int]) -> list[int]:
        calls.append(ids)
        if len(calls) < 3:
            raise OperationalError("database table is locked: core_livemessage")
        return ids

    assert asyncio.run(live._retrying(flaky, [7, 8])) == [7, 8]
    assert len(calls) == 3

    async def broken(ids: list[int]) -> list[int]:
        calls.append(ids)
        raise OperationalError("no such table")

    calls.clear()
    with pytest.raises(OperationalError):
        asyncio.run(live._retrying(broken, [1]))
    assert len(calls) == live.READ_ATTEMPTS
