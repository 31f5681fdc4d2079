"""The time authority, the sandbox clock and the tick loop."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ggzy.calendar.models import Deadline
from ggzy.calendar.services import deadline_set
from ggzy.core import clock, tick
from ggzy.events.models import Event

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.usefixtures("sandbox")
def test_sandbox_clock_travels_forward_only_and_marks_what_is_made() -> None:
    real = clock.authority_now()
    target = real + dt.timedelta(days=30)
    clock.sandbox_travel(target)
    assert abs((clock.now() - target).total_seconds()) < 5
    with pytest.raises(ValueError, match="never goes back"):
        clock.sandbox_travel(real)
    from django.db import transaction

    from ggzy.events.services import event_record

    with transaction.atomic():
        event = event_record(type="test.thing.done", event_class="domain", visibility="public")
    assert event.payload["sandbox"] is True
    assert abs((event.occurred_at - target).total_seconds()) < 5


@pytest.mark.usefixtures("sandbox")
def test_accelerated_sandbox_clock(settings: Any) -> None:
    clock.sandbox_travel(None, speed=3600)  # one hour per second
    first = clock.now()
    import time

    time.sleep(0.2)
    clock.sandbox_reset_for_tests()
    assert clock.now() - first >= dt.timedelta(minutes=10)


def test_production_settings_refuse_the_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")} | {
        "GGZY_SANDBOX": "1",
        "GGZY_PRODUCTION": "1",
        "GGZY_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import ggzy.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode != 0
    assert "GGZY_SANDBOX cannot be used with GGZY_PRODUCTION" in result.stderr


def test_without_sandbox_now_is_the_authority() -> None:
    assert abs((clock.now() - clock.authority_now()).total_seconds()) < 2
    assert "sandbox" not in Event.__name__  # plain events carry no sandbox mark (see test above for the mark)


def test_tick_catches_up_on_passed_deadlines_once(make_user: Callable[..., Any]) -> None:
    past = clock.now() - dt.timedelta(days=10)
    deadline_set(owner="test:1", rule_code="objection-answer", start=past)
    deadline_set(owner="test:2", rule_code="objection-answer", start=clock.now())
    results = tick.run_once()
    assert results["calendar.deadlines_passed"] == 1
    assert tick.run_once()["calendar.deadlines_passed"] == 0  # idempotent
    assert Event.objects.filter(type="calendar.deadline.passed").count() == 1
    assert Deadline.objects.filter(passed_recorded=True).count() == 1


@pytest.mark.postgres
def test_two_processes_agree_on_now_even_with_skewed_host_clocks() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the shared clock is PostgreSQL's; SQLite lives on one host")
    script = (
        "import django, datetime, sys, os; django.setup();"
        "from django.utils import timezone; real = timezone.now;"
        "skew = datetime.timedelta(seconds=float(sys.argv[1]));"
        "timezone.now = lambda: real() + skew;"  # this process's host clock is wrong
        "from ggzy.core import clock; print(clock.now().timestamp())"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "ggzy.settings_test", "PYTHONPATH": str(REPO)}
    readings = []
    for skew in ("-90", "+90"):
        out = subprocess.run(
            [sys.executable, "-c", script, skew],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        readings.append(float(out.stdout.strip()))
    assert abs(readings[0] - readings[1]) < 10  # both read the database clock, not their hosts'
