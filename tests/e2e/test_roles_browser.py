"""In a real browser, on the demo data: every role signs in (administrators and staff with their
TOTP code) and sees its workspace; five wrong passwords lock an account; an agent sees its entrusted
project and not another one."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ggzy.demo.management.commands.demo_load import ADMIN_ROLES_WITH_TOTP, DEMO_PASSWORD, DEMO_USERS
from tests.factories import fresh_totp_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo() -> None:
    call_command("demo_load", "--parties-only", verbosity=0)  # the people are what these tests need


def sign_in(page: Any, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("login", DEMO_USERS, ids=[u[0] for u in DEMO_USERS])
def test_each_role_signs_in_and_sees_its_workspace(
    page: Any, live_server: Any, login: tuple[Any, ...]
) -> None:
    username, _family, _given, role, _scope = login
    sign_in(page, live_server.url, username)
    if role in ADMIN_ROLES_WITH_TOTP:
        page.wait_for_url("**/accounts/totp/")
        user = get_user_model().objects.get(username=username)
        page.locator("#id_code").fill(fresh_totp_code(user))
        page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**/workspace/{role.value}/")
    assert page.get_by_role("heading", name=f"工作台：{role.label}").is_visible()


@pytest.mark.usefixtures("demo")
def test_five_wrong_passwords_lock_the_account(page: Any, live_server: Any) -> None:
    for _ in range(5):
        sign_in(page, live_server.url, "bidder", "not-the-password")
        assert page.get_by_role("alert").is_visible()
    sign_in(page, live_server.url, "bidder")  # the right password now fails too
    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").is_visible()


@pytest.mark.usefixtures("demo")
def test_an_agent_sees_its_entrusted_project_and_not_another(page: Any, live_server: Any) -> None:
    sign_in(page, live_server.url, "agent")
    page.goto(live_server.url + "/workspace/entrusted/")
    table = page.locator("table").inner_text()
    assert "L2101000000000001" in table
    assert "L2101000000000002" not in table
