"""The recorder: the one function that records an event, inside the caller's transaction.

    from ggzy.events.services import event_record
    event_record(type="accounts.token.created", event_class=EventClass.SECURITY,
                 visibility=Visibility.AUDIT, actor=user, data={"token": token.prefix})

Nothing else writes events. Bad input (a float, an unscaled Decimal, a naive datetime, an unknown
class or visibility, an embargo that refers to nothing) raises DomainError before anything is written,
and since the caller's transaction is rolled back, the change it records is not written either.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events import embargo as embargoes
from ggzy.events.context import current_origin
from ggzy.events.errors import EventsError
from ggzy.events.models import Event
from ggzy.events.states import EventClass, Visibility
from ggzy_sm.canonical import PROFILE, CanonicalError, dumps

TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,4}$")


def event_record(
    *,
    type: str,  # noqa: A002  (the event's type is its name in the whole design)
    event_class: EventClass | str,
    visibility: Visibility | str,
    actor: Any = None,
    data: Mapping[str, Any] | None = None,
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
    if not TYPE_PATTERN.match(type):
        raise DomainError(EventsError.TYPE_INVALID, detail={"type": type})
    if event_class not in EventClass.values:
        raise DomainError(EventsError.CLASS_UNKNOWN, detail={"class": str(event_class)})
    if visibility not in Visibility.values:
        raise DomainError(EventsError.VISIBILITY_UNKNOWN, detail={"visibility": str(visibility)})
    if embargo is not None:
        embargoes.check_reference(embargo)
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = Event(
        type=type,
        event_class=str(event_class),
        visibility=str(visibility),
        occurred_at=clock.now(),
        centre=centre,
        project_ref=project,
        section_ref=section,
        region=region,
        category=category,
        actor_id=actor_id,
        actor_label=actor.get_username() if actor_id else "",
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
