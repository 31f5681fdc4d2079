"""The web shell: the portal in zh-hans and English, sign-in, workspaces, CSP, the back office."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

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


@pytest.mark.parametrize("asked", ["en", "en-US,en;q=0.9", "fr", "de-DE,de;q=0.8,en;q=0.5"])
def test_pages_are_chinese_whatever_the_browser_asks(client: Client, asked: str) -> None:
    response = client.get("/", headers={"Accept-Language": asked})
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "工程建设" in html
    assert "Construction projects" not in html
    assert response["Content-Language"] == "zh-hans"
    missing = client.get("/no-such-page/", headers={"Accept-Language": asked})  # the error page too
    assert "未找到所请求的内容" in missing.content.decode()


def test_portal_in_english_when_the_user_chooses_it(client: Client) -> None:
    client.cookies["django_language"] = "en"  # what the language switch leaves
    response = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Construction projects" in html
    assert "工程建设" not in html
    assert "Not found." in client.get("/no-such-page/").content.decode()


def test_the_api_still_answers_in_the_language_its_client_asks_for(client: Client) -> None:
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"}).json()
    chinese = client.get("/api/v1/me").json()
    assert english["message"] == "Please sign in or send a valid access token."
    assert english["message"] != chinese["message"]


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
        "/static/core/ggzy.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_the_favicon_is_named_and_served(client: Client) -> None:
    html = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert icon is not None
    assert icon.group(1).startswith("/static/core/favicon")
    assert client.get(icon.group(1)).status_code == 200
    legacy = client.get("/favicon.ico")  # asked for by pages that name no icon (the back office)
    assert legacy.status_code == 301
    assert client.get(legacy["Location"]).status_code == 200


@pytest.mark.clause("4.1.4")
@pytest.mark.parametrize("path", ["/", "/calendar/", "/witness/", "/service/"])
def test_the_anonymous_visitor_reaches_every_public_page_from_the_portal(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    links = set(re.findall(r'href="([^"#?]+)', html))
    public = {"/", "/calendar/", "/witness/", "/service/", "/accounts/login/"}
    if path == "/":  # the portal itself also lists the public services
        public |= {"/service/search/", "/service/figures/"}
    assert public <= links
    try:
        register = reverse("accounts:register")
    except NoReverseMatch:  # the self-registration page, when present
        register = ""
    if register:
        assert register in links
    for href in sorted(public):
        assert client.get(href).status_code == 200, href


def test_sign_in_leads_to_the_role_workspace(client: Client, make_user: Callable[..., Any]) -> None:
    make_user(Role.RESPONDER, username="bidder-a", password="Pw-for-tests-1")
    response = client.post("/accounts/login/", {"username": "bidder-a", "password": "Pw-for-tests-1"})
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == "/workspace/responder/"
    html = response.content.decode()
    assert "工作台：交易响应方" in html
    assert "我的投标文件" in html
    assert "上传投标文件" in html
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
    links = set(re.findall(r'href="([^"]+)"', html))
    for task in WORKSPACE_TASKS[role]:
        if task.url_name:
            assert str(task.title) in html
            assert reverse(task.url_name) + (f"?{task.query}" if task.query else "") in links
        else:  # not built yet: neither a link nor a task that looks like one
            assert str(task.title) not in html
    assert "建设中" not in html
    assert_csp_clean(response)


@pytest.mark.parametrize("role", HELD_ROLES)
def test_no_workspace_link_is_a_dead_end(role: Role, client_as: Callable[..., Client]) -> None:
    client = client_as(role)
    html = client.get(f"/workspace/{role.value}/").content.decode()
    main = html.split("<main", 1)[1]
    for href in sorted(set(re.findall(r'href="(/[^"#]*)"', main))):
        assert client.get(href).status_code < 400, href


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
    table = html.split('data-testid="endpoints"', 1)[1]
    assert "GET /api/v1/access/endpoints</code>" in table
    assert "安全管理员、审计管理员" in table  # who, in words
    assert "任何人（公开）" in table
    assert "页面：各功能的访问权限" in table  # the page, named by its workspace task
    assert "api:GET" not in table  # no internal keys
    assert "page:" not in table
    assert "<td>audit_admin" not in table  # roles by their names
    assert '<div class="table-responsive">' in html.split('data-testid="endpoints"', 1)[0][-200:]


def test_domain_error_in_a_page_view_is_the_error_page(client: Client, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.core.urls_refusing"
    response = client.get("/refuse/")
    assert response.status_code == 409
    assert b'data-error-code="conflict"' in response.content
