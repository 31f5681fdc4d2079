"""The back office's additions, changes and deletions are recorded, with what changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client

from ggzy.core.roles import Role
from ggzy.events.checks import admins_record
from ggzy.events.models import Event
from tests.testapp.models import SealedThing

pytestmark = pytest.mark.django_db


@pytest.mark.clause("8.2.3")
def test_a_change_in_the_back_office_is_recorded_with_before_and_after(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    admin_user = make_user(Role.SYSTEM_ADMIN)
    admin_user.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    target = make_user(Role.CENTRE_STAFF)
    client = client_for(admin_user)
    form = {
        "username": target.username,
        "first_name": "晓",
        "last_name": "林",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    response = client.post(f"/admin/auth/user/{target.pk}/change/", form)
    assert response.status_code == 302
    event = Event.objects.get(type="admin.object.changed")
    assert event.event_class == "security"
    assert event.source == "admin"
    assert event.actor_id == admin_user.pk
    assert event.data["model"] == "auth.user"
    assert event.data["object"] == str(target.pk)
    assert event.data["changes"]["first_name"] == ["", "晓"]
    assert event.data["changes"]["last_name"] == ["", "林"]
    assert "password" not in event.data["changes"]


def test_every_back_office_admin_records() -> None:
    assert admins_record() == []
    admin.site.register(SealedThing)  # a plain ModelAdmin
    try:
        assert [e.id for e in admins_record()] == ["ggzy.E102"]
    finally:
        admin.site.unregister(SealedThing)
