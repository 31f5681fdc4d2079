"""The demo data loads through the services, twice without change, and shows the events features."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from ggzy.accounts.selectors import user_roles
from ggzy.core.roles import HELD_ROLES
from ggzy.demo.management.commands.demo_load import DEMO_PASSWORD, DEMO_USERS
from ggzy.events.models import Event, Message

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_opens_one_account_per_role() -> None:
    call_command("demo_load", verbosity=0)
    call_command("demo_load", verbosity=0)
    users = get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS])
    assert {r for u in users for r in user_roles(u)} == set(HELD_ROLES)
    assert Event.objects.filter(type="accounts.user.opened").count() == len(DEMO_USERS)
    assert Message.objects.filter(template="accounts.account_opened").count() == len(DEMO_USERS)


def test_demo_user_signs_in_and_finds_the_welcome_message() -> None:
    call_command("demo_load", verbosity=0)
    client = Client()
    assert client.login(username="bidder", password=DEMO_PASSWORD)
    page = client.get("/inbox/").content.decode()
    assert "账户已开通" in page
    assert "交易响应方" in page
    header = client.get("/workspace/responder/").content.decode()
    assert '<span class="badge text-bg-light">1<span class="visually-hidden">' in header  # one unread
