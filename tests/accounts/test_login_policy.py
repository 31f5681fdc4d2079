"""Login policy: password rules and history, lockout, forced and expiring passwords, idle timeout,
the TOTP second factor for administrators and staff; all of it recorded."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from ggzy.accounts import credentials, policy
from ggzy.accounts.models import LoginState
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy_sm import totp

pytestmark = pytest.mark.django_db
PASSWORD = "pw-Test-12345"  # make_user's default


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.parametrize("weak", ["short1A!", "alllowercaseletters", "ALLUPPER12345", "1234567890123"])
def test_weak_passwords_are_refused(weak: str, make_user: Callable[..., Any]) -> None:
    with pytest.raises(ValidationError):
        validate_password(weak, make_user())


def test_every_password_refusal_is_in_chinese(make_user: Callable[..., Any]) -> None:
    """Django 5.2's length message has no zh-hans translation of its own: ours must say it in Chinese."""
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_password("abc", make_user())
    assert refused.value.messages[0] == "密码太短：至少需要 10 个字符。"
    assert all(
        re.search(r"[\u4e00-\u9fff]", m) and not re.search("[A-Za-z]{3,}", m) for m in refused.value.messages
    )


@pytest.mark.clause("8.2.1")
def test_the_last_five_passwords_cannot_be_reused(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    user = make_user(Role.RESPONDER)
    client = client_for(user)
    old = PASSWORD
    for n in range(1, 7):
        new = f"Changed-pass-{n}"
        response = client.post(
            "/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new}
        )
        assert response.status_code == 302, response.content.decode()[:500]
        old = new
    reuse = "Changed-pass-3"
    response = client.post(
        "/accounts/password/", {"old_password": old, "new_password1": reuse, "new_password2": reuse}
    )
    assert response.status_code == 200
    assert "最近五次" in response.content.decode() or "last five" in response.content.decode()
    oldest = "Changed-pass-1"  # six changes ago: allowed again
    response = client.post(
        "/accounts/password/", {"old_password": old, "new_password1": oldest, "new_password2": oldest}
    )
    assert response.status_code == 302


@pytest.mark.clause("8.2.1")
def test_five_failures_lock_the_account_for_fifteen_minutes(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.RESPONDER, username="locky")
    client = Client()
    for _ in range(5):
        assert sign_in(client, "locky", "wrong").status_code == 200
    assert sign_in(client, "locky").status_code == 200  # the right password, but locked
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(type="auth.account.locked", actor=user).count() == 1
    assert Event.objects.filter(type="auth.login.refused_locked").count() == 1
    LoginState.objects.filter(user=user).update(locked_until=clock.now() - dt.timedelta(seconds=1))
    assert sign_in(client, "locky").status_code == 302  # fifteen minutes later


def test_an_initial_password_must_be_changed_first(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    user = make_user(Role.INITIATOR)
    state = policy.login_state(user)
    state.must_change_password = True
    state.save()
    client = client_for(user)
    assert client.get("/workspace/initiator/")["Location"] == "/accounts/password/"
    client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Brand-new-pass-9", "new_password2": "Brand-new-pass-9"},
    )
    assert client.get("/workspace/initiator/").status_code == 200


def test_administrator_passwords_expire_after_ninety_days(make_user: Callable[..., Any]) -> None:
    admin, bidder = make_user(Role.AUDIT_ADMIN), make_user(Role.RESPONDER)
    for user in (admin, bidder):
        state = policy.login_state(user)
        state.password_changed_at = clock.now() - dt.timedelta(days=91)
        state.save()
    assert policy.password_must_change(admin)
    assert not policy.password_must_change(bidder)


def test_an_idle_session_ends(client_for: Callable[..., Client], make_user: Callable[..., Any]) -> None:
    user = make_user(Role.EXPERT)
    client = client_for(user)
    assert client.get("/workspace/expert/").status_code == 200
    session = client.session
    session["last_seen"] = time.time() - 31 * 60
    session.save()
    response = client.get("/workspace/expert/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(type="auth.session.idle_timeout", actor=user).exists()


@pytest.mark.clause("8.2.1")
def test_staff_enrol_and_use_a_second_factor(make_user: Callable[..., Any]) -> None:
    clerk = make_user(Role.CENTRE_STAFF, username="clerk")
    client = Client()
    response = sign_in(client, "clerk")
    assert response["Location"] == "/accounts/totp/"
    assert "_auth_user_id" not in client.session  # not signed in before the second factor
    page = client.get("/accounts/totp/").content.decode()
    assert 'data-testid="totp-secret"' not in page  # no secret without an enrolment code
    assert (
        client.post("/accounts/totp/", {"step": "enrol", "enrolment_code": "AAAAA-AAAAA"}).status_code == 400
    )
    code = credentials.enrolment_code_send(
        actor=make_user(Role.SECURITY_ADMIN), user=clerk, channel="in_person"
    )
    assert (
        client.post("/accounts/totp/", {"step": "enrol", "enrolment_code": code.lower()}).status_code == 302
    )
    page = client.get("/accounts/totp/").content.decode()
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    assert client.post("/accounts/totp/", {"step": "totp", "code": "000000"}).status_code == 400
    code = totp.code_at(secret, clock.authority_now().timestamp())
    response = client.post("/accounts/totp/", {"step": "totp", "code": code})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert Event.objects.filter(type="auth.totp.enrolled").count() == 1
    second = Client()  # the same code cannot be used twice
    sign_in(second, "clerk")
    assert second.post("/accounts/totp/", {"step": "totp", "code": code}).status_code == 400


def test_a_bidder_needs_no_second_factor(make_user: Callable[..., Any]) -> None:
    make_user(Role.RESPONDER, username="plain")
    response = sign_in(Client(), "plain")
    assert response["Location"] == "/workspace/"
