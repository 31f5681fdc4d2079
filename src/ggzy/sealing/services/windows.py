"""A section's bid window (deadline and opening time, postponed, never brought forward) and the signed
notices that tell every custodian of each one."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.transactions import outermost
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.models import Section
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import (
    GONE,
    BidWindow,
    Envelope,
    SealedBid,
)
from ggzy.sealing.services.common import (
    _alarm,
)
from ggzy.sealing.services.custodian_sets import current_cset, notice_signer
from ggzy.sealing.transport import transport
from ggzy_sm import canonical, custodians


@transaction.atomic
def window_set(
    *, actor: Actor | None, section: Section, deadline: dt.datetime, opening_at: dt.datetime | None = None
) -> BidWindow:
    """Set or postpone a section's bid deadline and opening time (never bring either forward)."""
    if deadline.tzinfo is None or (opening_at is not None and opening_at.tzinfo is None):
        raise DomainError(SealingError.WINDOW_INVALID)
    opening_at = opening_at or deadline
    if opening_at < deadline:
        raise DomainError(SealingError.WINDOW_INVALID)
    now = clock.now()
    window = BidWindow.objects.select_for_update().filter(section=section).first()
    previous = None
    if window is None:
        window = BidWindow(section=section, section_code=section.code, announced=[])
    else:
        if now >= window.opening_at:
            raise DomainError(SealingError.WINDOW_CLOSED)
        if deadline < window.deadline or opening_at < window.opening_at:
            raise DomainError(SealingError.OPENING_ADVANCED)
        if now >= window.deadline and deadline != window.deadline:
            # bids closed at the deadline; moving it would reopen submission to whoever heard of
            # the bids in the meantime. A fault at the opening postpones the opening alone (6.5.9).
            raise DomainError(SealingError.DEADLINE_PASSED)
        previous = {"deadline": window.deadline, "opening_at": window.opening_at}
    window.deadline, window.opening_at, window.set_at = deadline, opening_at, now
    if canonical.format_instant(deadline) not in window.announced:
        window.announced = [*window.announced, canonical.format_instant(deadline)]
    # the custodians take acknowledgements until the latest signed deadline and release shares from the
    # latest signed opening time on: they hear of every deadline and every postponement
    cset = current_cset(section.centre)
    notice = None
    if cset is not None:
        key, transitions = notice_signer(cset)
        notice = custodians.notice_make(
            key, cset.fingerprint, section.code, deadline, opening_at, now, transitions
        )
        window.notices = [*window.notices, notice]
    window.save()
    event_record(
        type="sealing.window.set",
        event_class=EventClass.DOMAIN,
        visibility=Visibility.PUBLIC,  # deadlines are announced in the notice
        actor=actor,
        section=section.code,
        centre=section.centre.code,
        region=section.centre.region,
        # the signed notice is public: anyone (the supervising department, a bidder) can deliver it to
        # the custodians, so an operator who withholds a postponement gains nothing
        data={"deadline": deadline, "opening_at": opening_at, "previous": previous, "notice": notice},
    )
    if notice is not None:
        transaction.on_commit(lambda: notice_deliver(section=section, notice=notice))
    return window


@outermost
def notice_deliver(*, section: Section, notice: JSONDict) -> int:
    """Deliver a notice to every custodian of the section's centre at once (best effort; a failure is
    recorded for the supervisors, who can deliver it themselves). Returns how many took it."""
    cset = current_cset(section.centre)
    if cset is None:
        return 0
    delivered = 0
    for custodian in cset.custodians:
        try:
            transport().notice(custodian, notice)
            delivered += 1
        except (custodians.CustodianError, OSError) as exc:
            with transaction.atomic():
                event = event_record(
                    type="sealing.notice.undelivered",
                    event_class=EventClass.SECURITY,
                    visibility=Visibility.SUPERVISORS,
                    section=section.code,
                    centre=section.centre.code,
                    region=section.centre.region,
                    data={"custodian": custodian.index, "name": custodian.name, "error": type(exc).__name__},
                )
                _alarm(section.centre, custodian, "undelivered", 1, event)
    return delivered


def window_release_limit(*, section: Section, until: dt.datetime) -> None:
    """Accept the bidder's own release of `section`'s bids until `until` (the end of the decryption window
    the documents set; the opening hall fixes it at the deadline). Never before the opening time."""
    with transaction.atomic():
        window = BidWindow.objects.select_for_update().get(section=section)
        BidWindow.objects.filter(pk=window.pk).update(release_until=max(until, window.opening_at))


def price_envelopes_admit(
    *, section: Section, organisations: list[int], opens_at: dt.datetime, until: dt.datetime
) -> int:
    """A two-envelope section's second session (二次开标, scheduled by the opening hall): the standing
    price envelopes of `organisations` (ids: the bidders that passed the technical review) open from
    `opens_at` on, their bidders' own releases accepted until `until`; every other price envelope stays
    sealed for ever (`not_passed`). Once per section. How many envelopes were admitted."""
    with transaction.atomic():
        window = BidWindow.objects.select_for_update().get(section=section)
        if window.price_opening_at is not None:
            raise DomainError(SealingError.PRICE_SESSION_SET)
        BidWindow.objects.filter(pk=window.pk).update(
            price_opening_at=opens_at, price_release_until=max(until, opens_at)
        )
        return (
            SealedBid.objects.filter(
                section=section, envelope=Envelope.PRICE, organisation_id__in=organisations
            )
            .exclude(state__in=GONE)
            .update(price_admitted=True)
        )


def price_release_limit(*, section: Section, until: dt.datetime) -> None:
    """Move the end of the second session's decryption window (a pause held it). Never before it opens."""
    with transaction.atomic():
        window = BidWindow.objects.select_for_update().get(section=section)
        if window.price_opening_at is not None:
            BidWindow.objects.filter(pk=window.pk).update(
                price_release_until=max(until, window.price_opening_at)
            )
