"""The custodian set (`ggzy-custodian-set-v2`, docs/sealed-bid-format.md §7.1): its members, their own
certificates, the platform's notice keys, opening key and witness pins, in a body every member signs;
`set_verify` reads a signed set into a `SignedCustodianSet`."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ggzy_sm import canonical, strict, x509
from ggzy_sm.custodians.common import (
    COSIGNER_FIELDS,
    MAX_CUSTODIANS,
    MAX_NOTICE_KEYS,
    MEMBER_FIELDS,
    NOTICE_KEY_FIELDS,
    SET_FIELDS,
    SET_FORMAT,
    SUPERVISOR_FIELDS,
    WITNESS_FIELDS,
    CustodianError,
    _b64,
    _certificate,
    _verifies,
    _when,
)
from ggzy_sm.keys import SigningKey
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import sm3
from ggzy_sm.witness import WitnessError, WitnessTrust


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
class SignedCustodianSet:
    """A custodian set whose members all signed it, read (`set_verify`). Not the platform's record of a
    published set (`ggzy.sealing.models.CustodianSet`)."""

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


def _parse_set(body: dict[str, Any]) -> SignedCustodianSet:
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
    return SignedCustodianSet(
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


def set_verify(signed: dict[str, Any], pins: Iterable[str] | str = ()) -> SignedCustodianSet:
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
