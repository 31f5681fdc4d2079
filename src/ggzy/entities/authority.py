"""The authority registries the library looks entries up in — the electronic business licence (market
regulation), the housing ministry's enterprise qualifications and registered professionals — through one
interface: `POST {GGZY_AUTHORITY_URL}/v1/lookup` {"kind", "number", "nonce"}, answered with a body signed
(SM2, purpose `ggzy-authority-answer-v1`) by the key GGZY_AUTHORITY_TRUST pins (a ggzy-authority-trust-v1
file; the entry GGZY_AUTHORITY_CODE, `moha` by default). `ggzy-authority serve` simulates it
(packages/ggzy-authority; docs/entities.md §4), so the real registry is a configuration change: an adapter
that speaks its protocol and answers this shape.

The platform trusts only the pinned key: an answer signed by another key, for another number or kind, or
echoing another nonce (a replay) is refused and nothing is recorded."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from ggzy.core.errors import DomainError
from ggzy.entities.errors import EntitiesError
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey

PURPOSE = "ggzy-authority-answer-v1"
TRUST_FORMAT = "ggzy-authority-trust-v1"
ANSWER_KEYS = frozenset({"format", "authority", "kind", "number", "nonce", "found", "record", "answered_at"})
KINDS = frozenset({"licence", "qualification", "professional"})


@dataclass(frozen=True)
class Answer:
    """A verified answer: its body and the whole signed reply (kept with the entry)."""

    body: dict[str, Any]
    signed: dict[str, Any]

    @property
    def record(self) -> dict[str, Any] | None:
        record = self.body.get("record")
        return record if self.body.get("found") and isinstance(record, dict) else None


def _untrusted() -> DomainError:
    return DomainError(EntitiesError.AUTHORITY_UNTRUSTED)


def pinned() -> tuple[str, Sm2PublicKey]:
    """(name, key) of the configured authority as the trust file pins it."""
    path = str(getattr(settings, "GGZY_AUTHORITY_TRUST", "") or "")
    code = str(getattr(settings, "GGZY_AUTHORITY_CODE", "") or "moha")
    if not path or not getattr(settings, "GGZY_AUTHORITY_URL", ""):
        raise DomainError(EntitiesError.AUTHORITY_NOT_CONFIGURED)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        entry = document["authorities"][code] if document.get("format") == TRUST_FORMAT else None
        found = (str(entry["name"]), Sm2PublicKey.from_hex(str(entry["key"]))) if entry else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, CryptoError) as exc:
        raise DomainError(EntitiesError.AUTHORITY_NOT_CONFIGURED) from exc
    if found is None:
        raise DomainError(EntitiesError.AUTHORITY_NOT_CONFIGURED)
    return found


def answer_check(reply: Any, *, kind: str, number: str, nonce: str) -> Answer:
    """The answer if the pinned key signed it and it answers this question; refused otherwise."""
    name, key = pinned()
    if not isinstance(reply, dict) or not isinstance(reply.get("answer"), dict):
        raise _untrusted()
    body = reply["answer"]
    if set(body) != ANSWER_KEYS or body["format"] != PURPOSE:
        raise _untrusted()
    try:
        key.verify(PURPOSE, body, bytes.fromhex(str(reply.get("signature", ""))))
    except (CryptoError, ValueError) as exc:
        raise _untrusted() from exc
    if (body["authority"], body["kind"], body["number"], body["nonce"]) != (name, kind, number, nonce):
        raise _untrusted()
    return Answer(dict(body), dict(reply))


def lookup(kind: str, number: str) -> Answer:
    """Ask the authority about `number` of `kind`; a verified answer (found or not)."""
    assert kind in KINDS  # noqa: S101  (the callers' constant)
    pinned()  # configured, before anything is sent
    number = number.strip().upper()
    nonce = secrets.token_hex(16)
    url = str(settings.GGZY_AUTHORITY_URL).rstrip("/") + "/v1/lookup"
    data = json.dumps({"kind": kind, "number": number, "nonce": nonce}, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310  (the configured registry's http(s) address)
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    timeout = float(getattr(settings, "GGZY_AUTHORITY_TIMEOUT", 5))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            reply = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise DomainError(
            EntitiesError.AUTHORITY_UNAVAILABLE, detail={"reason": f"HTTP {error.code}"}
        ) from error
    except (OSError, ValueError) as exc:
        raise DomainError(EntitiesError.AUTHORITY_UNAVAILABLE, detail={"reason": type(exc).__name__}) from exc
    return answer_check(reply, kind=kind, number=number, nonce=nonce)
