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


class Sealed:
    """An encrypted value as read from the database."""

    __slots__ = ("_aad", "_token", "kind", "masked")

    def __init__(self, token: str, masked: str, kind: str, aad: bytes) -> None:
        self._token, self.masked, self.kind, self._aad = token, masked, kind, aad

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<Sealed {self.masked}>"

    @property
    def key_id(self) -> str:
        return self._token.partition(".")[0]

    def decrypt_for_system(self) -> str:
        """The plaintext for the platform's own use (handing an address to a gateway). A person sees
        a value only through `ggzy.ops.services.field_reveal`, which records it."""
        return services.field_decrypt(self._token, self._aad)

    def stored(self) -> str:
        return json.dumps({"v": 1, "c": self._token, "m": self.masked}, separators=(",", ":"))


class EncryptedField(models.TextField):
    """Text stored as SM4-GCM ciphertext (bound to its table and column) with its masked form."""

    def __init__(self, *args: Any, kind: str = Kind.CONTACT, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def aad(self) -> bytes:
        return f"ggzy-field-v1|{self.model._meta.label_lower}|{self.name}".encode()

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | str | None:
        if value is None or value == "":
            return value
        stored = json.loads(value)
        return Sealed(stored["c"], stored["m"], self.kind, self.aad())

    def to_python(self, value: Any) -> Any:
        return value

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        """Seal a plaintext on save, so the instance never keeps it afterwards (it would be shown)."""
        value = getattr(model_instance, self.attname)
        if value is None or value == "" or isinstance(value, Sealed):
            return value
        text = str(value)
        model_instance.__dict__[f"_ggzy_plain_{self.attname}"] = (
            text  # for the LookupHashField, this save only
        )
        sealed = Sealed(
            services.field_encrypt(text, self.aad()), mask(self.kind, text), self.kind, self.aad()
        )
        setattr(model_instance, self.attname, sealed)
        return sealed

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, Sealed):
            return value.stored()
        text = str(value)
        token = services.field_encrypt(text, self.aad())
        return Sealed(token, mask(self.kind, text), self.kind, self.aad()).stored()

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return str(value.masked if isinstance(value, Sealed) else mask(self.kind, str(value or "")))


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
