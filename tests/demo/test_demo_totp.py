"""`.venv/bin/ggzy demo_totp <username>`, as the README writes it: run in another shell beside `make demo`,
without GGZY_SANDBOX, it prints the code that confirms the demo user's sign-in — the database is a
demonstration's (it holds the sandbox clock). On a production instance it refuses: the module
tests/demo/test_demo_totp_production.py (no demo loaded there)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.accounts import policy
from ggzy.core import clock
from ggzy.core.models import SandboxAnchor
from ggzy.demo.management.commands.demo_totp import Command
from ggzy_sm import totp
from tests.demo.conftest import Demo, load_once

pytestmark = pytest.mark.django_db
demo = load_once("--parties-only", sandbox=True)


def _without_the_sandbox_variable(settings: Any) -> None:
    """A shell without GGZY_SANDBOX: the settings of a production instance."""
    settings.GGZY_SANDBOX, settings.GGZY_PRODUCTION = False, True
    clock.sandbox_reset_for_tests()


def test_demo_totp_prints_the_code_that_confirms_sign_in_without_the_variable(
    demo: Demo, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_the_sandbox_variable(settings)
    # In that shell the production guards see the demo's test CA and custodians (ggzy.E201, E211) and
    # would stop any command that runs the system checks: this one only reads a code, so it runs none.
    guard = checks.Error("a test CA is enabled on a production installation", id="ggzy.E201")
    monkeypatch.setattr(checks, "run_checks", lambda *a, **k: [guard])
    assert SandboxAnchor.objects.exists()  # the demo's database: its sandbox clock
    out = io.StringIO()
    command = Command(stdout=out)  # as the shell runs it (run_from_argv, less its closing the connections)
    command.execute(**vars(command.create_parser("ggzy", "demo_totp").parse_args(["staff"])))
    code = out.getvalue().strip()
    secret = policy.totp_secret(get_user_model().objects.get(username="staff"))
    assert totp.verify(secret, code, clock.authority_now().timestamp(), last_step=0) is not None
    with pytest.raises(CommandError, match="no such user"):
        call_command("demo_totp", "nobody", stdout=io.StringIO())
