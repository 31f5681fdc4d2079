"""Access that holds against the operator (issue 17): one sign-in flow with the second factor on every
path, enrolment only with a code from outside the sign-in, a session that skipped a step reaches
nothing, scoped tokens that obey the account, one answer for every name at the certificate sign-in.

Every test runs with the real second-factor policy (tests.factories.signed_in records both factors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ggzy.accounts import credentials, policy
from ggzy.accounts.models import ApiToken, EnrolmentCode, LoginState
from ggzy.accounts.services import token_create
from ggzy.core import clock
from ggzy.core.access import walk_endpoints
from ggzy.core.http import REFUSED_HEADER
from ggzy.core.roles import ADMIN_ROLES, Role
from ggzy.events.models import Event, Message
from ggzy_sm import totp
from tests.endpoints import url_for
from tests.factories import enrol_second_factor as enrol
from tests.factories import fresh_totp_code as next_code

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-12345"  # make_user's default
#: Roles the second-factor policy covers.
COVERED = (Role.CENTRE_STAFF, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def password_step(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def full_sign_in(client: Client, user: Any) -> None:
    assert password_step(client, user.username)["Location"] == "/accounts/totp/"
    response = client.post("/accounts/totp/", {"step": "totp", "code": next_code(user)})
    assert response.status_code == 302, response.content.decode()[:300]


def reaches_nothing(client: Client) -> list[str]:
    """Every page pattern and API operation that is not public, requested: what answered as if the
    caller were signed in (anything but a redirect to the sign-in page or a 401)."""
    leaks = []
    for endpoint in walk_endpoints():
        if endpoint.access is not None and endpoint.access.public:
            continue
        method, url = url_for(endpoint.key)
        body = (
            {"data": "{}", "content_type": "application/json"} if method in {"POST", "PUT", "PATCH"} else {}
        )
        response = client.generic(method, url, **body)
        signed_out = (response.status_code == 302 and "/accounts/login/" in response["Location"]) or (
            response.status_code == 401
        )
        if not signed_out:
            leaks.append(f"{method} {url}: {response.status_code}")
    return leaks


# --- one flow, every path ----------------------------------------------------------------------------
@pytest.mark.clause("8.2.1")
@pytest.mark.parametrize("role", COVERED)
def test_the_password_alone_reaches_nothing_and_the_second_factor_completes_it(
    role: Role, make_user: Callable[..., Any]
) -> None:
    user = make_user(role)
    enrol(user)
    client = Client()
    assert password_step(client, user.username)["Location"] == "/accounts/totp/"
    assert "_auth_user_id" not in client.session
    assert reaches_nothing(client) == []
    response = client.post("/accounts/totp/", {"step": "totp", "code": next_code(user)})
    assert response.status_code == 302
    assert client.get("/api/v1/me").json()["username"] == user.username
    record = client.session[policy.SESSION_KEY]
    assert sorted(record["factors"]) == ["password", "totp"]


@pytest.mark.clause("8.2.1")
@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_the_back_office_has_no_sign_in_of_its_own(role: Role, make_user: Callable[..., Any]) -> None:
    """The review's first finding: /admin/login/ gave a full session for a password alone."""
    user = make_user(role)
    enrol(user)
    client = Client()
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")
    posted = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD, "next": "/admin/"}
    )
    assert posted.status_code == 302
    assert posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.clause("8.2.1")
@pytest.mark.clause("9.2.1")
@pytest.mark.parametrize("role", COVERED)
def test_a_session_made_outside_the_flow_is_ended_at_its_first_request(
    role: Role, make_user: Callable[..., Any]
) -> None:
    """Whatever calls Django's login() directly (its admin sign-in did) makes a session that carries
    no factors: the middleware ends it, for pages, the back office and the API alike."""
    user = make_user(role)
    for url, signed_out in [("/workspace/", 302), ("/admin/", 302), ("/api/v1/me", 401)]:
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == signed_out
        assert "_auth_user_id" not in client.session
    assert Event.objects.filter(type="auth.session.refused_incomplete", actor=user).count() == 3


@pytest.mark.clause("8.2.1")
def test_a_session_made_outside_the_flow_reaches_nothing_anywhere(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.SECURITY_ADMIN)
    leaks = []
    for endpoint in walk_endpoints():
        if endpoint.access is not None and endpoint.access.public:
            continue
        client = Client()
        client.force_login(user)  # no factors recorded
        method, url = url_for(endpoint.key)
        body = (
            {"data": "{}", "content_type": "application/json"} if method in {"POST", "PUT", "PATCH"} else {}
        )
        response = client.generic(method, url, **body)
        if not (response.status_code in {302, 401} and response.get(REFUSED_HEADER) == "access"):
            leaks.append(f"{method} {url}: {response.status_code}")
    assert leaks == []


def test_a_user_who_becomes_staff_needs_the_second_factor_from_the_next_request(
    make_user: Callable[..., Any],
) -> None:
    from tests.factories import grant_role

    user = make_user(Role.RESPONDER)
    client = Client()
    assert password_step(client, user.username)["Location"] == "/workspace/"
    assert client.get("/api/v1/me").status_code == 200
    grant_role(user, Role.CENTRE_STAFF)
    assert client.get("/api/v1/me").status_code == 401


def test_a_credential_reset_ends_every_session_of_the_account(make_user: Callable[..., Any]) -> None:
    clerk, secadmin = make_user(Role.CENTRE_STAFF), make_user(Role.SECURITY_ADMIN)
    enrol(clerk)
    client = Client()
    full_sign_in(client, clerk)
    assert client.get("/api/v1/me").status_code == 200
    credentials.totp_reset(actor=secadmin, user=clerk, reason="手机遗失")
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.clause("8.2.1")
@pytest.mark.parametrize("role", sorted(ADMIN_ROLES))
def test_a_certificate_is_one_factor_administrators_add_the_second(
    role: Role, make_user: Callable[..., Any]
) -> None:
    from tests.certs.test_signature_login import bind_signing_certificate, challenge, sign_in_with

    admin = make_user(role, username="cert-admin")
    enrol(admin)
    bind_signing_certificate(admin, "省公共资源交易中心", 70)
    client = Client()
    response = sign_in_with(client, challenge(client, "cert-admin"))
    assert response.json() == {"username": "cert-admin", "next": "/accounts/totp/"}
    assert client.get("/api/v1/me").status_code == 401  # not signed in on the certificate alone
    assert reaches_nothing(client) == []
    assert client.post("/accounts/totp/", {"step": "totp", "code": next_code(admin)}).status_code == 302
    assert sorted(client.session[policy.SESSION_KEY]["factors"]) == ["certificate", "totp"]
    assert client.get("/api/v1/me").json()["username"] == "cert-admin"


# --- enrolment is not trust on first use ----------------------------------------------------------
@pytest.mark.clause("8.2.1")
def test_whoever_knows_the_password_cannot_enrol_without_the_code(make_user: Callable[..., Any]) -> None:
    clerk = make_user(Role.CENTRE_STAFF, username="newclerk")
    attacker = Client()
    assert password_step(attacker, "newclerk")["Location"] == "/accounts/totp/"
    page = attacker.get("/accounts/totp/").content.decode()
    assert "totp-secret" not in page
    assert "otpauth://" not in page
    for guess in ("AAAAA-AAAAA", "", "12345"):
        assert attacker.post("/accounts/totp/", {"step": "enrol", "enrolment_code": guess}).status_code == 400
    # a code posted for the later step is not acted on before enrolment
    assert attacker.post("/accounts/totp/", {"step": "totp", "code": "123456"}).status_code == 200
    assert not policy.totp_enrolled(clerk)
    assert policy.totp_secret(clerk) == ""
    assert "_auth_user_id" not in attacker.session
    assert Event.objects.filter(type="auth.enrolment.code_refused", actor=clerk).count() == 3


@pytest.mark.clause("8.2.1")
def test_an_initial_password_is_replaced_before_enrolment(make_user: Callable[..., Any]) -> None:
    clerk, secadmin = make_user(Role.CENTRE_STAFF, username="fresh"), make_user(Role.SECURITY_ADMIN)
    state = policy.login_state(clerk)
    state.must_change_password, state.phone = True, "13912345678"
    state.save()
    code = credentials.enrolment_code_send(actor=secadmin, user=clerk, channel="sms")
    assert code == ""  # it went by SMS, and only there
    sms = Message.objects.get(template="accounts.enrolment_code")
    assert sms.channel == "sms"
    assert not Message.objects.filter(template="accounts.enrolment_code", channel="inbox")
    sent = sms.body.split("注册码为 ")[1].split("，")[0]
    client = Client()
    password_step(client, "fresh")
    assert 'name="new_password1"' in client.get("/accounts/totp/").content.decode()
    # the code is refused while the initial password stands
    assert not policy.enrolment_redeem(clerk, sent)
    client.post(
        "/accounts/totp/",
        {"step": "password", "new_password1": "Own-pass-2026!", "new_password2": "Own-pass-2026!"},
    )
    assert client.post("/accounts/totp/", {"step": "enrol", "enrolment_code": sent}).status_code == 302
    secret = (
        client.get("/accounts/totp/").content.decode().split('data-testid="totp-secret">')[1].split("<")[0]
    )
    code = totp.code_at(secret, clock.authority_now().timestamp())
    assert client.post("/accounts/totp/", {"step": "totp", "code": code}).status_code == 302
    assert client.get("/api/v1/me").status_code == 200
    # the owner was told of each change outside the platform too
    told = Message.objects.filter(recipient=clerk, template="accounts.credential_changed", channel="sms")
    assert told.count() >= 3  # the code issued, the password changed, the factor enrolled


def test_an_enrolment_code_works_once_and_expires(make_user: Callable[..., Any]) -> None:
    clerk, secadmin = make_user(Role.CENTRE_STAFF), make_user(Role.SECURITY_ADMIN)
    code = credentials.enrolment_code_send(actor=secadmin, user=clerk, channel="in_person")
    assert policy.enrolment_redeem(clerk, code)
    assert not policy.enrolment_redeem(clerk, code)
    code = credentials.enrolment_code_send(actor=secadmin, user=clerk, channel="in_person")
    EnrolmentCode.objects.filter(used_at__isnull=True).update(expires_at=clock.now())
    assert not policy.enrolment_redeem(clerk, code)


# --- tokens ----------------------------------------------------------------------------------------
def _token(user: Any, scopes: list[str]) -> tuple[ApiToken, dict[str, str]]:
    token, raw = token_create(user=user, name="t", days=30, scopes=scopes)
    return token, {"Authorization": f"Bearer {raw}"}


@pytest.mark.clause("8.2.1")
@pytest.mark.parametrize("role", COVERED)
def test_a_token_is_created_only_from_a_session_that_passed_the_second_factor(
    role: Role, make_user: Callable[..., Any]
) -> None:
    staff = make_user(role)
    enrol(staff)
    body = {"name": "机器", "days": 7, "scopes": ["accounts:read"]}
    half = Client()
    password_step(half, staff.username)
    assert half.post("/api/v1/tokens", data=body, content_type="application/json").status_code == 401
    _token_row, headers = _token(staff, ["accounts:read", "accounts:write"])
    by_token = Client(headers=headers).post("/api/v1/tokens", data=body, content_type="application/json")
    assert by_token.status_code == 403
    assert by_token.json()["code"] == "session_required"
    full = Client()
    full_sign_in(full, staff)
    assert full.post("/api/v1/tokens", data=body, content_type="application/json").status_code == 201


@pytest.mark.clause("8.2.1")
def test_a_token_does_only_what_its_scopes_say(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.RESPONDER)
    _row, headers = _token(user, ["accounts:read"])
    client = Client(headers=headers)
    assert client.get("/api/v1/me").status_code == 200
    refused = client.get("/api/v1/sealing/bids/mine")
    assert refused.status_code == 403
    assert refused.json()["code"] == "token_scope"
    write = client.post(
        "/api/v1/organisations",
        data={
            "uscc": "x" * 18,
            "name": "xx",
            "legal_representative": "x",
            "contact_name": "x",
            "contact_phone": "13900000000",
        },
        content_type="application/json",
    )
    assert write.status_code == 403
    assert write.json()["code"] == "token_scope"
    with pytest.raises(Exception, match="token_scopes"):
        token_create(user=user, name="t", days=1, scopes=["everything"])
    with pytest.raises(Exception, match="token_lifetime"):
        token_create(user=user, name="t", days=366, scopes=["accounts:read"])


@pytest.mark.clause("8.2.1")
def test_a_token_obeys_the_lockout_the_password_change_and_its_idle_time(
    make_user: Callable[..., Any], settings: Any
) -> None:
    user = make_user(Role.RESPONDER)
    row, headers = _token(user, ["accounts:read"])
    client = Client(headers=headers)
    assert client.get("/api/v1/me").status_code == 200
    for _ in range(5):
        password_step(Client(), user.username, "wrong")
    assert client.get("/api/v1/me").json()["code"] == "account_locked"
    LoginState.objects.filter(user=user).update(locked_until=None, must_change_password=True)
    assert client.get("/api/v1/me").json()["code"] == "password_change_required"
    LoginState.objects.filter(user=user).update(must_change_password=False)
    assert client.get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(
        last_used_at=clock.now() - __import__("datetime").timedelta(days=settings.GGZY_TOKEN_IDLE_DAYS + 1)
    )
    assert client.get("/api/v1/me").json()["code"] == "token_expired"
    _row2, headers2 = _token(user, ["accounts:read"])
    user.set_password("Another-pass-2026")
    user.save()
    assert Client(headers=headers2).get("/api/v1/me").json()["code"] == "token_invalid"  # revoked


def test_the_api_is_not_exempt_from_the_password_change(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    user = make_user(Role.RESPONDER)
    client = client_for(user)
    LoginState.objects.filter(user=user).update(must_change_password=True)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


# --- the superuser flag gives nothing ------------------------------------------------------------
@pytest.mark.clause("8.2.1")
@pytest.mark.clause("9.2.1")
def test_the_platform_has_no_superusers(make_user: Callable[..., Any]) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    user = make_user(Role.RESPONDER, username="would-be-root")
    user.is_superuser = True
    with pytest.raises(ValueError, match="no superusers"):
        user.save()
    get_user_model().objects.filter(pk=user.pk).update(is_superuser=True)  # as the database operator
    assert password_step(Client(), "would-be-root").status_code == 200  # refused
    assert Event.objects.filter(type="auth.login.refused_superuser").exists()
    with pytest.raises(SystemCheckError, match=r"ggzy\.E301"):
        call_command("check")
