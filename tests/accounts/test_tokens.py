"""API tokens: created for oneself, shown once, stored as a digest, listed, revoked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import ApiToken
from ggzy.accounts.services import token_create, token_digest, token_revoke
from ggzy.core.access import token_scopes
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role

pytestmark = pytest.mark.django_db


def test_token_is_stored_as_a_digest_only(make_user: Callable[..., Any]) -> None:
    token, raw = token_create(user=make_user(Role.AGENT), name=" ci ", days=30, scopes=token_scopes())
    assert raw.startswith("ggzy_")
    assert len(raw) > 40
    assert token.name == "ci"
    assert token.digest == token_digest(raw)
    assert raw not in {token.prefix, token.digest}
    assert (token.expires_at - token.created_at).days == 30


@pytest.mark.parametrize(
    ("name", "days", "code"),
    [
        ("", 30, AccountsError.TOKEN_NAME),
        ("x", 0, AccountsError.TOKEN_LIFETIME),
        ("x", 367, AccountsError.TOKEN_LIFETIME),
    ],
)
def test_bad_token_requests_change_nothing(
    make_user: Callable[..., Any], name: str, days: int, code: AccountsError
) -> None:
    user = make_user(Role.AGENT)
    with pytest.raises(DomainError) as caught:
        token_create(user=user, name=name, days=days, scopes=token_scopes())
    assert caught.value.code is code
    assert ApiToken.objects.count() == 0


def test_a_user_cannot_revoke_anothers_token(make_user: Callable[..., Any]) -> None:
    token, _ = token_create(user=make_user(Role.AGENT), name="mine", days=1, scopes=token_scopes())
    with pytest.raises(DomainError) as caught:
        token_revoke(user=make_user(Role.AGENT), token_uid=token.uid)
    assert caught.value.code is AccountsError.TOKEN_NOT_FOUND
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_is_a_conflict(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.AGENT)
    token, _ = token_create(user=user, name="t", days=1, scopes=token_scopes())
    token_revoke(user=user, token_uid=token.uid)
    with pytest.raises(DomainError) as caught:
        token_revoke(user=user, token_uid=token.uid)
    assert caught.value.code is AccountsError.TOKEN_ALREADY_REVOKED


def test_token_lifecycle_through_the_api(client_as: Callable[..., Client]) -> None:
    browser = client_as(Role.SUPERVISOR)
    created = browser.post(
        "/api/v1/tokens",
        data={"name": "监管对接", "days": 7, "scopes": ["accounts:read"]},
        content_type="application/json",
    )
    assert created.status_code == 201
    raw = created.json()["token"]

    machine = Client(headers={"Authorization": f"Bearer {raw}"})
    me = machine.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["roles"] == ["supervisor"]

    listed = browser.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["监管对接"]
    assert "token" not in listed[0]  # shown only once

    assert browser.delete(f"/api/v1/tokens/{listed[0]['uid']}").status_code == 204
    assert machine.get("/api/v1/me").json()["code"] == "token_invalid"
    assert browser.delete(f"/api/v1/tokens/{listed[0]['uid']}").json()["code"] == "token_already_revoked"


def test_me_reports_language_and_roles(client_as: Callable[..., Client]) -> None:
    body = client_as(Role.EXPERT).get("/api/v1/me", headers={"Accept-Language": "en"}).json()
    assert body["roles"] == ["expert"]
    assert body["language"] == "en"


def test_me_shows_a_chinese_name_family_name_first(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    user = make_user(Role.RESPONDER)
    user.first_name, user.last_name = "志强", "陈"
    user.save()
    client = client_for(user)
    assert client.get("/api/v1/me").json()["full_name"] == "陈志强"
    assert "陈志强" in client.get("/workspace/responder/").content.decode()
