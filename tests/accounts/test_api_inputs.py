"""The accounts API takes its enums (issue 20): a role, a kind of change, a delivery and an enrolment
channel outside their values are refused (422) before any service runs; the empty role of a change that
names none is still accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.accounts.models import AccountChange, RoleGrant
from ggzy.core.roles import Role

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: dict[str, object]) -> int:
    return client.post(path, data=body, content_type="application/json").status_code


def test_a_role_outside_the_roles_is_refused(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    client, target = client_for(make_user(Role.SECURITY_ADMIN)), make_user()
    assert post(client, f"/api/v1/users/{target.username}/roles", {"role": "emperor"}) == 422
    assert post(client, f"/api/v1/users/{target.username}/roles", {"role": "public"}) == 404  # everyone's
    assert not RoleGrant.objects.filter(user=target).exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("password-reset", {"reason": "忘记密码", "deliver": "pigeon"}),
        ("enrolment-code", {"channel": "console"}),  # the console is `ggzy bootstrap`'s only
    ],
)
def test_a_delivery_outside_its_choices_is_refused(
    client_for: Callable[..., Client], make_user: Callable[..., Any], path: str, body: dict[str, object]
) -> None:
    client, target = client_for(make_user(Role.SECURITY_ADMIN)), make_user(Role.CENTRE_STAFF)
    assert post(client, f"/api/v1/users/{target.username}/{path}", body) == 422


def test_a_change_names_its_kind_and_at_most_a_role(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    client = client_for(make_user(Role.SECURITY_ADMIN))
    make_user(Role.AUDIT_ADMIN)
    target = make_user(Role.SYSTEM_ADMIN)
    body: dict[str, object] = {"target": target.username, "reason": "更换手机", "kind": "totp_reset"}
    assert post(client, "/api/v1/account-changes", body | {"kind": "promote"}) == 422
    assert post(client, "/api/v1/account-changes", body | {"role": "emperor"}) == 422
    assert not AccountChange.objects.exists()
    assert post(client, "/api/v1/account-changes", body | {"role": ""}) == 201  # "" is no role
    assert post(client, "/api/v1/account-changes", body) == 201
    assert list(AccountChange.objects.values_list("role", flat=True)) == ["", ""]
