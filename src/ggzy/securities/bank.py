"""The platform's side of the bank interface (docs/bank-interface.md): signed requests to a bank, its signed
answers, statements and notifications checked against the key the trust file pins.

    banks() -> {code: Bank}                  GGZY_BANKS ("CODE=URL,…") with the keys GGZY_BANK_TRUST pins
    deposit_bank() -> Bank                   where new sub-accounts are opened (the first configured)
    ask(bank, action, path, fields) -> dict  one signed request; the bank's answer body once it verifies
    notification_open(raw) -> (Bank, dict)  a notification's body once its signature verifies

Requests are signed by the platform's `security_request` key (`core.keystore`), which the bank pins
(`ggzy-bank configure --platform-key`); every request carries a fresh nonce, so the answer is bound to it.
A refusal the bank signs is an answer (a refund `refused`); no answer, a 503, or an answer that does not
verify is a `BankError` and nothing is recorded. Nothing here writes to the database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.conf import settings

from ggzy.core import keystore, outside
from ggzy.core.models import Purpose
from ggzy_sm import simulator
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey

REQUEST_PURPOSE = "ggzy-bank-request-v1"
ANSWER_PURPOSE = "ggzy-bank-answer-v1"
STATEMENT_PURPOSE = "ggzy-bank-statement-v1"
NOTIFICATION_PURPOSE = "ggzy-bank-notification-v1"
TRUST_FORMAT = "ggzy-bank-trust-v1"
NOTIFICATION_KEYS = frozenset(
    {
        "format", "bank", "sequence", "transaction", "sub_account", "section", "bidder", "amount_fen",
        "payer_name", "payer_account", "instant",
    }
)  # fmt: skip
MAX_BODY = 1024 * 1024


class BankError(Exception):
    """The bank could not be asked, or its answer cannot be trusted: `kind` is `unavailable` (no answer, a
    5xx: try again later), `answer` (an answer that does not verify, or does not answer this request) or
    `config` (no bank configured, no key pinned)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Bank:
    code: str
    name: str
    url: str
    key: Sm2PublicKey


def _trust() -> dict[str, Any]:
    try:
        document = outside.trust_document(settings.GGZY_BANK_TRUST, TRUST_FORMAT, "GGZY_BANK_TRUST")
    except outside.OutsideError as exc:
        raise BankError(exc.kind, str(exc)) from exc
    found = document.get("banks")
    return found if isinstance(found, dict) else {}


def configured() -> dict[str, str]:
    """{code: URL} of GGZY_BANKS, in order."""
    out: dict[str, str] = {}
    for part in settings.GGZY_BANKS.split(","):
        code, _eq, url = part.strip().partition("=")
        if code and url:
            out[code.strip()] = url.strip().rstrip("/")
    return out


def banks() -> dict[str, Bank]:
    """The configured banks whose key the trust file pins (a bank without one is left out)."""
    urls = configured()
    if not urls:
        return {}
    pinned = _trust()
    out: dict[str, Bank] = {}
    for code, url in urls.items():
        entry = pinned.get(code)
        if not isinstance(entry, dict):
            continue
        try:
            key = Sm2PublicKey.from_hex(str(entry.get("key", "")))
        except (CryptoError, ValueError):
            continue
        out[code] = Bank(code, str(entry.get("name") or code), url, key)
    return out


def bank(code: str) -> Bank:
    found = banks().get(code)
    if found is None:
        raise BankError("config", f"the bank {code} is not configured or its key is not pinned")
    return found


def deposit_bank() -> Bank | None:
    """The bank new sub-accounts are opened at: the first of GGZY_BANKS (None: deposits are not taken)."""
    found = banks()
    return next(iter(found.values()), None)


def platform_key_hex() -> str:
    """The platform's public request key, hex: what a bank (and an issuer) pins."""
    return keystore.signing_key(Purpose.SECURITY_REQUEST)[1].public_key.hex()


def _post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    try:
        return outside.post_json(url, body, timeout=settings.GGZY_BANK_TIMEOUT, most=MAX_BODY)
    except outside.OutsideError as exc:
        raise BankError(exc.kind, str(exc)) from exc


def ask(target: Bank, action: str, path: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One signed request to `target`; its signed answer's body, checked (`ask_signed`)."""
    return ask_signed(target, action, path, fields)[0]


def ask_signed(
    target: Bank, action: str, path: str, fields: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One signed request to `target`: (the answer's body, the signed document as it came — what the
    platform keeps as evidence), once checked: the pinned key, the purpose, the echoed action and nonce. A
    statement answers under its own purpose and wrapper."""
    _key_id, signer = keystore.signing_key(Purpose.SECURITY_REQUEST)
    nonce = secrets.token_hex(16)
    content = {"action": action, "nonce": nonce, **fields}
    envelope = simulator.signed(signer, REQUEST_PURPOSE, "request", content)
    status, reply = _post(target.url + path, envelope)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise BankError("unavailable", f"{target.code} answered {status}")
    purpose, wrapper = (
        (STATEMENT_PURPOSE, "statement") if action == "statement" else (ANSWER_PURPOSE, "answer")
    )
    if status != HTTPStatus.OK or not isinstance(reply, dict):
        reason = reply.get("reason") if isinstance(reply, dict) else None
        raise BankError("answer", f"{target.code} answered {status} {reason or ''}".strip())
    body = verified(target, reply, purpose, wrapper)
    if body.get("action") != action or body.get("nonce") != nonce:
        raise BankError("answer", f"{target.code}'s answer is not the answer to this request")
    return body, reply


def verified(target: Bank, reply: Any, purpose: str, wrapper: str) -> dict[str, Any]:
    """The body of a document `target` signed for `purpose` ({wrapper: body, "key", "signature"})."""
    if not isinstance(reply, dict) or not isinstance(reply.get(wrapper), dict):
        raise BankError("answer", f"not a signed {wrapper}")
    body: dict[str, Any] = reply[wrapper]
    if reply.get("key") != target.key.hex():
        raise BankError("answer", f"signed by a key {target.code} does not have")
    try:
        target.key.verify(purpose, body, bytes.fromhex(str(reply.get("signature", ""))))
    except (CryptoError, ValueError) as exc:
        raise BankError("answer", f"the signature of {target.code} does not verify") from exc
    if body.get("format") != purpose:
        raise BankError("answer", f"not a {purpose} document")
    return body


def notification_open(document: Any) -> tuple[Bank, dict[str, Any]]:
    """A notification's bank and body, once its signature verifies with that bank's pinned key (BankError
    `answer` otherwise: unsigned, a key not pinned, a bad signature, a malformed body)."""
    if not isinstance(document, dict) or set(document) != {"notification", "key", "signature"}:
        raise BankError("answer", 'a notification is {"notification", "key", "signature"}')
    body = document["notification"]
    if not isinstance(body, dict):
        raise BankError("answer", "the notification is not an object")
    # the bank names itself by its name; it is known by the key the trust file pins
    target = next((b for b in banks().values() if b.key.hex() == document.get("key")), None)
    if target is None:
        raise BankError("answer", "signed by no bank the platform pins")
    verified_body = verified(target, document, NOTIFICATION_PURPOSE, "notification")
    if set(verified_body) != NOTIFICATION_KEYS:
        raise BankError("answer", "the notification's fields are not the interface's")
    return target, verified_body
