"""Key custodians (sealed bids II; docs/sealed-bid-format.md §6): the protocol shared by the bidder's
client, the custodian service and the platform. Django-free.

- **The custodian set** of a centre: k, n, each custodian's name, address, signing and encryption
  certificates, and the supervising department's signing certificate, in a canonical body that every
  custodian and the supervising department sign (purpose `ggzy-custodian-set-v1`). A client verifies
  all n + 1 signatures (and, as a second line, the body's SM3 against fingerprints it ships with) and
  refuses an unsigned or changed set. Keys are the custodians' own: the operator holds none of them.
- **Splitting** (the bidder's client; no dealer): the DEK is split k-of-n with Shamir's scheme
  (pycryptodome, GF(2^128), exactly a 16-byte key) and share *i* is encrypted (SM2) to custodian *i*'s
  encryption certificate together with the bid's binding (codes, bidder, deadline, key commitment), so
  a share copied into another bid's header is refused.
- **Asking** (the platform): a request carries the bid's signed header, the custodian's index, a fresh
  nonce and the signed deadline notices (purpose `ggzy-deadline-v1`) that postponed the opening.
- **Answering** (the custodian, by its own clock): it verifies the bidder's signature and chain, refuses
  before the later of the bound deadline and any later signed notice, and returns its share encrypted to
  the platform's opening key, signed (purpose `ggzy-share-v1`) with the request's nonce.
- **Combining** (the platform): any k shares reconstruct a key; the key commitment says which key is the
  bid's; other subsets are tried when it fails, and a share that disagrees is named.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from Crypto.Protocol.SecretSharing import Shamir

from ggzy_sm import canonical, x509
from ggzy_sm.errors import CryptoError, IntegrityError
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

SET_FORMAT = "ggzy-custodian-set-v1"
ENVELOPE_FORMAT = "ggzy-custodians-v1"
SHARE_FORMAT = "ggzy-share-v1"
SHARE_PLAINTEXT = "ggzy-share-plaintext-v1"
REQUEST_FORMAT = "ggzy-share-request-v1"
NOTICE_FORMAT = "ggzy-deadline-v1"
MAX_CUSTODIANS = 16
SHARE_SIZE = 16
#: What ties a share to its bid: the header fields a share's plaintext repeats.
BINDING_FIELDS = ("tender_project", "section", "bidder", "deadline", "key_commitment")


class CustodianError(CryptoError):
    """A refusal in the custodian protocol; `reason` names it (malformed, unsigned, signature, pin, set,
    not_custodian, chain, too_early, binding, replay, no_key)."""

    def __init__(self, reason: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode()


def _der(text: Any) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError as exc:
        raise CustodianError("malformed", "a certificate is not base64") from exc


def _certificate(text: Any, usage: str) -> x509.Certificate:
    try:
        certificate = x509.Certificate.load(_der(text))
    except x509.CertificateError as exc:
        raise CustodianError("malformed", f"a certificate is unreadable: {exc}") from exc
    if not x509.USAGES[usage] & certificate.usages or certificate.is_ca:
        raise CustodianError("malformed", f"a certificate is not for {usage}")
    return certificate


# --- the custodian set -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Custodian:
    index: int  # 1 … n: the x-coordinate of its share
    name: str
    url: str
    signing: x509.Certificate
    encryption: x509.Certificate

    @property
    def fingerprint(self) -> str:
        """SM3 of the encryption certificate: how a header names the custodian of a share."""
        return sm3(self.encryption.der).hex()


@dataclass(frozen=True)
class CustodianSet:
    body: dict[str, Any]
    fingerprint: str  # SM3 of the canonical body
    centre: str
    k: int
    custodians: tuple[Custodian, ...]
    supervisor: x509.Certificate
    demo: bool

    @property
    def n(self) -> int:
        return len(self.custodians)

    def custodian(self, index: int) -> Custodian:
        for custodian in self.custodians:
            if custodian.index == index:
                return custodian
        raise CustodianError("not_custodian", f"no custodian {index} in this set")


def set_body(
    *,
    centre: str,
    k: int,
    custodians: list[tuple[str, str, bytes, bytes]],
    supervisor: tuple[str, bytes],
    demo: bool,
    version: int = 1,
) -> dict[str, Any]:
    """The body every member signs: custodians are (name, address, signing DER, encryption DER)."""
    return {
        "format": SET_FORMAT,
        "centre": centre,
        "version": version,
        "k": k,
        "n": len(custodians),
        "demo": demo,
        "custodians": [
            {
                "index": i,
                "name": name,
                "url": url,
                "signing_certificate": _b64(signing),
                "encryption_certificate": _b64(encryption),
            }
            for i, (name, url, signing, encryption) in enumerate(custodians, start=1)
        ],
        "supervisor": {"name": supervisor[0], "signing_certificate": _b64(supervisor[1])},
    }


def set_sign(body: dict[str, Any], key: SigningKey) -> str:
    return key.sign(SET_FORMAT, body).hex()


def set_fingerprint(body: dict[str, Any]) -> str:
    return sm3(canonical.dumps(body)).hex()


def _parse_set(body: dict[str, Any]) -> tuple[int, list[Custodian], x509.Certificate]:
    if not isinstance(body, dict) or body.get("format") != SET_FORMAT:
        raise CustodianError("malformed", "not a ggzy-custodian-set-v1 body")
    try:
        k, n = int(body["k"]), int(body["n"])
        entries = list(body["custodians"])
        custodians = [
            Custodian(
                index=int(e["index"]),
                name=str(e["name"]),
                url=str(e["url"]),
                signing=_certificate(e["signing_certificate"], "signing"),
                encryption=_certificate(e["encryption_certificate"], "encryption"),
            )
            for e in entries
        ]
        supervisor = _certificate(body["supervisor"]["signing_certificate"], "signing")
    except (KeyError, TypeError, ValueError) as exc:
        raise CustodianError("malformed", f"the set body is incomplete ({type(exc).__name__})") from exc
    if not 2 <= k <= n == len(custodians) <= MAX_CUSTODIANS:  # noqa: PLR2004
        raise CustodianError("malformed", "k and n must satisfy 2 ≤ k ≤ n ≤ 16")
    if [c.index for c in custodians] != list(range(1, n + 1)):
        raise CustodianError("malformed", "custodians must be numbered 1 … n")
    keys = [c.signing.public_key.hex() for c in custodians] + [
        c.encryption.public_key.hex() for c in custodians
    ]
    if len(set(keys)) != len(keys) or supervisor.public_key.hex() in keys:
        raise CustodianError("malformed", "every member must hold keys of its own")
    return k, custodians, supervisor


def set_verify(signed: dict[str, Any], pins: Iterable[str] = ()) -> CustodianSet:
    """The set, if every custodian and the supervising department signed exactly this body (and, when
    `pins` are given, its fingerprint is one of them)."""
    body = signed.get("body") if isinstance(signed, dict) else None
    signatures = signed.get("signatures") if isinstance(signed, dict) else None
    if not isinstance(body, dict) or not isinstance(signatures, dict):
        raise CustodianError("malformed", "a signed set is {body, signatures}")
    k, custodians, supervisor = _parse_set(body)
    signers = [(str(c.index), c.name, c.signing.public_key) for c in custodians]
    signers.append(("supervisor", str(body["supervisor"].get("name", "")), supervisor.public_key))
    for key, name, public_key in signers:
        if key not in signatures:
            raise CustodianError("unsigned", f"{name} has not signed the custodian set", member=key)
        try:
            public_key.verify(SET_FORMAT, body, bytes.fromhex(str(signatures[key])))
        except (IntegrityError, ValueError) as exc:
            raise CustodianError(
                "signature", f"{name}'s signature on the set does not verify", member=key
            ) from exc
    fingerprint = set_fingerprint(body)
    pinned = set(pins)
    if pinned and fingerprint not in pinned:
        raise CustodianError("pin", "the custodian set is not one this client knows", fingerprint=fingerprint)
    return CustodianSet(
        body=body,
        fingerprint=fingerprint,
        centre=str(body["centre"]),
        k=k,
        custodians=tuple(custodians),
        supervisor=supervisor,
        demo=bool(body.get("demo")),
    )


# --- splitting (the bidder's client) ---------------------------------------------------------------


def binding_of(header: dict[str, Any]) -> dict[str, Any]:
    return {field: header[field] for field in BINDING_FIELDS}


def split(dek: bytes, cset: CustodianSet, binding: dict[str, Any]) -> dict[str, Any]:
    """The header's custodian envelope: k-of-n shares of `dek`, share i encrypted to custodian i with
    `binding` (the header's BINDING_FIELDS). No one but the bidder's process ever holds all shares."""
    if len(dek) != SHARE_SIZE:
        raise CustodianError("malformed", "the key must be 16 bytes")
    if set(binding) != set(BINDING_FIELDS):
        raise CustodianError("malformed", "the binding must name exactly the binding fields")
    shares = dict(Shamir.split(cset.k, cset.n, dek))
    wrapped = []
    for custodian in cset.custodians:
        plaintext = {
            "format": SHARE_PLAINTEXT,
            "index": custodian.index,
            "share": shares[custodian.index].hex(),
            **binding,
        }
        wrapped.append(
            {
                "index": custodian.index,
                "custodian": custodian.fingerprint,
                "wrapped": custodian.encryption.public_key.encrypt(canonical.dumps(plaintext)).hex(),
            }
        )
    return {"format": ENVELOPE_FORMAT, "set": cset.fingerprint, "k": cset.k, "n": cset.n, "shares": wrapped}


# --- deadline notices (the platform) -----------------------------------------------------------------


def notice_make(*, section: str, opening_at: dt.datetime, key: SigningKey) -> dict[str, Any]:
    """A signed notice that the section's opening is at `opening_at` (sent to custodians; it can only
    postpone what they release, never bring it forward)."""
    payload = {
        "format": NOTICE_FORMAT,
        "section": section,
        "opening_at": canonical.format_instant(opening_at),
    }
    return {"payload": payload, "signature": key.sign(NOTICE_FORMAT, payload).hex()}


def release_at(header: dict[str, Any], notices: list[Any], notice_key: Sm2PublicKey | None) -> dt.datetime:
    """When a custodian may release a share of this bid: the later of the bound deadline and every
    opening time in a notice for its section that the platform's notice key signed (others are ignored)."""
    at = dt.datetime.fromisoformat(str(header["deadline"]))
    for notice in notices:
        payload = notice.get("payload") if isinstance(notice, dict) else None
        if notice_key is None or not isinstance(payload, dict) or payload.get("section") != header["section"]:
            continue
        try:
            notice_key.verify(NOTICE_FORMAT, payload, bytes.fromhex(str(notice.get("signature"))))
            later = dt.datetime.fromisoformat(str(payload["opening_at"]))
        except (IntegrityError, ValueError, KeyError):
            continue
        at = max(at, later)
    return at


# --- asking and answering ------------------------------------------------------------------------------


def request_make(header: dict[str, Any], index: int, notices: list[dict[str, Any]]) -> dict[str, Any]:
    """A share request for custodian `index`, with a fresh nonce the answer must repeat."""
    return {
        "format": REQUEST_FORMAT,
        "header": header,
        "index": index,
        "nonce": os.urandom(16).hex(),
        "notices": notices,
    }


@dataclass(frozen=True)
class Trust:
    """What a custodian trusts to check a bidder's header: CA roots and intermediates (and CRLs)."""

    roots: list[bytes]
    intermediates: list[bytes]
    crls: list[bytes]


def _check_header(header: dict[str, Any], trust: Trust, now: dt.datetime) -> None:
    try:
        der = base64.b64decode(str(header["signing_certificate"]), validate=True)
        certificate = x509.validate(
            der,
            intermediates=trust.intermediates,
            roots=trust.roots,
            at=now,
            usage="signing",
            crls=trust.crls,
        )
    except (KeyError, ValueError) as exc:
        raise CustodianError("malformed", "the header has no readable signing certificate") from exc
    except x509.CertificateError as exc:
        raise CustodianError("chain", f"the bidder's certificate is refused: {exc}", why=exc.reason) from exc
    unsigned = {k: v for k, v in header.items() if k != "signature"}
    try:
        certificate.public_key.verify("ggzy-bid-v1", unsigned, bytes.fromhex(str(header["signature"])))
    except (IntegrityError, ValueError) as exc:
        raise CustodianError("signature", "the bidder's signature on the header does not verify") from exc


def answer(
    request: dict[str, Any],
    *,
    cset: CustodianSet,
    index: int,
    encryption_key: DecryptionKey,
    signing_key: SigningKey,
    platform_key: Sm2PublicKey,
    notice_key: Sm2PublicKey | None,
    trust: Trust,
    now: dt.datetime,
) -> dict[str, Any]:
    """Custodian `index`'s answer to a share request, judged by `now` — the custodian's own clock."""
    if not isinstance(request, dict) or request.get("format") != REQUEST_FORMAT:
        raise CustodianError("malformed", "not a ggzy-share-request-v1")
    header, nonce = request.get("header"), str(request.get("nonce", ""))
    if not isinstance(header, dict) or len(nonce) != 32:  # noqa: PLR2004
        raise CustodianError("malformed", "the request lacks a header or a 128-bit nonce")
    if request.get("index") != index:
        raise CustodianError("not_custodian", f"this is custodian {index}, not {request.get('index')}")
    _check_header(header, trust, now)
    envelope = header.get("custodians")
    if not isinstance(envelope, dict) or envelope.get("set") != cset.fingerprint:
        raise CustodianError("set", "the bid's shares are not for this custodian set")
    me = cset.custodian(index)
    entry = next(
        (
            s
            for s in envelope.get("shares", [])
            if s.get("index") == index and s.get("custodian") == me.fingerprint
        ),
        None,
    )
    if entry is None:
        raise CustodianError("not_custodian", "the bid holds no share for this custodian")
    opens = release_at(header, list(request.get("notices") or []), notice_key)
    if now < opens:
        raise CustodianError(
            "too_early", f"the share is released from {opens.isoformat()} on", release_at=opens
        )
    try:
        plaintext = json.loads(encryption_key.decrypt(bytes.fromhex(str(entry["wrapped"]))))
        share = bytes.fromhex(str(plaintext["share"]))
    except (CryptoError, ValueError, KeyError, TypeError) as exc:
        raise CustodianError("binding", "the share does not decrypt with this custodian's key") from exc
    expected = {
        "format": SHARE_PLAINTEXT,
        "index": index,
        "share": plaintext.get("share"),
        **binding_of(header),
    }
    if plaintext != expected or len(share) != SHARE_SIZE:
        raise CustodianError("binding", "the share was sealed for another bid")
    payload = {
        "format": SHARE_FORMAT,
        "nonce": nonce,
        "index": index,
        "custodian": me.fingerprint,
        "section": header["section"],
        "ciphertext_sm3": header["ciphertext_sm3"],
        "share": platform_key.encrypt(share).hex(),
    }
    return {"payload": payload, "signature": signing_key.sign(SHARE_FORMAT, payload).hex()}


def answer_check(
    response: dict[str, Any], *, cset: CustodianSet, request: dict[str, Any], opening_key: DecryptionKey
) -> bytes:
    """The share in a custodian's answer, if that custodian signed it for this very request."""
    payload = response.get("payload") if isinstance(response, dict) else None
    if not isinstance(payload, dict) or payload.get("format") != SHARE_FORMAT:
        raise CustodianError("malformed", "not a ggzy-share-v1 answer")
    index = request["index"]
    custodian = cset.custodian(int(index))
    try:
        custodian.signing.public_key.verify(
            SHARE_FORMAT, payload, bytes.fromhex(str(response.get("signature")))
        )
    except (IntegrityError, ValueError) as exc:
        raise CustodianError("signature", f"the answer is not signed by custodian {index}") from exc
    if payload.get("nonce") != request["nonce"]:
        raise CustodianError("replay", "the answer repeats another request's nonce: a replay")
    header = request["header"]
    if (
        payload.get("index") != index
        or payload.get("custodian") != custodian.fingerprint
        or payload.get("ciphertext_sm3") != header["ciphertext_sm3"]
        or payload.get("section") != header["section"]
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
    shares that disagree with it. CustodianError("no_key") if no k of them make a committed key."""
    indexes = sorted(shares)
    if len(indexes) < k:
        raise CustodianError("no_key", f"{len(indexes)} shares, {k} needed", have=len(indexes))
    for subset in itertools.combinations(indexes, k):
        key = Shamir.combine([(i, shares[i]) for i in subset])
        if not check(key):
            continue
        bad = []
        for other in indexes:
            if other in subset:
                continue
            swapped = (*subset[1:], other)  # the polynomial through k−1 good shares and this one
            if Shamir.combine([(i, shares[i]) for i in swapped]) != key:
                bad.append(other)
        return key, bad  # the members of the working subset agree by construction
    raise CustodianError("no_key", "no k of the shares make the key the bid committed to", have=len(indexes))
