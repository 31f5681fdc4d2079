"""Key management and sensitive reads: the acts of people on keys and personal data, recorded."""

from __future__ import annotations

from django.db import models, transaction

from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.fields import EncryptedField, Sealed
from ggzy.core.models import PlatformKey, Purpose
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy.ops.errors import OpsError
from ggzy.ops.event_types import OpsEvents
from ggzy_sm.sm3 import sm3

#: Rotating these would orphan every stored search hash; they are not rotated.
NOT_ROTATABLE = frozenset({Purpose.FIELD_LOOKUP})


@transaction.atomic
def key_rotate(*, actor: Actor | None, purpose: str) -> PlatformKey:
    """Retire the active key of `purpose` and make a new one (the security administrator's act)."""
    if purpose not in Purpose.values:
        raise DomainError(OpsError.PURPOSE_UNKNOWN, detail={"purpose": purpose})
    if purpose in NOT_ROTATABLE:
        raise DomainError(OpsError.ROTATION_REFUSED, detail={"purpose": purpose})
    old = PlatformKey.objects.select_for_update().filter(purpose=purpose, retired_at__isnull=True).first()
    if old is not None:
        old.retired_at = clock.now()
        old.save(update_fields=["retired_at"])
    key = keystore.key_create(Purpose(purpose))
    event_record(
        type=OpsEvents.KEY_ROTATED,
        actor=actor,
        data={
            "purpose": purpose,
            "key_id": key.key_id,
            "retired": old.key_id if old else None,
            "algorithm": key.algorithm,
            "public_key_sm3": sm3(bytes.fromhex(key.public_key)).hex() if key.public_key else None,
        },
    )
    return key


@transaction.atomic
def field_reveal(*, actor: Actor, obj: models.Model, field: str, reason: str) -> str:
    """Show a person the plaintext of an encrypted field, recording who, what and why."""
    model_field = obj._meta.get_field(field)
    if not isinstance(model_field, EncryptedField):
        raise DomainError(OpsError.NOT_ENCRYPTED, detail={"field": field})
    if len(reason.strip()) < 4:  # noqa: PLR2004
        raise DomainError(OpsError.REASON_REQUIRED)
    value = getattr(obj, field)
    plaintext = value.decrypt_for_system() if isinstance(value, Sealed) else str(value or "")
    event_record(
        type=OpsEvents.FIELD_REVEALED,
        actor=actor,
        data={
            "model": obj._meta.label_lower,
            "object": str(obj.pk),
            "field": field,
            "reason": reason.strip(),
        },
    )
    return plaintext
