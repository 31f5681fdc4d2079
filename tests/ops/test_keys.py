"""Key management by the security administrator; revealing personal data, recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.core import keystore
from ggzy.core.errors import DomainError
from ggzy.core.models import PlatformKey, Purpose
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.events.selectors import events_visible_to
from ggzy.ops.services import field_reveal, key_rotate
from ggzy_sm.errors import IntegrityError
from tests.testapp.models import Person

pytestmark = pytest.mark.django_db


@pytest.mark.clause("9.2.2")
def test_security_administrator_rotates_a_key_and_old_signatures_still_verify(
    client_as: Callable[..., Client],
) -> None:
    key_id, signer = keystore.signing_key()
    signature = signer.sign("ggzy-sth-v1", {"tree_size": 1})
    client = client_as(Role.SECURITY_ADMIN)
    response = client.post(f"/api/v1/keys/{Purpose.WITNESS_SIGNING}/rotate")
    assert response.status_code == 201
    new_id = response.json()["key_id"]
    assert new_id != key_id
    assert keystore.signing_key()[0] == new_id
    keystore.verification_key(key_id).verify(
        "ggzy-sth-v1", {"tree_size": 1}, signature
    )  # retired, still verifies
    with pytest.raises(IntegrityError):
        keystore.verification_key(new_id).verify("ggzy-sth-v1", {"tree_size": 1}, signature)
    event = Event.objects.get(type="ops.key.rotated")
    assert (event.data["key_id"], event.data["retired"], event.event_class) == (new_id, key_id, "security")
    listed = client.get("/api/v1/keys").json()
    assert {k["key_id"] for k in listed if k["purpose"] == "witness_signing"} == {key_id, new_id}
    assert all("wrapped_secret" not in k for k in listed)


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.CENTRE_STAFF])
def test_only_the_security_administrator_rotates(role: Role, client_as: Callable[..., Client]) -> None:
    before = PlatformKey.objects.count()
    response = client_as(role).post(f"/api/v1/keys/{Purpose.WEBHOOK}/rotate")
    assert response.status_code == 403
    assert PlatformKey.objects.count() == before


def test_lookup_keys_are_not_rotated_and_unknown_purposes_refused(client_as: Callable[..., Client]) -> None:
    client = client_as(Role.SECURITY_ADMIN)
    assert client.post("/api/v1/keys/field_lookup/rotate").json()["code"] == "key_rotation_refused"
    assert client.post("/api/v1/keys/no_such_purpose/rotate").json()["code"] == "key_purpose_unknown"
    assert not Event.objects.filter(type="ops.key.rotated").exists()


def test_key_page_rotates_with_a_form(client_as: Callable[..., Client]) -> None:
    client = client_as(Role.SECURITY_ADMIN)
    page = client.get("/workspace/keys/").content.decode()
    for key in PlatformKey.objects.all():
        assert key.key_id in page
    response = client.post("/workspace/keys/webhook/rotate/")
    assert response.status_code == 302
    assert PlatformKey.objects.filter(purpose="webhook").count() == 2


@pytest.mark.clause("9.2.3")
def test_revealing_personal_data_is_a_recorded_security_event(make_user: Callable[..., Any]) -> None:
    person = Person.objects.create(name="张三", phone="13912345678")
    staff, auditor = make_user(Role.CENTRE_STAFF), make_user(Role.AUDIT_ADMIN)
    loaded = Person.objects.get(pk=person.pk)
    assert field_reveal(actor=staff, obj=loaded, field="phone", reason="回访投诉人") == "13912345678"
    event = Event.objects.get(type="ops.field.revealed")
    assert event.data == {
        "model": "testapp.person",
        "object": str(person.pk),
        "field": "phone",
        "reason": "回访投诉人",
    }
    assert "13912345678" not in event.document
    assert events_visible_to(auditor).filter(pk=event.pk).exists()
    with pytest.raises(DomainError):
        field_reveal(actor=staff, obj=loaded, field="phone", reason=" ")
    with pytest.raises(DomainError):
        field_reveal(actor=staff, obj=loaded, field="name", reason="想看看")
    assert Event.objects.filter(type="ops.field.revealed").count() == 1


def test_rotation_refuses_unknown_purpose_in_service(make_user: Callable[..., Any]) -> None:
    with pytest.raises(DomainError):
        key_rotate(actor=make_user(Role.SECURITY_ADMIN), purpose="nope")
