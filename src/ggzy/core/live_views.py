"""`GET /live/<channel>/`: a live channel as server-sent events (see ggzy.core.live)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.db import connections
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse

from ggzy.core import live
from ggzy.core.access import public
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.types import Viewer

#: A comment line this often keeps proxies and the browser from timing the stream out.
HEARTBEAT_SECONDS = 15.0
#: How long the browser waits before it reconnects (EventSource's `retry:`), in milliseconds.
RETRY_MS = 2000
#: A resume id longer than this is not one of ours (a bigint has 19 digits at most).
MAX_ID_DIGITS = 18


def _last_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last") or ""
    return int(raw) if raw.isdigit() and len(raw) <= MAX_ID_DIGITS else None


def encode(message: live.Live) -> bytes:
    """One SSE event: `id:` (stored messages only), `event:` the kind, `data:` the JSON on one line."""
    lines = [] if message.id is None else [f"id: {message.id}"]
    lines += [f"event: {message.kind}", "data: " + json.dumps(message.data, ensure_ascii=False)]
    return ("\n".join(lines) + "\n\n").encode()


async def _events(channel: str, last: int | None, viewer: Viewer) -> AsyncIterator[bytes]:
    # what the request's middleware and access check read: the connection goes back to the pool now,
    # not when the stream ends (500 viewers must not hold 500 connections)
    await sync_to_async(connections.close_all)()
    yield f"retry: {RETRY_MS}\n\n".encode()
    messages = live.subscribe(channel, last, viewer=viewer)
    pending: asyncio.Future[live.Live] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(messages))
            done, _ = await asyncio.wait({pending}, timeout=HEARTBEAT_SECONDS)
            if not done:
                yield b": keepalive\n\n"
                continue
            try:
                message = pending.result()
            except StopAsyncIteration:  # dropped as slow (or the listener reconnects): the browser resumes
                return
            pending = None
            yield encode(message)
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        await messages.aclose()


@public  # the channel's own access decides: an unknown channel or a refused viewer is the same 404
async def live_stream(request: HttpRequest, channel: str) -> HttpResponseBase:
    viewer: Viewer = await request.auser()
    if not await sync_to_async(live.may_watch)(viewer, channel):
        raise DomainError(CoreError.NOT_FOUND)
    response = StreamingHttpResponse(
        _events(channel, _last_id(request), viewer), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response
