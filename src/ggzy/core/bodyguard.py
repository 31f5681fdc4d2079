"""The ASGI layer in front of Django: a request body is limited and timed before Django reads it.

Django's ASGI handler reads the whole body (spooled to a temporary file) before any middleware
runs, so a size limit checked in middleware would come after the bytes were taken. This wrapper
enforces, per request:

- the endpoint's own limit (`ggzy.core.limits.body_limit`): a declared `Content-Length` above it is
  never read — Django gets an empty body and `RequestBodyLimitMiddleware` answers 413 from the
  header, in the one error shape and the user's language; a body without a length (chunked) is
  counted, and once past the limit reading stops and the header is set to what was counted, so the
  same middleware answers 413;
- time: a body that stalls for `GGZY_BODY_IDLE_SECONDS`, or is still arriving after
  `GGZY_BODY_BASE_SECONDS` plus its size at `GGZY_BODY_MIN_RATE` bytes a second, is answered 408
  and dropped (nothing runs). Headers are timed by the server (granian
  `--http1-header-read-timeout`).

Slow clients cost a coroutine here, never a thread: nothing a client sends slowly holds a worker.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.utils import translation

from ggzy.core import limits
from ggzy.core.errors import CoreError, DomainError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[..., Awaitable[None]]  # Django's ASGIHandler types its arguments more narrowly

DISCONNECT: Message = {"type": "http.disconnect"}


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1  # malformed: the middleware answers 400 from the header
    return None


async def send_timeout(send: Send) -> None:
    """408 in the one error shape (the platform's language: no request exists yet to ask)."""
    with translation.override(settings.LANGUAGE_CODE):
        body = json.dumps(DomainError(CoreError.REQUEST_TIMEOUT).as_dict(), ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"content-language", settings.LANGUAGE_CODE.encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 408, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestBodyGuard:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        headers = [(bytes(k), bytes(v)) for k, v in scope.get("headers") or []]
        scope["headers"] = headers
        limit = limits.body_limit(scope.get("path") or "/")
        declared = _content_length(headers)
        refuse_unread = declared is not None and (declared < 0 or declared > limit)
        idle = float(settings.GGZY_BODY_IDLE_SECONDS)
        expected = declared if declared is not None and declared >= 0 else limit
        deadline = time.monotonic() + settings.GGZY_BODY_BASE_SECONDS + expected / settings.GGZY_BODY_MIN_RATE
        received = 0
        body_done = cut_short = False

        async def guarded_receive() -> Message:
            nonlocal received, body_done, cut_short
            if cut_short:
                # The rest of the body is never read: Django's wait for a disconnect waits here until
                # its answer (413) is sent and it cancels the wait; the server then closes.
                await asyncio.Future()
            if body_done:
                return await receive()
            if refuse_unread:
                body_done = cut_short = True
                return {"type": "http.request", "body": b"", "more_body": False}
            remaining = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, min(idle, remaining)))
            except TimeoutError:
                body_done = cut_short = True
                await send_timeout(send)
                return DISCONNECT  # Django stops: no view runs
            if message["type"] != "http.request":
                return message
            received += len(message.get("body", b""))
            if received > limit:
                body_done = cut_short = True
                headers[:] = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(received).encode()))
                return {"type": "http.request", "body": b"", "more_body": False}
            if not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, guarded_receive, send)
