"""The event types `tendering` records. Who obtained the documents and who asked a question are secret
before each section's opening (docs/secrecy.md `document_holders`, `askers`): those events are for the
supervisors, recorded one per section the documents cover and embargoed on that section's opening."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import EmbargoRule, EventType, EventTypes, Scopes
from ggzy.events.states import EventClass, Visibility

DOMAIN = EventClass.DOMAIN

UNTIL_OPENING = EmbargoRule(
    "until the section's opening",
    "until the section's opening (`section.opening`)",
    "section.opening",
    required=True,
)


class TenderingEvents(EventTypes, app="tendering"):
    DRAFTED = EventType(
        "tendering.documents.drafted",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.PROJECT,
        "The initiator or its agent drafted (or edited) the tender documents and their criteria record.",
        title=pgettext_lazy("event", "Tender documents drafted"),
    )
    ISSUED = EventType(
        "tendering.documents.issued",
        DOMAIN,
        Visibility.PUBLIC,
        Scopes.PROJECT,
        "The tender documents were first issued: their criteria record frozen with its SM3.",
        title=pgettext_lazy("event", "Tender documents issued"),
    )
    OBTAINED = EventType(
        "tendering.documents.obtained",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "A bidder obtained the tender documents (one event per section they cover, embargoed on its"
        " opening: before it no one learns who or how many).",
        UNTIL_OPENING,
        title=pgettext_lazy("event", "Tender documents obtained"),
    )
    QUESTION_ASKED = EventType(
        "tendering.question.asked",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "A holder asked a question about the documents (for the supervisors; embargoed on the opening).",
        UNTIL_OPENING,
        title=pgettext_lazy("event", "Question about the documents asked"),
    )
    CLARIFIED = EventType(
        "tendering.documents.clarified",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.PROJECT,
        "A clarification or amendment went to every holder (naming no asker); a new version when it changed"
        " the criteria or the files; deadlines it moved.",
        title=pgettext_lazy("event", "Tender documents clarified"),
    )
    HOLDERS_TOLD = EventType(
        "tendering.holders.told",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "The holders of the documents were sent a clarification (one event per section, whether anyone"
        " holds them or not; embargoed on the opening).",
        UNTIL_OPENING,
        title=pgettext_lazy("event", "Holders sent a clarification"),
    )
    INVITED = EventType(
        "tendering.invitation.sent",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "The initiator or its agent invited an organisation to an invitation tender (for the supervisors;"
        " embargoed on the section's opening: who is invited is who may bid).",
        UNTIL_OPENING,
        title=pgettext_lazy("event", "Invitation to tender sent"),
    )
    CONSORTIUM_FORMED = EventType(
        "tendering.consortium.formed",
        DOMAIN,
        Visibility.SUPERVISORS,
        Scopes.SECTION,
        "A consortium was formed to bid for a section: members, shares, lead (for the supervisors;"
        " embargoed on the section's opening).",
        UNTIL_OPENING,
        title=pgettext_lazy("event", "Consortium formed"),
    )
    PREPARATION_REMINDED = EventType(
        "tendering.preparation.reminded",
        DOMAIN,
        Visibility.PARTIES,
        Scopes.SECTION,
        "The initiator's and the agent's members were reminded that a section's opening is coming: its time"
        " and place, and what their side still has to do (standard 6.5.1); once per section and kind of"
        " reminder. Names no bidder and no holder of the documents.",
        title=pgettext_lazy("event", "Parties reminded of the opening"),
    )
