"""What the sealing services share: bid events embargoed until the opening, refusals that name their
reason, refusals recorded for the supervisors, and alarms about custodians."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Centre
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor
from ggzy.events.embargo import Embargo
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.models import Section
from ggzy.sealing.errors import REASONS, SealingError
from ggzy.sealing.models import (
    BidWindow,
    SealedBid,
)
from ggzy_sm import custodians

#: Said to the bidder after a withdrawal.
WITHDRAWN_MESSAGE = _("The bid is withdrawn. You may send a new one before the deadline.")


def _embargo(section_code: str) -> Embargo:
    return Embargo("section.opening", section_code)


def _centre_of(section: Section) -> Centre:
    """The centre hosting `section`: a sealing event records it and its region (its scope)."""
    return section.centre


def _bid_event(type: str, *, actor: Actor | None, bid: SealedBid, section_code: str, **data: object) -> Event:  # noqa: A002
    """An event about one bid, for the parties of its section's centre and region, embargoed until the
    section's opening (before it nothing may reveal who bid)."""
    centre = _centre_of(bid.section)
    return event_record(
        type=type,
        event_class=EventClass.DOMAIN,
        visibility=Visibility.PARTIES,
        actor=actor,
        section=section_code,
        centre=centre.code,
        region=centre.region,
        organisation=bid.organisation.uscc,
        embargo=_embargo(section_code),
        data={"bid": str(bid.uid), "ciphertext_sm3": bid.ciphertext_sm3, **data},
    )


def _refuse(code: SealingError, reason: str, **detail: object) -> DomainError:
    """A refusal whose message says why, in the reader's language (`errors.REASONS`)."""
    message = format_lazy("{} {}", code.message, REASONS[reason]) if reason in REASONS else None
    return DomainError(code, message, detail={"reason": reason, **detail})


def _not_openable(state: str) -> DomainError:
    """An opening refused by the bid's state: its reason is the state (withdrawn, opened)."""
    return _refuse(SealingError.RELEASE_REFUSED, state)


def _record_refusal(*, type: str, actor: Actor | None, section: Section, reason: str) -> None:  # noqa: A002
    """A refusal recorded for the supervisors of the section's region, embargoed until the opening when
    the section has a window (for its actor too: a refusal is no receipt)."""
    centre = _centre_of(section)
    with transaction.atomic():  # its own transaction: the refused change was rolled back
        event_record(
            type=type,
            event_class=EventClass.SECURITY,
            visibility=Visibility.SUPERVISORS,
            actor=actor,
            section=section.code,
            centre=centre.code,
            region=centre.region,
            data={"reason": reason},
            embargo=_embargo(section.code) if BidWindow.objects.filter(section=section).exists() else None,
        )


def _alarm(centre: Centre, custodian: custodians.Custodian, problem: str, count: int, event: Event) -> None:
    """Tell the supervisors of the centre's region (inbox) what went wrong with a custodian."""
    from ggzy.accounts.selectors import supervisors_for
    from ggzy.events.notifications import Recipient, notify

    recipients = [Recipient(user=user) for user in supervisors_for(centre.region)]
    if recipients:
        notify(
            template="sealing.custodian_alarm",
            recipients=recipients,
            context={"centre": centre.name, "custodian": custodian.name, "problem": problem, "count": count},
            event=event,
        )
