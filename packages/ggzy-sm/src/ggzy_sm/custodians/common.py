"""What the custodian protocol's modules share: the formats' names and fields, the refusal
(`CustodianError`) and the checks of single values."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from ggzy_sm import strict, x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey

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


def _signed_payload(signed: Any, fields: frozenset[str], form: str) -> dict[str, Any]:
    if not strict.exact(signed, SIGNED_FIELDS) or not strict.exact(signed["payload"], fields):
        raise CustodianError("malformed", f"not a {form}: {{payload, signature}} with exactly its fields")
    if signed["payload"]["format"] != form:
        raise CustodianError("malformed", f"not a {form}")
    return dict(signed["payload"])


def _deadline(value: dt.datetime | str) -> dt.datetime:
    try:
        if isinstance(value, dt.datetime):
            strict.instant(value)  # aware
            return value
        return strict.parse_instant(value)
    except ValueError as exc:
        raise CustodianError("malformed", f"the deadline is not an instant ({exc})") from exc
