"""The recorder: the one function that records an event, inside the caller's transaction.

    from ggzy.events.services import event_record
    event_record(type=AccountsEvents.TOKEN_CREATED, actor=user, data={"token": token.prefix})

Nothing else writes events. Every type is catalogued (`events.catalogue`, each app's `event_types.py`):
given the catalogue's constant, class and visibility come from it; given a type's name, the class and
visibility passed must be the catalogue's. Bad input (a float, an unscaled Decimal, a naive datetime, an
unknown class or visibility, a type not catalogued or recorded against its entry, an embargo that refers
to nothing or that the type does not take) raises DomainError before anything is written, and since the
caller's transaction is rolled back, the change it records is not written either.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from django.db import transaction

from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import DomainError
from ggzy.core.types import Viewer
from ggzy.events import catalogue
from ggzy.events import embargo as embargoes
from ggzy.events.context import current_origin
from ggzy.events.errors import EventsError
from ggzy.events.models import Event
from ggzy.events.states import EventClass, Visibility
from ggzy_sm.canonical import PROFILE, CanonicalError, dumps

TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,4}$")


def event_record(
    *,
    type: catalogue.EventType | str,  # noqa: A002  (the event's type is its name in the whole design)
    event_class: EventClass | str | None = None,
    visibility: Visibility | str | None = None,
    actor: Viewer | None = None,
    data: Mapping[str, object] | None = None,
    centre: str = "",
    project: str = "",
    section: str = "",
    region: str = "",
    category: str = "",
    organisation: str = "",
    embargo: embargoes.Embargo | None = None,
) -> Event:
    """Record one event in the caller's open transaction and return it."""
    if not transaction.get_connection().in_atomic_block:
        raise DomainError(EventsError.NOT_IN_TRANSACTION)
    entry = _catalogued(type, event_class, visibility)
    if embargo is not None:
        embargoes.check_reference(embargo)
    if not entry.embargo.allows(embargo):
        raise DomainError(
            EventsError.TYPE_NOT_AS_CATALOGUED,
            detail={
                "type": entry.type,
                "embargo": embargo.kind if embargo else None,
                "catalogue": entry.embargo.name,
            },
        )
    actor_id = actor.pk if is_signed_in(actor) else None
    event = Event(
        type=entry.type,
        event_class=str(entry.event_class),
        visibility=str(entry.visibility),
        occurred_at=clock.now(),
        centre=centre,
        project_ref=project,
        section_ref=section,
        region=region,
        category=category,
        actor_id=actor_id,
        actor_label=actor.get_username() if is_signed_in(actor) else "",
        organisation=organisation,
        embargo_kind=embargo.kind if embargo else "",
        embargo_ref=embargo.ref if embargo else "",
        salt=secrets.token_hex(16),
    )
    document = {
        "profile": PROFILE,
        "uid": event.uid,
        "type": event.type,
        "class": event.event_class,
        "visibility": event.visibility,
        "occurred_at": event.occurred_at,
        "centre": centre,
        "project": project,
        "section": section,
        "region": region,
        "category": category,
        "actor": actor_id,
        "organisation": organisation,
        "embargo": {"kind": embargo.kind, "ref": embargo.ref} if embargo else None,
        "data": dict(data or {}),
    }
    if clock.sandbox_enabled():
        document["sandbox"] = True  # made on the accelerated demo clock: never evidence
    try:
        event.document = dumps(document).decode("utf-8")
    except CanonicalError as exc:
        raise DomainError(
            EventsError.PAYLOAD_NOT_CANONICAL, detail={"path": exc.path, "reason": exc.reason}
        ) from exc
    origin = current_origin()
    event.source, event.ip, event.user_agent = origin.source, origin.ip, origin.user_agent
    event.save(force_insert=True)
    return event


def _catalogued(
    type_: catalogue.EventType | str,
    event_class: EventClass | str | None,
    visibility: Visibility | str | None,
) -> catalogue.EventType:
    """The catalogue's entry for the type; refused if there is none or the class or visibility differ."""
    name = type_.type if isinstance(type_, catalogue.EventType) else type_
    if not TYPE_PATTERN.match(name):
        raise DomainError(EventsError.TYPE_INVALID, detail={"type": name})
    if event_class is not None and event_class not in EventClass.values:
        raise DomainError(EventsError.CLASS_UNKNOWN, detail={"class": str(event_class)})
    if visibility is not None and visibility not in Visibility.values:
        raise DomainError(EventsError.VISIBILITY_UNKNOWN, detail={"visibility": str(visibility)})
    entry = catalogue.lookup(name)
    if entry is None:
        raise DomainError(EventsError.TYPE_NOT_CATALOGUED, detail={"type": name})
    if isinstance(type_, catalogue.EventType) and type_ != entry:
        raise DomainError(EventsError.TYPE_NOT_AS_CATALOGUED, detail={"type": name, "catalogue": entry.app})
    for given, listed, key in (
        (event_class, entry.event_class, "class"),
        (visibility, entry.visibility, "visibility"),
    ):
        if given is not None and str(given) != str(listed):
            raise DomainError(
                EventsError.TYPE_NOT_AS_CATALOGUED,
                detail={"type": name, key: str(given), "catalogue": str(listed)},
            )
    return entry
