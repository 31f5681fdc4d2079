"""Sealed bids on the platform (docs/sealed-bid-format.md): the bid window, the validator, receiving and
withdrawing a bid, and the opener.

- `validate` checks a ggzy-bid-v1 file **without decrypting**: structure and format version, the section
  and bidder it is bound to, the signature against the bidder's bound signing certificate (chain, validity
  and revocation re-checked now), the ciphertext against its header, that the key is wrapped to the
  bidder's bound *encryption* certificate, and that the bound deadline is one the section announced and
  not later than the current one (a bid sealed before an extension stays valid).
- `bid_open` opens a received bid with the bidder's signed release (purpose ggzy-release-v1), only from the
  opening time on: the released key must match the bid's key commitment; the stream is decrypted with
  every chunk's tag verified, every document checked against the inner manifest and the opening sheet
  against its schema; the plaintext lands in the media folder under a temporary name and is renamed.

Every refusal names its reason (`errors.REASONS`) and changes nothing. Every event is embargoed until the
section's opening: before it nothing reveals who bid.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.selectors import organisations_of
from ggzy.certs import selectors as certs_selectors
from ggzy.certs import services as certs_services
from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.events.embargo import Embargo
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.models import Section
from ggzy.sealing import selectors
from ggzy.sealing.errors import REASONS, SealingError
from ggzy.sealing.models import BidState, BidWindow, CustodianSet, SealedBid
from ggzy_sm import canonical, custodians, sealedbid
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

#: Said to the bidder after a withdrawal.
WITHDRAWN_MESSAGE = _("The bid is withdrawn. You may send a new one before the deadline.")


def _embargo(section_code: str) -> Embargo:
    return Embargo("section.opening", section_code)


def _bid_event(type: str, *, actor: Any, bid: SealedBid, section_code: str, **data: Any) -> None:  # noqa: A002
    """An event about one bid, for the parties, embargoed until the section's opening (before it nothing
    may reveal who bid)."""
    event_record(
        type=type,
        event_class=EventClass.DOMAIN,
        visibility=Visibility.PARTIES,
        actor=actor,
        section=section_code,
        organisation=bid.organisation.uscc,
        embargo=_embargo(section_code),
        data={"bid": bid.pk, "ciphertext_sm3": bid.ciphertext_sm3, **data},
    )


def _refuse(code: SealingError, reason: str, **detail: Any) -> DomainError:
    """A refusal whose message says why, in the reader's language (`errors.REASONS`)."""
    message = format_lazy("{} {}", code.message, REASONS[reason]) if reason in REASONS else None
    return DomainError(code, message, detail={"reason": reason, **detail})


# --- the bid window ----------------------------------------------------------------------------------


@transaction.atomic
def window_set(
    *, actor: Any, section: Section, deadline: dt.datetime, opening_at: dt.datetime | None = None
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
        previous = {"deadline": window.deadline, "opening_at": window.opening_at}
    window.deadline, window.opening_at, window.set_at = deadline, opening_at, now
    if canonical.format_instant(deadline) not in window.announced:
        window.announced = [*window.announced, canonical.format_instant(deadline)]
    # custodians release key shares from the latest signed opening time on: they hear of postponements
    notice = custodians.notice_make(
        section=section.code, opening_at=opening_at, key=keystore.signing_key()[1]
    )
    window.notices = [*window.notices, notice]
    window.save()
    event_record(
        type="sealing.window.set",
        event_class=EventClass.DOMAIN,
        visibility=Visibility.PUBLIC,  # deadlines are announced in the notice
        actor=actor,
        section=section.code,
        # the signed notice is public: anyone (the supervising department, a bidder) can deliver it to
        # the custodians, so an operator who withholds a postponement gains nothing
        data={"deadline": deadline, "opening_at": opening_at, "previous": previous, "notice": notice},
    )
    if previous is not None:
        transaction.on_commit(lambda: notice_deliver(section=section, notice=notice))
    return window


def notice_deliver(*, section: Section, notice: dict[str, Any]) -> int:
    """Deliver a postponement notice to every custodian of the section's centre at once (best effort; a
    failure is recorded for the supervisors, who can deliver it themselves). Returns how many took it."""
    published = selectors.current_set(section.centre)
    if published is None:
        return 0
    deliver = import_string(settings.GGZY_CUSTODIAN_NOTICE_TRANSPORT)
    delivered = 0
    for custodian in custodians.set_verify(published.signed).custodians:
        try:
            deliver(custodian, notice)
            delivered += 1
        except (custodians.CustodianError, OSError) as exc:
            with transaction.atomic():
                event_record(
                    type="sealing.notice.undelivered",
                    event_class=EventClass.SECURITY,
                    visibility=Visibility.SUPERVISORS,
                    section=section.code,
                    data={"custodian": custodian.index, "name": custodian.name, "error": type(exc).__name__},
                )
    return delivered


# --- the validator -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A sealed file that passed every check: its header, the bidder and the matched signing certificate."""

    bid: sealedbid.SealedBid
    organisation: Any
    signing_certificate: Any
    window: BidWindow


def _certificates(bid: sealedbid.SealedBid, user: Any) -> tuple[Any, Any]:
    """The user's bound signing certificate (re-validated now) if it signed the header and the key is
    wrapped to the user's bound encryption certificate."""
    refused = SealingError.BID_REFUSED
    header = bid.header
    signing = certs_selectors.bound_certificate(user=user, usage="signing")
    encryption = certs_selectors.bound_certificate(user=user, usage="encryption")
    if signing is None or encryption is None:
        raise _refuse(refused, "no_certificate")
    signing_der = bytes(signing.der)
    try:
        named = sealedbid.signing_certificate(bid)
    except sealedbid.BidError as exc:
        raise _refuse(refused, exc.reason) from exc
    if named != signing_der:
        raise _refuse(refused, "signing_certificate")
    try:
        _ca, certificate = certs_services.validate(signing_der, "signing")
    except DomainError as exc:
        raise _refuse(refused, "certificate", certificate_reason=(exc.detail or {}).get("reason")) from exc
    if header["encryption_certificate_sm3"] == sm3(signing_der).hex():
        raise _refuse(refused, "signing_as_encryption")
    if header["encryption_certificate_sm3"] != sm3(bytes(encryption.der)).hex():
        raise _refuse(refused, "encryption_certificate")
    return signing, certificate


def _check_envelope(header: dict[str, Any], section: Section) -> None:
    """Where the centre has custodians, the key must be split among exactly its current set."""
    published = selectors.current_set(section.centre)
    envelope = header.get("custodians")
    if published is None:
        if envelope is not None:
            raise _refuse(SealingError.BID_REFUSED, "custodians")
        return
    if envelope is None:
        raise _refuse(SealingError.BID_REFUSED, "no_envelope")
    if (envelope.get("set"), envelope.get("k"), envelope.get("n")) != (
        published.fingerprint,
        published.k,
        published.n,
    ):
        raise _refuse(SealingError.BID_REFUSED, "custodians")


def validate(*, path: Path, section: Section, user: Any) -> Checked:
    """Check a sealed bid file without decrypting it (see the module text); refusal: BID_REFUSED."""
    refused = SealingError.BID_REFUSED
    try:
        bid = sealedbid.read(Path(path))
    except sealedbid.BidError as exc:
        raise _refuse(refused, exc.reason) from exc
    header = bid.header
    window = BidWindow.objects.filter(section=section).first()
    if window is None:
        raise _refuse(refused, "no_window")
    if header["section"] != section.code or header["tender_project"] != section.tender_project.code:
        raise _refuse(refused, "section")
    organisation = organisations_of(user=user).filter(uscc=str(header["bidder"]).upper()).first()
    if organisation is None:
        raise _refuse(refused, "bidder")
    signing, certificate = _certificates(bid, user)
    _check_envelope(header, section)
    bound = dt.datetime.fromisoformat(str(header["deadline"]))
    if bound > window.deadline:
        raise _refuse(refused, "deadline_later")
    if canonical.format_instant(bound) not in window.announced:
        raise _refuse(refused, "deadline_unknown")
    try:
        sealedbid.verify(bid, certificate.public_key)
    except sealedbid.BidError as exc:
        raise _refuse(refused, exc.reason) from exc
    return Checked(bid=bid, organisation=organisation, signing_certificate=signing, window=window)


# --- receiving and withdrawing -------------------------------------------------------------------------


def _stored(section: Section, digest: str) -> Path:
    return Path("sealing") / "bids" / section.code / f"{digest}.bid"


def _record_refusal(*, type: str, actor: Any, section: Section, reason: str) -> None:  # noqa: A002
    with transaction.atomic():  # its own transaction: the refused change was rolled back
        event_record(
            type=type,
            event_class=EventClass.SECURITY,
            visibility=Visibility.SUPERVISORS,
            actor=actor,
            section=section.code,
            data={"reason": reason},
            embargo=_embargo(section.code) if BidWindow.objects.filter(section=section).exists() else None,
        )


def bid_receive(*, actor: Any, section: Section, path: Path) -> SealedBid:
    """Validate a sealed bid file and keep it (the upload calls this). A refusal stores nothing and is
    recorded, embargoed until the opening, for the supervisors."""
    try:
        return _receive(actor=actor, section=section, path=Path(path))
    except DomainError as exc:
        if exc.code is SealingError.BID_REFUSED:
            _record_refusal(
                type="sealing.bid.refused", actor=actor, section=section, reason=exc.detail["reason"]
            )
        raise


def _receive(*, actor: Any, section: Section, path: Path) -> SealedBid:
    checked = validate(path=path, section=section, user=actor)
    now = clock.now()
    if now >= checked.window.deadline:
        raise _refuse(SealingError.BID_REFUSED, "deadline_passed")
    header = checked.bid.header
    relative = _stored(section, str(header["ciphertext_sm3"]))
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        shutil.copyfile(path, temporary)
        with transaction.atomic():
            section_locked = Section.objects.select_for_update().get(pk=section.pk)
            standing = SealedBid.objects.filter(section=section_locked, organisation=checked.organisation)
            if standing.exclude(state=BidState.WITHDRAWN).exists():
                raise _refuse(SealingError.BID_REFUSED, "already_received")
            bid = SealedBid.objects.create(
                section=section_locked,
                organisation=checked.organisation,
                submitted_by=actor,
                signing_certificate=checked.signing_certificate,
                file=str(relative),
                ciphertext_sm3=header["ciphertext_sm3"],
                ciphertext_size=header["ciphertext_size"],
                bound_deadline=dt.datetime.fromisoformat(str(header["deadline"])),
                header=header,
                received_at=now,
            )
            _bid_event(
                "sealing.bid.received",
                actor=actor,
                bid=bid,
                section_code=section.code,
                ciphertext_size=bid.ciphertext_size,
                bound_deadline=bid.bound_deadline,
                machine=header["machine"],
                tool=header["tool"],
            )
            temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return bid


@transaction.atomic
def bid_withdraw(*, actor: Any, bid: SealedBid) -> SealedBid:
    """The bidder withdraws its bid before the deadline (撤回); it may then send a new one."""
    bid = SealedBid.objects.select_for_update().get(pk=bid.pk)
    if bid.state != BidState.RECEIVED:
        raise DomainError(SealingError.NOT_STANDING)
    window = BidWindow.objects.get(section_id=bid.section_id)
    now = clock.now()
    if now >= window.deadline:
        raise DomainError(SealingError.TOO_LATE)
    bid.state, bid.withdrawn_at = BidState.WITHDRAWN, now
    bid.save(update_fields=["state", "withdrawn_at"])
    _bid_event("sealing.bid.withdrawn", actor=actor, bid=bid, section_code=window.section_code)
    return bid


# --- the opener --------------------------------------------------------------------------------------


def _still_received(bid: SealedBid) -> None:
    if bid.state != BidState.RECEIVED:
        raise _refuse(SealingError.RELEASE_REFUSED, str(bid.state))


def bid_open(*, actor: Any, bid: SealedBid, release: dict[str, Any]) -> SealedBid:
    """Open a received bid with the bidder's signed release, from the opening time on. A refusal opens
    nothing, writes nothing and is recorded for the supervisors."""
    try:
        return _open(actor=actor, bid=bid, release=release)
    except DomainError as exc:
        if exc.code is SealingError.RELEASE_REFUSED:
            _record_refusal(
                type="sealing.release.refused", actor=actor, section=bid.section, reason=exc.detail["reason"]
            )
        raise


def _openable(bid: SealedBid) -> tuple[SealedBid, BidWindow]:
    """The bid and its window if it may be opened now: received (not withdrawn, not opened) and the
    opening time reached by the platform's clock."""
    refused = SealingError.RELEASE_REFUSED
    bid = SealedBid.objects.select_related("section", "signing_certificate", "organisation").get(pk=bid.pk)
    if bid.state == BidState.WITHDRAWN:
        raise _refuse(refused, "withdrawn")
    if bid.state == BidState.OPENED:
        raise _refuse(refused, "opened")
    window = BidWindow.objects.get(section_id=bid.section_id)
    if clock.now() < window.opening_at:
        raise _refuse(refused, "too_early")
    return bid, window


def _sealed(bid: SealedBid) -> sealedbid.SealedBid:
    try:
        return sealedbid.read(Path(settings.MEDIA_ROOT) / bid.file)
    except sealedbid.BidError as exc:
        raise _refuse(SealingError.RELEASE_REFUSED, exc.reason) from exc


def _open(*, actor: Any, bid: SealedBid, release: dict[str, Any]) -> SealedBid:
    bid, window = _openable(bid)
    sealed = _sealed(bid)
    try:
        signer = Sm2PublicKey.from_hex(bid.signing_certificate.public_key)
        dek = sealedbid.check_release(sealed, release, signer)
    except sealedbid.BidError as exc:
        raise _refuse(SealingError.RELEASE_REFUSED, exc.reason) from exc
    return _finish_open(actor=actor, bid=bid, window=window, sealed=sealed, dek=dek, path={"path": "release"})


def _finish_open(
    *,
    actor: Any,
    bid: SealedBid,
    window: BidWindow,
    sealed: sealedbid.SealedBid,
    dek: bytes,
    path: dict[str, Any],
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
            _still_received(locked)  # two openers at once: the second finds it opened
            sheet = (out_dir / sealedbid.OPENING_SHEET).read_bytes()
            locked.state, locked.opened_at = BidState.OPENED, clock.now()
            locked.opened_dir, locked.manifest = str(relative), manifest
            locked.opening_sheet = json.loads(sheet)
            locked.save(update_fields=["state", "opened_at", "opened_dir", "manifest", "opening_sheet"])
            _bid_event(
                "sealing.bid.opened",
                actor=actor,
                bid=bid,
                section_code=window.section_code,
                documents=len(manifest["documents"]),
                manifest_sm3=sm3(canonical.dumps(manifest)).hex(),
                **path,
            )
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return locked


# --- key custodians (sealed bids II) --------------------------------------------------------------------


@transaction.atomic
def custodian_set_publish(*, actor: Any, centre: Any, signed: dict[str, Any]) -> CustodianSet:
    """Publish a centre's custodian set as its members signed it (every custodian and the supervising
    department). It replaces the previous one for bids sealed from now on; it is recorded (public) and so
    enters the co-signed witness log. Demo custodians only in the sandbox, and only they."""
    try:
        cset = custodians.set_verify(signed)
    except custodians.CustodianError as exc:
        raise _refuse(SealingError.SET_REFUSED, exc.reason, **_plain(exc.detail)) from exc
    if cset.centre != centre.code:
        raise _refuse(SealingError.SET_REFUSED, "centre")
    if cset.demo and settings.GGZY_PRODUCTION:
        raise DomainError(SealingError.DEMO_CUSTODIANS_IN_PRODUCTION)
    if not cset.demo and settings.GGZY_SANDBOX:
        raise DomainError(SealingError.REAL_CUSTODIANS_IN_SANDBOX)
    now = clock.now()
    previous = selectors.current_set(centre)
    if previous is not None:
        if previous.fingerprint == cset.fingerprint:
            return previous
        previous.retired_at = now
        previous.save(update_fields=["retired_at"])
    published = CustodianSet.objects.create(
        centre=centre,
        fingerprint=cset.fingerprint,
        signed={"body": cset.body, "signatures": dict(signed["signatures"])},
        k=cset.k,
        n=cset.n,
        demo=cset.demo,
        published_at=now,
    )
    event_record(
        type="sealing.custodians.published",
        event_class=EventClass.SECURITY,
        visibility=Visibility.PUBLIC,
        actor=actor,
        centre=centre.code,
        data={
            "fingerprint": cset.fingerprint,
            "k": cset.k,
            "n": cset.n,
            "demo": cset.demo,
            "custodians": [
                {"index": c.index, "name": c.name, "url": c.url, "encryption": c.fingerprint}
                for c in cset.custodians
            ],
            "replaces": previous.fingerprint if previous else None,
        },
    )
    return published


def _plain(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in detail.items()}


#: transport(custodian, request) -> the custodian's answer, or CustodianError (reason) when it refuses.
Transport = Callable[[custodians.Custodian, dict[str, Any]], dict[str, Any]]


def _transport() -> Transport:
    return cast("Transport", import_string(settings.GGZY_CUSTODIAN_TRANSPORT))


def bid_open_by_custodians(*, actor: Any, bid: SealedBid, transport: Transport | None = None) -> SealedBid:
    """Open a received bid with its custodians' key shares (from the opening time on, by the platform's
    clock *and* each custodian's own): ask every custodian, keep the shares that verify, reconstruct the
    key from k of them, check it against the key commitment (trying other subsets and naming a custodian
    whose share disagrees), then open as with the bidder's release. Shares from every custodian that
    still make no committed key mean the bidder sealed the bid wrongly: that is recorded as its fault."""
    try:
        return _open_by_custodians(actor=actor, bid=bid, transport=transport or _transport())
    except DomainError as exc:
        if exc.code is SealingError.RELEASE_REFUSED:
            _record_refusal(
                type="sealing.release.refused", actor=actor, section=bid.section, reason=exc.detail["reason"]
            )
        raise


def _collect(
    sealed: sealedbid.SealedBid, cset: custodians.CustodianSet, window: BidWindow, transport: Transport
) -> tuple[dict[int, bytes], dict[int, str]]:
    opening = keystore.opening_keys()
    shares: dict[int, bytes] = {}
    failures: dict[int, str] = {}
    for custodian in cset.custodians:
        request = custodians.request_make(sealed.header, custodian.index, list(window.notices))
        try:
            answer = transport(custodian, request)
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
    answer: dict[str, Any], cset: custodians.CustodianSet, request: dict[str, Any], keys: list[Any]
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


def _open_by_custodians(*, actor: Any, bid: SealedBid, transport: Transport) -> SealedBid:
    refused = SealingError.RELEASE_REFUSED
    bid, window = _openable(bid)
    sealed = _sealed(bid)
    envelope = sealed.header.get("custodians") or {}
    cset = selectors.custodian_set(str(envelope.get("set", "")))
    if cset is None:
        raise _refuse(refused, "no_envelope")
    shares, failures = _collect(sealed, cset, window, transport)

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
