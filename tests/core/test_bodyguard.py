"""Issue 23 items 2 and 5: the ASGI layer limits and times a request body before Django reads it.

Django's ASGI handler reads the whole body before any middleware runs, so without this layer a
10 GB upload would be spooled to disk before the 413, and a client sending a byte a minute would be
waited for without end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

import pytest

from ggzy.core.bodyguard import RequestBodyGuard

LIMIT = 2 * 1024 * 1024


def http_scope(path: str = "/api/v1/health", headers: Iterable[tuple[bytes, bytes]] = ()) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


class Recorder:
    """A stand-in for Django: reads the body as Django's handler does and records what it saw."""

    def __init__(self) -> None:
        self.body = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.disconnected = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                return
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.headers = list(scope["headers"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


class Client:
    """Feeds chunks to the guarded app, counting how many it was asked for."""

    def __init__(self, chunks: list[bytes], *, stall_after: int | None = None) -> None:
        self.chunks = chunks
        self.stall_after = stall_after
        self.asked = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.stall_after is not None and self.asked >= self.stall_after:
            await asyncio.sleep(3600)  # a client that stops sending
        if self.asked >= len(self.chunks):
            await asyncio.sleep(3600)  # after the body: nothing until the client goes
        chunk = self.chunks[self.asked]
        self.asked += 1
        return {"type": "http.request", "body": chunk, "more_body": self.asked < len(self.chunks)}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        starts = [m for m in self.sent if m["type"] == "http.response.start"]
        return starts[0]["status"] if starts else None


def run(app: Any, scope: dict[str, Any], client: Client) -> None:
    asyncio.run(asyncio.wait_for(app(scope, client.receive, client.send), timeout=30))


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((v for k, v in headers if k == name), None)


def test_a_declared_length_above_the_limit_is_never_read() -> None:
    app, client = Recorder(), Client([b"x" * 1024] * 10)
    run(RequestBodyGuard(app), http_scope(headers=[(b"content-length", str(LIMIT + 1).encode())]), client)
    assert client.asked == 0  # not one byte taken from the client
    assert app.body == b""
    assert header(app.headers, b"content-length") == str(LIMIT + 1).encode()  # the middleware refuses


def test_a_body_without_length_is_counted_and_cut_at_the_limit() -> None:
    chunk = b"x" * (512 * 1024)
    app, client = Recorder(), Client([chunk] * 40)  # 20 MiB, chunked
    run(RequestBodyGuard(app), http_scope(), client)
    assert client.asked == 5  # 2.5 MiB read, the rest never asked for
    assert int(header(app.headers, b"content-length") or 0) > LIMIT  # so the middleware answers 413


def test_a_body_within_the_limit_passes_whole() -> None:
    chunks = [b"a" * 1000, b"b" * 1000, b"c"]
    app, client = Recorder(), Client(chunks)
    run(RequestBodyGuard(app), http_scope(headers=[(b"content-length", b"2001")]), client)
    assert app.body == b"".join(chunks)
    assert client.status == 200


def test_a_stalled_body_is_dropped(settings: Any) -> None:
    settings.GGZY_BODY_IDLE_SECONDS = 0.2
    app, client = Recorder(), Client([b"x" * 100] * 10, stall_after=2)
    run(RequestBodyGuard(app), http_scope(headers=[(b"content-length", b"1000")]), client)
    assert app.disconnected  # Django is told the client went: no view runs
    assert client.status == 408
    body = b"".join(m.get("body", b"") for m in client.sent if m["type"] == "http.response.body")
    assert json.loads(body)["code"] == "request_timeout"


def test_a_body_trickling_past_its_deadline_is_dropped(settings: Any) -> None:
    """A byte a second never trips the idle timeout; the whole-body deadline still ends it."""
    settings.GGZY_BODY_IDLE_SECONDS = 30
    settings.GGZY_BODY_BASE_SECONDS = 0.3
    settings.GGZY_BODY_MIN_RATE = 1_000_000

    class Trickle(Client):
        async def receive(self) -> dict[str, Any]:
            await asyncio.sleep(0.1)
            self.asked += 1
            return {"type": "http.request", "body": b"x", "more_body": True}

    app, client = Recorder(), Trickle([])
    run(RequestBodyGuard(app), http_scope(headers=[(b"content-length", b"100")]), client)
    assert app.disconnected
    assert 2 <= client.asked <= 5


def test_the_endpoint_declares_a_larger_limit(settings: Any) -> None:
    """A path whose view declares its own limit (`@accepts_files`) lets a larger body through."""
    from django.urls import reverse

    from ggzy.core import limits

    big = reverse("registry:new")
    assert limits.body_limit(big) > LIMIT, "the registration page takes files above the default cap"
    size = LIMIT + 1024
    app, client = Recorder(), Client([b"x" * size])
    run(RequestBodyGuard(app), http_scope(big, [(b"content-length", str(size).encode())]), client)
    assert len(app.body) == size


@pytest.mark.django_db
def test_the_real_application_answers_413_in_the_one_shape_without_reading() -> None:
    from ggzy.asgi import application

    client = Client([b"{}"] * 100)
    scope = http_scope(
        headers=[(b"content-length", str(LIMIT * 50).encode()), (b"accept-language", b"zh-hans")]
    )
    run(application, scope, client)
    assert client.asked == 0
    assert client.status == 413
    body = b"".join(m.get("body", b"") for m in client.sent if m["type"] == "http.response.body")
    assert json.loads(body)["code"] == "payload_too_large"


def test_websocket_and_lifespan_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    async def nothing() -> dict[str, Any]:
        return {}

    async def drop(message: Any) -> None:
        return None

    asyncio.run(RequestBodyGuard(app)({"type": "lifespan"}, nothing, drop))
    assert seen == ["lifespan"]
