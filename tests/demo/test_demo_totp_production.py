"""`ggzy demo_totp` refuses on a production instance, whose database never holds a sandbox clock — even
for an enrolled user (on a demonstration's database it works without GGZY_SANDBOX: test_demo_totp)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.accounts import policy
from ggzy.core import clock
from ggzy.core.models import SandboxAnchor
from ggzy.core.roles import Role
from ggzy.demo import accounts as demo_accounts

pytestmark = pytest.mark.django_db


def test_demo_totp_refuses_on_a_production_instance(settings: Any, make_user: Callable[..., Any]) -> None:
    settings.GGZY_SANDBOX, settings.GGZY_PRODUCTION = False, True  # a production instance
    clock.sandbox_reset_for_tests()
    staff = make_user(Role.CENTRE_STAFF, username="staff")
    demo_accounts.enrol(staff)
    assert policy.totp_enrolled(staff)
    assert not SandboxAnchor.objects.exists()  # production never starts a sandbox clock
    out = io.StringIO()
    with pytest.raises(CommandError, match="only on a demonstration instance"):
        call_command("demo_totp", "staff", stdout=out)
    assert out.getvalue() == ""
