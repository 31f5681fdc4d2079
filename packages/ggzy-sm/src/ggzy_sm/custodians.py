"""Key custodians, protocol v2 (docs/sealed-bid-format.md §6–§9): what the bidder's client, the custodian
service and the platform share. Django-free.

- **The custodian set** (`ggzy-custodian-set-v2`) of a centre: k, n, each custodian's name, address,
  signing and encryption certificates, the supervising department's signing certificate, and now also
  the platform's **notice keys** (each with its validity interval), its **opening key** and the witness
  log's pins — in a canonical body every custodian and the supervising department sign. v1 gave each
  custodian the notice key on its command line: after the platform rotated it, custodians silently
  ignored every postponement. Keys are the custodians' own: the operator holds none of them.
- **Notices** (`ggzy-deadline-v2`): the platform (or the supervising department) announces a section's
  deadline and opening time, for one set. A notice that is not valid for the set is *ignored*: it never
  postpones and never blocks (a griefer with a forged notice stalls nothing), and no notice brings a
  release forward. A new notice key is reached from the set's by **transitions** the old key and the
  supervising department both signed.
- **Time** (`ggzy-time-v1`): custodians sign their clocks' time for a nonce; the bidder's client takes
  the earliest of at least two (never release early on one fast clock), or its PC's clock when a single
  custodian agrees with it within 60 s — and says so; otherwise it cannot establish the time.
- **Acknowledgements and closures** (`ggzy-ack-v1`, `ggzy-closure-v1`): before the closing time each
  custodian signs that it saw a ciphertext's SM3 (nothing names the bidder); from the closing time on it
  signs the list of all it saw, once. The operator's clock no longer decides which bids are late: a bid
  outside k closures is not opened, and custodians give no share for one outside theirs.
- **Splitting** (the bidder's client; no dealer): the DEK is split k-of-n with Shamir's scheme
  (pycryptodome, GF(2^128), exactly a 16-byte key) and share *i* is encrypted (SM2) to custodian *i*'s
  encryption certificate with the SM3 of the bid's binding — now including the ciphertext's SM3 — so a
  share copied into another bid's header is refused.
- **Asking and answering** (`ggzy-share-request-v2`, `ggzy-share-v2`): the custodian checks the bidder's
  header, its own clock against the release time, the share's binding and that the ciphertext is in its
  closure, and returns its share encrypted to the set's opening key.
- **Combining** (the platform, unchanged): any k shares reconstruct a key; the key commitment says which
  key is the bid's; a share that disagrees is named.

Every refusal is a CustodianError with a machine `reason`; a function that answers yes or no
(`notice_valid`) never raises on what it is given.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from Crypto.Protocol.SecretSharing import Shamir

from ggzy_sm import canonical, strict, x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import sm3
from ggzy_sm.witness import WitnessError, WitnessTrust

SET_FORMAT = "ggzy-custodian-set-v2"
ENVELOPE_FORMAT = "ggzy-custodians-v2"
SHARE_FORMAT = "ggzy-share-v2"
SHARE_PLAINTEXT = "ggzy-share-plaintext-v2"
REQUEST_FORMAT = "ggzy-share-request-v2"
NOTICE_FORMAT = "ggzy-deadline-v2"
TRANSITION_FORMAT = "ggzy-notice-key-transition-v1"
TIME_FORMAT = "ggzy-time-v1"
ACK_REQUEST_FORMAT = "ggzy-ack-request-v1"
ACK_FORMAT = "ggzy-ack-v1"
CLOSURE_FORMAT = "ggzy-closure-v1"
BID_FORMAT = "ggzy-bid-v2"  # the header a custodian checks (sealedbid.FORMAT)
MAX_CUSTODIANS = 16
MAX_NOTICE_KEYS = 8
MAX_TRANSITIONS = 16  # in one notice: a chain longer than this is not followed (the notice is ignored)
MAX_CIPHERTEXTS = 100_000  # in one closure
SHARE_SIZE = 16
CLOCK_AGREEMENT = dt.timedelta(seconds=60)
#: What ties a share to its bid: the header fields whose SM3 a share's plaintext carries.
BINDING_FIELDS = ("tender_project", "section", "bidder", "deadline", "key_commitment", "ciphertext_sm3")
SET_FIELDS = frozenset(
    {
        "format", "centre", "version", "k", "n", "demo", "custodians", "supervisor", "notice_keys",
        "opening_key", "witness",
    }
)  # fmt: skip
MEMBER_FIELDS = frozenset({"index", "name", "url", "signing_certificate", "encryption_certificate"})
SUPERVISOR_FIELDS = frozenset({"name", "signing_certificate"})
NOTICE_KEY_FIELDS = frozenset({"key", "valid_from", "valid_until"})
WITNESS_FIELDS = frozenset({"operator_keys", "cosigners", "threshold"})
COSIGNER_FIELDS = frozenset({"name", "key"})
NOTICE_FIELDS = frozenset({"payload", "signer", "transitions", "signature"})
NOTICE_PAYLOAD = frozenset({"format", "set", "section", "deadline", "opening_at", "issued_at"})
TRANSITION_FIELDS = frozenset({"payload", "signatures"})
TRANSITION_PAYLOAD = frozenset({"format", "set", "from_key", "to_key", "valid_from"})
TRANSITION_SIGNATURES = frozenset({"from", "supervisor"})
SIGNED_FIELDS = frozenset({"payload", "signature"})
TIME_PAYLOAD = frozenset({"format", "nonce", "time", "custodian"})
ACK_REQUEST_FIELDS = frozenset({"format", "set", "section", "ciphertext_sm3", "deadline", "notices"})
ACK_PAYLOAD = frozenset({"format", "set", "section", "ciphertext_sm3", "custodian", "acknowledged_at"})
CLOSURE_PAYLOAD = frozenset(
    {"format", "set", "section", "closing_at", "ciphertexts", "custodian", "closed_at"}
)
REQUEST_FIELDS = frozenset({"format", "header", "index", "nonce", "notices"})
ANSWER_FIELDS = frozenset({"format", "nonce", "index", "custodian", "section", "ciphertext_sm3", "share"})


class CustodianError(CryptoError):
    """A refusal in the custodian protocol; `reason` names it (malformed, unsigned, signature, pin, set,
    not_custodian, chain, too_early, binding, replay, no_key, late, not_acknowledged, acknowledgements)."""

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


def _verifies(key: Sm2PublicKey, purpose: str, payload: Any, signature: Any) -> bool:
    """True if `signature` (hex r ‖ s) signs `payload` for `purpose` with `key`. Never raises on what it
    is given: a float or a naive time in the payload (the canonical profile refuses them) is False."""
    try:
        key.verify(purpose, payload, strict.signature(signature))
    except (CryptoError, ValueError, TypeError):
        return False
    return True


def _when(value: dt.datetime, what: str) -> str:
    try:
        return strict.instant(value)
    except ValueError as exc:
        raise CustodianError("malformed", f"{what}: {exc}") from exc


def _check_section(section: Any) -> str:
    if not isinstance(section, str) or not strict.SECTION.fullmatch(section):
        raise CustodianError("malformed", "a section code is a capital letter and 22 digits")
    return section


def _check_hex64(value: Any, what: str) -> str:
    if not isinstance(value, str) or not strict.HEX64.fullmatch(value):
        raise CustodianError("malformed", f"{what} is 64 lower-case hex digits")
    return value


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
class NoticeKey:
    """One of the platform's notice keys, valid for notices issued in [valid_from, valid_until)."""

    key: Sm2PublicKey
    valid_from: dt.datetime
    valid_until: dt.datetime | None

    def holds(self, at: dt.datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


@dataclass(frozen=True)
class CustodianSet:
    body: dict[str, Any]
    fingerprint: str  # SM3 of the canonical body
    centre: str
    version: int
    k: int
    custodians: tuple[Custodian, ...]
    supervisor: x509.Certificate
    demo: bool
    notice_keys: tuple[NoticeKey, ...]
    opening_key: Sm2PublicKey  # the platform's: custodians re-encrypt shares to it
    witness: WitnessTrust  # what a verifier of the platform's witness log pins

    @property
    def n(self) -> int:
        return len(self.custodians)

    def custodian(self, index: int) -> Custodian:
        for custodian in self.custodians:
            if custodian.index == index and strict.is_int(index):
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
    custodians: Sequence[tuple[str, str, bytes, bytes]],
    supervisor: tuple[str, bytes],
    demo: bool,
    notice_keys: Sequence[tuple[Sm2PublicKey, dt.datetime, dt.datetime | None]],
    opening_key: Sm2PublicKey,
    witness_trust: WitnessTrust,
    version: int = 1,
) -> dict[str, Any]:
    """The body every member signs: custodians are (name, address, signing DER, encryption DER), notice
    keys (key, valid from, valid until or None), the witness pins those of `witness_trust` (its
    supervisor keys are not part of the body: the set's supervisor is)."""
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
        "notice_keys": [
            {
                "key": key.hex(),
                "valid_from": _when(valid_from, "valid_from"),
                "valid_until": None if valid_until is None else _when(valid_until, "valid_until"),
            }
            for key, valid_from, valid_until in notice_keys
        ],
        "opening_key": opening_key.hex(),
        "witness": {
            "operator_keys": [key.hex() for key in witness_trust.operator_keys],
            "cosigners": [{"name": name, "key": key.hex()} for name, key in witness_trust.cosigners],
            "threshold": witness_trust.threshold,
        },
    }


def set_sign(body: dict[str, Any], key: SigningKey) -> str:
    return key.sign(SET_FORMAT, body).hex()


def set_fingerprint(body: dict[str, Any]) -> str:
    return sm3(canonical.dumps(body)).hex()


def _integer(value: Any) -> int:
    if not strict.is_int(value):
        raise TypeError("not an integer")
    return int(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError("not a non-empty string")
    return value


def _parse_notice_keys(entries: Any) -> tuple[NoticeKey, ...]:
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_NOTICE_KEYS:
        raise TypeError(f"notice_keys is a list of 1 … {MAX_NOTICE_KEYS} entries")
    keys = []
    for entry in entries:
        if not strict.exact(entry, NOTICE_KEY_FIELDS):
            raise KeyError("a notice key is exactly {key, valid_from, valid_until}")
        valid_from = strict.parse_instant(entry["valid_from"])
        until = None if entry["valid_until"] is None else strict.parse_instant(entry["valid_until"])
        if until is not None and until <= valid_from:
            raise ValueError("a notice key's validity ends after it starts")
        keys.append(NoticeKey(strict.public_key(entry["key"]), valid_from, until))
    return tuple(keys)


def _parse_witness(entry: Any, supervisor: x509.Certificate) -> WitnessTrust:
    if not strict.exact(entry, WITNESS_FIELDS):
        raise KeyError("witness is exactly {operator_keys, cosigners, threshold}")
    operators, cosigners = entry["operator_keys"], entry["cosigners"]
    if not isinstance(operators, list) or not isinstance(cosigners, list):
        raise TypeError("operator_keys and cosigners are lists")
    if not all(strict.exact(c, COSIGNER_FIELDS) for c in cosigners):
        raise KeyError("a co-signer is exactly {name, key}")
    try:
        return WitnessTrust(
            operator_keys=tuple(strict.public_key(key) for key in operators),
            cosigners=tuple((_text(c["name"]), strict.public_key(c["key"])) for c in cosigners),
            threshold=_integer(entry["threshold"]),
            supervisor_keys=(supervisor.public_key,),
        )
    except WitnessError as exc:
        raise ValueError(str(exc)) from exc


def _parse_set(body: dict[str, Any]) -> CustodianSet:
    if not isinstance(body, dict) or body.get("format") != SET_FORMAT:
        raise CustodianError("malformed", "not a ggzy-custodian-set-v2 body")
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
        notice_keys = _parse_notice_keys(body["notice_keys"])
        opening_key = strict.public_key(body["opening_key"])
        pins = _parse_witness(body["witness"], supervisor)
    except (KeyError, TypeError, ValueError) as exc:
        raise CustodianError("malformed", f"the set body is incomplete or mistyped ({exc})") from exc
    if not 2 <= k <= n == len(custodians) <= MAX_CUSTODIANS:  # noqa: PLR2004
        raise CustodianError("malformed", "k and n must satisfy 2 ≤ k ≤ n ≤ 16, n the number of custodians")
    if [c.index for c in custodians] != list(range(1, n + 1)):
        raise CustodianError("malformed", "custodians must be numbered 1 … n")
    keys = [c.signing.public_key for c in custodians] + [c.encryption.public_key for c in custodians]
    keys += [supervisor.public_key, *(nk.key for nk in notice_keys), opening_key, *pins.operator_keys]
    keys += [key for _name, key in pins.cosigners]
    if len(set(keys)) != len(keys):
        raise CustodianError(
            "malformed", "every key in the set is a different key: every member holds its own"
        )
    return CustodianSet(
        body=body,
        fingerprint=set_fingerprint(body),
        centre=str(body["centre"]),
        version=version,
        k=k,
        custodians=tuple(custodians),
        supervisor=supervisor,
        demo=body["demo"],
        notice_keys=notice_keys,
        opening_key=opening_key,
        witness=pins,
    )


def set_verify(signed: dict[str, Any], pins: Iterable[str] | str = ()) -> CustodianSet:
    """The set, if every custodian and the supervising department signed exactly this body (and, when
    `pins` are given, its fingerprint is one of them). Checks in the order of v1 §8.1: malformed,
    unsigned / signature (detail member), pin (detail fingerprint)."""
    body = signed.get("body") if isinstance(signed, dict) else None
    signatures = signed.get("signatures") if isinstance(signed, dict) else None
    if not isinstance(body, dict) or not isinstance(signatures, dict):
        raise CustodianError("malformed", "a signed set is {body, signatures}")
    cset = _parse_set(body)
    signers = [(str(c.index), c.name, c.signing.public_key) for c in cset.custodians]
    signers.append(("supervisor", str(body["supervisor"]["name"]), cset.supervisor.public_key))
    for key, name, public_key in signers:
        if key not in signatures:
            raise CustodianError("unsigned", f"{name} has not signed the custodian set", member=key)
        if not _verifies(public_key, SET_FORMAT, body, signatures[key]):
            raise CustodianError("signature", f"{name}'s signature on the set does not verify", member=key)
    pinned = {pins} if isinstance(pins, str) else set(pins)
    pinned = {pin.strip().lower() for pin in pinned}
    if pinned and cset.fingerprint not in pinned:
        raise CustodianError(
            "pin", "the custodian set is not one this client knows", fingerprint=cset.fingerprint
        )
    return cset


# --- splitting (the bidder's client) ---------------------------------------------------------------


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


def split(dek: bytes, cset: CustodianSet, binding: dict[str, Any]) -> dict[str, Any]:
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


# --- notices and notice-key transitions (§6.1, §6.3) -------------------------------------------------


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


def _transition(transition: Any, cset: CustodianSet) -> Transition:
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


def transition_verify(transition: Any, cset: CustodianSet) -> dict[str, Any]:
    """The transition's payload, if its form is right, it is for this set and both the old key and the
    set's supervising department signed it (malformed, set, signature). Whether its old key is a notice
    key of the set is the chain's question (`notice_valid`)."""
    _transition(transition, cset)
    return dict(transition["payload"])


def _reached(transitions: Any, cset: CustodianSet) -> dict[Sm2PublicKey, dt.datetime]:
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


def notice_read(notice: Any, cset: CustodianSet) -> Notice | None:
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


def notice_valid(notice: Any, cset: CustodianSet) -> bool:
    """§6.1: its set is this set's fingerprint, its signature verifies with `signer`, and `signer` is a
    notice key of the set whose interval holds `issued_at`, the set's supervising department, or a key
    a chain of valid transitions in the notice reaches by `issued_at`. Never raises."""
    return notice_read(notice, cset) is not None


def _valid_for(section: str, notices: Iterable[Any], cset: CustodianSet) -> list[Notice]:
    read = (notice_read(notice, cset) for notice in notices)
    return [notice for notice in read if notice is not None and notice.section == section]


def latest_notice(notices: Iterable[Any], cset: CustodianSet, section: str) -> dict[str, Any] | None:
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


def _deadline(value: dt.datetime | str) -> dt.datetime:
    try:
        if isinstance(value, dt.datetime):
            strict.instant(value)  # aware
            return value
        return strict.parse_instant(value)
    except ValueError as exc:
        raise CustodianError("malformed", f"the deadline is not an instant ({exc})") from exc


def release_at(header: dict[str, Any], notices: Iterable[Any], cset: CustodianSet) -> dt.datetime:
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
    header_deadline: dt.datetime | str, section: str, notices: Iterable[Any], cset: CustodianSet
) -> dt.datetime:
    """§6.2: a bid's closing time for acknowledgements — the latest deadline of the notices valid for
    `cset` with this section, and at least the header's deadline."""
    at = _deadline(header_deadline)
    for notice in _valid_for(section, notices, cset):
        at = max(at, notice.deadline)
    return at


# --- time statements (§6.4) ---------------------------------------------------------------------------


def time_nonce() -> str:
    """A fresh nonce for GET /time (16 random bytes, hex)."""
    return os.urandom(16).hex()


def time_statement(key: SigningKey, index: int, nonce: str, now: dt.datetime) -> dict[str, Any]:
    """Custodian `index`'s signed statement of its clock's time, for the client's `nonce`."""
    if not isinstance(nonce, str) or not strict.HEX32.fullmatch(nonce):
        raise CustodianError("malformed", "the nonce is 32 lower-case hex digits")
    if not strict.is_int(index):
        raise CustodianError("malformed", "a custodian's index is an integer")
    payload = {"format": TIME_FORMAT, "nonce": nonce, "time": _when(now, "now"), "custodian": index}
    return {"payload": payload, "signature": key.sign(TIME_FORMAT, payload).hex()}


def _time_of(statement: Any, cset: CustodianSet, nonces: Mapping[int, str]) -> tuple[int, dt.datetime] | None:
    if not strict.exact(statement, SIGNED_FIELDS) or not strict.exact(statement["payload"], TIME_PAYLOAD):
        return None
    payload = statement["payload"]
    index = payload["custodian"]
    if payload["format"] != TIME_FORMAT or not strict.is_int(index) or nonces.get(index) != payload["nonce"]:
        return None
    try:
        custodian = cset.custodian(index)
        at = strict.parse_instant(payload["time"])
    except (CustodianError, ValueError):
        return None
    if not _verifies(custodian.signing.public_key, TIME_FORMAT, payload, statement["signature"]):
        return None
    return index, at


def time_check(
    statements: Iterable[Any],
    cset: CustodianSet,
    nonces: Mapping[int, str],
    *,
    pc_now: dt.datetime | None = None,
) -> tuple[dt.datetime | None, str]:
    """The bidder's client's "now" (§6.4), and why. `nonces` maps each custodian's index to the fresh
    nonce the client sent it; a statement counts only with its custodian's nonce and signature.

    With at least two custodians' valid statements: the earliest of their times (one fast clock never
    releases early). With one: the PC's clock (`pc_now`, the system's by default) if that custodian's
    time is within 60 s of it — and the explanation says so. Otherwise None: the time cannot be
    established, and the client does not release."""
    pc = dt.datetime.now(dt.UTC) if pc_now is None else pc_now
    _when(pc, "the PC's clock")
    times: dict[int, dt.datetime] = {}
    for statement in statements:
        read = _time_of(statement, cset, nonces)
        if read is not None:
            index, at = read
            times[index] = min(at, times.get(index, at))
    if len(times) >= 2:  # noqa: PLR2004
        index = min(times, key=lambda i: (times[i], i))
        return times[index], (
            f"the earliest of {len(times)} custodians' signed times (custodians "
            f"{', '.join(str(i) for i in sorted(times))}; earliest: custodian {index})"
        )
    if len(times) == 1:
        ((index, at),) = times.items()
        gap = abs(at - pc)
        if gap <= CLOCK_AGREEMENT:
            return pc, (
                f"only custodian {index} answered; its time agrees with this computer's clock within "
                f"{int(gap.total_seconds())} s, so this computer's clock is used"
            )
        return None, (
            f"cannot establish the time: only custodian {index} answered, and its time differs from this "
            f"computer's clock by {int(gap.total_seconds())} s (more than 60 s)"
        )
    return None, "cannot establish the time: no custodian of the set gave a valid signed time"


# --- acknowledgements and closures (§8) ----------------------------------------------------------------


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


def _signed_payload(signed: Any, fields: frozenset[str], form: str) -> dict[str, Any]:
    if not strict.exact(signed, SIGNED_FIELDS) or not strict.exact(signed["payload"], fields):
        raise CustodianError("malformed", f"not a {form}: {{payload, signature}} with exactly its fields")
    if signed["payload"]["format"] != form:
        raise CustodianError("malformed", f"not a {form}")
    return dict(signed["payload"])


def ack_answer(  # noqa: PLR0917  (the order in which the service has them)
    request: Any,
    cset: CustodianSet,
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


def ack_verify(ack: Any, cset: CustodianSet) -> dict[str, Any]:
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
    if payload["set"] != cset.fingerprint:
        raise CustodianError("set", "the acknowledgement is for another custodian set")
    custodian = cset.custodian(payload["custodian"])
    if not _verifies(custodian.signing.public_key, ACK_FORMAT, payload, ack["signature"]):
        raise CustodianError("signature", f"the acknowledgement is not signed by custodian {custodian.index}")
    return payload


def acks_check(header: Mapping[str, Any], acks: Iterable[Any], cset: CustodianSet) -> list[int]:
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
    cset: CustodianSet,
    verify: Callable[[Any, CustodianSet], dict[str, Any]],
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


def closure_verify(closure: Any, cset: CustodianSet) -> dict[str, Any]:
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
    if payload["set"] != cset.fingerprint:
        raise CustodianError("set", "the closure is for another custodian set")
    custodian = cset.custodian(payload["custodian"])
    if not _verifies(custodian.signing.public_key, CLOSURE_FORMAT, payload, closure["signature"]):
        raise CustodianError("signature", f"the closure is not signed by custodian {custodian.index}")
    return payload


def closures_check(header: Mapping[str, Any], closures: Iterable[Any], cset: CustodianSet) -> list[int]:
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
    cset: CustodianSet,
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
    response: Any, *, cset: CustodianSet, request: dict[str, Any], opening_key: DecryptionKey
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
