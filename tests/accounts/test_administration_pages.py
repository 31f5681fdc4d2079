"""Setting up without a shell (issue 22): the system administrator creates trading centres and accounts
from pages (and the API), the security administrator grants and revokes roles from a user's page; each
of the three administrators is refused outside their role, and a refusal says why and changes nothing.
A new account — from the page, the API or the back office — must set its own password at its first
sign-in before it reaches anything."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ggzy.accounts import parties, policy, services
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import Centre, Membership, RoleGrant
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.models import Event
from tests.factories import default_centre, default_organisation, make_uscc

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Own-Pass-2026-x"


def _events(type_: str) -> int:
    return Event.objects.filter(type=type_).count()


def _page_error(response: Any) -> str:
    """The refusal a form page shows (its non-field error, or a field's error)."""
    html = response.content.decode()
    found = re.search(r'data-testid="form-error">(.*?)</div>', html, re.DOTALL) or re.search(
        r'class="invalid-feedback d-block"[^>]*>(.*?)</div>', html, re.DOTALL
    )
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def _secret(response: Any) -> str:
    return re.search(r'data-testid="secret-once">([^<]+)<', response.content.decode()).group(1)


@pytest.fixture
def admins(make_user: Callable[..., Any]) -> dict[Role, Any]:
    return {role: make_user(role) for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)}


@pytest.fixture
def province() -> Centre:
    return default_centre()  # "ln", 辽宁省 (210000)


# --- trading centres --------------------------------------------------------------------------------------
def _centre_form(**changes: str) -> dict[str, str]:
    return {
        "code": "dl",
        "name": "大连市公共资源交易中心",
        "region": "210200",
        "parent": "ln",
        "closing_time": "16:30",
    } | changes


@pytest.mark.clause("8.2.1")
def test_the_system_administrator_creates_a_centre_from_the_page(
    client_for: Callable[..., Client], admins: dict[Role, Any], province: Centre
) -> None:
    client = client_for(admins[Role.SYSTEM_ADMIN])
    page = client.get("/workspace/centres/")
    assert page.status_code == 200
    assert 'data-testid="centre-ln"' in page.content.decode()
    response = client.post("/workspace/centres/new/", _centre_form())
    assert response.status_code == 302
    assert response["Location"] == "/workspace/centres/"
    centre = Centre.objects.get(code="dl")
    assert (centre.name, centre.region, centre.parent, centre.closing_time) == (
        "大连市公共资源交易中心",
        "210200",
        province,
        dt.time(16, 30),
    )
    event = Event.objects.get(type="accounts.centre.created", centre="dl")
    assert (event.actor, event.region) == (admins[Role.SYSTEM_ADMIN], "210200")
    assert event.data["parent"] == "ln"
    html = client.get("/workspace/centres/").content.decode()
    assert "辽宁省大连市" in html  # the region by name, never its code
    assert "已创建" in html


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"code": "ln"}, "已有使用该代码的交易中心"),
        ({"code": "DL"}, "小写字母"),
        ({"code": "12"}, "以字母开头"),
        ({"name": " "}, "这个字段是必填项"),
        ({"region": "210102"}, "请从列表中选择行政区划"),  # a county: not offered
        ({"region": "219999"}, "请从列表中选择行政区划"),  # no such division
        ({"region": "220100", "parent": "ln"}, "上级中心必须存在"),  # 长春 is not in 辽宁
        ({"region": "210000", "parent": "ln"}, "上级中心必须存在"),  # not larger than itself
        ({"parent": "nowhere"}, "选择一个有效的选项"),
    ],
)
def test_a_wrong_centre_is_refused_with_a_clear_error_and_nothing_changes(
    changes: dict[str, str],
    said: str,
    client_for: Callable[..., Client],
    admins: dict[Role, Any],
    province: Centre,
) -> None:
    client = client_for(admins[Role.SYSTEM_ADMIN])
    before, events = Centre.objects.count(), _events("accounts.centre.created")
    response = client.post("/workspace/centres/new/", _centre_form(**changes))
    assert response.status_code == 400
    assert said in _page_error(response)
    assert (Centre.objects.count(), _events("accounts.centre.created")) == (before, events)


def test_the_centre_service_checks_what_no_form_stands_in_front_of(admins: dict[Role, Any]) -> None:
    cases = [
        ({"actor": admins[Role.SECURITY_ADMIN]}, AccountsError.NOT_YOUR_ADMIN_WORK),
        ({"region": "219999"}, AccountsError.REGION_UNKNOWN),
        ({"region": "110100"}, AccountsError.REGION_UNKNOWN),  # 北京 市辖区: a placeholder line
        ({"region": "210102"}, AccountsError.CENTRE_REGION_LEVEL),  # a county
        ({"code": "沈阳"}, AccountsError.CENTRE_CODE_INVALID),
    ]
    for changes, code in cases:
        given: dict[str, Any] = {"actor": None, "code": "sy", "name": "沈阳市中心", "region": "210100"}
        with pytest.raises(DomainError) as caught:
            parties.centre_create(**(given | changes))
        assert caught.value.code is code, changes
    assert not Centre.objects.exists()
    assert not Event.objects.filter(type="accounts.centre.created").exists()


def test_centres_through_the_api(
    client_for: Callable[..., Client], admins: dict[Role, Any], province: Centre
) -> None:
    client = client_for(admins[Role.SYSTEM_ADMIN])

    def post(body: dict[str, Any]) -> Any:
        return client.post("/api/v1/accounts/centres", json.dumps(body), content_type="application/json")

    body = {"code": "dl", "name": "大连市公共资源交易中心", "region": "210200", "parent": "ln"}
    created = post(body)
    assert created.status_code == 201, created.content
    assert created.json() | {"closing_time": None} == {
        "code": "dl",
        "name": "大连市公共资源交易中心",
        "region": "210200",
        "region_name": "辽宁省大连市",
        "parent": "ln",
        "closing_time": None,
    }
    assert created.json()["closing_time"].startswith("17:00")
    assert [c["code"] for c in client.get("/api/v1/accounts/centres").json()] == ["dl", "ln"]
    assert (post(body).status_code, post(body).json()["code"]) == (409, "centre_exists")
    refused = post(body | {"code": "am", "parent": "nowhere"})
    assert (refused.status_code, refused.json()["code"]) == (422, "centre_parent_invalid")
    assert Centre.objects.count() == 2
    for role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        other = client_for(admins[role])
        refused = other.post(
            "/api/v1/accounts/centres", json.dumps(body | {"code": "fs"}), content_type="application/json"
        )
        assert refused.status_code == 403, role
        assert other.get("/api/v1/accounts/centres").status_code == 403, role
    assert not Centre.objects.filter(code="fs").exists()


# --- accounts ---------------------------------------------------------------------------------------------
ACCOUNT = {
    "username": "wangfang",
    "last_name": "王",
    "first_name": "芳",
    "email": "wangfang@example.cn",
    "phone": "139 0000 1234",
}


def _open_by_page(client: Client) -> str:
    response = client.post("/workspace/accounts/new/", ACCOUNT)
    assert response.status_code == 200, _page_error(response)
    assert response["Cache-Control"] == "no-store"  # shown once, kept nowhere
    return _secret(response)


def _open_by_api(client: Client) -> str:
    response = client.post("/api/v1/users", json.dumps(ACCOUNT), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["must_change_password"] is True
    assert response.json()["full_name"] == "王芳"
    return str(response.json()["initial_password"])


def _open_in_the_back_office(client: Client) -> str:
    password = "Initial-Pass-77"
    response = client.post(
        "/admin/auth/user/add/",
        {"username": ACCOUNT["username"], "password1": password, "password2": password},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return password


OPENERS = {"page": _open_by_page, "api": _open_by_api, "back office": _open_in_the_back_office}


@pytest.mark.clause("8.2.1")
@pytest.mark.parametrize("way", sorted(OPENERS))
def test_a_new_account_must_set_its_own_password_before_it_reaches_anything(
    way: str, client_for: Callable[..., Client], admins: dict[Role, Any]
) -> None:
    sysadmin = admins[Role.SYSTEM_ADMIN]
    initial = OPENERS[way](client_for(sysadmin))
    user = get_user_model().objects.get(username="wangfang")
    assert policy.login_state(user).must_change_password
    [opened] = [
        e for e in Event.objects.filter(type="accounts.user.opened") if e.data["username"] == "wangfang"
    ]
    assert opened.actor == sysadmin
    assert not RoleGrant.objects.filter(user=user).exists()  # roles are the security administrator's

    person = Client()
    response = person.post("/accounts/login/", {"username": "wangfang", "password": initial}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/"  # sent to set a new one
    for path in ("/workspace/", "/workspace/centres/", "/events/inbox/"):
        assert person.get(path)["Location"] == "/accounts/password/", path
    refused = person.get("/api/v1/me")
    assert (refused.status_code, refused.json()["code"]) == (403, "password_change_required")

    changed = person.post(
        "/accounts/password/",
        {"old_password": initial, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert person.get("/workspace/").status_code == 200
    assert not policy.login_state(user).must_change_password


def test_the_account_page_opens_an_account_with_its_details(
    client_for: Callable[..., Client], admins: dict[Role, Any]
) -> None:
    client = client_for(admins[Role.SYSTEM_ADMIN])
    assert client.get("/workspace/accounts/new/").status_code == 200
    _open_by_page(client)
    user = get_user_model().objects.get(username="wangfang")
    assert (user.last_name, user.first_name, user.email, user.is_staff) == (
        "王",
        "芳",
        ACCOUNT["email"],
        False,
    )
    assert policy.phone_on_record(user) == "13900001234"
    found = client.get("/workspace/accounts/?q=wangfang").content.decode()
    assert 'data-testid="account-wangfang"' in found


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"username": "WangFang"}, "已有使用该用户名的账户"),  # differs from an existing one only in case
        ({"username": "wang fang"}, "用户名由"),
        ({"phone": "12345"}, "手机号码"),
        ({"email": "not-an-address"}, "有效的"),
        ({"last_name": ""}, "这个字段是必填项"),
    ],
)
def test_a_wrong_account_is_refused_and_nothing_is_created(
    changes: dict[str, str],
    said: str,
    client_for: Callable[..., Client],
    admins: dict[Role, Any],
) -> None:
    services.account_create(
        actor=None, username="wangfang", last_name="王", first_name="芳", email="w@example.cn"
    )
    client = client_for(admins[Role.SYSTEM_ADMIN])
    users, events = get_user_model().objects.count(), _events("accounts.user.opened")
    response = client.post("/workspace/accounts/new/", ACCOUNT | {"username": "lifang"} | changes)
    assert response.status_code == 400
    assert _page_error(response)
    assert said in _page_error(response)
    assert "secret-once" not in response.content.decode()
    assert (get_user_model().objects.count(), _events("accounts.user.opened")) == (users, events)


def test_the_account_service_checks_what_no_form_stands_in_front_of(admins: dict[Role, Any]) -> None:
    given: dict[str, Any] = {"actor": None} | ACCOUNT
    cases = [
        ({"actor": admins[Role.SECURITY_ADMIN]}, AccountsError.NOT_YOUR_ADMIN_WORK),
        ({"actor": admins[Role.AUDIT_ADMIN]}, AccountsError.NOT_YOUR_ADMIN_WORK),
        ({"username": ""}, AccountsError.USERNAME_INVALID),
        ({"username": "a" * 151}, AccountsError.USERNAME_INVALID),
        ({"email": "nobody"}, AccountsError.ACCOUNT_DETAILS_INVALID),
        ({"first_name": "  "}, AccountsError.ACCOUNT_DETAILS_INVALID),
        ({"phone": "010-12345678"}, AccountsError.PHONE_INVALID),  # a landline gets no SMS
        ({"username": admins[Role.AUDIT_ADMIN].username.upper()}, AccountsError.ACCOUNT_EXISTS),
    ]
    users = get_user_model().objects.count()
    for changes, code in cases:
        with pytest.raises(DomainError) as caught:
            services.account_create(**(given | changes))
        assert caught.value.code is code, changes
    assert get_user_model().objects.count() == users
    assert _events("accounts.user.opened") == 0


# --- roles ------------------------------------------------------------------------------------------------
@pytest.fixture
def newcomer(province: Centre) -> Any:
    user, _password = services.account_create(
        actor=None, username="zhaolei", last_name="赵", first_name="磊", email="zl@example.cn"
    )
    Membership.objects.create(user=user, organisation=default_organisation())
    return user


def _grant(client: Client, username: str, **fields: str) -> Any:
    return client.post(f"/workspace/roles/{username}/grant/", fields)


@pytest.mark.clause("8.2.1")
def test_the_security_administrator_grants_and_revokes_roles_from_a_users_page(
    client_for: Callable[..., Client], admins: dict[Role, Any], newcomer: Any
) -> None:
    client = client_for(admins[Role.SECURITY_ADMIN])
    for finder in ("/workspace/roles/?q=zhaolei", "/workspace/accounts/?q=zhaolei"):
        assert "/workspace/roles/zhaolei/" in client.get(finder).content.decode()
    page = client.get("/workspace/roles/zhaolei/").content.decode()
    assert "该账户尚未被授予任何角色" in page
    assert "赵磊" in page  # family name first
    organisation = default_organisation()
    for fields in (
        {"role": "centre_staff", "centre": "ln", "region": "210100"},  # the region is not this role's
        {"role": "initiator", "organisation": str(organisation.uid)},
        {"role": "supervisor", "region": "210100", "category": "engineering"},
    ):
        response = _grant(client, "zhaolei", **fields)
        assert response.status_code == 302, _page_error(response)
        assert response["Location"] == "/workspace/roles/zhaolei/"
    grants = {g.role: g for g in RoleGrant.objects.filter(user=newcomer, revoked_at__isnull=True)}
    assert set(grants) == {"centre_staff", "initiator", "supervisor"}
    assert (grants["centre_staff"].centre, grants["centre_staff"].region) == (default_centre(), "")
    assert grants["initiator"].organisation == organisation
    assert (grants["supervisor"].region, grants["supervisor"].category) == ("210100", "engineering")
    assert _events("accounts.role.granted") == 3
    page = client.get("/workspace/roles/zhaolei/").content.decode()
    assert "辽宁省沈阳市 · " in page  # the supervisor's jurisdiction, by name
    assert f"/workspace/role-grants/{grants['centre_staff'].uid}/revoke/" in page

    response = client.post(f"/workspace/role-grants/{grants['centre_staff'].uid}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/workspace/roles/zhaolei/"
    grants["centre_staff"].refresh_from_db()
    assert grants["centre_staff"].revoked_at is not None
    assert _events("accounts.role.revoked") == 1
    assert "已撤销：平台工作人员" in client.get("/workspace/roles/zhaolei/").content.decode()
    again = client.post(f"/workspace/role-grants/{grants['centre_staff'].uid}/revoke/", follow=True)
    assert "该角色授权已撤销" in again.content.decode()  # the second time: refused, said on the page
    assert _events("accounts.role.revoked") == 1


@pytest.mark.parametrize(
    ("who", "fields", "said"),
    [
        ("zhaolei", {"role": "audit_admin"}, "另一名管理员审批"),  # an administrator's role: a request
        ("zhaolei", {"role": "centre_staff"}, "该角色需要指定范围"),
        ("zhaolei", {"role": "supervisor"}, "该角色需要指定范围"),
        ("zhaolei", {"role": "agent"}, "该角色需要指定范围"),  # an organisation role with none
        ("zhaolei", {"role": "emperor"}, "选择一个有效的选项"),
        ("zhaolei", {"role": "public"}, "选择一个有效的选项"),
        ("outsider", {"role": "agent", "organisation": "MINE"}, "请选择该账户所属的单位之一"),
        ("me", {"role": "expert"}, "任何人不得变更本人账户的角色或凭据"),
        ("sysadmin", {"role": "expert"}, "另一名管理员审批"),  # an administrator's account
    ],
)
def test_a_refused_grant_says_why_in_chinese_and_changes_nothing(  # noqa: PLR0917  (fixtures)
    who: str,
    fields: dict[str, str],
    said: str,
    client_for: Callable[..., Client],
    admins: dict[Role, Any],
    newcomer: Any,
    make_user: Callable[..., Any],
) -> None:
    security = admins[Role.SECURITY_ADMIN]
    if who == "outsider":  # the organisation is the newcomer's, not this account's
        make_user(username="outsider")
        fields = fields | {"organisation": str(default_organisation().uid)}
    username = {"me": security.username, "sysadmin": admins[Role.SYSTEM_ADMIN].username}.get(who, who)
    grants, events = RoleGrant.objects.count(), _events("accounts.role.granted")
    response = _grant(client_for(security), username, **fields)
    assert response.status_code == 400
    assert said in _page_error(response)
    assert (RoleGrant.objects.count(), _events("accounts.role.granted")) == (grants, events)


def test_a_refused_revocation_changes_nothing(
    client_for: Callable[..., Client], admins: dict[Role, Any]
) -> None:
    client = client_for(admins[Role.SECURITY_ADMIN])
    for holder, said in (
        (Role.SECURITY_ADMIN, "任何人不得变更本人账户"),
        (Role.AUDIT_ADMIN, "另一名管理员审批"),
    ):
        grant = RoleGrant.objects.get(user=admins[holder])
        response = client.post(f"/workspace/role-grants/{grant.uid}/revoke/", follow=True)
        assert said in response.content.decode(), holder
        grant.refresh_from_db()
        assert grant.revoked_at is None
    assert _events("accounts.role.revoked") == 0


def test_the_page_offers_no_administrator_role_and_only_the_accounts_organisations(
    client_for: Callable[..., Client], admins: dict[Role, Any], newcomer: Any
) -> None:
    other = parties.organisation_register(
        actor=None,
        uscc=make_uscc(region="210200"),
        name="大连港湾建设有限公司",
        legal_representative="周",
        contact_name="吴",
        contact_phone="13900000088",
    )
    page = client_for(admins[Role.SECURITY_ADMIN]).get("/workspace/roles/zhaolei/").content.decode()
    select = page.split('name="role"')[1].split("</select>")[0]
    assert 'value="centre_staff"' in select
    assert 'value="audit_admin"' not in select
    assert 'value="public"' not in select
    assert str(default_organisation().uid) in page
    assert str(other.uid) not in page
    own = client_for(admins[Role.SECURITY_ADMIN]).get(
        f"/workspace/roles/{admins[Role.SECURITY_ADMIN].username}/"
    )
    assert 'name="role"' not in own.content.decode()  # one's own account: no form


# --- 三员分立: each administrator is refused outside their role ----------------------------------------
@pytest.mark.clause("8.2.1")
def test_each_administrator_is_refused_outside_their_role(
    client_for: Callable[..., Client],
    admins: dict[Role, Any],
    newcomer: Any,
    make_user: Callable[..., Any],
) -> None:
    grant = RoleGrant.objects.create(user=newcomer, role=Role.EXPERT, granted_at=clock.now())
    centre_pages = [
        ("get", "/workspace/centres/", None),
        ("post", "/workspace/centres/new/", _centre_form()),
        ("get", "/workspace/accounts/new/", None),
        ("post", "/workspace/accounts/new/", ACCOUNT),
        (
            "post",
            "/api/v1/accounts/centres",
            {"code": "dl", "name": "大连市公共资源交易中心", "region": "210200"},
        ),
        ("post", "/api/v1/users", ACCOUNT),
    ]
    role_pages = [
        ("get", "/workspace/roles/", None),
        ("get", "/workspace/roles/zhaolei/", None),
        ("post", "/workspace/roles/zhaolei/grant/", {"role": "centre_staff", "centre": "ln"}),
        ("post", f"/workspace/role-grants/{grant.uid}/revoke/", {}),
    ]
    refused = {
        Role.SYSTEM_ADMIN: role_pages,
        Role.SECURITY_ADMIN: centre_pages,
        Role.AUDIT_ADMIN: centre_pages + role_pages,
        Role.CENTRE_STAFF: centre_pages + role_pages,
    }
    before = (
        Centre.objects.count(),
        get_user_model().objects.count(),
        RoleGrant.objects.filter(revoked_at__isnull=True).count(),
    )
    for role, pages in refused.items():
        client = client_for(admins.get(role) or make_user(role))
        for method, path, body in pages:
            if path.startswith("/api/"):
                response = client.post(path, json.dumps(body), content_type="application/json")
            else:
                response = getattr(client, method)(path, body or {})
            assert response.status_code == 403, (role, method, path)
    after = (
        Centre.objects.count(),
        get_user_model().objects.count() - 1,  # the centre staff member made above
        RoleGrant.objects.filter(revoked_at__isnull=True).count() - 1,  # and their grant
    )
    assert after == before
    assert not Event.objects.filter(
        type__in=["accounts.centre.created", "accounts.role.granted", "accounts.role.revoked"]
    ).exists()
    assert _events("accounts.user.opened") == 1  # the newcomer's, made by the console above


def test_each_administrators_workspace_links_these_pages(
    client_for: Callable[..., Client], admins: dict[Role, Any]
) -> None:
    system = client_for(admins[Role.SYSTEM_ADMIN]).get("/workspace/system_admin/").content.decode()
    assert 'href="/workspace/centres/"' in system
    assert 'href="/workspace/accounts/new/"' in system
    assert 'href="/workspace/roles/"' not in system
    security = client_for(admins[Role.SECURITY_ADMIN]).get("/workspace/security_admin/").content.decode()
    assert 'href="/workspace/roles/"' in security
    assert 'href="/workspace/centres/"' not in security
