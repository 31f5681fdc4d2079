"""Opening a bid through its custodians' key shares (docs/sealed-bid-format.md §7)."""

from __future__ import annotations

from django.db import transaction

from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.transactions import outermost
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.sealing import selectors
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import (
    BidWindow,
    Envelope,
    SealedBid,
)
from ggzy.sealing.services.common import (
    _bid_event,
    _centre_of,
    _embargo,
    _record_refusal,
    _refuse,
)
from ggzy.sealing.services.opening import _finish_open, _openable, _sealed
from ggzy.sealing.transport import CustodianTransport, transport
from ggzy_sm import custodians, sealedbid
from ggzy_sm.sm2 import Sm2PrivateKey


@outermost
def bid_open_by_custodians(
    *, actor: Actor | None, bid: SealedBid, via: CustodianTransport | None = None
) -> SealedBid:
    """Open a received bid with its custodians' key shares (from the opening time on, by the platform's
    clock *and* each custodian's own): ask every custodian, keep the shares that verify, reconstruct the
    key from k of them, check it against the key commitment (trying other subsets and naming a custodian
    whose share disagrees), then open as with the bidder's release. Shares from every custodian that
    still make no committed key mean the bidder sealed the bid wrongly: that is recorded as its fault."""
    try:
        return _open_by_custodians(actor=actor, bid=bid, via=via or transport())
    except DomainError as exc:
        if exc.code is SealingError.RELEASE_REFUSED:
            _record_refusal(
                type="sealing.release.refused", actor=actor, section=bid.section, reason=exc.detail["reason"]
            )
        raise


def _collect(
    sealed: sealedbid.BidFile, cset: custodians.SignedCustodianSet, window: BidWindow, via: CustodianTransport
) -> tuple[dict[int, bytes], dict[int, str]]:
    opening = keystore.opening_keys()
    centre = _centre_of(window.section)
    shares: dict[int, bytes] = {}
    failures: dict[int, str] = {}
    for custodian in cset.custodians:
        request = custodians.request_make(sealed.header, custodian.index, list(window.notices))
        try:
            answer = via.share(custodian, request)
            shares[custodian.index] = _share_of(answer, cset, request, opening)
        except custodians.CustodianError as exc:
            failures[custodian.index] = exc.reason
        except (OSError, ValueError) as exc:  # unreachable, or an answer that is not JSON
            failures[custodian.index] = f"unreachable: {type(exc).__name__}"
        with transaction.atomic():  # the platform's side of the log of every request and answer
            event_record(
                type="sealing.share.refused" if custodian.index in failures else "sealing.share.received",
                event_class=EventClass.SECURITY,
                visibility=Visibility.SUPERVISORS,
                section=window.section_code,
                centre=centre.code,
                region=centre.region,
                embargo=_embargo(window.section_code),
                data={
                    "ciphertext_sm3": sealed.header["ciphertext_sm3"],
                    "custodian": custodian.index,
                    "name": custodian.name,
                    "nonce": request["nonce"],
                    "reason": failures.get(custodian.index, ""),
                },
            )
    return shares, failures


def _share_of(
    answer: JSONDict, cset: custodians.SignedCustodianSet, request: JSONDict, keys: list[Sm2PrivateKey]
) -> bytes:
    last: custodians.CustodianError | None = None
    for key in keys:  # the active opening key first; a retired one for a share released before rotation
        try:
            return custodians.answer_check(answer, cset=cset, request=request, opening_key=key)
        except custodians.CustodianError as exc:
            if exc.reason != "binding":
                raise
            last = exc
    raise last or custodians.CustodianError("binding", "no opening key")


def _open_by_custodians(*, actor: Actor | None, bid: SealedBid, via: CustodianTransport) -> SealedBid:
    refused = SealingError.RELEASE_REFUSED
    bid, window = _openable(bid, via)
    until = window.price_release_until if bid.envelope == Envelope.PRICE else window.release_until
    if until is not None and clock.now() < until:
        # the custodians are the documents' remedy for a bid its bidder did not release in the window: while
        # the window is open the bid is its bidder's to release, and opening it would show its price before
        # the others' (and take the release from its bidder)
        raise _refuse(refused, "window_open")
    sealed = _sealed(bid)
    envelope = sealed.header.get("custodians") or {}
    cset = selectors.custodian_set(str(envelope.get("set", "")))
    if cset is None:
        raise _refuse(refused, "no_envelope")
    shares, failures = _collect(sealed, cset, window, via)

    def committed(key: bytes) -> bool:
        try:
            sealedbid.check_commitment(sealed, key)
        except sealedbid.BidError:
            return False
        return True

    try:
        dek, bad = custodians.combine(shares, cset.k, committed)
    except custodians.CustodianError as exc:
        reason = "shares_wrong" if len(shares) == cset.n else "shares_missing"
        if reason == "shares_missing" and "too_early" in failures.values():
            reason = "too_early"  # the custodians' clocks have not reached the (postponed) opening
        if reason == "shares_wrong":
            with transaction.atomic():
                _bid_event(
                    "sealing.bid.sealed_wrongly",
                    actor=actor,
                    bid=bid,
                    section_code=window.section_code,
                    fault="bidder",
                )
        raise _refuse(refused, reason, failures={str(i): r for i, r in failures.items()}) from exc
    names = {c.index: c.name for c in cset.custodians}
    return _finish_open(
        actor=actor,
        bid=bid,
        window=window,
        sealed=sealed,
        dek=dek,
        path={
            "path": "custodians",
            "set": cset.fingerprint,
            "shares_from": sorted(shares),
            "bad_custodians": [{"index": i, "name": names[i]} for i in bad],
            "failures": {str(i): r for i, r in failures.items()},
        },
    )
