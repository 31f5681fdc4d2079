"""The platform's side of the electronic-guarantee interface (docs/guarantee-interface.md): signed requests to
an issuer, its signed answers checked against the key the trust file pins, and the roots a guarantee from
**any** issuer must chain to (the platform designates none: standard 11.2.6).

    issuers() -> {code: Issuer}               GGZY_GUARANTEE_ISSUERS ("CODE=URL,…") with the trust file's keys
    issuer(code) -> Issuer                    one of them (IssuerError `config` if it cannot be reached)
    trusted() -> {code: TrustEntry}           every issuer the trust file names (reachable or not)
    roots() -> [DER]                          the roots a guarantee must chain to (`trust_roots`)
    ask(issuer, action, path, fields) -> dict one signed request; the issuer's answer body once it verifies
    fetch(issuer, number) -> dict             the guarantee as the issuer holds it (GET /v1/guarantees/<n>)

Requests are signed by the platform's `security_request` key (`core.keystore`), which the issuer pins
(`ggzy-guarantee init --platform KEY`); each carries a fresh nonce and the issuer's code, so the answer is
bound to it. A refusal the issuer signs (`outcome` "refused": rejected, replayed, claimed already) is an
answer; no answer or a 5xx is `IssuerError("unavailable")`; an answer that does not verify, or does not
answer this request, `IssuerError("answer")`. Nothing here writes to the database."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.conf import settings

from ggzy.core import keystore, outside
from ggzy.core.models import Purpose
from ggzy_sm import guarantees
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey

ANSWER_PURPOSE = guarantees.ANSWER_PURPOSE
TRUST_FORMAT = guarantees.TRUST_FORMAT
MAX_BODY = 8 * 1024 * 1024  # a guarantee carries its document (at most 4 MiB, base64)
#: The statuses an issuer answers a signed request with (docs/guarantee-interface.md §3).
SIGNED_STATUSES = frozenset({HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT})
ANSWER_KEYS = frozenset(
    {
        "format", "issuer", "action", "nonce", "answered_at", "outcome", "reason", "message",
        "application", "guarantee", "claim",
    }
)  # fmt: skip


class IssuerError(Exception):
    """An issuer could not be asked, or its answer cannot be trusted: `kind` is `unavailable` (no answer, a
    5xx: try again later), `answer` (an answer that does not verify, or does not answer this request) or
    `config` (no trust file, an issuer not configured or without a pinned key)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class TrustEntry:
    """An issuer as the trust file names it: its code (credit code), kind, name and answer key."""

    code: str
    kind: str
    name: str
    key: Sm2PublicKey


@dataclass(frozen=True)
class Issuer:
    """An issuer the platform can reach: its trust entry and where it listens."""

    code: str
    kind: str
    name: str
    url: str
    key: Sm2PublicKey


def _trust_document() -> dict[str, Any]:
    try:
        return outside.trust_document(settings.GGZY_GUARANTEE_TRUST, TRUST_FORMAT, "GGZY_GUARANTEE_TRUST")
    except outside.OutsideError as exc:
        raise IssuerError(exc.kind, str(exc)) from exc


def trusted() -> dict[str, TrustEntry]:
    """Every issuer the trust file names with a usable key (reachable or not), by code."""
    found = _trust_document().get("issuers")
    out: dict[str, TrustEntry] = {}
    for code, entry in (found if isinstance(found, dict) else {}).items():
        if not isinstance(entry, dict) or entry.get("kind") not in guarantees.KINDS:
            continue
        try:
            key = Sm2PublicKey.from_hex(str(entry.get("key", "")))
        except (CryptoError, ValueError):
            continue
        out[str(code)] = TrustEntry(str(code), str(entry["kind"]), str(entry.get("name") or code), key)
    return out


def roots() -> list[bytes]:
    """The root certificates (DER) a guarantee must chain to: those of the trust file."""
    try:
        return guarantees.trust_roots(_trust_document())
    except guarantees.GuaranteeError as exc:
        raise IssuerError("config", f"the guarantee trust file: {exc}") from exc


def configured() -> dict[str, str]:
    """{code: URL} of GGZY_GUARANTEE_ISSUERS, in order."""
    out: dict[str, str] = {}
    for part in settings.GGZY_GUARANTEE_ISSUERS.split(","):
        code, _eq, url = part.strip().partition("=")
        if code and url:
            out[code.strip()] = url.strip().rstrip("/")
    return out


def issuers() -> dict[str, Issuer]:
    """The configured issuers whose key the trust file pins (one without is left out), in order."""
    urls = configured()
    if not urls:
        return {}
    pinned = trusted()
    return {
        code: Issuer(code, entry.kind, entry.name, url, entry.key)
        for code, url in urls.items()
        if (entry := pinned.get(code)) is not None
    }


def issuer(code: str) -> Issuer:
    found = issuers().get(code)
    if found is None:
        raise IssuerError("config", f"the issuer {code} is not configured or its key is not pinned")
    return found


def _exchange(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        return outside.exchange(request, timeout=settings.GGZY_GUARANTEE_TIMEOUT, most=MAX_BODY)
    except outside.OutsideError as exc:
        raise IssuerError(exc.kind, str(exc)) from exc


def _post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    try:
        return outside.post_json(url, body, timeout=settings.GGZY_GUARANTEE_TIMEOUT, most=MAX_BODY)
    except outside.OutsideError as exc:
        raise IssuerError(exc.kind, str(exc)) from exc


def ask(target: Issuer, action: str, path: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One signed request to `target`; its signed answer's body, checked (the pinned key, the purpose, the
    issuer's code, the echoed action and nonce). A refusal it signs is returned (`outcome` "refused")."""
    _key_id, signer = keystore.signing_key(Purpose.SECURITY_REQUEST)
    envelope = guarantees.request_make(signer, action, target.code, fields)
    nonce = envelope["request"]["nonce"]
    status, reply = _post(target.url + path, envelope)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise IssuerError("unavailable", f"{target.code} answered {status}")
    if status not in SIGNED_STATUSES or not isinstance(reply, dict) or "answer" not in reply:
        reason = reply.get("reason") if isinstance(reply, dict) else None
        raise IssuerError("answer", f"{target.code} answered {status} {reason or ''}".strip())
    body = verified(target, reply)
    if body.get("action") != action or body.get("nonce") != nonce:
        raise IssuerError("answer", f"{target.code}'s answer is not the answer to this request")
    if (body.get("outcome") == "ok") != (status == HTTPStatus.OK):
        raise IssuerError("answer", f"{target.code}'s answer and its status ({status}) disagree")
    return body


def verified(target: Issuer, reply: Any) -> dict[str, Any]:
    """The body of an answer `target` signed ({"answer": body, "key", "signature"})."""
    if not isinstance(reply, dict) or not isinstance(reply.get("answer"), dict):
        raise IssuerError("answer", "not a signed answer")
    body: dict[str, Any] = reply["answer"]
    if reply.get("key") != target.key.hex():
        raise IssuerError("answer", f"signed by a key {target.code} does not have")
    try:
        target.key.verify(ANSWER_PURPOSE, body, bytes.fromhex(str(reply.get("signature", ""))))
    except (CryptoError, ValueError) as exc:
        raise IssuerError("answer", f"the signature of {target.code} does not verify") from exc
    if body.get("format") != ANSWER_PURPOSE or set(body) != ANSWER_KEYS:
        raise IssuerError("answer", f"not a {ANSWER_PURPOSE} document")
    named = body.get("issuer")
    if not isinstance(named, dict) or named.get("code") != target.code:
        raise IssuerError("answer", f"the answer names another issuer than {target.code}")
    if body["outcome"] not in ("ok", "refused"):
        raise IssuerError("answer", "the answer's outcome is neither ok nor refused")
    return body


def fetch(target: Issuer, number: str) -> dict[str, Any]:
    """The guarantee `number` as `target` holds it (验真: GET /v1/guarantees/<number>), unchecked — the
    caller runs `guarantee_check` on it. IssuerError `unavailable` or `answer` (not found, not JSON)."""
    url = f"{target.url}/v1/guarantees/{urllib.parse.quote(number, safe='')}"
    request = urllib.request.Request(url, method="GET")  # noqa: S310  (a configured issuer)
    status, reply = _exchange(request)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise IssuerError("unavailable", f"{target.code} answered {status}")
    if status != HTTPStatus.OK or not isinstance(reply, dict):
        raise IssuerError("answer", f"{target.code} has no guarantee {number} ({status})")
    return reply


def platform_key_hex() -> str:
    """The platform's public request key, hex: what an issuer pins (the bank's too)."""
    return keystore.signing_key(Purpose.SECURITY_REQUEST)[1].public_key.hex()
