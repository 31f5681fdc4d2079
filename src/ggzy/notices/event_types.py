"""The event types `notices` records: a notice drafted, edited, given a form remark by the centre,
scheduled, withdrawn, published (by the tick, once its instant passed), and a medium recorded.

What happens to a scheduled notice before its instant is embargoed on it (`notice.publication`): no one
but the actor learns that a notice is coming, or when, before it is published."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EmbargoRule, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN, PARTIES, PUBLIC = EventClass.DOMAIN, Visibility.PARTIES, Visibility.PUBLIC

UNTIL_PUBLICATION = EmbargoRule(
    "until publication",
    "until the notice's publication instant (`notice.publication`)",
    "notice.publication",
    required=True,
)


class NoticesEvents(EventTypes, app="notices"):
    DRAFTED = EventType(
        "notices.notice.drafted",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "The initiator or its agent drafted a notice.",
        title=pgettext_lazy("event", "Notice drafted"),
    )
    EDITED = EventType(
        "notices.notice.edited",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "The draft of a notice was changed.",
        title=pgettext_lazy("event", "Notice draft edited"),
    )
    FORM_REMARKED = EventType(
        "notices.notice.form_remarked",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "Centre staff recorded a remark on a draft notice's form (never on its content).",
        title=pgettext_lazy("event", "Remark on a notice's form"),
    )
    SCHEDULED = EventType(
        "notices.notice.scheduled",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "A notice's text and publication instant were fixed (its SM3 with them).",
        UNTIL_PUBLICATION,
        title=pgettext_lazy("event", "Notice scheduled"),
    )
    WITHDRAWN = EventType(
        "notices.notice.withdrawn",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "A scheduled notice was withdrawn before its publication instant.",
        UNTIL_PUBLICATION,
        title=pgettext_lazy("event", "Notice withdrawn before publication"),
    )
    PUBLISHED = EventType(
        "notices.notice.published",
        DOMAIN,
        PUBLIC,
        Scopes.PROJECT,
        "A notice's publication instant passed: it is public (recorded once by the tick).",
        UNTIL_PUBLICATION,
        title=pgettext_lazy("event", "Notice published"),
    )
    MEDIUM_ADDED = EventType(
        "notices.medium.added",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "Where else a notice was published (a legal medium) was recorded.",
        UNTIL_PUBLICATION,
        title=pgettext_lazy("event", "Notice medium recorded"),
    )
