"""The event types `calendar` records: official years, closures, deadlines."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN


class CalendarEvents(EventTypes, app="calendar"):
    YEAR_LOADED = EventType(
        "calendar.year.loaded",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.PLATFORM,
        "The official arrangement of a year (holidays, adjusted working days) was loaded.",
        title=pgettext_lazy("event", "Official year loaded"),
    )
    CLOSURE_ADDED = EventType(
        "calendar.closure.added",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A centre announced a closure day.",
        title=pgettext_lazy("event", "Closure day announced"),
    )
    LOCAL_RULE_SET = EventType(
        "calendar.local_rule.set",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.CENTRE_REGION,
        "A centre set a longer local period than the law's floor for one rule (never a shorter one).",
        title=pgettext_lazy("event", "Local period rule set"),
    )
    DEADLINE_MOVED = EventType(
        "calendar.deadline.moved",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.DEADLINE,
        "A provisional deadline was recomputed from an official year (only ever later, unless allowed).",
        title=pgettext_lazy("event", "Deadline recomputed"),
    )
    DEADLINE_EXCEPTION = EventType(
        "calendar.deadline.exception",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.DEADLINE,
        "An approved exception lets a provisional deadline move earlier.",
        title=pgettext_lazy("event", "Deadline exception approved"),
    )
    DEADLINE_PASSED = EventType(
        "calendar.deadline.passed",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.DEADLINE,
        "A deadline passed (recorded once).",
        title=pgettext_lazy("event", "Deadline passed"),
    )
