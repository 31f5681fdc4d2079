"""三员分立 in the back office: no two administrator roles on one person, no self-editing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from ggzy.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin_client(make_user: Callable[..., Any]) -> tuple[Client, Any]:
    admin = make_user(Role.SYSTEM_ADMIN)
    admin.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user", "add_user"])
    )
    client = Client()
    client.force_login(admin)
    return client, admin


def _form(user: Any, groups: list[Group]) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in groups],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }


def test_two_administrator_roles_on_one_person_are_refused(
    sysadmin_client: tuple[Client, Any], make_user: Callable[..., Any]
) -> None:
    client, _ = sysadmin_client
    target = make_user(Role.SECURITY_ADMIN)
    groups = [Group.objects.get_or_create(name=r.value)[0] for r in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)]
    response = client.post(f"/admin/auth/user/{target.pk}/change/", _form(target, groups))
    assert response.status_code == 200  # the form again, with the error
    assert "只能担任系统管理员、安全管理员、审计管理员中的一个" in response.content.decode()
    assert sorted(target.groups.values_list("name", flat=True)) == ["security_admin"]


def test_an_administrator_cannot_edit_their_own_account(sysadmin_client: tuple[Client, Any]) -> None:
    client, admin = sysadmin_client
    groups = [Group.objects.get_or_create(name=r.value)[0] for r in (Role.SYSTEM_ADMIN, Role.CENTRE_STAFF)]
    response = client.post(f"/admin/auth/user/{admin.pk}/change/", _form(admin, groups))
    assert response.status_code == 403
    assert sorted(admin.groups.values_list("name", flat=True)) == ["system_admin"]


def test_superuser_flag_is_not_editable(
    sysadmin_client: tuple[Client, Any], make_user: Callable[..., Any]
) -> None:
    client, _ = sysadmin_client
    target = make_user(Role.CENTRE_STAFF)
    form = _form(target, [Group.objects.get(name="centre_staff")]) | {"is_superuser": "on"}
    response = client.post(f"/admin/auth/user/{target.pk}/change/", form)
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_superuser is False
