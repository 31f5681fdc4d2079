"""Notices and notice-key transitions (docs/sealed-bid-format.md §6.1–§6.3): the signed deadline and
opening time of a section for one set, the transitions that reach a new notice key, and the release and
closing times the valid notices make."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ggzy_sm import strict
from ggzy_sm.custodians.common import (
    MAX_TRANSITIONS,
    NOTICE_FIELDS,
    NOTICE_FORMAT,
    NOTICE_PAYLOAD,
    TRANSITION_FIELDS,
    TRANSITION_FORMAT,
    TRANSITION_PAYLOAD,
    TRANSITION_SIGNATURES,
    CustodianError,
    _check_hex64,
    _check_section,
    _deadline,
    _verifies,
    _when,
)
from ggzy_sm.custodians.sets import (
    SignedCustodianSet,
)
from ggzy_sm.keys import SigningKey
from ggzy_sm.sm2 import Sm2PublicKey


def transition_payload(
    *, set_fingerprint: str, from_key: Sm2PublicKey, to_key: Sm2PublicKey, valid_from: dt.datetime
) -> dict[str, Any]:
    """What the old notice key and the supervising department both sign to make `to_key` a notice key
    of the set for notices issued from `valid_from` on."""
    if from_key == to_key:
        raise CustodianError("malformed", "a transition goes to another key")
    return {
        "format": TRANSITION_FORMAT,
        "set": _check_hex64(set_fingerprint, "set"),
        "from_key": from_key.hex(),
        "to_key": to_key.hex(),
        "valid_from": _when(valid_from, "valid_from"),
    }


def transition_sign(payload: dict[str, Any], key: SigningKey) -> str:
    return key.sign(TRANSITION_FORMAT, payload).hex()


def transition_make(
    *,
    set_fingerprint: str,
    from_key: SigningKey,
    to_key: Sm2PublicKey,
    valid_from: dt.datetime,
    supervisor_key: SigningKey,
) -> dict[str, Any]:
    """A transition signed by the old notice key and the supervising department (each may also sign the
    `transition_payload` apart, with `transition_sign`, and the platform put the two together)."""
    payload = transition_payload(
        set_fingerprint=set_fingerprint, from_key=from_key.public_key, to_key=to_key, valid_from=valid_from
    )
    return {
        "payload": payload,
        "signatures": {
            "from": transition_sign(payload, from_key),
            "supervisor": transition_sign(payload, supervisor_key),
        },
    }


@dataclass(frozen=True)
class Transition:
    from_key: Sm2PublicKey
    to_key: Sm2PublicKey
    valid_from: dt.datetime


def _transition(transition: Any, cset: SignedCustodianSet) -> Transition:
    if not strict.exact(transition, TRANSITION_FIELDS):
        raise CustodianError("malformed", "a transition is exactly {payload, signatures}")
    payload, signatures = transition["payload"], transition["signatures"]
    if not strict.exact(payload, TRANSITION_PAYLOAD) or not strict.exact(signatures, TRANSITION_SIGNATURES):
        raise CustodianError("malformed", "a transition's payload or signatures have other fields")
    if payload["format"] != TRANSITION_FORMAT:
        raise CustodianError("malformed", "not a ggzy-notice-key-transition-v1")
    try:
        parsed = Transition(
            strict.public_key(payload["from_key"]),
            strict.public_key(payload["to_key"]),
            strict.parse_instant(payload["valid_from"]),
        )
        _check_hex64(payload["set"], "set")
    except ValueError as exc:
        raise CustodianError("malformed", f"the transition is malformed ({exc})") from exc
    if parsed.from_key == parsed.to_key:
        raise CustodianError("malformed", "a transition goes to another key")
    if payload["set"] != cset.fingerprint:
        raise CustodianError("set", "the transition is for another custodian set")
    if not _verifies(parsed.from_key, TRANSITION_FORMAT, payload, signatures["from"]):
        raise CustodianError("signature", "the old notice key's signature does not verify", member="from")
    if not _verifies(cset.supervisor.public_key, TRANSITION_FORMAT, payload, signatures["supervisor"]):
        raise CustodianError(
            "signature", "the supervising department's signature does not verify", member="supervisor"
        )
    return parsed


def transition_verify(transition: Any, cset: SignedCustodianSet) -> dict[str, Any]:
    """The transition's payload, if its form is right, it is for this set and both the old key and the
    set's supervising department signed it (malformed, set, signature). Whether its old key is a notice
    key of the set is the chain's question (`notice_valid`)."""
    _transition(transition, cset)
    return dict(transition["payload"])


def _reached(transitions: Any, cset: SignedCustodianSet) -> dict[Sm2PublicKey, dt.datetime]:
    """The keys a chain of valid transitions reaches from the set's notice keys, each with the earliest
    instant from which it may sign. A transition counts when its old key may sign at its valid_from (a
    set's notice key whose interval holds it, or a key already reached by then); invalid ones are
    ignored. A fixpoint: the order of the list does not matter."""
    if not isinstance(transitions, list) or len(transitions) > MAX_TRANSITIONS:
        return {}
    valid = []
    for transition in transitions:
        try:
            valid.append(_transition(transition, cset))
        except CustodianError:
            continue
    reached: dict[Sm2PublicKey, dt.datetime] = {}
    changed = True
    while changed:  # each round lowers a key's start to one of finitely many valid_from: it ends
        changed = False
        for t in valid:
            if t.to_key in reached and reached[t.to_key] <= t.valid_from:
                continue
            if any(nk.key == t.from_key and nk.holds(t.valid_from) for nk in cset.notice_keys) or (
                t.from_key in reached and reached[t.from_key] <= t.valid_from
            ):
                reached[t.to_key] = t.valid_from
                changed = True
    return reached


def notice_make(  # noqa: PLR0917  (the order of the payload's fields)
    key: SigningKey,
    set_fingerprint: str,
    section: str,
    deadline: dt.datetime,
    opening_at: dt.datetime,
    issued_at: dt.datetime,
    transitions: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A signed notice that the section's bid deadline and opening time are these, for the set
    `set_fingerprint`; `transitions` chain `key` to the set's notice keys when it is a newer one."""
    if not isinstance(opening_at, dt.datetime) or not isinstance(deadline, dt.datetime):
        raise CustodianError("malformed", "deadline and opening_at are aware datetimes")
    payload = {
        "format": NOTICE_FORMAT,
        "set": _check_hex64(set_fingerprint, "set"),
        "section": _check_section(section),
        "deadline": _when(deadline, "deadline"),
        "opening_at": _when(opening_at, "opening_at"),
        "issued_at": _when(issued_at, "issued_at"),
    }
    if opening_at < deadline:
        raise CustodianError("malformed", "the opening is not before the deadline")
    return {
        "payload": payload,
        "signer": key.public_key.hex(),
        "transitions": list(transitions),
        "signature": key.sign(NOTICE_FORMAT, payload).hex(),
    }


@dataclass(frozen=True)
class Notice:
    """A notice valid for a set, read."""

    section: str
    deadline: dt.datetime
    opening_at: dt.datetime
    issued_at: dt.datetime
    signer: Sm2PublicKey


def notice_read(notice: Any, cset: SignedCustodianSet) -> Notice | None:
    """The notice, read, if it is valid for `cset` (§6.1); None otherwise — never an exception."""
    if not strict.exact(notice, NOTICE_FIELDS) or not strict.exact(notice["payload"], NOTICE_PAYLOAD):
        return None
    payload = notice["payload"]
    try:
        read = Notice(
            section=_check_section(payload["section"]),
            deadline=strict.parse_instant(payload["deadline"]),
            opening_at=strict.parse_instant(payload["opening_at"]),
            issued_at=strict.parse_instant(payload["issued_at"]),
            signer=strict.public_key(notice["signer"]),
        )
    except (ValueError, CustodianError):
        return None
    if (
        payload["format"] != NOTICE_FORMAT
        or payload["set"] != cset.fingerprint
        or read.opening_at < read.deadline
        or not isinstance(notice["transitions"], list)
        or not _verifies(read.signer, NOTICE_FORMAT, payload, notice["signature"])
    ):
        return None
    if read.signer == cset.supervisor.public_key or any(
        nk.key == read.signer and nk.holds(read.issued_at) for nk in cset.notice_keys
    ):
        return read
    start = _reached(notice["transitions"], cset).get(read.signer)
    return read if start is not None and start <= read.issued_at else None


def notice_valid(notice: Any, cset: SignedCustodianSet) -> bool:
    """§6.1: its set is this set's fingerprint, its signature verifies with `signer`, and `signer` is a
    notice key of the set whose interval holds `issued_at`, the set's supervising department, or a key
    a chain of valid transitions in the notice reaches by `issued_at`. Never raises."""
    return notice_read(notice, cset) is not None


def _valid_for(section: str, notices: Iterable[Any], cset: SignedCustodianSet) -> list[Notice]:
    read = (notice_read(notice, cset) for notice in notices)
    return [notice for notice in read if notice is not None and notice.section == section]


def latest_notice(notices: Iterable[Any], cset: SignedCustodianSet, section: str) -> dict[str, Any] | None:
    """The valid notice for `section` with the latest opening time (then the latest issued), as given;
    None if there is none. What a custodian serves at GET /notice and a client seals against."""
    best: tuple[dt.datetime, dt.datetime] | None = None
    chosen = None
    for notice in notices:
        read = notice_read(notice, cset)
        if read is None or read.section != section:
            continue
        rank = (read.opening_at, read.issued_at)
        if best is None or rank > best:
            best, chosen = rank, notice
    return chosen


def release_at(header: dict[str, Any], notices: Iterable[Any], cset: SignedCustodianSet) -> dt.datetime:
    """§6.2: when a custodian (or the bidder's client) may release this bid — the latest of the header's
    bound deadline and the opening time of every notice valid for `cset` with the header's section.
    Invalid notices are ignored: they never postpone, and no notice brings the release forward."""
    if not isinstance(header, dict) or "deadline" not in header or "section" not in header:
        raise CustodianError("malformed", "the header has no deadline or section")
    at = _deadline(header["deadline"])
    for notice in _valid_for(header["section"], notices, cset):
        at = max(at, notice.opening_at)
    return at


def closing_at(
    header_deadline: dt.datetime | str, section: str, notices: Iterable[Any], cset: SignedCustodianSet
) -> dt.datetime:
    """§6.2: a bid's closing time for acknowledgements — the latest deadline of the notices valid for
    `cset` with this section, and at least the header's deadline."""
    at = _deadline(header_deadline)
    for notice in _valid_for(section, notices, cset):
        at = max(at, notice.deadline)
    return at
