"""The web shell: the portal in zh-hans and English, sign-in, workspaces, CSP, the back office."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.core.roles import HELD_ROLES, Role
from ggzy.core.workspaces import WORKSPACE_TASKS

pytestmark = pytest.mark.django_db

INLINE_STYLE = re.compile(r"<[^>]+\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)


def assert_csp_clean(response: Any) -> None:
    """Strict CSP header with a nonce, the nonce on every script, no inline style or handler."""
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
    assert nonce, policy
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "application/json" in tag or f'nonce="{nonce.group(1)}"' in tag, tag
    assert not INLINE_STYLE.search(html)
    assert not INLINE_HANDLER.search(html)


@pytest.mark.clause("4.1.4")
def test_portal_home_lists_trading_categories(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    for label in ("工程建设", "政府采购", "土地使用权和矿业权", "国有产权", "药品和医用耗材"):
        assert label in html
    assert "辽宁省公共资源交易中心" in html  # the centre's name in the header
    assert "地区" in html
    assert "日期" in html  # lists with regions and dates
    assert_csp_clean(response)


def test_portal_in_english_when_asked(client: Client) -> None:
    response = client.get("/", headers={"Accept-Language": "en"})
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Construction projects" in html
    assert "工程建设" not in html


def test_language_switch_is_remembered(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "Government procurement" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "政府采购" in client.get("/").content.decode()


def test_static_assets_are_served_locally(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "//" not in re.sub(
        r"https?://(127\.0\.0\.1|localhost)", "", " ".join(re.findall(r'(?:src|href)="([^"]+)"', html))
    )
    for path in (
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/core/ggzy.css",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_sign_in_leads_to_the_role_workspace(client: Client, make_user: Callable[..., Any]) -> None:
    make_user(Role.RESPONDER, username="bidder-a", password="Pw-for-tests-1")
    response = client.post("/accounts/login/", {"username": "bidder-a", "password": "Pw-for-tests-1"})
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == "/workspace/responder/"
    html = response.content.decode()
    assert "工作台：交易响应方" in html
    assert "加密递交投标文件" in html
    assert_csp_clean(response)


def test_wrong_password_shows_an_error_and_signs_in_no_one(
    client: Client, make_user: Callable[..., Any]
) -> None:
    make_user(Role.RESPONDER, username="bidder-b", password="Pw-for-tests-1")
    response = client.post("/accounts/login/", {"username": "bidder-b", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_anonymous_workspace_redirects_to_sign_in(client: Client) -> None:
    response = client.get("/workspace/expert/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/workspace/expert/")


@pytest.mark.parametrize("role", HELD_ROLES)
def test_each_role_has_a_workspace_listing_its_tasks(role: Role, client_as: Callable[..., Client]) -> None:
    client = client_as(role)
    response = client.get(f"/workspace/{role.value}/")
    assert response.status_code == 200
    html = response.content.decode()
    for task in WORKSPACE_TASKS[role]:
        assert str(task.title) in html
    assert_csp_clean(response)


def test_user_without_role_is_told_so(client_as: Callable[..., Client]) -> None:
    response = client_as(None).get("/workspace/")
    assert response.status_code == 200
    assert "尚未被授予平台角色" in response.content.decode()


def test_another_roles_workspace_is_forbidden(client_as: Callable[..., Client]) -> None:
    response = client_as(Role.RESPONDER).get("/workspace/supervisor/")
    assert response.status_code == 403
    assert b'data-error-code="forbidden"' in response.content


def test_unknown_page_is_a_translated_404_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "未找到所请求的内容" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_back_office_is_translated(client_as: Callable[..., Client]) -> None:
    response = client_as(Role.SYSTEM_ADMIN).get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ggzy 管理后台" in html
    assert "修改密码" in html  # Django's own zh-hans catalogue


def test_auditor_sees_who_may_use_each_endpoint(client_as: Callable[..., Client]) -> None:
    response = client_as(Role.AUDIT_ADMIN).get("/workspace/access/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "api:GET /api/v1/access/endpoints" in html
    assert "audit_admin security_admin" in html


def test_domain_error_in_a_page_view_is_the_error_page(client: Client, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.core.urls_refusing"
    response = client.get("/refuse/")
    assert response.status_code == 409
    assert b'data-error-code="conflict"' in response.content
