"""The key store and encrypted fields: keys wrapped under the master key, fields encrypted at rest,
searchable by keyed hash, shown masked, readable after rotation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from ggzy.core import keystore
from ggzy.core.errors import DomainError
from ggzy.core.fields import Kind, Sealed, lookup_for, mask
from ggzy.core.models import PlatformKey, Purpose
from ggzy.events.models import Message
from ggzy.events.notifications import Recipient, notify
from ggzy.events.states import DeliveryChannel
from ggzy.ops.services import key_rotate
from tests.testapp.models import Person

pytestmark = pytest.mark.django_db


def raw_row(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return repr(cursor.fetchone())


@pytest.mark.clause("9.2.2")
def test_every_key_exists_after_migrate_and_is_stored_wrapped() -> None:
    assert set(PlatformKey.objects.filter(retired_at__isnull=True).values_list("purpose", flat=True)) == set(
        Purpose
    )
    key = keystore.key_active(Purpose.FIELD_ENCRYPTION)
    secret = keystore.key_secret(key)
    assert len(secret) == 16
    assert secret not in bytes(key.wrapped_secret)
    assert key.master_key_id == keystore.master_key_id()


@pytest.mark.clause("9.2.3")
def test_personal_data_is_encrypted_at_rest_and_shown_masked() -> None:
    person = Person.objects.create(name="张三", phone="13912345678", id_number="21010219800101123x")
    stored = raw_row("testapp_person", person.pk)
    assert "13912345678" not in stored
    assert "21010219800101123" not in stored
    loaded = Person.objects.get(pk=person.pk)
    assert isinstance(loaded.phone, Sealed)
    assert str(loaded.phone) == "139****5678"
    assert str(loaded.id_number) == "2101**********123X"
    assert loaded.phone.decrypt_for_system() == "13912345678"


def test_equality_search_by_keyed_hash() -> None:
    Person.objects.create(name="张三", phone="139 1234 5678", id_number="21010219800101123X")
    Person.objects.create(name="李四", phone="13800000000", id_number="")
    found = Person.objects.filter(id_number_lookup=lookup_for(Person, "id_number", "21010219800101123x"))
    assert [p.name for p in found] == ["张三"]
    assert [
        p.name for p in Person.objects.filter(phone_lookup=lookup_for(Person, "phone", "13912345678"))
    ] == ["张三"]


def test_saving_unchanged_keeps_ciphertext_and_hash() -> None:
    person = Person.objects.create(name="张三", phone="13912345678")
    loaded = Person.objects.get(pk=person.pk)
    before = (raw_row("testapp_person", person.pk), loaded.phone_lookup)
    loaded.name = "张三丰"
    loaded.save()
    again = Person.objects.get(pk=person.pk)
    assert again.phone_lookup == before[1]
    assert again.phone.decrypt_for_system() == "13912345678"


def test_a_ciphertext_moved_to_another_column_does_not_decrypt() -> None:
    person = Person.objects.create(name="张三", phone="13912345678", id_number="21010219800101123X")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE testapp_person SET id_number = phone WHERE id = %s", [person.pk])
    moved = Person.objects.get(pk=person.pk)
    with pytest.raises(DomainError):
        moved.id_number.decrypt_for_system()


def test_old_values_decrypt_after_rotation(make_user: Callable[..., Any]) -> None:
    from ggzy.core.roles import Role

    person = Person.objects.create(name="张三", phone="13912345678")
    old_key = Person.objects.get(pk=person.pk).phone.key_id
    key_rotate(actor=make_user(Role.SECURITY_ADMIN), purpose=Purpose.FIELD_ENCRYPTION)
    newer = Person.objects.create(name="李四", phone="13800000000")
    assert Person.objects.get(pk=newer.pk).phone.key_id != old_key
    assert Person.objects.get(pk=person.pk).phone.decrypt_for_system() == "13912345678"


def test_a_wrong_master_key_is_a_clear_error(settings: Any) -> None:
    key = PlatformKey.objects.create(
        purpose=Purpose.WEBHOOK,
        key_id="feedfacefeedface",
        algorithm="hmac-sm3",
        wrapped_secret=b"\x00" * 60,
        master_key_id="x",
        created_at=PlatformKey.objects.first().created_at,
        retired_at=PlatformKey.objects.first().created_at,
    )
    with pytest.raises(DomainError) as caught:
        keystore.key_secret(key)
    assert caught.value.code.value == "master_key_wrong"


def test_message_addresses_are_encrypted_and_masked(make_user: Callable[..., Any]) -> None:
    (sms,) = notify(
        template="accounts.token_created",
        recipients=[Recipient(user=make_user(), phone="13912345678")],
        context={"name": "x", "prefix": "y", "expires_at": "z"},
        channels=[DeliveryChannel.SMS],
    )
    assert "13912345678" not in raw_row("events_message", sms.pk)
    assert Message.objects.get(pk=sms.pk).masked_address == "139****5678"


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        (Kind.PHONE, "13912345678", "139****5678"),
        (Kind.ID_NUMBER, "21010219800101123x", "2101**********123X"),
        (Kind.BANK_ACCOUNT, "6222 0202 0000 1234", "************1234"),
        (Kind.EMAIL, "Zhang.San@Example.cn", "z***@example.cn"),
        (Kind.PHONE, "110", "***"),
    ],
)
def test_masks(kind: str, value: str, shown: str) -> None:
    assert mask(kind, value) == shown


def test_stored_json_holds_only_ciphertext_and_mask() -> None:
    person = Person.objects.create(name="张三", phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM testapp_person WHERE id = %s", [person.pk])
        stored = json.loads(cursor.fetchone()[0])
    assert set(stored) == {"v", "c", "m"}
    assert stored["m"] == "139****5678"


@pytest.mark.clause("9.2.3")
def test_a_ciphertext_moved_to_another_row_does_not_decrypt() -> None:
    """Someone with the database swaps two rows' ciphertexts (two bank accounts, two ID numbers): the
    values are bound to their rows, so neither decrypts in the other's row."""
    zhang = Person.objects.create(name="张三", phone="13912345678")
    li = Person.objects.create(name="李四", phone="13800000000")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM testapp_person WHERE id = %s", [zhang.pk])
        (zhang_phone,) = cursor.fetchone()
        cursor.execute("SELECT phone FROM testapp_person WHERE id = %s", [li.pk])
        (li_phone,) = cursor.fetchone()
        cursor.execute("UPDATE testapp_person SET phone = %s WHERE id = %s", [li_phone, zhang.pk])
        cursor.execute("UPDATE testapp_person SET phone = %s WHERE id = %s", [zhang_phone, li.pk])
    for pk in (zhang.pk, li.pk):
        with pytest.raises(DomainError):
            Person.objects.get(pk=pk).phone.decrypt_for_system()


def test_a_value_copied_through_the_model_is_sealed_again_for_its_row() -> None:
    zhang = Person.objects.create(name="张三", phone="13912345678")
    li = Person.objects.create(name="李四")
    li.phone = Person.objects.get(pk=zhang.pk).phone
    li.save()
    assert Person.objects.get(pk=li.pk).phone.decrypt_for_system() == "13912345678"
    assert Person.objects.get(pk=zhang.pk).phone.decrypt_for_system() == "13912345678"


def test_a_plaintext_cannot_bypass_the_row_binding() -> None:
    Person.objects.create(name="张三", phone="13912345678")
    with pytest.raises(TypeError, match="bound to its row"):
        Person.objects.update(phone="13800000000")


def test_version_one_values_are_refused_until_the_migration_rebinds_them() -> None:
    """Values of version 1 were bound to table and column only; the migration re-encrypts them bound
    to their rows, and one left (or pasted back from an old backup) does not decrypt."""
    from ggzy.core.fields import column_aad, rebind_to_rows

    person = Person.objects.create(name="张三", phone="13912345678")
    old = json.dumps(
        {"v": 1, "c": keystore.field_encrypt("13912345678", column_aad(Person, "phone")), "m": "139****5678"}
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE testapp_person SET phone = %s WHERE id = %s", [old, person.pk])
    with pytest.raises(DomainError):
        Person.objects.get(pk=person.pk).phone.decrypt_for_system()
    assert rebind_to_rows(Person, ["phone", "id_number"]) == 1
    assert Person.objects.get(pk=person.pk).phone.decrypt_for_system() == "13912345678"
    assert rebind_to_rows(Person, ["phone", "id_number"]) == 0
