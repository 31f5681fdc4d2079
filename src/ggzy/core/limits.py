"""How large a request body each endpoint takes.

Every request is capped at `GGZY_MAX_REQUEST_BODY` (2 MiB) unless the view it resolves to declares
its own limit with `@accepts_files(...)`:

    @accepts_files(lambda: settings.GGZY_MAX_UPLOAD_BODY)   # read at request time
    @allow(Role.INITIATOR, Role.AGENT)
    def registration_new(request): ...

The declaration is an attribute on the view, like the access declarations of `ggzy.core.access`, so
the two compose in either order. `body_limit(path)` is what `RequestBodyLimitMiddleware` (and the
ASGI layer, before it reads a byte) ask: the limit of the view the path resolves to. The files
themselves are never held in memory: Django spools an upload above `FILE_UPLOAD_MAX_MEMORY_SIZE` to a
temporary file, and the stores read it in chunks (`ggzy.registry.blobs`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.urls import Resolver404, resolve

V = TypeVar("V", bound=Callable[..., Any])

ATTR = "ggzy_body_limit"

#: A declared limit: bytes, or a zero-argument callable giving them (read at request time).
Limit = int | Callable[[], int]

#: resolved view function → its declared limit (None: none declared). Keyed by the function, never
#: by the path: paths are unbounded (every uid), the views are a fixed set.
_declared: dict[Callable[..., Any], Limit | None] = {}


def accepts_files(max_bytes: int | Callable[[], int]) -> Callable[[V], V]:
    """Declare that the view takes files: its whole request body may be up to `max_bytes` (an int,
    or a zero-argument callable read on each request so it can come from settings)."""
    if isinstance(max_bytes, bool) or not (callable(max_bytes) or isinstance(max_bytes, int)):
        raise TypeError("accepts_files() takes a byte count or a zero-argument callable")
    if isinstance(max_bytes, int) and max_bytes <= 0:
        raise ValueError("accepts_files() takes a positive byte count")

    def mark(view: V) -> V:
        setattr(view, ATTR, max_bytes)
        return view

    return mark


def _own(view: object) -> Limit | None:
    """The limit declared on `view`, on what it wraps (`functools.wraps`), or on its class."""
    seen: set[int] = set()
    current: object = view
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = getattr(current, ATTR, None)
        if found is None and hasattr(current, "view_class"):  # class-based views
            found = getattr(current.view_class, ATTR, None)
        if found is not None:
            return found
        current = getattr(current, "__wrapped__", None)
    return None


def _ninja_operations(view: object) -> list[object]:
    """The operation functions behind a django-ninja path view (its dispatcher closes over the
    PathView that holds them); empty for anything else."""
    if not getattr(view, "__qualname__", "").startswith("PathView.get_view"):
        return []
    for cell in getattr(view, "__closure__", None) or ():
        try:
            holder = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        operations = getattr(holder, "operations", None)
        if isinstance(operations, list):
            return [getattr(op, "view_func", None) for op in operations]
    return []


def _declared_for(view: Callable[..., Any]) -> Limit | None:
    try:
        return _declared[view]
    except KeyError:
        pass
    except TypeError:  # an unhashable callable: look it up each time
        return _lookup(view)
    found = _lookup(view)
    _declared[view] = found
    return found


def _lookup(view: object) -> Limit | None:
    if (found := _own(view)) is not None:
        return found
    # An API path serves several methods: its limit is the largest any of its operations declares.
    limits = [limit for op in _ninja_operations(view) if (limit := _own(op)) is not None]
    if not limits:
        return None
    if len(limits) == 1:
        return limits[0]
    return lambda: max(_value(limit) for limit in limits)


def _value(limit: Limit) -> int:
    return int(limit()) if callable(limit) else int(limit)


def default_limit() -> int:
    """The cap for every endpoint that declares none."""
    return int(settings.GGZY_MAX_REQUEST_BODY)


def body_limit(path: str) -> int:
    """The largest request body, in bytes, that the endpoint at `path` takes: its declared limit, or
    `GGZY_MAX_REQUEST_BODY` (also for a path that resolves to nothing)."""
    try:
        match = resolve(path)
    except Resolver404:
        return default_limit()
    declared = _declared_for(match.func)
    if declared is None:
        return default_limit()
    return _value(declared)
