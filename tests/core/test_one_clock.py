"""One clock: the platform's time is `ggzy.core.clock.now()` (the accelerated clock in the sandbox); the
host's clock is read only where the host's time is what is meant, each such place listed here with why.

A lint over src/ggzy (a new direct read of the host clock fails until it is made deliberate), and what
the sandbox shows when the two are mixed: a token's lifetime counted on the sandbox clock, a delivery
retry scheduled on the worker's clock."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from ggzy.accounts.services import token_create
from ggzy.core import clock
from ggzy.core.access import token_scopes
from ggzy.core.roles import Role
from ggzy.events import gateways
from ggzy.events.models import DeliveryAttempt
from ggzy.events.notifications import Recipient, message_deliver, notify
from ggzy.events.states import DeliveryChannel, DeliveryStatus

SRC = Path(__file__).resolve().parents[2] / "src" / "ggzy"

#: Files that read the host clock on purpose: how many reads, and why. A new read anywhere (here too:
#: the count) fails the lint until it is clock.now() or added here with its reason.
HOST_CLOCK_ALLOWED: dict[str, tuple[int, str]] = {
    "core/live.py": (2, "the time channel's pacing: the platform clock read once a wall-clock second, on it"),
    "core/clock.py": (1, "authority_now() on SQLite *is* the host clock (one host)"),
    "core/selectors.py": (
        3,
        "the clock status measures the host clock against the authority; health when the database is down",
    ),
    "accounts/identifiers.py": (
        1,
        "a pure standard-library module: its default `today`; platform callers pass the clock's date",
    ),
    "accounts/middleware.py": (1, "session idle time: a person's real minutes, as Django's session expiry"),
    "accounts/policy.py": (3, "the session's sign-in and second-step times (real time, like the session)"),
    "accounts/views/__init__.py": (1, "the pending second step's age (real time, like the session)"),
    "demo/cosigners.py": (1, "the name of the folder an earlier demo's co-signer states are moved to"),
    "events/notifications.py": (1, "a retry's run_after: the tasks worker compares it with its own clock"),
    "service/migrations/0005_publishing.py": (
        1,
        "a data migration stamps existing rows once (migrations use no app code, so no clock)",
    ),
    "events/recovery.py": (1, "task rows' started_at are written by the worker on its host's clock"),
}

#: Calls that read the host's wall clock (by the dotted name's last two parts).
_HOST_CALLS = {
    ("timezone", "now"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
#: timezone.localtime() / localdate() without a value read the host clock too.
_HOST_WITHOUT_ARGS = {("timezone", "localtime"), ("timezone", "localdate")}


def _dotted(node: ast.expr) -> tuple[str, ...]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def host_clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, what) of each direct read of the host clock in `source`."""
    found: list[tuple[int, str]] = []
    called: set[int] = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("django.utils.timezone", "time"):
            found += [
                (node.lineno, f"from {node.module} import {alias.name}")
                for alias in node.names
                if alias.name in ("now", "time", "time_ns", "localtime", "localdate")
            ]
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)[-2:]
            called.add(id(node.func))
            if name in _HOST_CALLS or (name in _HOST_WITHOUT_ARGS and not node.args and not node.keywords):
                found.append((node.lineno, ".".join(name) + "()"))
            if _dotted(node.func)[-1:] == ("Now",):
                found.append((node.lineno, "Now() (the database's transaction time)"))
            found += [
                (node.lineno, f"{kw.arg}=")
                for kw in node.keywords
                if kw.arg in ("auto_now", "auto_now_add")
                and isinstance(kw.value, ast.Constant)
                and kw.value.value
            ]
    for node in ast.walk(tree):  # a reference, not a call: default=timezone.now
        if isinstance(node, ast.Attribute) and id(node) not in called and _dotted(node)[-2:] in _HOST_CALLS:
            found.append((node.lineno, ".".join(_dotted(node)[-2:]) + " (passed, to be called later)"))
    return sorted(found)


def test_the_lint_finds_each_kind_of_host_clock_read() -> None:
    source = "\n".join(
        [
            "import time, datetime as dt",
            "from django.utils import timezone",
            "from django.utils.timezone import now",
            "a = timezone.now()",
            "b = dt.datetime.now(dt.UTC)",
            "c = time.time()",
            "d = dt.date.today()",
            "e = timezone.localtime()",
            "f = timezone.localtime(a)",  # a given time: fine
            "g = models.DateTimeField(default=timezone.now)",
            "h = models.DateTimeField(auto_now_add=True)",
            "i = Now()",
            "j = time.monotonic()",  # a duration, not a time of day: fine
            "k = clock.now()",  # the platform's clock: fine
        ]
    )
    assert [line for line, _what in host_clock_reads(source)] == [3, 4, 5, 6, 7, 8, 10, 11, 12]


def test_the_host_clock_is_read_only_where_meant() -> None:
    reads: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        found = host_clock_reads(path.read_text(encoding="utf-8"))
        if found:
            reads[path.relative_to(SRC).as_posix()] = [f"line {line}: {what}" for line, what in found]
    unexpected = {
        name: lines
        for name, lines in reads.items()
        if name not in HOST_CLOCK_ALLOWED or len(lines) != HOST_CLOCK_ALLOWED[name][0]
    }
    assert not unexpected, (
        "the host clock is read directly where the platform's clock (ggzy.core.clock.now()) is meant?"
        " Use clock.now(), or, where host time is meant, say why in HOST_CLOCK_ALLOWED (with the count):"
        f" {unexpected}"
    )
    gone = sorted(set(HOST_CLOCK_ALLOWED) - set(reads))
    assert not gone, f"allowed but no longer reading the host clock (drop them from the list): {gone}"


# --- the sandbox ---------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.usefixtures("sandbox")
def test_a_one_day_token_stops_after_one_sandbox_day(make_user: Callable[..., Any]) -> None:
    _token, raw = token_create(user=make_user(Role.SUPERVISOR), name="t", days=1, scopes=token_scopes())
    machine = Client(headers={"Authorization": f"Bearer {raw}"})
    assert machine.get("/api/v1/me").status_code == 200
    clock.sandbox_travel(clock.now() + dt.timedelta(hours=23))
    assert machine.get("/api/v1/me").status_code == 200  # host clock: seconds later
    clock.sandbox_travel(clock.now() + dt.timedelta(hours=1, minutes=1))
    refused = machine.get("/api/v1/me")
    assert (refused.status_code, refused.json()["code"]) == (401, "token_expired")


class FailingGateway:
    name = "failing"

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        raise gateways.GatewayError("gateway timed out")

    def call(self, *, to: str, text: str, reference: str) -> str:
        raise gateways.GatewayError("gateway timed out")


@pytest.fixture
def failing_sms(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.GGZY_OUTBOX_DIR = tmp_path / "outbox"
    settings.GGZY_SMS_GATEWAY = f"{__name__}.FailingGateway"
    gateways.sms_gateway.cache_clear()
    yield
    gateways.sms_gateway.cache_clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox", "failing_sms")
def test_a_retry_in_one_minute_is_one_minute_on_the_workers_clock(make_user: Callable[..., Any]) -> None:
    clock.sandbox_travel(clock.now() + dt.timedelta(days=21))  # the demo's clock, weeks off the host's
    with transaction.atomic():
        (sms,) = notify(
            template="accounts.token_created",
            recipients=[Recipient(user=make_user(), phone="13912345678")],
            context={"name": "监管对接", "prefix": "ggzy_abc", "expires_at": "2026-12-31 00:00"},
            channels=[DeliveryChannel.SMS],
        )
    message_deliver(message_id=sms.pk)  # fails: the next try "in 1 minute"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.PENDING, 1)
    retry = DBTaskResult.objects.exclude(run_after=get_date_max()).first()  # the first try: no run_after
    assert retry is not None
    ahead = retry.run_after - timezone.now()
    assert dt.timedelta(seconds=45) < ahead <= dt.timedelta(minutes=1)  # the worker's (host) clock
    attempt = DeliveryAttempt.objects.get(message=sms)  # the message's own times: the platform's clock
    assert abs(attempt.at - clock.now()) < dt.timedelta(minutes=1)
    assert abs(sms.created_at - clock.now()) < dt.timedelta(minutes=1)
