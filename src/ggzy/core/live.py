"""Live pages: publish in a service's transaction, delivered after commit to the watchers of a channel.

    live.publish("hall:<section uid>", "step", {"step": "opened"})     # inside the service's transaction
    async for message in live.subscribe("hall:<uid>", last_id, viewer=viewer): ...

A message is a row (`core.LiveMessage`, kept a day by the tick job `core.live_prune`); its id is the SSE
event id a reconnecting client resumes from (`GET /live/<channel>/`, `ggzy.core.views.live_stream`).
Delivery (`settings.GGZY_LIVE_BACKEND`):

* PostgreSQL: `publish` runs `pg_notify('ggzy_live', '<id>')` in the transaction — PostgreSQL holds a
  notification until the commit and drops it on a rollback — the payload is the id only (no size limit,
  nothing secret). Each process has **one** listener: a task in the serving event loop with one
  dedicated connection doing `LISTEN ggzy_live`; it reads each notified row on that connection and fans
  it out to the in-process subscribers of its channel. Watchers never hold a database connection.
* SQLite (`sqlite-poll`): one polling task per process reads `id > last` every 0.5 s; same fan-out.
* `redis` (several hosts, `settings.GGZY_REDIS_URL`): the message is still stored (its id resumes and
  replays); after the commit (`transaction.on_commit`: Redis is outside the transaction, so a rollback
  publishes nothing) `PUBLISH ggzy_live <id>`. Each process has one listener: a `redis.asyncio` pub/sub
  subscription to `ggzy_live`; it reads the announced rows from the table and fans them out the same way.
  On a lost connection (database or Redis) every listener drops its subscribers: they reconnect and replay.

Each subscriber has a bounded queue (`QUEUE_SIZE`): when a message finds it full the client is slow and is
dropped — its stream ends, the browser reconnects with Last-Event-ID and replays from the table — and
nobody else waits. Channels are typed: an app registers a prefix with who may watch (`access(viewer,
channel)`) and, optionally, what of it a viewer may receive (`filter(viewer, message)`); an unknown
prefix or a refused viewer is the same 404. A synthetic channel (`time:`) is generated in-process by each
subscriber and never touches the table.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import functools
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

from ggzy.core import clock
from ggzy.core.types import JSONDict, Viewer

if TYPE_CHECKING:
    import redis
    import redis.asyncio.client

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "ggzy_live"
#: the Redis pub/sub channel (Redis's pub/sub ignores the URL's database number: two deployments sharing a
#: Redis server need their own channel)
REDIS_CHANNEL = NOTIFY_CHANNEL
#: Messages a subscriber may have waiting; one more and it is dropped as slow.
QUEUE_SIZE = 100
#: At most this many stored messages are replayed to a reconnecting client (else it is told to reload).
REPLAY_LIMIT = 500
POLL_SECONDS = 0.5
RETENTION = dt.timedelta(days=1)

Backend = Literal["postgres", "sqlite-poll", "redis"]
P = ParamSpec("P")
R = TypeVar("R")


#: How often a read of announced messages is tried again after a transient database error (SQLite answers
#: "table is locked" at once while a writer holds it) before it counts as a lost connection, and the first
#: pause (doubled each time: about 1.5 s in all).
READ_ATTEMPTS, READ_PAUSE = 6, 0.05


async def _retrying(read: Callable[[list[int]], Awaitable[R]], ids: list[int]) -> R:
    """`read(ids)`, tried again after a transient database error; the last error is raised."""
    from django.db import OperationalError

    pause = READ_PAUSE
    for _attempt in range(READ_ATTEMPTS - 1):
        try:
            return await read(ids)
        except OperationalError:
            await asyncio.sleep(pause)
            pause *= 2
    return await read(ids)


def _detached(fn: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`fn` run in a worker thread that gives its database connection back (to the pool) at once: a
    stream lasting an hour must not hold a connection for it."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return sync_to_async(run, thread_sensitive=False)


@dataclass(frozen=True)
class Live:
    """A message as a subscriber receives it. `id` is None for what is not stored (a synthetic channel's
    message, the `reload` sent when more was missed than is replayed): it carries no SSE id."""

    id: int | None
    channel: str
    kind: str
    data: JSONDict


AccessRule = Callable[[Viewer, str], bool]
FilterRule = Callable[[Viewer, Live], bool]
Source = Callable[[str], AsyncIterator[Live]]


@dataclass(frozen=True)
class Channel:
    prefix: str
    access: AccessRule
    filter: FilterRule | None = None
    #: a synthetic channel: each subscriber's messages come from here, never from the table
    source: Source | None = None


_CHANNELS: dict[str, Channel] = {}


def register_channel(
    prefix: str,
    access: AccessRule,
    *,
    filter: FilterRule | None = None,  # noqa: A002  (the name the apps use)
    source: Source | None = None,
) -> None:
    """Register a channel type: names `<prefix><rest>` (the prefix ends with ":"). `access(viewer,
    channel)` decides who may watch (it may read the database: it runs in a thread); `filter(viewer,
    message)`, when given, decides per message what a viewer receives: it runs in the event loop for every
    message and watcher, so it must not query the database — it reads the message and
    `core.roles.roles_of_user(viewer)`, which `subscribe` resolved beforehand (cached on the user)."""
    if not prefix.endswith(":"):
        raise ValueError("a channel prefix ends with ':'")
    _CHANNELS[prefix] = Channel(prefix=prefix, access=access, filter=filter, source=source)


def channel_of(name: str) -> Channel | None:
    """The registered type of channel `name`, or None."""
    prefix, sep, _rest = name.partition(":")
    return _CHANNELS.get(prefix + ":") if sep else None


def may_watch(viewer: Viewer, name: str) -> bool:
    """Whether `viewer` may watch channel `name` (False for an unknown channel)."""
    channel = channel_of(name)
    return channel is not None and bool(channel.access(viewer, name))


def backend() -> Backend:
    configured = str(getattr(settings, "GGZY_LIVE_BACKEND", "auto") or "auto")
    if configured == "auto":
        return "postgres" if connections["default"].vendor == "postgresql" else "sqlite-poll"
    if configured not in ("postgres", "sqlite-poll", "redis"):
        raise ImproperlyConfigured(f"GGZY_LIVE_BACKEND={configured!r}: auto, postgres, sqlite-poll or redis")
    return configured  # type: ignore[return-value]


def _redis_url() -> str:
    url = str(getattr(settings, "GGZY_REDIS_URL", "") or "")
    if not url:
        raise ImproperlyConfigured("GGZY_LIVE_BACKEND=redis needs GGZY_REDIS_URL (redis://host:6379/0)")
    return url


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    """The process's synchronous client for `url` (thread-safe: it keeps a pool of connections)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def _redis_publish(message_id: int) -> None:
    """After the commit: announce `message_id` on Redis. A failure is logged, not raised (the commit
    stands); the watchers get the message when they next reconnect and replay."""
    import redis

    try:
        _redis_client(_redis_url()).publish(REDIS_CHANNEL, str(message_id))
    except redis.RedisError:
        logger.exception("live: could not publish message %s to Redis", message_id)


# --- publishing (synchronous, in the service's transaction) ---------------------------------------
def publish(channel: str, kind: str, data: JSONDict) -> None:
    """Store a message for `channel` in the caller's transaction; watchers receive it after the commit,
    never after a rollback."""
    from ggzy.core.models import LiveMessage

    if channel_of(channel) is None:
        raise ValueError(f"no live channel type registered for {channel!r}")
    chosen = backend()
    if chosen == "redis":
        _redis_url()  # misconfigured: fail in the service, not silently after the commit
    now = clock.authority_now()  # infrastructure: a day's retention in real time, even in the sandbox
    message = LiveMessage.objects.create(channel=channel, kind=kind, data=data, created_at=now)
    connection = connections["default"]
    if chosen == "postgres" and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # held by PostgreSQL until the commit, dropped on rollback
            cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(message.pk)])
    elif chosen == "redis":  # Redis is outside the transaction: announce only what committed
        message_id = int(message.pk)
        transaction.on_commit(lambda: _redis_publish(message_id))


def live_prune() -> int:
    """Tick job `core.live_prune`: delete messages older than a day (a client that far behind reloads)."""
    from ggzy.core.models import LiveMessage

    deleted, _ = LiveMessage.objects.filter(created_at__lt=clock.authority_now() - RETENTION).delete()
    return deleted


# --- the per-process hub ------------------------------------------------------------------------------
@dataclass(eq=False)
class _Subscriber:
    channel: str
    queue: asyncio.Queue[Live] = field(default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE))
    dropped: bool = False


class _Hub:
    """The subscribers of one process (one event loop) and its one listener task."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.subscribers: dict[str, set[_Subscriber]] = {}
        self.task: asyncio.Task[None] | None = None
        #: set once the listener listens (or the poller knows where it starts)
        self.ready = asyncio.Event()
        self.delivered = 0
        self.now_lock = asyncio.Lock()

    def add(self, channel: str) -> _Subscriber:
        sub = _Subscriber(channel)
        self.subscribers.setdefault(channel, set()).add(sub)
        if self.task is None or self.task.done():
            self.ready.clear()
            # in a context of its own: not the first subscriber's request (its thread ends with it)
            self.task = self.loop.create_task(
                self._run(), name="ggzy-live-listener", context=contextvars.Context()
            )
        return sub

    def remove(self, sub: _Subscriber) -> None:
        subs = self.subscribers.get(sub.channel)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.subscribers[sub.channel]

    def fan_out(self, message: Live) -> None:
        for sub in list(self.subscribers.get(message.channel, ())):
            try:
                sub.queue.put_nowait(message)
            except asyncio.QueueFull:  # a slow client: drop it, it resumes from its last id
                sub.dropped = True
                self.remove(sub)
                logger.info("live: dropped a slow subscriber of %s", message.channel)
        self.delivered += 1

    def drop_all(self) -> None:
        """After the listener lost its connection: every subscriber reconnects and replays."""
        for subs in list(self.subscribers.values()):
            for sub in list(subs):
                sub.dropped = True
                with_room = not sub.queue.full()
                self.remove(sub)
                if with_room:  # wake a subscriber waiting on an empty queue
                    sub.queue.put_nowait(Live(None, sub.channel, "reconnect", {}))

    async def _run(self) -> None:
        chosen = await sync_to_async(backend)()
        if chosen == "postgres":
            await self._listen_postgres()
        elif chosen == "sqlite-poll":
            await self._poll()
        else:
            await self._listen_redis()

    async def _listen_postgres(self) -> None:
        import psycopg

        params = await sync_to_async(_listener_params)()
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.ready.set()
                    while True:
                        # a query cannot run inside the notifies() iteration (it holds the connection):
                        # take what arrived (those during the last query come buffered), then read them
                        payloads = [n.payload async for n in conn.notifies(stop_after=1)]
                        ids = [int(p) for p in payloads if p.isdigit()]
                        cursor = await conn.execute(
                            "SELECT id, channel, kind, data FROM core_livemessage"
                            " WHERE id = ANY(%s) ORDER BY id",
                            [ids],
                        )
                        await self._fan_out_rows(await cursor.fetchall())
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live: the listener lost its connection; reconnecting")
            self.ready.clear()
            self.drop_all()
            await asyncio.sleep(1)

    async def _fan_out_rows(self, rows: Sequence[Sequence[object]]) -> None:
        """Fan out stored rows (id, channel, kind, data), in order, the subscribers taking each in turn."""
        for row in rows:
            self.fan_out(Live(int(str(row[0])), str(row[1]), str(row[2]), _as_dict(row[3])))
            await asyncio.sleep(0)  # the subscribers take it before the next: a batch is no flood

    async def _listen_redis(self) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        url = await sync_to_async(_redis_url)()
        read_rows = _detached(_rows_by_id)
        while True:
            try:
                # no silent reconnect: what was published while it was away would be lost unnoticed
                client = aioredis.Redis.from_url(
                    url,
                    socket_connect_timeout=5,
                    retry=Retry(NoBackoff(), 0),
                    client_name=_redis_client_name(),
                )
                async with client, client.pubsub() as pubsub:
                    await _subscribed(pubsub)  # what is published from now on reaches this listener
                    self.ready.set()
                    while True:
                        first = await pubsub.get_message(timeout=None)
                        if first is None:
                            continue
                        announced = [first]  # and whatever else already arrived: one query for a batch
                        while (more := await pubsub.get_message(timeout=0.0)) is not None:
                            announced.append(more)
                        ids = [_id_of(m) for m in announced if m.get("type") == "message"]
                        if found := [i for i in ids if i is not None]:
                            await self._fan_out_rows(await _retrying(read_rows, found))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live: the Redis listener lost its connection; reconnecting")
            self.ready.clear()
            self.drop_all()
            await asyncio.sleep(1)

    async def _poll(self) -> None:
        from ggzy.core.models import LiveMessage

        def last_id() -> int:
            return LiveMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0

        def newer(last: int) -> list[Live]:
            rows = LiveMessage.objects.filter(id__gt=last).order_by("id")[:1000]
            return [Live(m.id, m.channel, m.kind, _as_dict(m.data)) for m in rows]

        last = await sync_to_async(last_id)()
        self.ready.set()
        while True:
            try:
                for message in await sync_to_async(newer)(last):
                    last = max(last, message.id or 0)
                    self.fan_out(message)
                    await asyncio.sleep(0)  # let the subscribers take it before the next: a batch is no flood
            except Exception:
                logger.exception("live: polling failed")
            await asyncio.sleep(POLL_SECONDS)


def _as_dict(value: object) -> JSONDict:
    if isinstance(value, str):
        import json

        value = json.loads(value)
    return value if isinstance(value, dict) else {"value": value}


def _redis_client_name() -> str:
    """How the listener is named on the Redis server (CLIENT LIST): `ggzy-live-<pid>`."""
    import os

    return f"ggzy-live-{os.getpid()}"


async def _subscribed(pubsub: redis.asyncio.client.PubSub) -> None:
    """Subscribe `pubsub` to REDIS_CHANNEL and wait until Redis confirms it."""
    await pubsub.subscribe(REDIS_CHANNEL)
    while True:
        reply = await pubsub.get_message(timeout=5.0)
        if reply is None:
            raise ConnectionError("Redis did not confirm the subscription")
        if reply.get("type") == "subscribe":
            return


def _id_of(message: dict[str, object]) -> int | None:
    """The message id a Redis pub/sub message announces, or None."""
    data = message.get("data")
    text = data.decode() if isinstance(data, bytes) else data
    return int(text) if isinstance(text, str) and text.isdigit() else None


def _rows_by_id(ids: list[int]) -> list[tuple[object, ...]]:
    """The stored rows (id, channel, kind, data) of `ids`, in id order."""
    from ggzy.core.models import LiveMessage

    return list(
        LiveMessage.objects.filter(id__in=ids).order_by("id").values_list("id", "channel", "kind", "data")
    )


def _listener_params() -> JSONDict:
    """How the listener connects: Django's own parameters for the default database, without its pool,
    cursor class and adapters (the listener is a plain async connection)."""
    params: JSONDict = dict(connections["default"].get_connection_params())
    for key in ("cursor_factory", "context", "pool", "server_side_binding"):
        params.pop(key, None)
    return params


_hub: _Hub | None = None


def hub() -> _Hub:
    """This process's hub, in the running event loop (a new loop — a test's — gets a new hub)."""
    global _hub  # noqa: PLW0603  (one per process)
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = _Hub(loop)
    return _hub


# --- subscribing -----------------------------------------------------------------------------------------
async def subscribe(
    channel: str, last_id: int | None = None, *, viewer: Viewer | None = None
) -> AsyncGenerator[Live, None]:
    """The messages of `channel`: first the stored ones after `last_id` (the latest REPLAY_LIMIT; when
    more were missed a `reload` message comes first), then live ones as they are committed. Ends when the
    subscriber is dropped as slow (the client reconnects with its last id). The caller checked
    `may_watch`; `viewer` is what the channel's filter is asked about."""
    kind = channel_of(channel)
    if kind is None:
        raise ValueError(f"no live channel type registered for {channel!r}")
    if kind.source is not None:
        async for message in kind.source(channel):
            yield message
        return
    from django.contrib.auth.models import AnonymousUser

    who: Viewer = viewer if viewer is not None else AnonymousUser()
    if kind.filter is not None:  # resolved once here (cached on the user) for the filter to read
        from ggzy.core.roles import roles_of_user

        await _detached(roles_of_user)(who)
    the_hub = hub()
    sub = the_hub.add(channel)  # before the replay is read: nothing falls between the two
    try:
        await the_hub.ready.wait()  # the listener listens: what commits from now on reaches `sub`
        seen = last_id or 0
        if last_id is not None:
            replay, more = await _detached(_stored_after)(channel, last_id)
            if more:  # more was missed than is replayed: the page reloads
                yield Live(None, channel, "reload", {})
            seen = max([seen, *(m.id or 0 for m in replay)])
            for message in (m for m in replay if _allowed(kind, who, m)):
                yield message
        while not sub.dropped:
            message = await sub.queue.get()
            if sub.dropped:
                break
            if message.id is not None and message.id <= seen:
                continue  # already replayed
            if _allowed(kind, who, message):
                yield message
    finally:
        the_hub.remove(sub)


def _allowed(kind: Channel, viewer: Viewer, message: Live) -> bool:
    return kind.filter is None or message.id is None or bool(kind.filter(viewer, message))


def _stored_after(channel: str, last_id: int) -> tuple[list[Live], bool]:
    from ggzy.core.models import LiveMessage

    rows = list(
        LiveMessage.objects.filter(channel=channel, id__gt=last_id).order_by("-id")[: REPLAY_LIMIT + 1]
    )
    more = len(rows) > REPLAY_LIMIT
    return [Live(m.id, m.channel, m.kind, _as_dict(m.data)) for m in reversed(rows[:REPLAY_LIMIT])], more


# --- the `time:` channel: the server's clock, once a second, generated in-process ------------------------
_now_cache: tuple[int, str] = (-1, "")


async def _platform_now() -> str:
    """The platform's now (`core.clock.now`, the sandbox's in a demonstration), read at most once per
    wall-clock second per process however many watch."""
    global _now_cache  # noqa: PLW0603  (a per-process cache of one value)
    second = int(time.time())
    if _now_cache[0] == second:
        return _now_cache[1]
    async with hub().now_lock:
        if _now_cache[0] != second:
            _now_cache = (second, (await _detached(clock.now)()).isoformat())
        return _now_cache[1]


async def time_source(channel: str) -> AsyncIterator[Live]:
    """`time:now`: {"now": iso} every second, on the second (nothing is stored)."""
    while True:
        yield Live(None, channel, "now", {"now": await _platform_now()})
        await asyncio.sleep(1 - (time.time() % 1) + 0.001)


register_channel("time:", lambda viewer, channel: channel == "time:now", source=time_source)
