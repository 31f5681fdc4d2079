"""A stand-in for the trading apps' objects that carry embargo instants (a section's opening time),
so the recorder's embargo can be tested before those apps exist."""

import uuid

from django.db import models

from ggzy.core.fields import EncryptedField, Kind, LookupHashField


class Person(models.Model):
    """A stand-in for the parties issue's natural persons, to test encrypted fields."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=50)
    phone = EncryptedField(kind=Kind.PHONE, blank=True)
    phone_lookup = LookupHashField(source="phone")
    id_number = EncryptedField(kind=Kind.ID_NUMBER, blank=True)
    id_number_lookup = LookupHashField(source="id_number")

    def __str__(self) -> str:
        return self.name


class SealedThing(models.Model):
    code = models.CharField(max_length=64, unique=True)
    opens_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.code
