"""The validator (no decryption) and receiving and withdrawing a bid."""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ggzy.accounts.models import Organisation
from ggzy.accounts.selectors import organisations_of
from ggzy.certs import selectors as certs_selectors
from ggzy.certs import services as certs_services
from ggzy.certs.models import BoundCertificate
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.states import advance, require
from ggzy.core.transactions import outermost
from ggzy.core.types import Actor, JSONDict
from ggzy.registry.models import Section
from ggzy.sealing import admission
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import (
    BidState,
    BidWindow,
    SealedBid,
    SignedAs,
)
from ggzy.sealing.receipts import acknowledged, receipt_make
from ggzy.sealing.services.common import (
    _bid_event,
    _record_refusal,
    _refuse,
)
from ggzy.sealing.services.custodian_sets import current_cset
from ggzy.sealing.states import BID_TRANSITIONS
from ggzy_sm import custodians, sealedbid


@dataclass(frozen=True)
class Validated:
    """A sealed file that passed every check: the file, its bound deadline, the bidder, the matched signing
    certificate, the section's window and the centre's custodian set."""

    bid: sealedbid.BidFile
    bound_deadline: dt.datetime
    organisation: Organisation
    signing_certificate: BoundCertificate
    window: BidWindow
    cset: custodians.SignedCustodianSet
    signed_as: SignedAs

    @property
    def envelope(self) -> str:
        """The signed header's envelope ("single" for a whole bid)."""
        return self.bid.envelope


def validate(*, path: Path, section: Section, user: Actor) -> Validated:
    """Check a sealed bid file without decrypting it (see the package's text); refusal: BID_REFUSED. The
    platform looks up what the file must match, `sealedbid.check` checks the whole file against it in one
    call (its BidError's reason is the refusal's), and the bound certificate's chain, validity and
    revocation are then re-checked now against the centre's CAs (certificate)."""
    refused = SealingError.BID_REFUSED
    window = BidWindow.objects.filter(section=section).first()
    if window is None:
        raise _refuse(refused, "no_window")
    organisations = {organisation.uscc: organisation for organisation in organisations_of(user=user)}
    signing = certs_selectors.bound_certificate(user=user, usage="signing")
    cset = current_cset(section.centre)
    expect = sealedbid.Expectations(
        tender_project=section.tender_project.code,
        section=section.code,
        bidders=frozenset(organisations),
        signing_certificate=bytes(signing.der) if signing is not None else None,
        custodians=cset,
        deadline=window.deadline,
        announced=frozenset(window.announced),
    )
    try:
        checked = sealedbid.check(Path(path), expect)
    except sealedbid.BidError as exc:
        raise _refuse(refused, exc.reason) from exc
    if signing is None or cset is None:  # refused by the check already (no_certificate, no_custodian_set)
        raise _refuse(refused, "no_certificate" if signing is None else "no_custodian_set")
    taken = admission.envelopes(section)
    if checked.file.envelope not in taken:  # a two-envelope section takes technical + price, else one bid
        raise _refuse(refused, "envelope_not_taken" if taken == admission.SINGLE else "envelope_needed")
    try:
        certs_services.validate(bytes(signing.der), "signing")
    except DomainError as exc:
        raise _refuse(refused, "certificate", certificate_reason=(exc.detail or {}).get("reason")) from exc
    if reason := admission.refusal(section, organisations[checked.bidder].pk):
        raise _refuse(refused, reason)
    return Validated(
        signed_as=_signed_as(signing, bidder=checked.bidder, organisations=organisations),
        bid=checked.file,
        bound_deadline=checked.deadline,
        organisation=organisations[checked.bidder],
        signing_certificate=signing,
        window=window,
        cset=cset,
    )


def _signed_as(signing: BoundCertificate, *, bidder: str, organisations: dict[str, Organisation]) -> SignedAs:
    """实施条例 §51(一): a bid without the bidder's seal and its legal representative's (or authorised
    person's) signature is rejected. The header signature by a certificate issued to the bidding
    organisation is its electronic seal; by a member's personal certificate it is that person's
    signature, and the seal must then be inside the documents (checked at opening, as only the opened
    bid shows it). A certificate issued to another of the user's organisations seals nothing for this
    bidder: refused."""
    holder = signing.holder_id.upper()
    if holder == bidder:
        return SignedAs.ORGANISATION
    if holder in organisations or Organisation.objects.filter(uscc=holder).exists():
        raise _refuse(SealingError.BID_REFUSED, "seal_other_organisation")
    return SignedAs.PERSON


# --- receiving and withdrawing -------------------------------------------------------------------------


def _stored(section: Section, digest: str) -> Path:
    return Path("sealing") / "bids" / section.code / f"{digest}.bid"


@outermost
def bid_receive(
    *,
    actor: Actor,
    section: Section,
    path: Path,
    acknowledgements: list[JSONDict],
    arrived_at: dt.datetime | None = None,
    link: bool = False,
    also: Callable[[SealedBid], object] | None = None,
) -> SealedBid:
    """Validate a sealed bid file and its custodians' acknowledgements, and keep them (the upload calls
    this, outside any transaction: `@outermost`). A refusal stores nothing and is recorded, embargoed
    until the opening, for the supervisors; an earlier bid stands. A bid received while the bidder's
    earlier one stands replaces it (superseded, in the same transaction: only the last counts); the same
    ciphertext twice for a section is refused as a replay.

    `arrived_at` is the instant the file's last byte arrived (`sealing.uploads` reads the time authority
    before it syncs and validates): "late" is judged by it and it is kept as `received_at`, so the time
    validation takes never counts against the bidder. Without it, the authority's time after validation
    counts. `link=True` gives the file a second name beside its final one instead of copying it (a hard
    link: no bytes copied, and the caller's own name — the upload's file — stays until the caller removes
    it after the commit, so a crash before the commit loses none of the upload; across file systems it is
    copied). `also(bid)`
    runs in the same transaction as the bid is recorded (the upload marks itself complete there: a crash
    cannot leave a received bid whose upload seems unfinished)."""
    try:
        return _receive(
            actor=actor,
            section=section,
            path=Path(path),
            acknowledgements=acknowledgements,
            arrived_at=arrived_at,
            link=link,
            also=also,
        )
    except DomainError as exc:
        if exc.code is SealingError.BID_REFUSED:
            _record_refusal(
                type="sealing.bid.refused", actor=actor, section=section, reason=exc.detail["reason"]
            )
        raise


def _receive(
    *,
    actor: Actor,
    section: Section,
    path: Path,
    acknowledgements: list[JSONDict],
    arrived_at: dt.datetime | None = None,
    link: bool = False,
    also: Callable[[SealedBid], object] | None = None,
) -> SealedBid:
    checked = validate(path=path, section=section, user=actor)
    now = arrived_at if arrived_at is not None else clock.now()
    if now >= checked.window.deadline:
        raise _refuse(SealingError.BID_REFUSED, "deadline_passed")
    header = checked.bid.header
    try:
        acknowledged_by = custodians.acks_check(header, acknowledgements, checked.cset)
    except custodians.CustodianError as exc:
        raise _refuse(SealingError.BID_REFUSED, "acknowledgements") from exc
    relative = _stored(section, str(header["ciphertext_sm3"]))
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        _place(path, temporary, link=link)
        with transaction.atomic():
            section_locked = Section.objects.select_for_update().get(pk=section.pk)
            if SealedBid.objects.filter(
                section=section_locked, ciphertext_sm3=header["ciphertext_sm3"]
            ).exists():
                raise _refuse(SealingError.BID_REFUSED, "replayed")
            standing = (
                SealedBid.objects.filter(
                    section=section_locked,
                    organisation=checked.organisation,
                    envelope=checked.envelope,
                    state=BidState.RECEIVED,
                )
                .order_by("pk")
                .first()
            )
            if (
                standing is not None
            ):  # replaced first: one standing bid per bidder and envelope (a constraint)
                _supersede(actor, standing, at=now)
            bid = SealedBid.objects.create(
                replaces=standing,
                section=section_locked,
                organisation=checked.organisation,
                submitted_by=actor,
                signing_certificate=checked.signing_certificate,
                file=str(relative),
                ciphertext_sm3=header["ciphertext_sm3"],
                ciphertext_size=header["ciphertext_size"],
                bound_deadline=checked.bound_deadline,
                header=header,
                envelope=checked.envelope,
                received_at=now,
                acknowledgements=list(acknowledgements),
                signed_as=checked.signed_as,
            )
            received = _bid_event(
                "sealing.bid.received",
                actor=actor,
                bid=bid,
                section_code=section.code,
                ciphertext_size=bid.ciphertext_size,
                bound_deadline=bid.bound_deadline,
                tool=header["tool"],
                envelope=checked.envelope,
                acknowledged_by=acknowledged_by,
            )
            bid.receipt = receipt_make(
                bid=bid,
                event=received,
                acknowledgements=acknowledged(acknowledgements, header, checked.cset),
            )
            bid.save(update_fields=["receipt"])
            if also is not None:
                also(bid)
            temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return bid


def _supersede(actor: Actor, old: SealedBid, *, at: dt.datetime) -> None:
    """The bidder's later bid for the section replaces its standing one of the same envelope (only the
    last counts; the new bid's `replaces` names it): recorded, embargoed until the opening like the bids
    themselves. The replaced file is kept (evidence of what was sent and when) and is never opened."""
    advance(old, BID_TRANSITIONS, "supersede", error=SealingError.NOT_STANDING, superseded_at=at)
    _bid_event("sealing.bid.superseded", actor=actor, bid=old, section_code=old.section.code)


def _place(source: Path, temporary: Path, *, link: bool) -> None:
    """Put the received file at `temporary` (beside its final name): hard-linked when `link` and the two
    are on one file system that has hard links, else copied."""
    if link:
        try:
            os.link(source, temporary)
        except OSError as exc:
            if exc.errno not in {errno.EXDEV, errno.EPERM, errno.EOPNOTSUPP}:
                raise
        else:
            return
    shutil.copyfile(source, temporary)


@transaction.atomic
def bid_withdraw(*, actor: Actor, bid: SealedBid) -> SealedBid:
    """The bidder withdraws its bid before the deadline (撤回); it may then send a new one. An envelope of
    a two-envelope bid is withdrawn on its own (the other stands until withdrawn too)."""
    bid = SealedBid.objects.select_for_update().get(pk=bid.pk)
    require(bid, BID_TRANSITIONS, "withdraw", error=SealingError.NOT_STANDING)
    window = BidWindow.objects.get(section_id=bid.section_id)
    now = clock.now()
    if now >= window.deadline:
        raise DomainError(SealingError.TOO_LATE)
    advance(bid, BID_TRANSITIONS, "withdraw", error=SealingError.NOT_STANDING, withdrawn_at=now)
    _bid_event("sealing.bid.withdrawn", actor=actor, bid=bid, section_code=window.section_code)
    return bid
