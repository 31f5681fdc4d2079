"""Key custodians (sealed bids II; docs/sealed-bid-format.md §8): the protocol shared by the bidder's
client, the custodian service and the platform. Django-free.

- **The custodian set** of a centre: k, n, each custodian's name, address, signing and encryption
  certificates, and the supervising department's signing certificate, in a canonical body that every
  custodian and the supervising department sign (purpose `ggzy-custodian-set-v1`). A client verifies
  all n + 1 signatures (and, as a second line, the body's SM3 against fingerprints it ships with) and
  refuses an unsigned or changed set. Keys are the custodians' own: the operator holds none of them.
- **Splitting** (the bidder's client; no dealer): the DEK is split k-of-n with Shamir's scheme
  (pycryptodome, GF(2^128), exactly a 16-byte key) and share *i* is encrypted (SM2) to custodian *i*'s
  encryption certificate together with the SM3 of the bid's binding (codes, bidder, deadline, key
  commitment: the whole binding would not fit in the 255 bytes SM2 encrypts), so a share copied into
  another bid's header is refused.
- **Asking** (the platform): a request carries the bid's signed header, the custodian's index, a fresh
  nonce and the signed deadline notices (purpose `ggzy-deadline-v1`) that postponed the opening.
- **Answering** (the custodian, by its own clock): it verifies the bidder's signature and chain (valid at
  the bound deadline), refuses before the later of the bound deadline and any later signed notice, and
  returns its share encrypted to the platform's opening key, signed (purpose `ggzy-share-v1`) with the
  request's nonce.
- **Combining** (the platform): any k shares reconstruct a key; the key commitment says which key is the
  bid's; other subsets are tried when it fails, and a share that disagrees is named.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from Crypto.Protocol.SecretSharing import Shamir

from ggzy_sm import canonical, x509
from ggzy_sm.errors import CryptoError, IntegrityError
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import sm3

SET_FORMAT = "ggzy-custodian-set-v1"
ENVELOPE_FORMAT = "ggzy-custodians-v1"
SHARE_FORMAT = "ggzy-share-v1"
SHARE_PLAINTEXT = "ggzy-share-plaintext-v1"
REQUEST_FORMAT = "ggzy-share-request-v1"
NOTICE_FORMAT = "ggzy-deadline-v1"
MAX_CUSTODIANS = 16
SHARE_SIZE = 16
#: What ties a share to its bid: the header fields whose SM3 a share's plaintext carries.
BINDING_FIELDS = ("tender_project", "section", "bidder", "deadline", "key_commitment")
SET_FIELDS = frozenset({"format", "centre", "version", "k", "n", "demo", "custodians", "supervisor"})
MEMBER_FIELDS = frozenset({"index", "name", "url", "signing_certificate", "encryption_certificate"})
SUPERVISOR_FIELDS = frozenset({"name", "signing_certificate"})
NONCE = re.compile(r"[0-9a-f]{32}")  # fullmatch: "$" would let a final newline through


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


def member_certificates(
    *,
    signing: Sm2PrivateKey,
    encryption: Sm2PrivateKey,
    name: str,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> tuple[bytes, bytes]:
    """A custodian's (or the supervising department's) own certificates, self-issued by its signing key:
    (signing DER, encryption DER). Their trust comes from the set every member signs (and from pins), not
    from a CA, so a custodian needs no one to make its keys."""
    names = {"common_name": name, "organization_name": name}
    made = []
    for key, usage in ((signing, "signing"), (encryption, "encryption")):
        made.append(
            x509.issue(
                issuer_key=signing,
                issuer=names,
                subject=names,
                public_key=key.public_key,
                serial=secrets.randbits(63) | 1,
                not_before=not_before,
                not_after=not_after,
                usage=usage,  # type: ignore[arg-type]
            )
        )
    return made[0], made[1]


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


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError("not a non-empty string")
    return value


def _parse_set(body: dict[str, Any]) -> tuple[int, list[Custodian], x509.Certificate]:
    if not isinstance(body, dict) or body.get("format") != SET_FORMAT:
        raise CustodianError("malformed", "not a ggzy-custodian-set-v1 body")
    if set(body) != SET_FIELDS:
        raise CustodianError("malformed", "the set body does not have exactly the fields of the format")
    try:
        k, n, version = _integer(body["k"]), _integer(body["n"]), _integer(body["version"])
        _text(body["centre"])
        if not isinstance(body["demo"], bool) or version < 1:
            raise TypeError("demo is a boolean, version a positive integer")  # noqa: TRY301
        entries, supervising = body["custodians"], body["supervisor"]
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in [*entries, supervising]):
            raise TypeError("custodians is a list of objects, supervisor an object")  # noqa: TRY301
        if any(set(e) != MEMBER_FIELDS for e in entries) or set(supervising) != SUPERVISOR_FIELDS:
            raise KeyError("a member does not have exactly the fields of the format")  # noqa: TRY301
        custodians = [
            Custodian(
                index=_integer(e["index"]),
                name=_text(e["name"]),
                url=_text(e["url"]),
                signing=_certificate(e["signing_certificate"], "signing"),
                encryption=_certificate(e["encryption_certificate"], "encryption"),
            )
            for e in entries
        ]
        _text(supervising["name"])
        supervisor = _certificate(supervising["signing_certificate"], "signing")
    except (KeyError, TypeError, ValueError) as exc:
        raise CustodianError("malformed", f"the set body is incomplete or mistyped ({exc})") from exc
    if not 2 <= k <= n == len(custodians) <= MAX_CUSTODIANS:  # noqa: PLR2004
        raise CustodianError("malformed", "k and n must satisfy 2 ≤ k ≤ n ≤ 16, n the number of custodians")
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
    pinned = {pins} if isinstance(pins, str) else set(pins)
    pinned = {pin.strip().lower() for pin in pinned}
    if pinned and fingerprint not in pinned:
        raise CustodianError("pin", "the custodian set is not one this client knows", fingerprint=fingerprint)
    return CustodianSet(
        body=body,
        fingerprint=fingerprint,
        centre=str(body["centre"]),
        k=k,
        custodians=tuple(custodians),
        supervisor=supervisor,
        demo=body["demo"],
    )


# --- splitting (the bidder's client) ---------------------------------------------------------------


def binding_of(header: dict[str, Any]) -> dict[str, Any]:
    return {field: header[field] for field in BINDING_FIELDS}


def binding_digest(binding: dict[str, Any]) -> str:
    """Hex SM3 of the canonical JSON of the binding (exactly BINDING_FIELDS): what a share's plaintext
    carries to tie it to its bid."""
    if not isinstance(binding, dict) or set(binding) != set(BINDING_FIELDS):
        raise CustodianError("malformed", "the binding must name exactly the binding fields")
    try:
        return sm3(canonical.dumps(binding)).hex()
    except canonical.CanonicalError as exc:
        raise CustodianError("malformed", f"the binding is not canonical JSON ({exc})") from exc


def share_plaintext(index: int, share: bytes, binding: dict[str, Any]) -> bytes:
    """What is encrypted to custodian `index`: canonical JSON {"binding": SM3 of the binding, "format":
    "ggzy-share-plaintext-v1", "index", "share": hex} — 167 bytes or less, within SM2's 255."""
    if len(share) != SHARE_SIZE:
        raise CustodianError("malformed", "a share is 16 bytes")
    return canonical.dumps(
        {"binding": binding_digest(binding), "format": SHARE_PLAINTEXT, "index": index, "share": share.hex()}
    )


def split(dek: bytes, cset: CustodianSet, binding: dict[str, Any]) -> dict[str, Any]:
    """The header's custodian envelope: k-of-n shares of `dek`, share i encrypted to custodian i with
    `binding` (the header's BINDING_FIELDS). No one but the bidder's process ever holds all shares."""
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


def _instant(text: Any) -> dt.datetime:
    """An RFC 3339 instant with its offset (a naive one is refused: it cannot be compared)."""
    value = dt.datetime.fromisoformat(str(text))
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("an instant needs its offset")
    return value


def release_at(header: dict[str, Any], notices: list[Any], notice_key: Sm2PublicKey | None) -> dt.datetime:
    """When a custodian may release a share of this bid: the later of the bound deadline and every
    opening time in a notice for its section that the platform's notice key signed (others are ignored)."""
    try:
        at = _instant(header["deadline"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CustodianError("malformed", "the header has no readable deadline") from exc
    for notice in notices:
        payload = notice.get("payload") if isinstance(notice, dict) else None
        if (
            notice_key is None
            or not isinstance(payload, dict)
            or payload.get("format") != NOTICE_FORMAT
            or payload.get("section") != header.get("section")
        ):
            continue
        try:
            notice_key.verify(NOTICE_FORMAT, payload, bytes.fromhex(str(notice.get("signature"))))
            later = _instant(payload["opening_at"])
        except (CryptoError, ValueError, KeyError):
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


#: The header fields a custodian reads (sealedbid.read checks the header's full shape; a custodian needs
#: no more than these).
_HEADER_NEEDED = (*BINDING_FIELDS, "ciphertext_sm3", "signing_certificate", "signature", "custodians")


def _check_header(header: dict[str, Any], trust: Trust) -> None:
    """The bidder's signing certificate chains to `trust` and was valid at the bound deadline (the bid
    was due then; a certificate that expired while the opening was postponed does not lock the bid), and
    its key signed the header (purpose ggzy-bid-v1)."""
    if any(field not in header for field in _HEADER_NEEDED) or not all(
        isinstance(header[field], str) for field in _HEADER_NEEDED if field != "custodians"
    ):
        raise CustodianError("malformed", "the header lacks fields a custodian needs")
    try:
        der = base64.b64decode(header["signing_certificate"], validate=True)
        signature = bytes.fromhex(header["signature"])
        deadline = _instant(header["deadline"])
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
        certificate.public_key.verify("ggzy-bid-v1", unsigned, signature)
    except (CryptoError, ValueError) as exc:
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
    """Custodian `index`'s answer to a share request, judged by `now` — the custodian's own clock.

    Checks, in this order: the request's shape (malformed), that it asks this custodian (not_custodian),
    the bidder's header (malformed, chain, signature), that the envelope is for this set and holds this
    custodian's share (set, not_custodian), the time (too_early, detail release_at), and the share's
    plaintext: it decrypts, names this index and the header's binding (binding)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the custodian's clock must give an aware datetime")
    if not isinstance(request, dict) or request.get("format") != REQUEST_FORMAT:
        raise CustodianError("malformed", "not a ggzy-share-request-v1")
    header, nonce, notices = request.get("header"), request.get("nonce"), request.get("notices", [])
    if not isinstance(header, dict) or not isinstance(nonce, str) or not NONCE.fullmatch(nonce):
        raise CustodianError("malformed", "the request lacks a header or a 128-bit hex nonce")
    if not isinstance(notices, list):
        raise CustodianError("malformed", "the request's notices are not a list")
    if request.get("index") != index or isinstance(request.get("index"), bool):
        raise CustodianError("not_custodian", f"this is custodian {index}, not {request.get('index')}")
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
    opens = release_at(header, notices, notice_key)
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


ANSWER_FIELDS = frozenset({"format", "nonce", "index", "custodian", "section", "ciphertext_sm3", "share"})


def answer_check(
    response: dict[str, Any], *, cset: CustodianSet, request: dict[str, Any], opening_key: DecryptionKey
) -> bytes:
    """The share in a custodian's answer, if that custodian signed it for this very request: signature
    (by the custodian the request asked), then replay (the request's nonce), then binding (this index,
    custodian, section and ciphertext; the share decrypts with `opening_key` to 16 bytes)."""
    payload = response.get("payload") if isinstance(response, dict) else None
    if (
        not isinstance(payload, dict)
        or payload.get("format") != SHARE_FORMAT
        or set(payload) != ANSWER_FIELDS
    ):
        raise CustodianError("malformed", "not a ggzy-share-v1 answer")
    index = request["index"]
    custodian = cset.custodian(int(index))
    try:
        custodian.signing.public_key.verify(
            SHARE_FORMAT, payload, bytes.fromhex(str(response.get("signature")))
        )
    except (CryptoError, ValueError) as exc:
        raise CustodianError("signature", f"the answer is not signed by custodian {index}") from exc
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
