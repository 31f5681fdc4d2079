"""What every securities service shares: the one way an event about a section's security is recorded."""

from __future__ import annotations

from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.embargo import Embargo
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.registry.models import Section
from ggzy.sealing import selectors as sealing_selectors


def section_event(
    type_: EventType,
    section: Section,
    actor: Actor | None,
    data: JSONDict,
    *,
    organisation: str = "",
) -> Event:
    """One event about a section's security, embargoed until its opening where the type asks (always for
    the secret ones; for the others when the section has a bid window)."""
    project = section.tender_project.project
    rule = type_.embargo
    window = bool(rule.kind) and (rule.required or sealing_selectors.window_of(section) is not None)
    return event_record(
        type=type_,
        actor=actor,
        section=section.code,
        project=project.code,
        centre=project.centre.code,
        region=project.region,
        category=str(project.category_id),
        organisation=organisation,
        data={"section": section.code, **data},
        embargo=Embargo("section.opening", section.code) if window else None,
    )
