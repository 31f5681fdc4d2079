"""三员分立: one administrator role per person, nothing else beside it; no self-editing in the
back office; no superuser made there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.test import Client

from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import RoleGrant
from ggzy.accounts.parties import role_grant
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from tests.factories import default_centre

pytestmark = pytest.mark.django_db


@pytest.mark.clause("8.2.1")
def test_an_administrator_holds_one_administrator_role_and_nothing_else(
    make_user: Callable[..., Any],
) -> None:
    _sysadmin, person = make_user(Role.SYSTEM_ADMIN), make_user(Role.SECURITY_ADMIN)
    for role, scope in [(Role.AUDIT_ADMIN, {}), (Role.CENTRE_STAFF, {"centre": default_centre()})]:
        with pytest.raises(DomainError) as caught:
            role_grant(actor=None, user=person, role=role, **scope)
        assert caught.value.code is AccountsError.ADMIN_ONLY_ROLE
    staff = make_user(Role.CENTRE_STAFF)
    with pytest.raises(DomainError):
        role_grant(actor=None, user=staff, role=Role.SECURITY_ADMIN)
    assert sorted(RoleGrant.objects.filter(user=person).values_list("role", flat=True)) == ["security_admin"]


def test_the_database_refuses_a_second_administrator_role(make_user: Callable[..., Any]) -> None:
    person = make_user(Role.SECURITY_ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=person, role=Role.AUDIT_ADMIN, granted_at=clock.now())


@pytest.fixture
def sysadmin_client(client_for: Callable[..., Client], make_user: Callable[..., Any]) -> tuple[Client, Any]:
    admin = make_user(Role.SYSTEM_ADMIN)
    admin.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user", "add_user"])
    )
    client = client_for(admin)
    return client, admin


def _form(user: Any) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }


def test_an_administrator_cannot_edit_their_own_account(sysadmin_client: tuple[Client, Any]) -> None:
    client, admin = sysadmin_client
    response = client.post(f"/admin/auth/user/{admin.pk}/change/", _form(admin) | {"is_superuser": "on"})
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.is_superuser is False


def test_superuser_flag_is_not_editable(
    sysadmin_client: tuple[Client, Any], make_user: Callable[..., Any]
) -> None:
    client, _ = sysadmin_client
    target = make_user(Role.CENTRE_STAFF)
    response = client.post(f"/admin/auth/user/{target.pk}/change/", _form(target) | {"is_superuser": "on"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_superuser is False
