"""Shares (docs/sealed-bid-format.md §7.3–§7.6): the bidder's client splits the DEK k-of-n into the
header's envelope; a custodian answers a share request with its share encrypted to the set's opening
key; the platform checks the answers and combines k shares into the committed key."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from Crypto.Protocol.SecretSharing import Shamir

from ggzy_sm import canonical, strict, x509
from ggzy_sm.custodians.common import (
    ANSWER_FIELDS,
    BID_FORMAT,
    BINDING_FIELDS,
    ENVELOPE_FORMAT,
    MAX_CUSTODIANS,
    REQUEST_FIELDS,
    REQUEST_FORMAT,
    SHARE_FORMAT,
    SHARE_PLAINTEXT,
    SHARE_SIZE,
    CustodianError,
    _verifies,
    _when,
)
from ggzy_sm.custodians.notices import (
    release_at,
)
from ggzy_sm.custodians.sets import (
    SignedCustodianSet,
)
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.sm3 import sm3


def binding_of(header: dict[str, Any]) -> dict[str, Any]:
    return {field: header[field] for field in BINDING_FIELDS}


def binding_digest(binding: dict[str, Any]) -> str:
    """Hex SM3 of the canonical JSON of the binding (exactly BINDING_FIELDS, each a string): what a
    share's plaintext carries to tie it to its bid."""
    if (
        not isinstance(binding, dict)
        or set(binding) != set(BINDING_FIELDS)
        or not all(isinstance(value, str) for value in binding.values())
    ):
        raise CustodianError("malformed", "the binding must name exactly the binding fields, as strings")
    return sm3(canonical.dumps(binding)).hex()


def share_plaintext(index: int, share: bytes, binding: dict[str, Any]) -> bytes:
    """What is encrypted to custodian `index`: canonical JSON {"binding": SM3 of the binding, "format":
    "ggzy-share-plaintext-v2", "index", "share": hex} — 167 bytes or less, within SM2's 255."""
    if len(share) != SHARE_SIZE:
        raise CustodianError("malformed", "a share is 16 bytes")
    return canonical.dumps(
        {"binding": binding_digest(binding), "format": SHARE_PLAINTEXT, "index": index, "share": share.hex()}
    )


def split(dek: bytes, cset: SignedCustodianSet, binding: dict[str, Any]) -> dict[str, Any]:
    """The header's custodian envelope (`ggzy-custodians-v2`): k-of-n shares of `dek`, share i encrypted
    to custodian i with `binding` (the header's BINDING_FIELDS). No one but the bidder's process ever
    holds all shares."""
    if len(dek) != SHARE_SIZE:
        raise CustodianError("malformed", "the key must be 16 bytes")
    binding_digest(binding)  # refuses a binding that is not exactly the binding fields
    shares = dict(Shamir.split(cset.k, cset.n, dek, ssss=False))
    wrapped = [
        {
            "index": custodian.index,
            "custodian": custodian.fingerprint,
            "wrapped": custodian.encryption.public_key.encrypt(
                share_plaintext(custodian.index, shares[custodian.index], binding)
            ).hex(),
        }
        for custodian in cset.custodians
    ]
    return {"format": ENVELOPE_FORMAT, "set": cset.fingerprint, "k": cset.k, "n": cset.n, "shares": wrapped}


# --- asking and answering (§7.5, §7.6) -------------------------------------------------------------------


def request_make(header: dict[str, Any], index: int, notices: Sequence[Any]) -> dict[str, Any]:
    """A share request for custodian `index`, with a fresh nonce the answer must repeat."""
    return {
        "format": REQUEST_FORMAT,
        "header": header,
        "index": index,
        "nonce": os.urandom(16).hex(),
        "notices": list(notices),
    }


@dataclass(frozen=True)
class Trust:
    """What a custodian trusts to check a bidder's header: CA roots and intermediates (and CRLs)."""

    roots: list[bytes]
    intermediates: list[bytes]
    crls: list[bytes]


#: The header fields a custodian reads (sealedbid.read checks the header's full shape; a custodian needs
#: no more than these).
_HEADER_NEEDED = (*BINDING_FIELDS, "signing_certificate", "signature")


def _check_header(header: dict[str, Any], trust: Trust) -> None:
    """The header is a ggzy-bid-v2 header; the bidder's signing certificate chains to `trust` and was
    valid at the bound deadline (the bid was due then; a certificate that expired while the opening was
    postponed does not lock the bid), and its key signed the header (purpose ggzy-bid-v2)."""
    if (
        header.get("format") != BID_FORMAT
        or "custodians" not in header
        or not all(isinstance(header.get(field), str) for field in _HEADER_NEEDED)
    ):
        raise CustodianError(
            "malformed", "the header is not a ggzy-bid-v2 header with the fields a custodian needs"
        )
    try:
        der = base64.b64decode(header["signing_certificate"], validate=True)
        signature = strict.signature(header["signature"])
        deadline = strict.parse_instant(header["deadline"])
    except ValueError as exc:
        raise CustodianError(
            "malformed", "the header's certificate, signature or deadline is unreadable"
        ) from exc
    try:
        certificate = x509.validate(
            der,
            intermediates=trust.intermediates,
            roots=trust.roots,
            at=deadline,
            usage="signing",
            crls=trust.crls,
        )
    except x509.CertificateError as exc:
        raise CustodianError("chain", f"the bidder's certificate is refused: {exc}", why=exc.reason) from exc
    unsigned = {k: v for k, v in header.items() if k != "signature"}
    try:
        certificate.public_key.verify(BID_FORMAT, unsigned, signature)
    except (CryptoError, ValueError, TypeError) as exc:
        raise CustodianError("signature", "the bidder's signature on the header does not verify") from exc


def answer(
    request: Any,
    *,
    cset: SignedCustodianSet,
    index: int,
    encryption_key: DecryptionKey,
    signing_key: SigningKey,
    trust: Trust,
    now: dt.datetime,
    closure: dict[str, Any] | None,
    notices_held: Iterable[Any] = (),
) -> dict[str, Any]:
    """Custodian `index`'s answer to a share request, judged by `now` — the custodian's own clock.

    Checks, in this order (§7.5): the request's shape (malformed), that it asks this custodian
    (not_custodian), the bidder's header (malformed, chain, signature), that the envelope is for this set
    and holds this custodian's share (set, not_custodian), the time (too_early, detail release_at: the
    notices sent and `notices_held`), the share's plaintext — it decrypts, names this index and the
    header's binding (binding) — and, new in v2, that the ciphertext is in `closure`, this custodian's
    closure for the section (not_acknowledged; None before it made one: nothing is acknowledged then).
    The share is returned encrypted to the set's opening key."""
    _when(now, "the custodian's clock")
    if (
        not isinstance(request, dict)
        or request.get("format") != REQUEST_FORMAT
        or set(request) != REQUEST_FIELDS
    ):
        raise CustodianError("malformed", "not a ggzy-share-request-v2")
    header, nonce, notices = request["header"], request["nonce"], request["notices"]
    if not isinstance(header, dict) or not isinstance(nonce, str) or not strict.HEX32.fullmatch(nonce):
        raise CustodianError("malformed", "the request lacks a header or a 128-bit hex nonce")
    if not isinstance(notices, list):
        raise CustodianError("malformed", "the request's notices are not a list")
    if request["index"] != index or not strict.is_int(request["index"]):
        raise CustodianError("not_custodian", f"this is custodian {index}, not {request['index']}")
    _check_header(header, trust)
    envelope = header["custodians"]
    if not isinstance(envelope, dict) or envelope.get("set") != cset.fingerprint:
        raise CustodianError("set", "the bid's shares are not for this custodian set")
    me = cset.custodian(index)
    entries = envelope.get("shares")
    entry = next(
        (
            s
            for s in (entries if isinstance(entries, list) else [])
            if isinstance(s, dict) and s.get("index") == index and s.get("custodian") == me.fingerprint
        ),
        None,
    )
    if entry is None:
        raise CustodianError("not_custodian", "the bid holds no share for this custodian")
    opens = release_at(header, [*notices, *notices_held], cset)
    if now < opens:
        raise CustodianError(
            "too_early", f"the share is released from {canonical.format_instant(opens)} on", release_at=opens
        )
    try:
        plaintext = encryption_key.decrypt(bytes.fromhex(str(entry["wrapped"])))
        share = bytes.fromhex(str(json.loads(plaintext)["share"]))
        expected = share_plaintext(index, share, binding_of(header))
    except (CryptoError, ValueError, KeyError, TypeError) as exc:
        raise CustodianError("binding", "the share does not decrypt with this custodian's key") from exc
    if plaintext != expected:  # byte for byte: this index, this bid's binding, canonical form
        raise CustodianError("binding", "the share was sealed for another bid")
    payload_of_closure = closure.get("payload") if isinstance(closure, dict) else None
    if (
        not isinstance(payload_of_closure, dict)
        or payload_of_closure.get("section") != header["section"]
        or payload_of_closure.get("set") != cset.fingerprint
        or not isinstance(payload_of_closure.get("ciphertexts"), list)
        or header["ciphertext_sm3"] not in payload_of_closure["ciphertexts"]
    ):
        raise CustodianError(
            "not_acknowledged", "this custodian did not acknowledge the bid before the section closed"
        )
    payload = {
        "format": SHARE_FORMAT,
        "nonce": nonce,
        "index": index,
        "custodian": me.fingerprint,
        "section": header["section"],
        "ciphertext_sm3": header["ciphertext_sm3"],
        "share": cset.opening_key.encrypt(share).hex(),
    }
    return {"payload": payload, "signature": signing_key.sign(SHARE_FORMAT, payload).hex()}


def answer_check(
    response: Any, *, cset: SignedCustodianSet, request: dict[str, Any], opening_key: DecryptionKey
) -> bytes:
    """The share in a custodian's answer, if that custodian signed it for this very request (§7.6, as
    v1 §8.7): malformed, then signature (by the custodian the request asked), then replay (the request's
    nonce), then binding (this index, custodian, section and ciphertext; the share decrypts with
    `opening_key` — the set's, or a retired one the platform tries next — to 16 bytes)."""
    payload = response.get("payload") if isinstance(response, dict) else None
    if (
        not isinstance(payload, dict)
        or payload.get("format") != SHARE_FORMAT
        or set(payload) != ANSWER_FIELDS
    ):
        raise CustodianError("malformed", "not a ggzy-share-v2 answer")
    index = request["index"]
    custodian = cset.custodian(int(index))
    if not _verifies(custodian.signing.public_key, SHARE_FORMAT, payload, response.get("signature")):
        raise CustodianError("signature", f"the answer is not signed by custodian {index}")
    if payload["nonce"] != request["nonce"]:
        raise CustodianError("replay", "the answer repeats another request's nonce: a replay")
    header = request["header"]
    if (
        payload["index"] != index
        or payload["custodian"] != custodian.fingerprint
        or payload["ciphertext_sm3"] != header["ciphertext_sm3"]
        or payload["section"] != header["section"]
    ):
        raise CustodianError("binding", "the answer is for another bid or custodian")
    try:
        share = opening_key.decrypt(bytes.fromhex(str(payload["share"])))
    except (CryptoError, ValueError) as exc:
        raise CustodianError("binding", "the share does not decrypt with the opening key") from exc
    if len(share) != SHARE_SIZE:
        raise CustodianError("binding", "a share is 16 bytes")
    return share


# --- combining (the platform) --------------------------------------------------------------------------


def combine(shares: dict[int, bytes], k: int, check: Callable[[bytes], bool]) -> tuple[bytes, list[int]]:
    """The key that passes `check` (the key commitment) from some k of `shares`, and the indexes of the
    shares that disagree with it. CustodianError("no_key") if no k of them make a committed key.

    Subsets are tried in lexicographic order of their indexes; once one makes the committed key, every
    other share is tested with k − 1 members of that subset: it agrees if they make the same key."""
    if k < 1 or any(
        not isinstance(i, int) or isinstance(i, bool) or not 1 <= i <= MAX_CUSTODIANS or len(v) != SHARE_SIZE
        for i, v in shares.items()
    ):
        raise CustodianError("malformed", "shares are 16 bytes at indexes 1 … 16, and k ≥ 1")
    indexes = sorted(shares)
    if len(indexes) < k:
        raise CustodianError("no_key", f"{len(indexes)} shares, {k} needed", have=len(indexes))
    for subset in itertools.combinations(indexes, k):
        key = Shamir.combine([(i, shares[i]) for i in subset], ssss=False)
        if not check(key):
            continue
        bad = []
        for other in indexes:
            if other in subset:
                continue
            swapped = (*subset[1:], other)  # the polynomial through k−1 good shares and this one
            if Shamir.combine([(i, shares[i]) for i in swapped], ssss=False) != key:
                bad.append(other)
        return key, bad  # the members of the working subset agree by construction
    raise CustodianError("no_key", "no k of the shares make the key the bid committed to", have=len(indexes))
