"""The event types `ops` records: people's acts on keys and personal data."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility


class OpsEvents(EventTypes, app="ops"):
    KEY_ROTATED = EventType(
        "ops.key.rotated",
        EventClass.SECURITY,
        Visibility.AUDIT,
        Scopes.PLATFORM,
        "The security administrator retired a platform key and made a new one.",
        title=pgettext_lazy("event", "Platform key rotated"),
    )
    FIELD_REVEALED = EventType(
        "ops.field.revealed",
        EventClass.SECURITY,
        Visibility.AUDIT,
        Scopes.PLATFORM,
        "A person was shown the plaintext of an encrypted field (who, what and why).",
        title=pgettext_lazy("event", "Encrypted field revealed"),
    )
