"""The event types `securities` records. Who pays a security, and how, is secret before the section's
opening (docs/secrecy.md `security_payers`): those events are for the supervisors and embargoed on the
opening. Refusals of what looks like an attack (a notification not signed by a trusted bank, for a
sub-account the platform did not open) are security events for the supervisors."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from ggzy.events.catalogue import Embargoes, EventType, EventTypes, Scopes, Title
from ggzy.events.states import EventClass, Visibility

DOMAIN, SECURITY = EventClass.DOMAIN, EventClass.SECURITY
PARTIES, SUPERVISORS = Visibility.PARTIES, Visibility.SUPERVISORS


def _secret(type_: str, meaning: str, *, title: Title) -> EventType:
    """About one bidder's security, before the opening: for the supervisors, embargoed until the opening."""
    return EventType(
        type_, DOMAIN, SUPERVISORS, Scopes.SECTION, meaning, Embargoes.UNTIL_OPENING, title=title
    )


def _after(type_: str, meaning: str, *, title: Title) -> EventType:
    """About a security once bids are open (refunds, forfeitures, claims): for the parties."""
    return EventType(
        type_, DOMAIN, PARTIES, Scopes.SECTION, meaning, Embargoes.UNTIL_OPENING_IF_WINDOW, title=title
    )


class SecuritiesEvents(EventTypes, app="securities"):
    SUB_ACCOUNT_OPENED = _secret(
        "securities.sub_account.opened",
        "The bank opened a sub-account for a bidder's deposit on a section (its signed answer kept).",
        title=pgettext_lazy("event", "Deposit sub-account opened"),
    )
    CREDIT_RECORDED = _secret(
        "securities.credit.recorded",
        "A transfer into a sub-account was recorded from the bank's signed notification or statement.",
        title=pgettext_lazy("event", "Deposit received"),
    )
    NOTIFICATION_REFUSED = EventType(
        "securities.notification.refused",
        SECURITY,
        SUPERVISORS,
        Scopes.PLATFORM,
        "A bank notification was refused: unsigned, signed by a key not pinned, for a sub-account the"
        " platform did not open, or contradicting one it holds.",
        title=pgettext_lazy("event", "Bank notification refused"),
    )
    STATEMENT_RECONCILED = EventType(
        "securities.statement.reconciled",
        DOMAIN,
        SUPERVISORS,
        Scopes.PLATFORM,
        "A bank's final day statement was checked against the credits and refunds recorded (mismatches"
        " counted, no payer named).",
        title=pgettext_lazy("event", "Bank statement reconciled"),
    )
    GUARANTEE_APPLIED = _secret(
        "securities.guarantee.applied",
        "A bidder applied to an issuer of its choice for an electronic guarantee.",
        title=pgettext_lazy("event", "Guarantee applied for"),
    )
    GUARANTEE_UPDATED = _secret(
        "securities.guarantee.updated",
        "An issuer's answer moved a guarantee application on (review, payment, issue or rejection).",
        title=pgettext_lazy("event", "Guarantee application updated"),
    )
    GUARANTEE_ACCEPTED = _secret(
        "securities.guarantee.accepted",
        "An issued guarantee verified (chain, signature, document) and met the documents: it is the"
        " bidder's security.",
        title=pgettext_lazy("event", "Guarantee accepted"),
    )
    GUARANTEE_REFUSED = EventType(
        "securities.guarantee.refused",
        SECURITY,
        SUPERVISORS,
        Scopes.SECTION,
        "A guarantee was refused by the platform's check (its signature, issuer, document, section,"
        " beneficiary, amount or cover).",
        Embargoes.UNTIL_OPENING,
        title=pgettext_lazy("event", "Guarantee refused"),
    )
    FLAGS_COMPUTED = _secret(
        "securities.flags.computed",
        "A section's payer flags (实施条例 §40) were computed once, at its deadline.",
        title=pgettext_lazy("event", "Payer flags computed"),
    )
    REFUND_DUE = _after(
        "securities.refund.due",
        "A deposit became due for refund (its trigger, legal basis and date due).",
        title=pgettext_lazy("event", "Refund due"),
    )
    REFUND_ORDERED = _after(
        "securities.refund.ordered",
        "The platform ordered a refund from the bank; the bank's signed decision is kept.",
        title=pgettext_lazy("event", "Refund ordered"),
    )
    REFUND_OVERDUE = EventType(
        "securities.refund.overdue",
        DOMAIN,
        SUPERVISORS,
        Scopes.SECTION,
        "A refund was not paid by its due date (the centre and the supervisors are alerted).",
        title=pgettext_lazy("event", "Refund overdue"),
    )
    PERFORMANCE_DEMANDED = _after(
        "securities.performance.demanded",
        "The initiator demanded a performance security of the awarded bidder (amount, forms, the cap's"
        " article).",
        title=pgettext_lazy("event", "Performance security demanded"),
    )
    FORFEITED = _after(
        "securities.security.forfeited",
        "A security was kept or a guarantee claimed, with its legal basis and the documents' clause.",
        title=pgettext_lazy("event", "Security forfeited"),
    )
