"""The portal in a real browser: zh-hans and English, no CSP violation, keyboard reachable."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.core.roles import Role
from tests.factories import grant_role

pytestmark = pytest.mark.django_db(transaction=True)


def _watch(page: Any) -> list[str]:
    """Collect CSP violations (console messages and securitypolicyviolation events) and page errors."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return problems


@pytest.mark.clause("9.2.1")
def test_portal_has_no_csp_violations(page: Any, live_server: Any) -> None:
    problems = _watch(page)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", name="工程建设").is_visible()
    # htmx loaded from our own static files and running under the CSP
    page.wait_for_load_state("load")  # deferred scripts have run (a polled predicate would need eval: CSP)
    assert page.evaluate("() => typeof window.htmx") == "object"

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Construction projects").is_visible()
    page.wait_for_load_state("load")  # deferred scripts have run (a polled predicate would need eval: CSP)
    assert page.evaluate("() => typeof window.htmx") == "object"

    page.goto(live_server.url + "/accounts/login/")
    assert page.get_by_label("User name").is_visible()
    assert problems == []


def test_sign_in_with_the_keyboard(page: Any, live_server: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="expert-kb", password="Pw-for-tests-1")
    grant_role(user, Role.EXPERT)
    problems = _watch(page)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").focus()
    page.keyboard.type("expert-kb")
    page.keyboard.press("Tab")
    page.keyboard.type("Pw-for-tests-1")
    page.keyboard.press("Enter")
    page.wait_for_url("**/workspace/expert/")
    assert page.get_by_role("heading", name="工作台：评标（评审）专家").is_visible()
    assert problems == []


def test_skip_link_is_the_first_stop(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == "#main"


def test_api_docs_render_from_local_assets(page: Any, live_server: Any) -> None:
    problems = _watch(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    assert page.get_by_text("/api/v1/health").first.is_visible()
    assert all(url.startswith((live_server.url, "data:")) for url in requests), requests
    assert problems == []
