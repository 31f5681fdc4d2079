"""The event types `witness` records: co-signers, co-signed heads, epochs, media evidence."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN, SECURITY = EventClass.DOMAIN, EventClass.SECURITY


class WitnessEvents(EventTypes, app="witness"):
    COSIGNER_FAILING = EventType(
        "witness.cosigner.failing",
        SECURITY,
        Visibility.SUPERVISORS,
        Scopes.PLATFORM,
        "A co-signer stopped answering or refused (told once, when its state changes).",
        title=pgettext_lazy("event", "Co-signer failing"),
    )
    COSIGNER_RECOVERED = EventType(
        "witness.cosigner.recovered",
        SECURITY,
        Visibility.SUPERVISORS,
        Scopes.PLATFORM,
        "A failing co-signer answers again.",
        title=pgettext_lazy("event", "Co-signer recovered"),
    )
    COSIGN_REFUSED = EventType(
        "witness.cosign.refused",
        SECURITY,
        Visibility.SUPERVISORS,
        Scopes.PLATFORM,
        "A co-signer refused to co-sign a tree head (with its reason).",
        title=pgettext_lazy("event", "Co-signature refused"),
    )
    HEAD_COSIGNED = EventType(
        "witness.head.cosigned",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.PLATFORM,
        "A co-signer's signature on a tree head was checked and kept.",
        title=pgettext_lazy("event", "Tree head co-signed"),
    )
    EPOCH_BEGUN = EventType(
        "witness.epoch.begun",
        SECURITY,
        Visibility.PUBLIC,
        Scopes.PLATFORM,
        "A new epoch of the log began on the supervising department's signed statement.",
        title=pgettext_lazy("event", "New epoch begun"),
    )
    MEDIA_REGISTERED = EventType(
        "witness.media.registered",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.CENTRE_REGION,
        "A room's recording was registered by its SM3, size, room, camera and time span.",
        title=pgettext_lazy("event", "Recording registered"),
    )
