"""The platform's signed receipt of a sealed bid (回执, `ggzy-bid-receipt-v1`, docs/submission.md
"Receipts"): what a bidder brings to a dispute, checked offline with nothing but the receipt and the
platform's published receipt keys.

A receipt is `{"receipt": body, "signature": hex}` (plus, as served, the witness log's `promise` beside
them — signed by the log's own key, not part of the body). The body names the section, the bidder, the
ciphertext's SM3 and size, the instant its last byte arrived, the deadline it was sealed against, the
SM3 of each custodian's acknowledgement (canonical JSON of `{"payload", "signature"}`), the event the
platform recorded and the id of the key that signed. It is signed with SM2 for the purpose
`ggzy-bid-receipt-v1` by the platform's receipt key.

The keys file is what `GET /api/v1/sealing/receipt-keys` answers (`ggzy-bid-receipt-keys-v1`): every
receipt key the platform ever had, with the instants it was made and retired. A receipt verifies with
the key its `key_id` names, and only if it was signed while that key was active — so rotating the key
breaks nothing (old receipts name the retired key, still listed), and a key retired after a leak cannot
make receipts dated after its retirement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ggzy_sm import canonical, strict
from ggzy_sm.errors import IntegrityError
from ggzy_sm.keys import SigningKey
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

FORMAT = "ggzy-bid-receipt-v1"
PURPOSE = "ggzy-bid-receipt-v1"
KEYS_FORMAT = "ggzy-bid-receipt-keys-v1"
FIELDS = frozenset(
    {
        "format", "platform", "centre", "section", "bidder", "bid", "ciphertext_sm3", "ciphertext_size",
        "received_at", "signed_at", "bound_deadline", "acknowledgements", "event", "key_id",
    }
)  # fmt: skip
KEY_FIELDS = frozenset({"key_id", "public_key", "created_at", "retired_at"})


class ReceiptError(ValueError):
    """A receipt that does not verify; `reason` names why (malformed, unknown_key, signature,
    key_not_active)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ReceiptKey:
    """A published receipt key and its active period [created_at, retired_at)."""

    key_id: str
    public_key: Sm2PublicKey
    created_at: dt.datetime
    retired_at: dt.datetime | None

    def active_at(self, instant: dt.datetime) -> bool:
        return self.created_at <= instant and (self.retired_at is None or instant < self.retired_at)


def ack_digest(ack: Mapping[str, Any]) -> str:
    """The SM3 (hex) of an acknowledgement's canonical JSON, as the receipt lists it."""
    return sm3(canonical.dumps(ack)).hex()


def receipt_body(
    *,
    platform: str,
    centre: str,
    section: str,
    bidder: str,
    bid: str,
    ciphertext_sm3: str,
    ciphertext_size: int,
    received_at: dt.datetime,
    signed_at: dt.datetime,
    bound_deadline: dt.datetime,
    acknowledgements: Sequence[tuple[int, Mapping[str, Any]]],
    event: str,
    key_id: str,
) -> dict[str, Any]:
    """The body to sign; `acknowledgements` are (custodian index, the acknowledgement as received)."""
    return {
        "format": FORMAT,
        "platform": platform,
        "centre": centre,
        "section": section,
        "bidder": bidder,
        "bid": bid,
        "ciphertext_sm3": ciphertext_sm3,
        "ciphertext_size": ciphertext_size,
        "received_at": strict.instant(received_at),
        "signed_at": strict.instant(signed_at),
        "bound_deadline": strict.instant(bound_deadline),
        "acknowledgements": [
            {"custodian": index, "sm3": ack_digest(ack)}
            for index, ack in sorted(acknowledgements, key=_first)
        ],
        "event": event,
        "key_id": key_id,
    }


def _first(item: tuple[int, Any]) -> int:
    return item[0]


def receipt_sign(body: Mapping[str, Any], key: SigningKey) -> dict[str, Any]:
    """`{"receipt": body, "signature": hex}` signed for `ggzy-bid-receipt-v1`."""
    return {"receipt": dict(body), "signature": key.sign(PURPOSE, dict(body)).hex()}


def keys_parse(document: Any) -> dict[str, ReceiptKey]:
    """The receipt keys of a `ggzy-bid-receipt-keys-v1` document, by key id; ReceiptError(malformed)."""
    if not isinstance(document, dict) or document.get("format") != KEYS_FORMAT:
        raise ReceiptError("malformed", f"the keys file is not a {KEYS_FORMAT} document")
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise ReceiptError("malformed", "the keys file's keys are not a list")
    keys: dict[str, ReceiptKey] = {}
    for entry in entries:
        try:
            if not strict.exact(entry, KEY_FIELDS) or not strict.is_text(entry["key_id"], 64):
                raise ValueError("a key is {key_id, public_key, created_at, retired_at}")  # noqa: TRY301
            retired = entry["retired_at"]
            key = ReceiptKey(
                key_id=entry["key_id"],
                public_key=strict.public_key(entry["public_key"]),
                created_at=strict.parse_instant(entry["created_at"]),
                retired_at=None if retired is None else strict.parse_instant(retired),
            )
        except ValueError as exc:
            raise ReceiptError("malformed", f"the keys file has a malformed key ({exc})") from exc
        if key.key_id in keys:
            raise ReceiptError("malformed", f"the keys file lists the key {key.key_id} twice")
        keys[key.key_id] = key
    return keys


def _body_check(body: Any) -> dict[str, Any]:
    if not strict.exact(body, FIELDS) or body["format"] != FORMAT:
        raise ReceiptError("malformed", f"not a {FORMAT} receipt with exactly its fields")
    try:
        for name in ("platform", "centre", "section", "bidder", "bid", "event", "key_id"):
            if not strict.is_text(body[name], 200):
                raise ValueError(f"{name} is not a text")  # noqa: TRY301
        if not strict.HEX64.fullmatch(str(body["ciphertext_sm3"])):
            raise ValueError("ciphertext_sm3 is not 64 lower-case hex digits")  # noqa: TRY301
        if not strict.is_int(body["ciphertext_size"]) or body["ciphertext_size"] < 1:
            raise ValueError("ciphertext_size is not a positive integer")  # noqa: TRY301
        for name in ("received_at", "signed_at", "bound_deadline"):
            strict.parse_instant(body[name])
        acks = body["acknowledgements"]
        if not isinstance(acks, list) or not all(
            strict.exact(a, {"custodian", "sm3"})
            and strict.is_int(a["custodian"])
            and strict.HEX64.fullmatch(str(a["sm3"]))
            for a in acks
        ):
            raise ValueError("acknowledgements are [{custodian, sm3}]")  # noqa: TRY301
    except ValueError as exc:
        raise ReceiptError("malformed", f"the receipt is malformed ({exc})") from exc
    return body


def receipt_check(signed: Any, keys: Mapping[str, ReceiptKey]) -> dict[str, Any]:
    """The receipt's body if `signed` is a well-formed receipt signed by the key its `key_id` names,
    while that key was active (from its creation, before its retirement, judged by the receipt's
    `signed_at`); ReceiptError otherwise. A `promise` beside the receipt is not checked here (it is the
    witness log's, verified with the log's key)."""
    if not isinstance(signed, dict) or not {"receipt", "signature"} <= set(signed):
        raise ReceiptError("malformed", "a receipt is {receipt, signature}")
    body = _body_check(signed["receipt"])
    key = keys.get(body["key_id"])
    if key is None:
        raise ReceiptError("unknown_key", f"the key {body['key_id']} is not among the published receipt keys")
    try:
        key.public_key.verify(PURPOSE, body, strict.signature(signed["signature"]))
    except (IntegrityError, ValueError) as exc:
        raise ReceiptError("signature", "the receipt's signature does not verify") from exc
    if not key.active_at(strict.parse_instant(body["signed_at"])):
        raise ReceiptError(
            "key_not_active",
            f"the key {key.key_id} was not active when the receipt says it was signed ({body['signed_at']})",
        )
    return body


def summary(body: Mapping[str, Any]) -> list[str]:
    """What a verified receipt says, in Chinese, then in English (instants in UTC as written)."""
    custodians = ", ".join(str(a["custodian"]) for a in body["acknowledgements"]) or "-"
    chinese = (
        f"回执有效：{body['platform']}（{body['centre']}）收到投标人 {body['bidder']}"
        f" 对标段 {body['section']} 的投标文件 {body['bid']}，密文 SM3 {body['ciphertext_sm3']}，"
        f"{body['ciphertext_size']} 字节；最后一个字节到达时间 {body['received_at']}（UTC），"
        f"按投标截止时间 {body['bound_deadline']}（UTC）密封；保管人 {custodians} 的确认；"
        f"事件 {body['event']}；签名密钥 {body['key_id']}。"
    )
    english = (
        f"OK: the receipt verifies: {body['platform']} ({body['centre']}) received bid {body['bid']} of"
        f" {body['bidder']} for section {body['section']}, ciphertext SM3 {body['ciphertext_sm3']},"
        f" {body['ciphertext_size']} bytes; last byte at {body['received_at']}, sealed against the deadline"
        f" {body['bound_deadline']}; acknowledged by custodians {custodians}; event {body['event']};"
        f" signed by key {body['key_id']}."
    )
    return [chinese, english]
