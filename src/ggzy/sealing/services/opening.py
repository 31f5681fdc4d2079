"""The opener with the bidder's release (docs/sealed-bid-format.md §5): from the opening time on, once
k custodians' closures hold the bid, and no pause of the procedure stops the opening; the decryption
both opening paths end in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.states import advance, require
from ggzy.core.transactions import outermost
from ggzy.core.types import Actor, JSONDict
from ggzy.entities import services as library
from ggzy.registry.models import PauseStep
from ggzy.registry.selectors import pause_check
from ggzy.sealing import selectors
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import (
    BidWindow,
    Envelope,
    SealedBid,
    SectionClosure,
)
from ggzy.sealing.services.common import (
    _bid_event,
    _centre_of,
    _not_openable,
    _record_refusal,
    _refuse,
)
from ggzy.sealing.states import BID_TRANSITIONS
from ggzy.sealing.transport import CustodianTransport, transport
from ggzy_sm import canonical, custodians, sealedbid
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

# --- the opener --------------------------------------------------------------------------------------


@outermost
def bid_open(
    *, actor: Actor | None, bid: SealedBid, release: JSONDict, via: CustodianTransport | None = None
) -> SealedBid:
    """Open a received bid with the bidder's signed release, from the opening time on and once k
    custodians' closures hold it (`via`: how to reach them; the configured transport by default). A
    refusal opens nothing, writes nothing and is recorded for the supervisors (in a transaction of its
    own: `@outermost`)."""
    try:
        return _open(actor=actor, bid=bid, release=release, via=via)
    except DomainError as exc:
        if exc.code is SealingError.RELEASE_REFUSED:
            _record_refusal(
                type="sealing.release.refused", actor=actor, section=bid.section, reason=exc.detail["reason"]
            )
        raise


def _openable(bid: SealedBid, via: CustodianTransport | None = None) -> tuple[SealedBid, BidWindow]:
    """The bid and its window if it may be opened now: received (not withdrawn, not opened) and the
    opening time reached by the platform's clock."""
    refused = SealingError.RELEASE_REFUSED
    bid = SealedBid.objects.select_related(
        "section__tender_project", "signing_certificate", "organisation"
    ).get(pk=bid.pk)
    require(bid, BID_TRANSITIONS, "open", error=_not_openable)  # withdrawn, opened
    # a pause of the procedure (an objection awaiting its answer, an order, a fault: 6.5.8, 6.5.9)
    # stops the opening whoever asks, by either path
    pause_check(tender_project=bid.section.tender_project, section=bid.section, step=PauseStep.OPENING)
    window = BidWindow.objects.get(section_id=bid.section_id)
    if clock.now() < window.opening_at:
        raise _refuse(refused, "too_early")
    _price_gate(bid, window)
    _check_closures(bid, window, via or transport())
    return bid, window


def _price_gate(bid: SealedBid, window: BidWindow) -> None:
    """A price envelope (双信封) opens only in its section's second session (二次开标), and only if the hall
    admitted it (its bidder passed the technical review): by either path — the bidder's release and the
    custodians' — so no price of a bidder that failed is ever decrypted. Before the second session is
    scheduled, or before its time: price_sealed; not admitted: not_passed."""
    if bid.envelope != Envelope.PRICE:
        return
    if window.price_opening_at is not None and not bid.price_admitted:
        raise _refuse(SealingError.RELEASE_REFUSED, "not_passed")
    if window.price_opening_at is None or clock.now() < window.price_opening_at:
        raise _refuse(SealingError.RELEASE_REFUSED, "price_sealed")


def _closures(
    bid: SealedBid, cset: custodians.SignedCustodianSet, window: BidWindow, via: CustodianTransport
) -> tuple[list[JSONDict], dict[int, str]]:
    """Every custodian's closure of the section: those kept, and the others asked for now (a closure is
    made once by the custodian, by its own clock; kept once fetched, and a custodian answering with
    another one later is not believed), with why each missing one is missing (too_early: the custodian's
    clock has not reached the closing time; unreachable; or the reason)."""
    kept = {
        c.custodian: c.document
        for c in SectionClosure.objects.filter(
            section_code=window.section_code, set_fingerprint=cset.fingerprint
        )
    }
    closures: list[JSONDict] = []
    missing: dict[int, str] = {}
    for custodian in cset.custodians:
        if custodian.index in kept:
            closures.append(kept[custodian.index])
            continue
        try:
            for notice in window.notices:  # one it missed (withheld, or lost) would stall its closure
                via.notice(custodian, notice)
            closure = via.closure(custodian, window.section_code)
            payload = custodians.closure_verify(closure, cset)
        except custodians.CustodianError as exc:
            missing[custodian.index] = exc.reason
            continue
        except (OSError, ValueError, KeyError, TypeError):
            missing[custodian.index] = "unreachable"
            continue
        if payload["section"] != window.section_code or payload["custodian"] != custodian.index:
            missing[custodian.index] = "malformed"
            continue
        with transaction.atomic():
            SectionClosure.objects.get_or_create(
                section_code=window.section_code,
                set_fingerprint=cset.fingerprint,
                custodian=custodian.index,
                defaults={"document": closure, "fetched_at": clock.now()},
            )
        closures.append(closure)
    return closures, missing


def _check_closures(bid: SealedBid, window: BidWindow, via: CustodianTransport) -> None:
    """A bid opens only if at least k custodians' closures list its ciphertext: acknowledged by their
    clocks before the deadline (a late bid the platform took by a clock set back is refused here:
    not_acknowledged). Too few closures because the custodians' clocks have not reached the closing
    time: too_early (whatever the platform's clock says)."""
    envelope = (bid.header or {}).get("custodians") or {}
    cset = selectors.custodian_set(str(envelope.get("set", "")))
    if cset is None:
        raise _refuse(SealingError.RELEASE_REFUSED, "no_envelope")
    closures, missing = _closures(bid, cset, window, via)
    try:
        custodians.closures_check(bid.header, closures, cset)
    except custodians.CustodianError as exc:
        if len(closures) < cset.k and "too_early" in missing.values():
            raise _refuse(SealingError.RELEASE_REFUSED, "too_early", custodians=_keys_str(missing)) from exc
        if len(closures) < cset.k:
            raise _refuse(
                SealingError.RELEASE_REFUSED, "closures_missing", custodians=_keys_str(missing)
            ) from exc
        raise _refuse(SealingError.RELEASE_REFUSED, "not_acknowledged") from exc


def _keys_str(missing: dict[int, str]) -> dict[str, str]:
    return {str(index): reason for index, reason in sorted(missing.items())}


def _sealed(bid: SealedBid) -> sealedbid.BidFile:
    """The stored file, if its header is still the one received (a file changed in storage opens
    nothing: header)."""
    try:
        sealed = sealedbid.read(Path(settings.MEDIA_ROOT) / bid.file)
    except sealedbid.BidError as exc:
        raise _refuse(SealingError.RELEASE_REFUSED, exc.reason) from exc
    if sealed.header != bid.header:
        raise _refuse(SealingError.RELEASE_REFUSED, "header")
    return sealed


def _open(
    *, actor: Actor | None, bid: SealedBid, release: JSONDict, via: CustodianTransport | None
) -> SealedBid:
    bid, window = _openable(bid, via)
    until = window.price_release_until if bid.envelope == Envelope.PRICE else window.release_until
    if until is not None and clock.now() > until:
        raise _refuse(SealingError.RELEASE_REFUSED, "window_closed")  # the documents' remedy follows
    sealed = _sealed(bid)
    try:
        signer = Sm2PublicKey.from_hex(bid.signing_certificate.public_key)
        dek = sealedbid.check_release(sealed, release, signer)
    except sealedbid.BidError as exc:
        raise _refuse(SealingError.RELEASE_REFUSED, exc.reason) from exc
    return _finish_open(actor=actor, bid=bid, window=window, sealed=sealed, dek=dek, path={"path": "release"})


def _library_resolve(*, actor: Actor | None, bid: SealedBid, window: BidWindow, out_dir: Path) -> None:
    """The library entries the bid referenced inside its encryption (`documents/library.json`, docs/
    entities.md §3), resolved to their revisions at the deadline. A bid without them opens the same; one
    whose references are not a snapshot opens too (evaluation reads its documents as they are)."""
    document = out_dir / "documents" / library.BID_DOCUMENT
    if not document.is_file():
        return
    centre = _centre_of(bid.section)
    try:
        library.references_resolve(
            actor=actor,
            bid=str(bid.uid),
            section_code=window.section_code,
            centre=centre.code,
            region=centre.region,
            organisation=bid.organisation,
            deadline=window.deadline,
            document=document.read_bytes(),
        )
    except DomainError:
        return


def _finish_open(
    *,
    actor: Actor | None,
    bid: SealedBid,
    window: BidWindow,
    sealed: sealedbid.BidFile,
    dek: bytes,
    path: dict[str, object],
) -> SealedBid:
    """Decrypt with a checked key into the media folder (temporary name, renamed) and record it."""
    refused = SealingError.RELEASE_REFUSED
    media = Path(settings.MEDIA_ROOT)
    relative = Path("sealing") / "opened" / bid.section.code / str(bid.pk)
    out_dir = media / relative
    if out_dir.exists():  # a crash after the rename and before the commit left it: open again
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        manifest = sealedbid.open_bid(sealed, dek, out_dir)
    except sealedbid.BidError as exc:
        raise _refuse(refused, exc.reason) from exc
    try:
        with transaction.atomic():
            locked = SealedBid.objects.select_for_update().get(pk=bid.pk)
            # two openers at once: the second finds it opened
            require(locked, BID_TRANSITIONS, "open", error=_not_openable)
            sheet = (out_dir / sealedbid.OPENING_SHEET).read_bytes()
            machine = out_dir / sealedbid.MACHINE
            advance(
                locked,
                BID_TRANSITIONS,
                "open",
                error=_not_openable,
                opened_at=clock.now(),
                opened_dir=str(relative),
                manifest=manifest,
                opening_sheet=json.loads(sheet),
                machine=json.loads(machine.read_bytes()) if machine.exists() else None,
            )
            _bid_event(
                "sealing.bid.opened",
                actor=actor,
                bid=bid,
                section_code=window.section_code,
                documents=len(manifest["documents"]),
                manifest_sm3=sm3(canonical.dumps(manifest)).hex(),
                **path,
            )
            _library_resolve(actor=actor, bid=locked, window=window, out_dir=out_dir)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return locked
