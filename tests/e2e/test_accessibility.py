"""Accessibility: axe-core (vendored from npm, MPL-2.0, tests only) finds no serious or critical
violation — labels, contrast, landmarks, language — on the portal pages, in zh-hans and English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.roles import Role
from tests.e2e.conftest import browser_sign_in
from tests.factories import grant_role

pytestmark = pytest.mark.django_db(transaction=True)

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture
def axe_page(browser: Any) -> Iterator[Any]:
    # axe is injected by the test, not served by us: let the test's own script past the CSP.
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    yield context.new_page()
    context.close()


def _violations(page: Any) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/no-such-page/",
        "/witness/",
        "/calendar/?rule=tender-bid-period&start=2026-12-20T10:00",
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_public_pages_have_no_serious_accessibility_violation(
    axe_page: Any, live_server: Any, path: str, language: str
) -> None:
    axe_page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    axe_page.goto(live_server.url + path)
    assert _violations(axe_page) == []


def test_workspace_has_no_serious_accessibility_violation(
    axe_page: Any, live_server: Any, django_user_model: Any
) -> None:
    user = django_user_model.objects.create_user(username="a11y", password="Pw-for-tests-1")
    for role in ("centre_staff", "supervisor"):
        grant_role(user, Role(role))
    browser_sign_in(axe_page, live_server.url, user, "Pw-for-tests-1", wait="**/workspace/centre_staff/")
    assert _violations(axe_page) == []
