"""Acknowledgements and closures (docs/sealed-bid-format.md §8): before the closing time each custodian
signs that it saw a ciphertext's SM3; from the closing time on it signs the list of all it saw, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ggzy_sm import canonical, strict
from ggzy_sm.custodians.common import (
    ACK_FORMAT,
    ACK_PAYLOAD,
    ACK_REQUEST_FIELDS,
    ACK_REQUEST_FORMAT,
    CLOSURE_FORMAT,
    CLOSURE_PAYLOAD,
    MAX_CIPHERTEXTS,
    CustodianError,
    _check_hex64,
    _check_section,
    _deadline,
    _signed_payload,
    _verifies,
    _when,
)
from ggzy_sm.custodians.notices import (
    _valid_for,
)
from ggzy_sm.custodians.sets import (
    SignedCustodianSet,
)
from ggzy_sm.keys import SigningKey


def ack_request_make(header: Mapping[str, Any], notices: Sequence[Any] = ()) -> dict[str, Any]:
    """What the bidder's tool sends each custodian before the deadline: the header's set, section,
    ciphertext SM3 and deadline, and the notices it sealed against — nothing that names the bidder."""
    envelope = header.get("custodians")
    if not isinstance(envelope, dict) or "set" not in envelope:
        raise CustodianError("malformed", "the header has no custodian envelope")
    return {
        "format": ACK_REQUEST_FORMAT,
        "set": envelope["set"],
        "section": header["section"],
        "ciphertext_sm3": header["ciphertext_sm3"],
        "deadline": header["deadline"],
        "notices": list(notices),
    }


def ack_answer(  # noqa: PLR0917  (the order in which the service has them)
    request: Any,
    cset: SignedCustodianSet,
    index: int,
    signing_key: SigningKey,
    notices_held: Iterable[Any],
    now: dt.datetime,
    *,
    closed: bool = False,
) -> dict[str, Any]:
    """Custodian `index`'s acknowledgement (§8.1), judged by `now`, its own clock: malformed, set, or
    late when its clock is not before the section's closing time (with the notices it holds and the
    ones sent). The request's deadline is the bidder's word, unsigned: it never postpones the closing
    time, so a request whose deadline is later than every deadline a valid notice announced (or with
    no valid notice at all) is late too. `closed`: the custodian already made its closure for the
    section (a postponement after it does not reopen it) — late; and so is a request arriving once its
    clock has passed the closing time by the notices it *held*: a postponement sent with it, or signed
    after that moment, cannot reopen the section (an operator signing a "postponement" after the
    deadline to let a favoured bid in gets nothing). The service makes its closure from the notices it
    held before it takes a notice sent with any request. The caller records the hash (appended, fsynced)
    before it answers."""
    at = _when(now, "the custodian's clock")
    if not strict.exact(request, ACK_REQUEST_FIELDS) or request["format"] != ACK_REQUEST_FORMAT:
        raise CustodianError("malformed", "not a ggzy-ack-request-v1 with exactly its fields")
    section = _check_section(request["section"])
    _check_hex64(request["set"], "set")
    ciphertext = _check_hex64(request["ciphertext_sm3"], "ciphertext_sm3")
    deadline = _deadline(request["deadline"])
    if not isinstance(request["notices"], list):
        raise CustodianError("malformed", "the notices are a list")
    if request["set"] != cset.fingerprint:
        raise CustodianError("set", "the bid is for another custodian set")
    held = [n.deadline for n in _valid_for(section, notices_held, cset)]
    if held and now >= max(held):  # closed by what it held: a notice sent now cannot reopen it
        raise CustodianError(
            "late",
            f"the section closed at {canonical.format_instant(max(held))} by this custodian's clock",
            closing_at=max(held),
        )
    announced = [n.deadline for n in _valid_for(section, [*notices_held, *request["notices"]], cset)]
    if not announced or deadline > max(announced):
        raise CustodianError(
            "late", "no valid notice announced this deadline for the section: no closing time to judge by"
        )
    closing = max(announced)
    if closed or now >= closing:
        raise CustodianError(
            "late",
            f"the section closed at {canonical.format_instant(closing)} by this custodian's clock",
            closing_at=closing,
        )
    payload = {
        "format": ACK_FORMAT,
        "set": cset.fingerprint,
        "section": section,
        "ciphertext_sm3": ciphertext,
        "custodian": index,
        "acknowledged_at": at,
    }
    return {"payload": payload, "signature": signing_key.sign(ACK_FORMAT, payload).hex()}


def ack_verify(ack: Any, cset: SignedCustodianSet) -> dict[str, Any]:
    """The acknowledgement's payload, if its form is right, it is for this set and the custodian it
    names signed it (malformed, set, not_custodian, signature)."""
    payload = _signed_payload(ack, ACK_PAYLOAD, ACK_FORMAT)
    try:
        _check_section(payload["section"])
        _check_hex64(payload["ciphertext_sm3"], "ciphertext_sm3")
        _check_hex64(payload["set"], "set")
        strict.parse_instant(payload["acknowledged_at"])
    except ValueError as exc:
        raise CustodianError("malformed", f"the acknowledgement is malformed ({exc})") from exc
    return _signed_by_member(payload, ack["signature"], cset, ACK_FORMAT, "acknowledgement")


def acks_check(header: Mapping[str, Any], acks: Iterable[Any], cset: SignedCustodianSet) -> list[int]:
    """The custodians (sorted indexes) whose valid acknowledgements name this header's set, section and
    ciphertext; CustodianError("acknowledgements") with fewer than k of them (§8.1)."""
    return _k_custodians(
        acks,
        cset,
        ack_verify,
        lambda p: (
            (p["section"], p["ciphertext_sm3"]) == (header.get("section"), header.get("ciphertext_sm3"))
        ),
        reason="acknowledgements",
        what="custodians acknowledged this bid before the deadline",
    )


def _k_custodians(
    documents: Iterable[Any],
    cset: SignedCustodianSet,
    verify: Callable[[Any, SignedCustodianSet], dict[str, Any]],
    holds: Callable[[dict[str, Any]], bool],
    *,
    reason: str,
    what: str,
) -> list[int]:
    """The distinct custodians (sorted) whose documents verify and `holds` the bid; CustodianError(reason)
    with fewer than k. A document that does not verify is skipped, never counted."""
    good = set()
    for document in documents:
        try:
            payload = verify(document, cset)
        except CustodianError:
            continue
        if holds(payload):
            good.add(payload["custodian"])
    if len(good) < cset.k:
        raise CustodianError(reason, f"{len(good)} {what}, {cset.k} needed", have=len(good))
    return sorted(good)


def closure_make(
    *,
    key: SigningKey,
    set_fingerprint: str,
    section: str,
    closing_at: dt.datetime,
    ciphertexts: Iterable[str],
    index: int,
    now: dt.datetime,
) -> dict[str, Any]:
    """Custodian `index`'s closure for the section (§8.2): every ciphertext SM3 it acknowledged, sorted,
    once; too_early before `closing_at` by its own clock `now`. The caller keeps it and never makes
    another."""
    closed_at = _when(now, "the custodian's clock")
    closing = _when(closing_at, "closing_at")
    if now < closing_at:
        raise CustodianError("too_early", f"the section closes at {closing}", closing_at=closing_at)
    listed = sorted({_check_hex64(c, "a ciphertext SM3") for c in ciphertexts})
    payload = {
        "format": CLOSURE_FORMAT,
        "set": _check_hex64(set_fingerprint, "set"),
        "section": _check_section(section),
        "closing_at": closing,
        "ciphertexts": listed,
        "custodian": index,
        "closed_at": closed_at,
    }
    return {"payload": payload, "signature": key.sign(CLOSURE_FORMAT, payload).hex()}


def closure_verify(closure: Any, cset: SignedCustodianSet) -> dict[str, Any]:
    """The closure's payload, if its form is right (the ciphertexts sorted, each once; closed at or after
    its closing time), it is for this set and the custodian it names signed it (malformed, set,
    not_custodian, signature)."""
    payload = _signed_payload(closure, CLOSURE_PAYLOAD, CLOSURE_FORMAT)
    listed = payload["ciphertexts"]
    try:
        _check_section(payload["section"])
        _check_hex64(payload["set"], "set")
        closing = strict.parse_instant(payload["closing_at"])
        closed = strict.parse_instant(payload["closed_at"])
        if not isinstance(listed, list) or len(listed) > MAX_CIPHERTEXTS:
            raise ValueError("ciphertexts is a list")  # noqa: TRY301
        for ciphertext in listed:
            _check_hex64(ciphertext, "a ciphertext SM3")
    except ValueError as exc:
        raise CustodianError("malformed", f"the closure is malformed ({exc})") from exc
    if listed != sorted(set(listed)) or closed < closing:
        raise CustodianError(
            "malformed", "a closure lists each ciphertext once, sorted, from its closing time"
        )
    return _signed_by_member(payload, closure["signature"], cset, CLOSURE_FORMAT, "closure")


def _signed_by_member(
    payload: dict[str, Any], signature: Any, cset: SignedCustodianSet, purpose: str, what: str
) -> dict[str, Any]:
    """`payload` if it names this set and its custodian's signature over it verifies."""
    if payload["set"] != cset.fingerprint:
        raise CustodianError("set", f"the {what} is for another custodian set")
    custodian = cset.custodian(payload["custodian"])
    if not _verifies(custodian.signing.public_key, purpose, payload, signature):
        raise CustodianError("signature", f"the {what} is not signed by custodian {custodian.index}")
    return payload


def closures_check(header: Mapping[str, Any], closures: Iterable[Any], cset: SignedCustodianSet) -> list[int]:
    """The custodians (sorted indexes) whose valid closures for this header's section list its
    ciphertext; CustodianError("not_acknowledged") with fewer than k of them (§8.2)."""
    return _k_custodians(
        closures,
        cset,
        closure_verify,
        lambda p: p["section"] == header.get("section") and header.get("ciphertext_sm3") in p["ciphertexts"],
        reason="not_acknowledged",
        what="custodians' closures list this bid",
    )
