"""The event types `notices` records: a notice drafted, edited, given a form remark by the centre,
scheduled, withdrawn, published (by the tick, once its instant passed), and a medium recorded.

What happens to a scheduled notice before its instant is embargoed on it (`notice.publication`): no one
but the actor learns that a notice is coming, or when, before it is published."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import Embargoes, EmbargoRule, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN, PARTIES, PUBLIC = EventClass.DOMAIN, Visibility.PARTIES, Visibility.PUBLIC

UNTIL_PUBLICATION = EmbargoRule(
    "until publication",
    "until the notice's publication instant (`notice.publication`)",
    "notice.publication",
    required=True,
)


#: An objection before its section's opening tells no one who takes part until the opening.
BEFORE_OPENING = EmbargoRule(
    "until the section's opening, when raised before it",
    "until the section's opening (`section.opening`), for an objection raised before it",
    "section.opening",
    required=False,
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
    ATTACHMENT_ADDED = EventType(
        "notices.attachment.added",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "A file was attached to a draft notice (its name, SM3 and size).",
        title=pgettext_lazy("event", "Notice attachment added"),
    )
    ATTACHMENT_REMOVED = EventType(
        "notices.attachment.removed",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "A file was taken off a draft notice.",
        title=pgettext_lazy("event", "Notice attachment removed"),
    )
    OBJECTION_FILED = EventType(
        "notices.objection.filed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.PROJECT,
        "An objection, challenge or inquiry was filed. For the supervisors (and its filer): who objected is"
        " known to the initiator and agent through the objection itself, to no centre staff and no other"
        " bidder (docs/secrecy.md); before the section's opening it is embargoed on it.",
        BEFORE_OPENING,
        title=pgettext_lazy("event", "Objection filed"),
    )
    OBJECTION_ANSWERED = EventType(
        "notices.objection.answered",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.PROJECT,
        "The initiator or its agent answered an objection (moving the deadline if the documents change).",
        BEFORE_OPENING,
        title=pgettext_lazy("event", "Objection answered"),
    )
    OBJECTION_WITHDRAWN = EventType(
        "notices.objection.withdrawn",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.PROJECT,
        "The filer withdrew an objection before its answer.",
        BEFORE_OPENING,
        title=pgettext_lazy("event", "Objection withdrawn"),
    )
    COMPLAINT_FILED = EventType(
        "notices.complaint.filed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.PROJECT,
        "An objection was carried on as a complaint to the supervising department of the project's region"
        " and category.",
        BEFORE_OPENING,
        title=pgettext_lazy("event", "Complaint filed"),
    )
    PARTIES_TOLD = EventType(
        "notices.procedure.parties_told",
        DOMAIN,
        PARTIES,
        Scopes.PROJECT,
        "The initiator's and the agent's members were told of a pause, a resumption or a termination.",
        title=pgettext_lazy("event", "Parties told of a pause"),
    )
    BIDDERS_TOLD = EventType(
        "notices.procedure.bidders_told",
        DOMAIN,
        PARTIES,
        Scopes.SECTION,
        "The bidders of a section (if any) were told, one by one, of a pause, a resumption or a termination;"
        " recorded for every section with a bid window, embargoed on its opening.",
        Embargoes.UNTIL_OPENING,
        title=pgettext_lazy("event", "Bidders told of a pause"),
    )
    PUSHED = EventType(
        "notices.notice.pushed",
        DOMAIN,
        PUBLIC,
        Scopes.PROJECT,
        "A national public service platform gave its signed receipt for a published notice (6.4.2 push).",
        title=pgettext_lazy("event", "Notice pushed to a national platform"),
    )
    PUSH_FAILED = EventType(
        "notices.notice.push_failed",
        EventClass.SECURITY,
        Visibility.SUPERVISORS,
        Scopes.PROJECT,
        "Pushing a published notice to a national platform failed or was refused (retried until received).",
        title=pgettext_lazy("event", "Notice push to a national platform failed"),
    )
    WINDOW_REFUSED = EventType(
        "notices.window.refused",
        DOMAIN,
        PARTIES,
        Scopes.SECTION,
        "A published notice's bid deadline could not be set as its section's bid window (e.g. it had"
        " passed): the parties must correct it.",
        title=pgettext_lazy("event", "Bid window not set from a notice"),
    )
