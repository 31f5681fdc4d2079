"""The inbox in a real browser: marking a message read swaps it in place (htmx) under the CSP."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from ggzy.events.notifications import Recipient, notify

pytestmark = pytest.mark.django_db(transaction=True)


def test_mark_read_without_reloading(page: Any, live_server: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(
        username="reader", password="Pw-for-tests-1", first_name="读", last_name="者"
    )
    with transaction.atomic():
        notify(
            template="accounts.token_created",
            recipients=[Recipient(user=user)],
            context={"name": "对接令牌", "prefix": "ggzy_x", "expires_at": "2026-12-31 00:00"},
        )
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("reader")
    page.get_by_label("密码").fill("Pw-for-tests-1")
    page.locator("main button[type=submit]").click()
    page.goto(live_server.url + "/inbox/")
    page.wait_for_load_state("load")  # deferred scripts have run (a polled predicate would need eval: CSP)
    assert page.evaluate("() => typeof window.htmx") == "object"
    item = page.locator("li.list-group-item").first
    assert "对接令牌" in item.inner_text()
    assert item.locator(".badge", has_text="新").count() == 1
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    item.get_by_role("button", name="标为已读").click()
    page.locator("li.list-group-item .badge").first.wait_for(state="detached")
    assert navigations == []  # swapped in place, no page load
    assert page.get_by_role("button", name="标为已读").count() == 0
    assert problems == []
