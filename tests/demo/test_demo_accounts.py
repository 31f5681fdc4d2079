"""The demo's accounts security, made through the services on the sandbox clock: second factors
enrolled by enrolment codes, administrators' changes by request and approval, a newcomer yet to sign in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts import policy
from ggzy.accounts.models import AccountChange, EnrolmentCode, RecoveryCode
from ggzy.accounts.states import change_state
from ggzy.core import clock
from ggzy.events.models import Event
from tests.demo.conftest import Demo, load_once

pytestmark = pytest.mark.django_db
demo = load_once("--parties-only", sandbox=True)


def test_the_demo_shows_accounts_security_made_through_the_services(demo: Demo) -> None:
    users = get_user_model().objects
    for name in ("staff", "sysadmin", "secadmin", "auditadmin", "auditadmin2"):
        assert policy.totp_enrolled(users.get(username=name)), name
    assert Event.objects.filter(type="auth.enrolment.code_accepted").count() >= 5  # never on first use
    states = [change_state(c, clock.now()) for c in AccountChange.objects.order_by("pk")]
    assert states == ["approved", "approved", "pending"]  # a grant, an enrolment code, a reset to decide
    newcomer = users.get(username="staff-new")
    assert policy.password_must_change(newcomer)
    assert not policy.totp_enrolled(newcomer)
    assert EnrolmentCode.objects.filter(
        user=newcomer, used_at__isnull=True, expires_at__gt=clock.now()
    ).exists()
    assert RecoveryCode.objects.filter(spent_at__isnull=True).count() == 1
