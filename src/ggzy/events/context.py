"""Where a change comes from (web page, API, back office, task, command line; IP, user agent),
kept for the duration of a request or task so that the recorder can note it without every service
passing it along."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponseBase

from ggzy.events.states import Source


@dataclass(frozen=True)
class Origin:
    source: str = Source.SYSTEM
    ip: str | None = None
    user_agent: str = ""


_ORIGIN: ContextVar[Origin | None] = ContextVar("ggzy_origin", default=None)


def current_origin() -> Origin:
    return _ORIGIN.get() or Origin()


@contextlib.contextmanager
def origin(value: Origin) -> Iterator[None]:
    token = _ORIGIN.set(value)
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def origin_of(request: HttpRequest) -> Origin:
    path = request.path
    if path.startswith("/api/"):
        source = Source.API
    elif path.startswith("/admin/"):
        source = Source.ADMIN
    else:
        source = Source.WEB
    # REMOTE_ADDR only: X-Forwarded-For is set by whoever sends it unless a trusted proxy rewrites it
    return Origin(
        source=source,
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.headers.get("User-Agent", "")[:300],
    )


class OriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with origin(origin_of(request)):
            return self.get_response(request)
