"""A demo load that stopped half-way is not taken for a complete one: a second run refuses, saying to
start from an empty database, and writes nothing (a complete load's second run: test_demo_load)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.accounts.models import Centre
from ggzy.events.models import Event
from ggzy.registry.models import Registration

pytestmark = pytest.mark.django_db


def _fail(**_kwargs: object) -> None:
    raise RuntimeError("a custodian did not answer")


def test_a_second_run_after_the_sealing_step_failed_refuses_and_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setattr("ggzy.demo.sealing.load", _fail)
    with pytest.raises(RuntimeError, match="custodian"):
        call_command("demo_load", verbosity=0)
    assert Registration.objects.count() == 10  # the first step committed: people and registrations
    events = Event.objects.count()
    monkeypatch.undo()
    with pytest.raises(CommandError, match="loaded only in part") as refused:
        call_command("demo_load", verbosity=0)
    assert str(settings.VAR_DIR) in str(refused.value)  # what to delete
    assert "sealed bids" in str(refused.value)
    assert Event.objects.count() == events


def test_a_second_run_after_the_first_step_failed_on_the_sandbox_clock_refuses(
    monkeypatch: pytest.MonkeyPatch, sandbox: None
) -> None:
    # the first step rolls back, but the sandbox clock it started a month back stays behind
    monkeypatch.setattr("ggzy.demo.accounts.load", _fail)
    with pytest.raises(RuntimeError, match="custodian"):
        call_command("demo_load", "--parties-only", verbosity=0)
    assert not Centre.objects.exists()
    monkeypatch.undo()
    with pytest.raises(CommandError, match="sandbox clock"):
        call_command("demo_load", "--parties-only", verbosity=0)
    assert not Centre.objects.exists()
