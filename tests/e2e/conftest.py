"""Real-browser tests: Debian's chromium driven by Python playwright (never `playwright install`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("GGZY_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def browser(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[Any]:
    """One browser per module: playwright's sync API keeps an event loop running in this thread while
    it lives, and the tests after a browser test (run in any order on a worker) must find none — an
    `asyncio.run` there would fail, and Django's async-safety check stays on for them."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    # playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside
    # one unless told it is safe. The live server answers from its own thread.
    monkeypatch_module.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-quic",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def browser_sign_in(page: Any, base: str, user: Any, password: str, *, wait: str = "**/workspace/**") -> None:
    """Sign in through the pages as a person would: the password, then — for staff and
    administrators — the current code of their authenticator (enrolled first if need be)."""
    from ggzy.accounts import policy
    from tests.factories import enrol_second_factor, fresh_totp_code

    if policy.totp_required(user) and not policy.totp_enrolled(user):
        enrol_second_factor(user)
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(user.get_username())
    page.get_by_label("密码").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    if "/accounts/totp/" in page.url:
        page.locator("#id_code").fill(fresh_totp_code(user))
        page.locator("main button[type=submit]").click()
    page.wait_for_url(wait)
