"""Encrypted model fields for personal data: SM4-GCM at rest, a keyed search hash, shown masked.

    class Person(models.Model):
        id_number = EncryptedField(kind=Kind.ID_NUMBER)
        id_number_lookup = LookupHashField(source="id_number")

    Person.objects.filter(id_number_lookup=lookup_for(Person, "id_number", "21010219800101123X"))

A value read from the database is a `Sealed`: `str()` of it is the masked form (`2101**********123X`),
kept beside the ciphertext so lists can show it without decrypting. The plaintext comes only from
`ggzy.ops.services.field_reveal` (a person, recorded as a security event) or `Sealed.decrypt_for_system`
(the platform's own use, such as handing a phone number to the SMS gateway).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from ggzy.core import keystore as services


class Kind(models.TextChoices):
    PHONE = "phone", "phone"
    ID_NUMBER = "id_number", "id_number"
    BANK_ACCOUNT = "bank_account", "bank_account"
    EMAIL = "email", "email"
    CONTACT = "contact", "contact"  # a phone number or an e-mail address


def normalise(kind: str, value: str) -> str:
    text = "".join(value.split())
    if kind == Kind.ID_NUMBER:
        return text.upper()
    if kind in (Kind.EMAIL, Kind.CONTACT) and "@" in text:
        return text.lower()
    return text


def mask(kind: str, value: str) -> str:
    text = normalise(kind, value)
    if "@" in text:
        name, _at, domain = text.partition("@")
        return f"{name[:1]}***@{domain}"
    if kind == Kind.ID_NUMBER:
        return text[:4] + "*" * max(0, len(text) - 8) + text[-4:] if len(text) > 8 else "*" * len(text)  # noqa: PLR2004
    if kind == Kind.BANK_ACCOUNT:
        return "*" * max(0, len(text) - 4) + text[-4:]
    if len(text) >= 7:  # noqa: PLR2004  (phone numbers: 138****5678)
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    return "*" * len(text)


#: The stored format: {"v": 2, "c": key_id.base64(nonce ‖ SM4-GCM), "m": masked}. Version 1 (bound to the
#: table and column only) is no longer read: migrations rebind such values to their rows
#: (`rebind_to_rows`), and a value of version 1 found afterwards is refused like a forged one.
STORED_VERSION = 2


def row_aad(model: type[models.Model], field: str, row_uid: object) -> bytes:
    """What a value is bound to: its table, its column and its row (the row's random `uid`)."""
    return f"ggzy-field-v2|{model._meta.label_lower}|{field}|{row_uid}".encode()


def column_aad(model: type[models.Model], field: str) -> bytes:
    """Version 1's binding (table and column only), kept for `rebind_to_rows` in migrations."""
    return f"ggzy-field-v1|{model._meta.label_lower}|{field}".encode()


class Sealed:
    """An encrypted value as read from the database, bound to its row once read through its model."""

    __slots__ = ("_aad", "_token", "_version", "kind", "masked")

    def __init__(
        self, token: str, masked: str, kind: str, aad: bytes | None, version: int = STORED_VERSION
    ) -> None:
        self._token, self.masked, self.kind, self._aad, self._version = token, masked, kind, aad, version

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<Sealed {self.masked}>"

    @property
    def key_id(self) -> str:
        return self._token.partition(".")[0]

    def decrypt_for_system(self) -> str:
        """The plaintext for the platform's own use (handing an address to a gateway). A person sees
        a value only through `ggzy.ops.services.field_reveal`, which records it. A value copied from
        another row or column, or of the retired version 1, does not decrypt (a `DomainError`)."""
        if self._aad is None or self._version != STORED_VERSION:
            return services.field_decrypt(self._token, b"ggzy-field-unbound")  # fails like a forgery
        return services.field_decrypt(self._token, self._aad)

    def bound_to(self, aad: bytes) -> bool:
        return self._aad == aad and self._version == STORED_VERSION

    def bind(self, aad: bytes) -> None:
        """Bind a value read from the database to the row it was read from (once)."""
        if self._aad is None:
            self._aad = aad

    @property
    def current(self) -> bool:
        return self._version == STORED_VERSION

    def decrypt_as_version_one(self, aad: bytes) -> str:
        """For `rebind_to_rows` only: a version-1 value, under its table-and-column binding."""
        return services.field_decrypt(self._token, aad)

    def stored(self) -> str:
        return json.dumps({"v": self._version, "c": self._token, "m": self.masked}, separators=(",", ":"))


class _RowBound:
    """The attribute of an `EncryptedField` on its model: binds a value read from the database to the
    row it was read from (the row's `uid`), so a ciphertext copied into another row does not decrypt."""

    def __init__(self, field: EncryptedField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type[models.Model]) -> object:
        if instance is None:
            return self
        value = instance.__dict__.get(self.field.attname)
        if isinstance(value, Sealed):
            value.bind(self.field.aad_for(instance))
        return value

    def __set__(self, instance: models.Model, value: object) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.TextField):
    """Text stored as SM4-GCM ciphertext, bound to its table, column and row, with its masked form.

    The model must have a `uid` (a random UUID, set when the instance is made): it names the row in
    the binding, so a value copied into another row (someone with the database swapping two
    organisations' bank accounts) does not decrypt. `ggzy.core.checks` refuses a model without one."""

    def __init__(self, *args: Any, kind: str = Kind.CONTACT, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _RowBound(self))

    def aad_for(self, instance: models.Model) -> bytes:
        return row_aad(type(instance), self.name, instance.uid)  # type: ignore[attr-defined]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | str | None:
        if value is None or value == "":
            return value
        stored = json.loads(value)
        return Sealed(stored["c"], stored["m"], self.kind, None, int(stored.get("v", 1)))

    def to_python(self, value: Any) -> Any:
        return value

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        """Seal a plaintext on save, so the instance never keeps it afterwards (it would be shown). A
        value read from another row (`b.phone = a.phone`) is sealed again for this row."""
        value = getattr(model_instance, self.attname)
        if value is None or value == "":
            return value
        aad = self.aad_for(model_instance)
        if isinstance(value, Sealed):
            if value.bound_to(aad):
                return value
            text = value.decrypt_for_system()
        else:
            text = str(value)
        model_instance.__dict__[f"_ggzy_plain_{self.attname}"] = (
            text  # for the LookupHashField, this save only
        )
        sealed = Sealed(services.field_encrypt(text, aad), mask(self.kind, text), self.kind, aad)
        setattr(model_instance, self.attname, sealed)
        return sealed

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, Sealed):
            return value.stored()
        raise TypeError(
            f"{self.model._meta.label}.{self.name} is bound to its row: set it on an instance and save() "
            "it, never through update() or a filter"
        )

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return str(value.masked if isinstance(value, Sealed) else mask(self.kind, str(value or "")))


def rebind_to_rows(model: type[models.Model], fields: list[str]) -> int:
    """Re-encrypt version-1 values (bound to table and column) bound to their rows (for migrations,
    with the historical model; the rows must have their `uid` already). Returns how many changed."""
    changed = 0
    for row in model._default_manager.all():
        updates = {}
        for name in fields:
            value = row.__dict__.get(name)
            if not isinstance(value, Sealed) or value.current:
                continue
            text = value.decrypt_as_version_one(column_aad(model, name))
            aad = row_aad(model, name, row.uid)  # type: ignore[attr-defined]
            kind = model._meta.get_field(name).kind  # type: ignore[union-attr]
            updates[name] = Sealed(services.field_encrypt(text, aad), value.masked, kind, aad)
        if updates:
            model._default_manager.filter(pk=row.pk).update(**updates)
            changed += 1
    return changed


class LookupHashField(models.CharField):
    """HMAC-SM3 of the normalised plaintext of `source`, for equality search without decrypting."""

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.__dict__.pop(f"_ggzy_plain_{self.source}", None) or getattr(
            model_instance, self.source
        )
        if isinstance(value, Sealed):  # unchanged since it was read: keep the stored hash
            return getattr(model_instance, self.attname)
        source_field = model_instance._meta.get_field(self.source)
        digest = (
            services.lookup_hash(source_field.kind, normalise(source_field.kind, str(value))) if value else ""
        )
        setattr(model_instance, self.attname, digest)
        return digest


def lookup_for(model: type[models.Model], field: str, value: str) -> str:
    """The search hash to filter `<field>_lookup` by."""
    kind = model._meta.get_field(field).kind  # type: ignore[union-attr]
    return services.lookup_hash(kind, normalise(kind, value))
