"""The witness log's signed objects and how a verifier checks them (docs/witness-cosigner.md).

* a **tree head** (`ggzy-sth-v1`, the platform's signature): log, hash, tree_size, root_hash,
  timestamp, epoch;
* a **co-signature** (`ggzy-cosign-v2`, a co-signer's own key): the head, the head that co-signer
  co-signed before it (a chain: two co-signatures naming the same `previous` convict it of
  equivocation) and its own clock's time;
* an **epoch statement** (`ggzy-epoch-v1`, the supervising department): after a restore from backup,
  the last co-signed head of the old epoch and the first head of the new one;
* a **trust file** (`ggzy-witness-trust-v1`): the pinned operator, co-signer and supervisor keys and
  the threshold k of co-signatures a head needs.

`verify_head` accepts a head only with k valid co-signatures from pinned co-signers — never with the
platform's signature alone. Django-free: the platform, `ggzy-verify`, `ggzy-bid`, the custodians and
the co-signer service all use this module.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ggzy_sm.canonical import format_instant
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import SigningKey
from ggzy_sm.sm2 import Sm2PublicKey

LOG = "ggzy-witness-v1"
STH_PURPOSE = "ggzy-sth-v1"
COSIGN_PURPOSE = "ggzy-cosign-v2"
EPOCH_PURPOSE = "ggzy-epoch-v1"
TRUST_FORMAT = "ggzy-witness-trust-v1"
HASHES = ("sm3", "sha256")
STH_KEYS = frozenset({"log", "hash", "tree_size", "root_hash", "timestamp", "epoch"})
REF_KEYS = frozenset({"tree_size", "root_hash", "epoch"})
# fullmatch and ASCII digits: `$` also matches before a final newline, and `\d` matches any script's
# digits, so "…Z\n" or full-width digits would pass as a second spelling of the same head.
_HEX64 = re.compile(r"[0-9a-f]{64}")
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
MAX_SIZE = 2**53 - 1


class WitnessError(CryptoError):
    """A witness object is refused; `reason` is a machine word, the message says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _malformed(message: str) -> WitnessError:
    return WitnessError("malformed", message)


def parse_instant(text: Any) -> dt.datetime:
    """An instant as the canonical profile writes it (UTC, microseconds, Z)."""
    if not isinstance(text, str) or not _INSTANT.fullmatch(text):
        raise _malformed(f"{text!r} is not an RFC 3339 UTC instant with microseconds")
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError as exc:  # month 13, 25 o'clock, 30 February…
        raise _malformed(f"{text!r} is not a real instant") from exc


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SIZE:
        raise _malformed(f"{what} must be a whole number from 0")
    return value


# --- tree heads -------------------------------------------------------------------------------------
def sth_make(
    size: int, root_hex: str, timestamp: dt.datetime, *, epoch: int = 0, alg: str = "sm3"
) -> dict[str, Any]:
    sth = {
        "log": LOG,
        "hash": alg,
        "tree_size": size,
        "root_hash": root_hex,
        "timestamp": format_instant(timestamp),
        "epoch": epoch,
    }
    sth_check(sth)
    return sth


def sth_check(sth: Any) -> dict[str, Any]:
    """The head's payload, exactly: the six fields, each of its type; or WitnessError("malformed")."""
    if not isinstance(sth, dict) or set(sth) != STH_KEYS:
        raise _malformed(f"a tree head has exactly the fields {sorted(STH_KEYS)}")
    if sth["log"] != LOG or sth["hash"] not in HASHES:
        raise _malformed("a tree head of another log or hash")
    _count(sth["tree_size"], "tree_size")
    _count(sth["epoch"], "epoch")
    if not isinstance(sth["root_hash"], str) or not _HEX64.fullmatch(sth["root_hash"]):
        raise _malformed("root_hash is 64 lower-case hex digits")
    parse_instant(sth["timestamp"])
    return sth


def head_ref(sth: dict[str, Any]) -> dict[str, Any]:
    """How a head is named elsewhere: {tree_size, root_hash, epoch}."""
    return {"tree_size": sth["tree_size"], "root_hash": sth["root_hash"], "epoch": sth["epoch"]}


def _ref_check(ref: Any, what: str) -> dict[str, Any]:
    if not isinstance(ref, dict) or set(ref) != REF_KEYS:
        raise _malformed(f"{what} names a head by exactly {sorted(REF_KEYS)}")
    _count(ref["tree_size"], f"{what}.tree_size")
    _count(ref["epoch"], f"{what}.epoch")
    if not isinstance(ref["root_hash"], str) or not _HEX64.fullmatch(ref["root_hash"]):
        raise _malformed(f"{what}.root_hash is 64 lower-case hex digits")
    return ref


def operator_signature_check(head: dict[str, Any], operator_keys: Iterable[Sm2PublicKey]) -> None:
    """The platform's signature on the head verifies with one of `operator_keys`."""
    sth = sth_check(head.get("sth") if isinstance(head, dict) else None)
    try:
        signature = bytes.fromhex(str(head.get("signature")))
    except ValueError as exc:
        raise WitnessError("operator_signature", "the head's signature is not hex") from exc
    for key in operator_keys:
        try:
            key.verify(STH_PURPOSE, sth, signature)
        except CryptoError:
            continue
        return
    raise WitnessError(
        "operator_signature", "the platform's signature on the head does not verify with a pinned key"
    )


# --- co-signatures ----------------------------------------------------------------------------------
def cosignature_make(
    key: SigningKey, sth: dict[str, Any], previous: dict[str, Any] | None, cosigned_at: dt.datetime
) -> dict[str, Any]:
    body = {
        "format": COSIGN_PURPOSE,
        "sth": sth_check(sth),
        "previous": None if previous is None else _ref_check(previous, "previous"),
        "cosigned_at": format_instant(cosigned_at),
    }
    return {
        "cosigner_key": key.public_key.hex(),
        "body": body,
        "signature": key.sign(COSIGN_PURPOSE, body).hex(),
    }


def cosignature_check(cosignature: Any, key: Sm2PublicKey | None = None) -> dict[str, Any]:
    """The co-signature's body, if its form is right and it verifies (with `key` when given, else with
    the key it names); WitnessError otherwise."""
    if not isinstance(cosignature, dict) or set(cosignature) != {"cosigner_key", "body", "signature"}:
        raise _malformed("a co-signature is {cosigner_key, body, signature}")
    body = cosignature["body"]
    if not isinstance(body, dict) or set(body) != {"format", "sth", "previous", "cosigned_at"}:
        raise _malformed("a co-signature's body is {format, sth, previous, cosigned_at}")
    if body["format"] != COSIGN_PURPOSE:
        raise _malformed("not a ggzy-cosign-v2 co-signature")
    sth_check(body["sth"])
    if body["previous"] is not None:
        _ref_check(body["previous"], "previous")
    parse_instant(body["cosigned_at"])
    try:
        named = Sm2PublicKey.from_hex(str(cosignature["cosigner_key"]))
        signature = bytes.fromhex(str(cosignature["signature"]))
    except (CryptoError, ValueError) as exc:
        raise _malformed("the co-signature's key or signature is not hex") from exc
    if key is not None and named != key:
        raise WitnessError("cosignature", "the co-signature names another key")
    try:
        named.verify(COSIGN_PURPOSE, body, signature)
    except CryptoError as exc:
        raise WitnessError("cosignature", "the co-signature does not verify") from exc
    return body


# --- the trust a verifier pins ------------------------------------------------------------------------
@dataclass(frozen=True)
class WitnessTrust:
    operator_keys: tuple[Sm2PublicKey, ...]
    cosigners: tuple[tuple[str, Sm2PublicKey], ...]
    threshold: int
    supervisor_keys: tuple[Sm2PublicKey, ...] = ()

    def __post_init__(self) -> None:
        if not self.operator_keys:
            raise _malformed("the trust names no operator key")
        if not 1 <= self.threshold <= len(self.cosigners):
            raise _malformed(
                "the threshold is at least 1 and at most the number of pinned co-signers: "
                "a head is never accepted on the platform's signature alone"
            )
        if len({key for _name, key in self.cosigners}) != len(self.cosigners):
            raise _malformed("a co-signer is pinned twice")
        if len({name for name, _key in self.cosigners}) != len(self.cosigners):
            raise _malformed("two pinned co-signers have the same name")  # counted and named by name
        if {key for _name, key in self.cosigners} & set(self.operator_keys):
            raise _malformed(
                "an operator key is pinned as a co-signer: the platform would co-sign its own heads"
            )

    @classmethod
    def from_json(cls, data: Any) -> WitnessTrust:
        if not isinstance(data, dict) or data.get("format") != TRUST_FORMAT or data.get("log") != LOG:
            raise _malformed(f"not a {TRUST_FORMAT} file for {LOG}")
        try:
            operators = tuple(Sm2PublicKey.from_hex(str(k)) for k in data["operator_keys"])
            cosigners = tuple(
                (str(c["name"]), Sm2PublicKey.from_hex(str(c["key"]))) for c in data["cosigners"]
            )
            supervisors = tuple(Sm2PublicKey.from_hex(str(k)) for k in data.get("supervisor_keys", []))
            threshold = data["threshold"]
        except (KeyError, TypeError, ValueError, CryptoError) as exc:
            raise _malformed(f"the trust file is malformed ({type(exc).__name__}: {exc})") from exc
        return cls(operators, cosigners, _count(threshold, "threshold"), supervisors)

    @classmethod
    def load(cls, path: str | Path) -> WitnessTrust:
        try:
            return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise _malformed(f"{path}: cannot read the trust file ({exc})") from exc

    def to_json(self) -> dict[str, Any]:
        return {
            "format": TRUST_FORMAT,
            "log": LOG,
            "operator_keys": [k.hex() for k in self.operator_keys],
            "cosigners": [{"name": name, "key": key.hex()} for name, key in self.cosigners],
            "threshold": self.threshold,
            "supervisor_keys": [k.hex() for k in self.supervisor_keys],
        }

    def cosigner_name(self, key: Sm2PublicKey) -> str | None:
        return next((name for name, pinned in self.cosigners if pinned == key), None)


def verify_head(head: Any, trust: WitnessTrust) -> list[str]:
    """What is wrong with a signed head under `trust` ([] when it is accepted): its form, the platform's
    signature, and fewer than `trust.threshold` valid co-signatures from pinned co-signers over this
    very head. Co-signatures by keys not pinned are ignored."""
    try:
        operator_signature_check(head, trust.operator_keys)
    except WitnessError as exc:
        return [str(exc)]
    sth = head["sth"]
    signed_by: set[str] = set()
    problems: list[str] = []
    cosignatures = head.get("cosignatures") or []
    if not isinstance(cosignatures, list):
        return ["the head's cosignatures are not a list"]
    for cosignature in cosignatures:
        try:
            key = Sm2PublicKey.from_hex(str(cosignature.get("cosigner_key")))
        except (CryptoError, ValueError, AttributeError):
            continue
        name = trust.cosigner_name(key)
        if name is None:
            continue
        try:
            body = cosignature_check(cosignature, key)
        except WitnessError as exc:
            problems.append(f"co-signer {name}: {exc}")
            continue
        if body["sth"] != sth:
            problems.append(f"co-signer {name}: the co-signature is for another head")
            continue
        signed_by.add(name)
    if len(signed_by) < trust.threshold:
        return [
            *problems,
            f"only {len(signed_by)} of the {trust.threshold} pinned co-signatures this head needs"
            + (f" ({', '.join(sorted(signed_by))})" if signed_by else ""),
        ]
    return []


# --- epochs -----------------------------------------------------------------------------------------
def epoch_statement_make(
    key: SigningKey,
    *,
    previous_epoch: int,
    last_head: dict[str, Any],
    first_head: dict[str, Any],
    reason: str,
    declared_at: dt.datetime,
) -> dict[str, Any]:
    statement = {
        "format": EPOCH_PURPOSE,
        "log": LOG,
        "previous_epoch": previous_epoch,
        "new_epoch": previous_epoch + 1,
        "last_head": last_head,
        "first_head": first_head,
        "reason": reason,
        "declared_at": format_instant(declared_at),
    }
    _statement_check(statement)
    return {
        "statement": statement,
        "signer_key": key.public_key.hex(),
        "signature": key.sign(EPOCH_PURPOSE, statement).hex(),
    }


STATEMENT_KEYS = frozenset(
    {"format", "log", "previous_epoch", "new_epoch", "last_head", "first_head", "reason", "declared_at"}
)


def _statement_check(statement: Any) -> dict[str, Any]:
    if not isinstance(statement, dict) or set(statement) != STATEMENT_KEYS:
        raise _malformed(f"an epoch statement has exactly the fields {sorted(STATEMENT_KEYS)}")
    if statement["format"] != EPOCH_PURPOSE or statement["log"] != LOG:
        raise _malformed("not a ggzy-epoch-v1 statement of this log")
    previous = _count(statement["previous_epoch"], "previous_epoch")
    if _count(statement["new_epoch"], "new_epoch") != previous + 1:
        raise _malformed("an epoch statement moves to the next epoch only")
    last = _ref_check(statement["last_head"], "last_head")
    if last["epoch"] != previous:
        raise _malformed("the last head belongs to the previous epoch")
    first = statement["first_head"]
    if not isinstance(first, dict) or set(first) != {"tree_size", "root_hash"}:
        raise _malformed("first_head names a head by exactly tree_size and root_hash")
    _count(first["tree_size"], "first_head.tree_size")
    if not isinstance(first["root_hash"], str) or not _HEX64.fullmatch(first["root_hash"]):
        raise _malformed("first_head.root_hash is 64 lower-case hex digits")
    if not isinstance(statement["reason"], str) or not statement["reason"].strip():
        raise _malformed("an epoch statement gives its reason")
    parse_instant(statement["declared_at"])
    return statement


def epoch_statement_check(signed: Any, supervisor_keys: Sequence[Sm2PublicKey]) -> dict[str, Any]:
    """The statement, if it is well formed and signed by one of the pinned supervisor keys."""
    if not isinstance(signed, dict) or set(signed) != {"statement", "signer_key", "signature"}:
        raise _malformed("a signed epoch statement is {statement, signer_key, signature}")
    statement = _statement_check(signed["statement"])
    try:
        key = Sm2PublicKey.from_hex(str(signed["signer_key"]))
        signature = bytes.fromhex(str(signed["signature"]))
    except (CryptoError, ValueError) as exc:
        raise _malformed("the statement's key or signature is not hex") from exc
    if key not in supervisor_keys:
        raise WitnessError("epoch", "the epoch statement is not signed by a pinned supervisor key")
    try:
        key.verify(EPOCH_PURPOSE, statement, signature)
    except CryptoError as exc:
        raise WitnessError("epoch", "the epoch statement's signature does not verify") from exc
    return statement


def verify_epochs(statements: Sequence[Any], epoch: int, trust: WitnessTrust) -> tuple[list[str], list[str]]:
    """For a head of `epoch`: (problems, the breaks to show). Each epoch 1 … `epoch` needs exactly one
    valid statement, in order."""
    problems: list[str] = []
    breaks: list[str] = []
    checked = []
    for signed in statements:
        try:
            checked.append(epoch_statement_check(signed, trust.supervisor_keys))
        except WitnessError as exc:
            problems.append(f"epoch statement: {exc}")
    by_epoch: dict[int, list[dict[str, Any]]] = {}
    for statement in checked:
        same = by_epoch.setdefault(statement["new_epoch"], [])
        if statement not in same:
            same.append(statement)
    for n in range(1, epoch + 1):
        found = by_epoch.get(n, [])
        if not found:
            problems.append(f"epoch {n} has no valid statement from the supervising department")
            continue
        if len(found) > 1:
            problems.append(f"epoch {n} has {len(found)} different valid statements, not one")
            continue
        statement = found[0]
        last, first = statement["last_head"], statement["first_head"]
        breaks.append(
            f"epoch {n} began {statement['declared_at']} after co-signed head {last['tree_size']} of "
            f"epoch {last['epoch']}; the new epoch's first head has {first['tree_size']} leaves: "
            f"{statement['reason']}"
        )
    return problems, breaks
