"""Now, for legal purposes: the one time authority every deadline, embargo and event asks.

* **Production**: the database's clock. On PostgreSQL `clock_timestamp()`, so every app process and
  worker on every host reads the same clock ("one millisecond late" means the same everywhere); on
  SQLite, which lives on one host, the host clock.
* **Sandbox** (`GGZY_SANDBOX=1`, demo and end-to-end tests only): an accelerated clock for the whole
  instance — virtual now = anchor.virtual + (authority now − anchor.real) × speed — stored in the
  database (`SandboxAnchor`) so every process agrees. It can travel forward, never back. Settings
  refuse to load with `GGZY_SANDBOX` and `GGZY_PRODUCTION` together, and everything made in sandbox
  mode is marked so (pages, event payloads).

Parties outside the platform (key custodians, the witness co-signer) keep their own clocks on purpose.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

_ANCHOR_TTL = 2.0
_anchor_cache: tuple[float, Any] = (0.0, None)


def authority_now() -> dt.datetime:
    """The time authority's reading (no sandbox acceleration)."""
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            value = cursor.fetchone()[0]
        return value.astimezone(dt.UTC)
    return timezone.now()


def sandbox_enabled() -> bool:
    return bool(getattr(settings, "GGZY_SANDBOX", False))


def _anchor() -> Any:
    global _anchor_cache  # noqa: PLW0603  (a per-process cache of one row)
    from ggzy.core.models import SandboxAnchor

    fetched_at, anchor = _anchor_cache
    if anchor is not None and time.monotonic() - fetched_at < _ANCHOR_TTL:
        return anchor
    anchor = SandboxAnchor.objects.filter(pk=1).first()
    if anchor is None:
        real = authority_now()
        anchor, _created = SandboxAnchor.objects.get_or_create(
            pk=1, defaults={"real_at": real, "virtual_at": real, "speed": settings.GGZY_SANDBOX_SPEED}
        )
    _anchor_cache = (time.monotonic(), anchor)
    return anchor


def _virtual(real: dt.datetime, anchor: Any) -> dt.datetime:
    return anchor.virtual_at + (real - anchor.real_at) * anchor.speed


def now() -> dt.datetime:
    """Now, as the platform counts time (aware, UTC)."""
    real = authority_now()
    if not sandbox_enabled():
        return real
    return _virtual(real, _anchor())


def local_now() -> dt.datetime:
    return timezone.localtime(now())


def sandbox_travel(to: dt.datetime | None, *, speed: int | None = None) -> dt.datetime:
    """Move the sandbox clock forward to `to` (None: stay at its present time) and optionally change
    its speed. Never backwards."""
    global _anchor_cache  # noqa: PLW0603
    from ggzy.core.models import SandboxAnchor

    if not sandbox_enabled():
        raise RuntimeError("the clock can travel only in sandbox mode")
    if to is not None and to.tzinfo is None:
        raise ValueError("give an aware datetime")
    with transaction.atomic():
        anchor = SandboxAnchor.objects.select_for_update().filter(pk=1).first()
        real = authority_now()
        current = _virtual(real, anchor) if anchor else real
        to = current if to is None else to
        if to < current:
            raise ValueError(f"the sandbox clock never goes back ({to} is before {current})")
        SandboxAnchor.objects.update_or_create(
            pk=1,
            defaults={
                "real_at": real,
                "virtual_at": to,
                "speed": speed
                if speed is not None
                else (anchor.speed if anchor else settings.GGZY_SANDBOX_SPEED),
            },
        )
    _anchor_cache = (0.0, None)
    return to


def sandbox_forward(to: dt.datetime | None = None) -> dt.datetime:
    """Move the sandbox clock forward to `to` (None: to the time authority's present) — or leave it
    where it is if it is already there or past it: never back, and never an error. The authority is
    read once, under the anchor's lock, so "to the present" cannot land a microsecond before the
    clock's own reading of the present (`sandbox_travel(authority_now())` reads it twice and can).
    Returns the clock's time after the move."""
    global _anchor_cache  # noqa: PLW0603
    from ggzy.core.models import SandboxAnchor

    if not sandbox_enabled():
        raise RuntimeError("the clock can move only in sandbox mode")
    if to is not None and to.tzinfo is None:
        raise ValueError("give an aware datetime")
    with transaction.atomic():
        anchor = SandboxAnchor.objects.select_for_update().filter(pk=1).first()
        real = authority_now()
        current = _virtual(real, anchor) if anchor else real
        target = max(real if to is None else to, current)
        SandboxAnchor.objects.update_or_create(
            pk=1,
            defaults={
                "real_at": real,
                "virtual_at": target,
                "speed": anchor.speed if anchor else settings.GGZY_SANDBOX_SPEED,
            },
        )
    _anchor_cache = (0.0, None)
    return target


def sandbox_start(virtual_at: dt.datetime, *, speed: int = 1) -> bool:
    """Start a fresh sandbox clock at `virtual_at` (which may lie in the past: the demo writes its
    history forward from there). Does nothing and returns False if the clock is already running."""
    global _anchor_cache  # noqa: PLW0603
    from ggzy.core.models import SandboxAnchor

    if not sandbox_enabled():
        raise RuntimeError("the sandbox clock exists only in sandbox mode")
    _anchor, created = SandboxAnchor.objects.get_or_create(
        pk=1, defaults={"real_at": authority_now(), "virtual_at": virtual_at, "speed": speed}
    )
    _anchor_cache = (0.0, None)
    return created


def sandbox_reset_for_tests() -> None:
    """Forget the cached anchor (tests that switch sandbox mode on and off)."""
    global _anchor_cache  # noqa: PLW0603
    _anchor_cache = (0.0, None)
