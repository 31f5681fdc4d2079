"""`.venv/bin/ggzy demo_totp <username>`, as the README writes it: run in another shell beside `make demo`,
without GGZY_SANDBOX, it prints the code that confirms the demo user's sign-in — the database is a
demonstration's (it holds the sandbox clock). On a production instance it refuses: the module
tests/demo/test_demo_totp_production.py (no demo loaded there)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.accounts import policy
from ggzy.core import clock
from ggzy.core.models import SandboxAnchor
from ggzy_sm import totp
from tests.demo.conftest import Demo, load_once

pytestmark = pytest.mark.django_db
demo = load_once("--parties-only", sandbox=True)


def _without_the_sandbox_variable(settings: Any) -> None:
    """A shell without GGZY_SANDBOX: the settings of a production instance."""
    settings.GGZY_SANDBOX, settings.GGZY_PRODUCTION = False, True
    clock.sandbox_reset_for_tests()


def test_demo_totp_prints_the_code_that_confirms_sign_in_without_the_variable(
    demo: Demo, settings: Any
) -> None:
    _without_the_sandbox_variable(settings)
    assert SandboxAnchor.objects.exists()  # the demo's database: its sandbox clock
    out = io.StringIO()
    call_command("demo_totp", "staff", stdout=out)
    code = out.getvalue().strip()
    secret = policy.totp_secret(get_user_model().objects.get(username="staff"))
    assert totp.verify(secret, code, clock.authority_now().timestamp(), last_step=0) is not None
    with pytest.raises(CommandError, match="no such user"):
        call_command("demo_totp", "nobody", stdout=io.StringIO())
