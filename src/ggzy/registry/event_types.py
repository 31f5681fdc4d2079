"""The event types `registry` records: project registrations, staff leave, the categories a centre serves,
the head of its desk and the deputy, its checklist versions and its document templates."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes, Title
from ggzy.events.states import EventClass, Visibility

DOMAIN, PARTIES = EventClass.DOMAIN, Visibility.PARTIES


def _registration(type_: str, meaning: str, *, title: Title) -> EventType:
    """A step of a registration, for the project's parties (in the project's centre and region)."""
    return EventType(type_, DOMAIN, PARTIES, Scopes.PROJECT, meaning, title=title)


class RegistryEvents(EventTypes, app="registry"):
    REGISTRATION_FILED = _registration(
        "registry.registration.filed",
        "The agent filed a project registration.",
        title=pgettext_lazy("event", "Project registration filed"),
    )
    REGISTRATION_COMPLETE = _registration(
        "registry.registration.complete",
        "The file is complete (or promised): the review limit started.",
        title=pgettext_lazy("event", "Registration file complete"),
    )
    ITEM_SUPPLIED = _registration(
        "registry.item.supplied",
        "A checklist item was supplied.",
        title=pgettext_lazy("event", "Checklist item supplied"),
    )
    ITEM_CONFIRMED = _registration(
        "registry.item.confirmed",
        "Centre staff confirmed a checklist item (as responsible or deputy).",
        title=pgettext_lazy("event", "Checklist item confirmed"),
    )
    REGISTRATION_RETURNED = _registration(
        "registry.registration.returned",
        "Centre staff returned the registration, with what to correct.",
        title=pgettext_lazy("event", "Registration returned"),
    )
    REGISTRATION_RESUBMITTED = _registration(
        "registry.registration.resubmitted",
        "The agent resubmitted a returned registration.",
        title=pgettext_lazy("event", "Registration resubmitted"),
    )
    REGISTRATION_ACCEPTED = _registration(
        "registry.registration.accepted",
        "Centre staff accepted the registration: the project's codes are final.",
        title=pgettext_lazy("event", "Registration accepted"),
    )
    REGISTRATION_OVERDUE = EventType(
        "registry.registration.overdue",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.PROJECT,
        "A registration passed its review limit; the desk head was told.",
        title=pgettext_lazy("event", "Registration review overdue"),
    )
    LEAVE_RECORDED = EventType(
        "registry.leave.recorded",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.ACCOUNT,
        "A staff member's leave was recorded (their deputy acts meanwhile).",
        title=pgettext_lazy("event", "Leave recorded"),
    )
    CATEGORY_CONFIGURED = EventType(
        "registry.category.configured",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A centre configured a trading category it serves (what follows acceptance, what must enter).",
        title=pgettext_lazy("event", "Trading category configured"),
    )
    DESK_HEAD_SET = EventType(
        "registry.desk_head.set",
        DOMAIN,
        PARTIES,
        Scopes.CENTRE_REGION,
        "A centre named the head of its service desk and the deputy (AB角).",
        title=pgettext_lazy("event", "Desk head named"),
    )
    CHECKLIST_PUBLISHED = EventType(
        "registry.checklist.published",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A centre published a new version of a category's checklist (earlier registrations keep theirs).",
        title=pgettext_lazy("event", "Checklist published"),
    )
    TEMPLATE_PUBLISHED = EventType(
        "registry.template.published",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A centre offered a document template, or a new version of one (6.2.6).",
        title=pgettext_lazy("event", "Document template published"),
    )
    TEMPLATE_WITHDRAWN = EventType(
        "registry.template.withdrawn",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A centre withdrew a document template.",
        title=pgettext_lazy("event", "Document template withdrawn"),
    )
    PAUSED = EventType(
        "registry.procedure.paused",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.PROJECT,
        "A tender project's procedure (or some sections) was paused, naming its basis and the steps it"
        " stops (6.5.8, 6.5.9). Public: every party must know; it names no objector.",
        title=pgettext_lazy("event", "Procedure paused"),
    )
    RESUMED = EventType(
        "registry.procedure.resumed",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.PROJECT,
        "A pause of a procedure ended; the procedure goes on.",
        title=pgettext_lazy("event", "Procedure resumed"),
    )
    TERMINATED = EventType(
        "registry.procedure.terminated",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.PROJECT,
        "A tender project's procedure was terminated (招标投标法实施条例 §31).",
        title=pgettext_lazy("event", "Procedure terminated"),
    )
