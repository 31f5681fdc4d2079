"""Sealed bids on the platform (docs/sealed-bid-format.md, format 2): the bid window and its signed
notices, the validator, receiving and withdrawing a bid, and the opener.

- `window_set` signs every deadline and postponement with a notice key the centre's custodian set
  honours (one of its `notice_keys`, or one reached by a transition the supervising department co-signed)
  and delivers it to every custodian at once.
- `validate` checks a ggzy-bid-v2 file **without decrypting**: structure and format version (a v1 file is
  refused), the section and bidder it is bound to, the signature against the bidder's bound signing
  certificate (chain, validity and revocation re-checked now), the release key's binding to that
  certificate, the ciphertext against its header, the envelope against the centre's current custodian
  set, and that the bound deadline is one the section announced and not later than the current one.
- `bid_receive` also needs the custodians' acknowledgements (at least k, signed by their own clocks
  before the deadline): the bid's second receipt, which the operator cannot back-date.
- `bid_open` opens a received bid with the bidder's signed release (purpose ggzy-release-v2), only from the
  opening time on and only if at least k custodians' closures list its ciphertext (a bid they did not
  acknowledge before the deadline is late, whatever the platform's clock said when it took it): the
  released key must match the key commitment; every chunk's tag, the inner manifest and the opening
  sheet are checked; the plaintext lands in the media folder under a temporary name and is renamed.

Every refusal names its reason (`errors.REASONS`) and changes nothing. Every event is embargoed until the
section's opening: before it nothing reveals who bid.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ggzy.accounts.models import Centre
from ggzy.accounts.selectors import organisations_of
from ggzy.certs import selectors as certs_selectors
from ggzy.certs import services as certs_services
from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.states import advance, require
from ggzy.core.transactions import outermost
from ggzy.events.embargo import Embargo
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.models import Section
from ggzy.sealing import selectors
from ggzy.sealing.errors import REASONS, SET_REASONS, SealingError
from ggzy.sealing.models import (
    BidState,
    BidWindow,
    CustodianSet,
    CustodianWatch,
    NoticeKeyTransition,
    SealedBid,
    SectionClosure,
)
from ggzy.sealing.states import BID_TRANSITIONS
from ggzy.sealing.transport import CustodianTransport, transport
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


def _not_openable(state: str) -> DomainError:
    """An opening refused by the bid's state: its reason is the state (withdrawn, opened)."""
    return _refuse(SealingError.RELEASE_REFUSED, state)


# --- the bid window and its notices -----------------------------------------------------------------


def current_cset(centre: Any) -> custodians.CustodianSet | None:
    """The centre's custodian set in force, verified (bids sealed from now on split their key among it)."""
    published = selectors.current_set(centre)
    return custodians.set_verify(published.signed) if published else None


def _transitions(cset: custodians.CustodianSet) -> list[dict[str, Any]]:
    return [
        dict(t.document)
        for t in NoticeKeyTransition.objects.filter(set_fingerprint=cset.fingerprint, complete=True).order_by(
            "pk"
        )
    ]


def notice_signer(cset: custodians.CustodianSet) -> tuple[Any, list[dict[str, Any]]]:
    """The newest platform notice key the set honours now — one of its `notice_keys` valid now, or one
    reached by a transition the supervising department co-signed — with the transitions to attach. A
    rotated key without either would sign notices nobody honours: the platform refuses to use it."""
    transitions = _transitions(cset)
    now = clock.now()
    for _row, key in keystore.notice_keys():
        trial = custodians.notice_make(key, cset.fingerprint, "A" + "0" * 22, now, now, now, transitions)
        if custodians.notice_valid(trial, cset):
            return key, transitions
    raise DomainError(SealingError.NOTICE_KEY_NOT_HONOURED)


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
        # the signed notice is public: anyone (the supervising department, a bidder) can deliver it to
        # the custodians, so an operator who withholds a postponement gains nothing
        data={"deadline": deadline, "opening_at": opening_at, "previous": previous, "notice": notice},
    )
    if notice is not None:
        transaction.on_commit(lambda: notice_deliver(section=section, notice=notice))
    return window


@outermost
def notice_deliver(*, section: Section, notice: dict[str, Any]) -> int:
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


def _alarm(centre: Any, custodian: custodians.Custodian, problem: str, count: int, event: Any) -> None:
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


# --- the validator -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A sealed file that passed every check: its header, the bidder and the matched signing certificate."""

    bid: sealedbid.SealedBid
    organisation: Any
    signing_certificate: Any
    window: BidWindow
    cset: custodians.CustodianSet


def _certificates(bid: sealedbid.SealedBid, user: Any) -> tuple[Any, Any]:
    """The user's bound signing certificate (re-validated now) if it signed the header."""
    refused = SealingError.BID_REFUSED
    signing = certs_selectors.bound_certificate(user=user, usage="signing")
    if signing is None:
        raise _refuse(refused, "no_certificate")
    signing_der = bytes(signing.der)
    try:
        named = sealedbid.signing_certificate(bid)
    except (sealedbid.BidError, ValueError) as exc:
        raise _refuse(refused, "malformed") from exc
    if named != signing_der:
        raise _refuse(refused, "signing_certificate")
    try:
        _ca, certificate = certs_services.validate(signing_der, "signing")
    except DomainError as exc:
        raise _refuse(refused, "certificate", certificate_reason=(exc.detail or {}).get("reason")) from exc
    return signing, certificate


def _check_envelope(header: dict[str, Any], section: Section) -> custodians.CustodianSet:
    """The key must be split among exactly the centre's current custodian set (a centre takes sealed
    bids only once it has one)."""
    cset = current_cset(section.centre)
    if cset is None:
        raise _refuse(SealingError.BID_REFUSED, "no_custodian_set")
    envelope = header.get("custodians") or {}
    if (envelope.get("set"), envelope.get("k"), envelope.get("n")) != (cset.fingerprint, cset.k, cset.n):
        raise _refuse(SealingError.BID_REFUSED, "custodians")
    return cset


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
    cset = _check_envelope(header, section)
    bound = dt.datetime.fromisoformat(str(header["deadline"]))
    if bound > window.deadline:
        raise _refuse(refused, "deadline_later")
    if canonical.format_instant(bound) not in window.announced:
        raise _refuse(refused, "deadline_unknown")
    try:
        sealedbid.verify(bid, certificate.public_key)
    except sealedbid.BidError as exc:
        raise _refuse(refused, exc.reason) from exc
    return Checked(bid=bid, organisation=organisation, signing_certificate=signing, window=window, cset=cset)


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


@outermost
def bid_receive(
    *, actor: Any, section: Section, path: Path, acknowledgements: list[dict[str, Any]]
) -> SealedBid:
    """Validate a sealed bid file and its custodians' acknowledgements, and keep them (the upload calls
    this, outside any transaction: `@outermost`). A refusal stores nothing and is recorded, embargoed
    until the opening, for the supervisors."""
    try:
        return _receive(actor=actor, section=section, path=Path(path), acknowledgements=acknowledgements)
    except DomainError as exc:
        if exc.code is SealingError.BID_REFUSED:
            _record_refusal(
                type="sealing.bid.refused", actor=actor, section=section, reason=exc.detail["reason"]
            )
        raise


def _receive(
    *, actor: Any, section: Section, path: Path, acknowledgements: list[dict[str, Any]]
) -> SealedBid:
    checked = validate(path=path, section=section, user=actor)
    now = clock.now()
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
                acknowledgements=list(acknowledgements),
            )
            _bid_event(
                "sealing.bid.received",
                actor=actor,
                bid=bid,
                section_code=section.code,
                ciphertext_size=bid.ciphertext_size,
                bound_deadline=bid.bound_deadline,
                tool=header["tool"],
                acknowledged_by=acknowledged_by,
            )
            temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return bid


@transaction.atomic
def bid_withdraw(*, actor: Any, bid: SealedBid) -> SealedBid:
    """The bidder withdraws its bid before the deadline (撤回); it may then send a new one."""
    bid = SealedBid.objects.select_for_update().get(pk=bid.pk)
    require(bid, BID_TRANSITIONS, "withdraw", error=SealingError.NOT_STANDING)
    window = BidWindow.objects.get(section_id=bid.section_id)
    now = clock.now()
    if now >= window.deadline:
        raise DomainError(SealingError.TOO_LATE)
    advance(bid, BID_TRANSITIONS, "withdraw", error=SealingError.NOT_STANDING, withdrawn_at=now)
    _bid_event("sealing.bid.withdrawn", actor=actor, bid=bid, section_code=window.section_code)
    return bid


# --- the opener --------------------------------------------------------------------------------------


@outermost
def bid_open(
    *, actor: Any, bid: SealedBid, release: dict[str, Any], via: CustodianTransport | None = None
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
    bid = SealedBid.objects.select_related("section", "signing_certificate", "organisation").get(pk=bid.pk)
    require(bid, BID_TRANSITIONS, "open", error=_not_openable)  # withdrawn, opened
    window = BidWindow.objects.get(section_id=bid.section_id)
    if clock.now() < window.opening_at:
        raise _refuse(refused, "too_early")
    _check_closures(bid, window, via or transport())
    return bid, window


def _closures(
    bid: SealedBid, cset: custodians.CustodianSet, window: BidWindow, via: CustodianTransport
) -> tuple[list[dict[str, Any]], dict[int, str]]:
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
    closures: list[dict[str, Any]] = []
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


def _sealed(bid: SealedBid) -> sealedbid.SealedBid:
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
    *, actor: Any, bid: SealedBid, release: dict[str, Any], via: CustodianTransport | None
) -> SealedBid:
    bid, window = _openable(bid, via)
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
        reason = exc.reason
        if reason in SET_REASONS:
            message = format_lazy("{} {}", SealingError.SET_REFUSED.message, SET_REASONS[reason])
            raise DomainError(
                SealingError.SET_REFUSED, message, detail={"reason": reason, **_plain(exc.detail)}
            ) from exc
        raise _refuse(SealingError.SET_REFUSED, reason, **_plain(exc.detail)) from exc
    if cset.centre != centre.code:
        raise _refuse(SealingError.SET_REFUSED, "centre")
    if cset.opening_key != keystore.opening_keys()[0].public_key:
        raise _refuse(SealingError.SET_REFUSED, "opening_key")  # shares would go to a key nobody holds
    if keystore.signing_key()[1].public_key not in cset.witness.operator_keys:
        raise _refuse(SealingError.SET_REFUSED, "witness")  # its verifiers would pin another log
    try:
        notice_signer(cset)
    except DomainError as exc:
        raise _refuse(SealingError.SET_REFUSED, "notice_keys") from exc
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
            "version": cset.version,
            "notice_keys": [k.key.hex() for k in cset.notice_keys],
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


@outermost
def bid_open_by_custodians(*, actor: Any, bid: SealedBid, via: CustodianTransport | None = None) -> SealedBid:
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
    sealed: sealedbid.SealedBid, cset: custodians.CustodianSet, window: BidWindow, via: CustodianTransport
) -> tuple[dict[int, bytes], dict[int, str]]:
    opening = keystore.opening_keys()
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


def _open_by_custodians(*, actor: Any, bid: SealedBid, via: CustodianTransport) -> SealedBid:
    refused = SealingError.RELEASE_REFUSED
    bid, window = _openable(bid, via)
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


# --- notice-key transitions ---------------------------------------------------------------------------


@transaction.atomic
def notice_key_transition_begin(*, actor: Any, centre: Any) -> NoticeKeyTransition:
    """After the notice key was rotated: the old key (one the centre's set honours) signs that the new
    one takes over from now; the supervising department's signature completes it (offline, with
    `ggzy-custodian sign-transition`). Until then notices are signed with the old key."""
    cset = current_cset(centre)
    if cset is None:
        raise DomainError(SealingError.NO_CUSTODIAN_SET)
    old, _transitions_held = notice_signer(cset)
    new = keystore.notice_keys()[0][1]
    if new.public_key == old.public_key:
        raise DomainError(SealingError.TRANSITION_NOT_NEEDED)
    payload = custodians.transition_payload(
        set_fingerprint=cset.fingerprint,
        from_key=old.public_key,
        to_key=new.public_key,
        valid_from=clock.now(),
    )
    transition = NoticeKeyTransition.objects.create(
        set_fingerprint=cset.fingerprint,
        from_key=old.public_key.hex(),
        to_key=new.public_key.hex(),
        document={"payload": payload, "signatures": {"from": custodians.transition_sign(payload, old)}},
        recorded_at=clock.now(),
    )
    event_record(
        type="sealing.notice_key.transition_begun",
        event_class=EventClass.SECURITY,
        visibility=Visibility.SUPERVISORS,
        actor=actor,
        centre=centre.code,
        data={"transition": transition.pk, "payload": payload},
    )
    return transition


@transaction.atomic
def notice_key_transition_complete(
    *, actor: Any, transition_id: int, supervisor_signature: str
) -> NoticeKeyTransition:
    """Add the supervising department's signature; only a transition that then verifies for its set is
    kept and published (in the co-signed witness log: every custodian and bidder can see the change)."""
    transition = NoticeKeyTransition.objects.select_for_update().filter(pk=transition_id).first()
    if transition is None or transition.complete:
        raise DomainError(SealingError.TRANSITION_NOT_FOUND)
    cset = selectors.custodian_set(transition.set_fingerprint)
    document = {
        **transition.document,
        "signatures": {**transition.document["signatures"], "supervisor": supervisor_signature},
    }
    try:
        custodians.transition_verify(document, cset)  # type: ignore[arg-type]
    except custodians.CustodianError as exc:
        # the code's message says what a transition needs; the bid-worded REASONS would mislead here
        raise DomainError(SealingError.TRANSITION_REFUSED, detail={"reason": exc.reason}) from exc
    transition.document, transition.complete = document, True
    transition.save(update_fields=["document", "complete"])
    event_record(
        type="sealing.notice_key.transition",
        event_class=EventClass.SECURITY,
        visibility=Visibility.PUBLIC,
        actor=actor,
        data={"transition": document},
    )
    return transition


# --- watching the custodians ------------------------------------------------------------------------

WATCH_EVERY = dt.timedelta(minutes=1)
_last_watch: list[float] = [0.0]


@outermost
def custodians_watch(*, force: bool = False) -> int:
    """Ask each custodian of every current set how many notices it could not verify; tell the
    supervisors when the count grows (someone is sending forged or foreign notices — they never delay a
    release, but someone is trying). At most once a minute (a tick job). Returns the alarms raised."""
    import time

    if not force and time.monotonic() - _last_watch[0] < WATCH_EVERY.total_seconds():
        return 0
    _last_watch[0] = time.monotonic()
    alarms = 0
    for published in CustodianSet.objects.filter(retired_at__isnull=True):
        cset = custodians.set_verify(published.signed)
        for custodian in cset.custodians:
            try:
                health = transport().health(custodian)
                count = int(health.get("unverified_notices") or 0)
            except (custodians.CustodianError, OSError, ValueError, TypeError):
                continue
            alarms += _watch(cset, custodian, count, str(health.get("last_unverified_at") or ""))
    return alarms


@transaction.atomic
def _watch(cset: custodians.CustodianSet, custodian: custodians.Custodian, count: int, last: str) -> int:
    watch, _created = CustodianWatch.objects.select_for_update().get_or_create(
        set_fingerprint=cset.fingerprint, custodian=custodian.index, defaults={"seen_at": clock.now()}
    )
    grew = count > watch.unverified_notices
    if grew:
        centre = Centre.objects.get(code=cset.centre)
        event = event_record(
            type="sealing.custodian.unverified_notices",
            event_class=EventClass.SECURITY,
            visibility=Visibility.SUPERVISORS,
            centre=cset.centre,
            region=centre.region,
            data={
                "custodian": custodian.index,
                "name": custodian.name,
                "count": count,
                "new": count - watch.unverified_notices,
                "last_unverified_at": last,
            },
        )
        _alarm(centre, custodian, "unverified", count, event)
    watch.unverified_notices, watch.seen_at = count, clock.now()
    watch.save(update_fields=["unverified_notices", "seen_at"])
    return int(grew)
