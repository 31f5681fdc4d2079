"""Queries of sealed bids. Before a section's opening no one but the bidder sees that a bid exists."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from ggzy.accounts.models import Centre, Organisation
from ggzy.accounts.selectors import organisations_of
from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import DomainError
from ggzy.core.types import Viewer
from ggzy.registry.models import Section
from ggzy.registry.selectors import staff_centres
from ggzy.sealing import admission
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import GONE, BidState, BidWindow, CustodianSet, SealedBid
from ggzy_sm import custodians


def my_bids(*, user: Viewer) -> QuerySet[SealedBid]:
    """The sealed bids of the user's organisations, newest first (none for the anonymous public)."""
    if not is_signed_in(user):
        return SealedBid.objects.none()
    return (
        SealedBid.objects.filter(organisation__in=organisations_of(user=user))
        .select_related("section__tender_project", "organisation", "section__bid_window")
        .order_by("-received_at", "-pk")
    )


def access_bid(*, viewer: Viewer, uid: uuid.UUID) -> SealedBid:
    """Fetch and authorise in one call, for the bidder (pages and API): a sealed bid of the viewer's
    organisations; "missing" and "not yours" raise the same not-found error."""
    found = my_bids(user=viewer).filter(uid=uid).first()
    if found is None:
        raise DomainError(SealingError.NOT_FOUND)
    return found


def window_of(section: Section) -> BidWindow | None:
    return BidWindow.objects.filter(section=section).first()


def current_set(centre: Centre) -> CustodianSet | None:
    """The centre's custodian set in force (bids sealed from now on split their key among it)."""
    return (
        CustodianSet.objects.filter(centre=centre, retired_at__isnull=True).select_related("centre").first()
    )


def published_sets() -> QuerySet[CustodianSet]:
    """Every custodian set ever published (current and retired: bids sealed under a retired one open)."""
    return CustodianSet.objects.order_by("-published_at")


def access_hosted_bid(*, viewer: Viewer, uid: uuid.UUID) -> SealedBid:
    """For the hosting centre's staff (they run the opening): a bid of a section hosted by one of the
    viewer's centres, once the section's opening time has come; "missing", "not hosted here" and "not
    opened yet" raise the same not-found error (before the opening no one but the bidder may learn that
    a bid exists: not from a 422, nor from a refusal of their own)."""
    found = SealedBid.objects.filter(
        uid=uid,
        section__centre__in=staff_centres(viewer),
        section__bid_window__opening_at__lte=clock.now(),
    ).first()
    if found is None:
        raise DomainError(SealingError.NOT_FOUND)
    return found


def custodian_set(fingerprint: str) -> custodians.SignedCustodianSet | None:
    """A published custodian set (current or retired: bids sealed under it still open), verified."""
    stored = CustodianSet.objects.filter(fingerprint=fingerprint).first()
    return custodians.set_verify(stored.signed) if stored else None


def took_part(*, organisation_ids: list[int], sections: list[Section]) -> bool:
    """Whether one of the organisations holds a bid (received or opened, not withdrawn or replaced) for
    one of the sections: who may object to the candidates or challenge the result (only those who took
    part)."""
    return (
        SealedBid.objects.filter(organisation_id__in=organisation_ids, section__in=sections)
        .exclude(state__in=GONE)
        .exists()
    )


def bidding_users(*, sections: list[Section]) -> list[int]:
    """The ids of the users who submitted a bid (not withdrawn or replaced) for one of the sections: each
    is told of a pause or a postponement, one by one (no list of bidders is shown to anyone)."""
    return sorted(
        set(
            SealedBid.objects.filter(section__in=sections)
            .exclude(state__in=GONE)
            .values_list("submitted_by_id", flat=True)
        )
    )


def bidder_organisations(section: Section) -> list[Organisation]:
    """The organisations that hold a standing bid (received or opened, not withdrawn or replaced: not
    `GONE`) for `section`, by name — each once, whatever envelopes it sent (the minimum counts bidders,
    not files). No visibility is applied here: the caller shows them only to whom it
    may (before the opening, no one but the bidder may learn that a bid exists)."""
    standing = SealedBid.objects.filter(section=section).exclude(state__in=GONE).values("organisation")
    return list(Organisation.objects.filter(pk__in=standing).order_by("name", "pk"))


def sections_bid_by(organisation_ids: list[int]) -> QuerySet[SealedBid, int]:
    """The ids of the sections in which one of `organisation_ids` holds a standing bid (a values query, for
    a filter). No visibility applied: for the bidder's own reads."""
    return (
        SealedBid.objects.filter(organisation_id__in=organisation_ids)
        .exclude(state__in=GONE)
        .values_list("section_id", flat=True)
    )


def standing_bids(section: Section, envelopes: tuple[str, ...] | None = None) -> QuerySet[SealedBid]:
    """The standing bids (not `GONE`) of `section` with their organisations, by organisation name; only
    those of `envelopes` if given (a two-envelope section's first session reads the technical ones, its
    second session the price ones). No visibility applied: the opening hall reads them after the deadline,
    and shows them from its steps on."""
    found = SealedBid.objects.filter(section=section).exclude(state__in=GONE)
    if envelopes is not None:
        found = found.filter(envelope__in=envelopes)
    return found.select_related("organisation").order_by("organisation__name", "pk")


@dataclass(frozen=True)
class OpenWindow:
    """A section that takes bids now, for the bidder's submission page: its bid window, and whether one of
    the bidder's organisations holds a standing bid for it (a new upload would replace that one)."""

    section: Section
    window: BidWindow
    has_bid: bool


def open_windows_for(*, user: Viewer, now: dt.datetime | None = None) -> list[OpenWindow]:
    """The sections whose bid deadline has not passed by the time authority (`now`) and for which one of
    the user's organisations may bid (`admission`: tendering says who obtained the documents), soonest
    deadline first, each with whether the user's organisations hold a received bid for it. None for the
    anonymous public."""
    if not is_signed_in(user):
        return []
    organisations = list(organisations_of(user=user).values_list("pk", flat=True))
    windows = [
        window
        for window in BidWindow.objects.filter(deadline__gt=now or clock.now())
        .select_related("section__tender_project")
        .order_by("deadline", "section_code")
        if any(admission.refusal(window.section, organisation) is None for organisation in organisations)
    ]
    held = set(
        SealedBid.objects.filter(
            organisation_id__in=organisations,
            state=BidState.RECEIVED,
            section_id__in=[window.section_id for window in windows],
        ).values_list("section_id", flat=True)
    )
    return [OpenWindow(window.section, window, window.section_id in held) for window in windows]
