"""Electronic guarantees (电子保函) from any issuer: the formats of docs/guarantee-interface.md and their
checks, Django-free — for the platform, the offline verifier and the issuer's simulator
(`ggzy-guarantee`) alike.

    guarantee_make(key, certificate, body, document)   an issuer's signed guarantee
    guarantee_check(guarantee, roots) -> body           the platform's check of one (GuaranteeError)
    trust_roots(trust_document) -> [DER]                the roots of a ggzy-guarantee-trust-v1 document
    request_make(key, action, issuer, fields)           the platform's signed request to an issuer
    request_open(envelope, pinned) -> body              an issuer's check of one (GuaranteeError)

A guarantee is {"guarantee": body, "signature", "certificate", "chain", "document"}: the body (purpose
`ggzy-guarantee-v1`) names the document's SM3, so the issuer's signature covers the document too; the
certificate (base64 DER) chains to a root the platform trusts — the issuer's own CA, or a CA that
certifies issuers — and names the issuer's credit code as its serialNumber. No issuer is designated:
any whose chain, signature and document verify is accepted (standard 11.2.6 forbids 强制担保).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from ggzy_sm import canonical, x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import SigningKey
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

PURPOSE = "ggzy-guarantee-v1"
ANSWER_PURPOSE = "ggzy-guarantee-answer-v1"
REQUEST_PURPOSE = "ggzy-guarantee-request-v1"
TRUST_FORMAT = "ggzy-guarantee-trust-v1"
KINDS = ("bank", "insurer", "guarantor")
DOCUMENT_KINDS = ("pdf",)
BODY_KEYS = frozenset(
    {
        "format", "number", "issuer", "applicant", "beneficiary", "section", "tender_project",
        "amount_fen", "cover_from", "cover_until", "issued_at", "document_sm3", "document_kind",
    }
)  # fmt: skip
GUARANTEE_KEYS = frozenset({"guarantee", "signature", "certificate", "chain", "document"})
ENVELOPE_KEYS = frozenset({"request", "key", "signature"})
MAX_DOCUMENT = 4 * 1024 * 1024  # bytes of a guarantee document
CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
NONCE = re.compile(r"[0-9a-f]{16,64}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX_SIGNATURE = re.compile(r"[0-9a-f]{128}")
NAME_LENGTH = 200


class GuaranteeError(CryptoError):
    """A guarantee (or a request) is refused; `reason` is a machine code: malformed, certificate (then
    `certificate_reason` is `ggzy_sm.x509`'s), issuer, signature, document; for a request also
    forbidden (a key not pinned, or a request for another issuer)."""

    def __init__(self, reason: str, message: str, certificate_reason: str | None = None) -> None:
        self.reason = reason
        self.certificate_reason = certificate_reason
        super().__init__(message)


def _malformed(message: str) -> GuaranteeError:
    return GuaranteeError("malformed", message)


# --- the fields -------------------------------------------------------------------------------------------


def code(value: Any, what: str) -> str:
    """A code (an organisation's, a section's, a project's): 1–64 of A–Z a–z 0–9 _ . : -."""
    if not isinstance(value, str) or not CODE.fullmatch(value):
        raise _malformed(f"{what} is a code (1 to 64 letters, digits or _ . : -)")
    return value


def text(value: Any, what: str, limit: int = NAME_LENGTH) -> str:
    """A non-empty string of at most `limit` characters, valid Unicode."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _malformed(f"{what} is a non-empty string of at most {limit} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _malformed(f"{what} is not valid Unicode") from exc
    return value


def party(value: Any, what: str) -> dict[str, str]:
    """{"code", "name"} of an organisation."""
    if not isinstance(value, dict) or set(value) != {"code", "name"}:
        raise _malformed(f'{what} is {{"code", "name"}}')
    return {"code": code(value["code"], f"{what}.code"), "name": text(value["name"], f"{what}.name")}


def amount(value: Any, what: str = "amount_fen") -> int:
    """A positive whole number of fen as a JSON integer: a float (even 100.0), a fraction of a fen or a
    boolean is malformed."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed(f"{what} is a whole number of fen (a JSON integer, never a float)")
    if not 0 < value <= canonical.MAX_SAFE_INTEGER:
        raise _malformed(f"{what} is a positive number of fen, at most 2^53 - 1")
    return value


def date(value: Any, what: str) -> dt.date:
    """A date `YYYY-MM-DD` (Asia/Shanghai)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise _malformed(f"{what} is a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _malformed(f"{what} is not a real date") from exc


def cover(cover_from: Any, cover_until: Any) -> tuple[dt.date, dt.date]:
    """The cover's first and last days; cover_until before cover_from is malformed."""
    first, last = date(cover_from, "cover_from"), date(cover_until, "cover_until")
    if last < first:
        raise _malformed("cover_until is before cover_from")
    return first, last


def instant(value: Any, what: str) -> dt.datetime:
    """An instant as `canonical.format_instant` writes it (UTC, microseconds, Z)."""
    if not isinstance(value, str) or not _INSTANT.fullmatch(value):
        raise _malformed(f"{what} is an instant in UTC (YYYY-MM-DDTHH:MM:SS.ffffffZ)")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise _malformed(f"{what} is not a real instant") from exc


def nonce(value: Any) -> str:
    if not isinstance(value, str) or not NONCE.fullmatch(value):
        raise _malformed("nonce is 16 to 64 lower-case hex digits")
    return value


def _b64(value: Any, what: str, limit: int = MAX_DOCUMENT) -> bytes:
    if not isinstance(value, str) or len(value) > limit * 4 // 3 + 4:
        raise _malformed(f"{what} is base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _malformed(f"{what} is not base64") from exc


def body_check(body: Any) -> dict[str, Any]:
    """The body of a guarantee, its shape checked (every field of docs/guarantee-interface.md §4 and no
    other); GuaranteeError("malformed") otherwise."""
    if not isinstance(body, dict):
        raise _malformed("the guarantee's body is a JSON object")
    if set(body) != BODY_KEYS:
        missing, unknown = sorted(BODY_KEYS - set(body)), sorted(set(body) - BODY_KEYS)
        raise _malformed(f"the guarantee's body lacks {missing} or has unknown fields {unknown}")
    if body["format"] != PURPOSE:
        raise _malformed(f"the guarantee's format is not {PURPOSE}")
    code(body["number"], "number")
    issuer = body["issuer"]
    if not isinstance(issuer, dict) or set(issuer) != {"kind", "name", "code"}:
        raise _malformed('issuer is {"kind", "name", "code"}')
    if issuer["kind"] not in KINDS:
        raise _malformed(f"issuer.kind is one of {', '.join(KINDS)}")
    code(issuer["code"], "issuer.code")
    text(issuer["name"], "issuer.name")
    party(body["applicant"], "applicant")
    party(body["beneficiary"], "beneficiary")
    code(body["section"], "section")
    code(body["tender_project"], "tender_project")
    amount(body["amount_fen"])
    cover(body["cover_from"], body["cover_until"])
    instant(body["issued_at"], "issued_at")
    if not isinstance(body["document_sm3"], str) or not _HEX64.fullmatch(body["document_sm3"]):
        raise _malformed("document_sm3 is 64 lower-case hex digits")
    if body["document_kind"] not in DOCUMENT_KINDS:
        raise _malformed(f"document_kind is one of {', '.join(DOCUMENT_KINDS)}")
    return body


# --- the guarantee ------------------------------------------------------------------------------------


def guarantee_make(
    key: SigningKey, certificate: bytes, body: Mapping[str, Any], document: bytes, chain: Sequence[bytes] = ()
) -> dict[str, Any]:
    """An issuer's guarantee: `body` (without "format", "document_sm3" and "document_kind", which are
    added) signed by `key` (the key `certificate` certifies) for `PURPOSE`, with the document."""
    content = {
        "format": PURPOSE,
        **body,
        "document_sm3": sm3(document).hex(),
        "document_kind": "pdf",
    }
    body_check(content)
    return {
        "guarantee": content,
        "signature": key.sign(PURPOSE, content).hex(),
        "certificate": base64.b64encode(certificate).decode("ascii"),
        "chain": [base64.b64encode(der).decode("ascii") for der in chain],
        "document": base64.b64encode(document).decode("ascii"),
    }


def guarantee_check(guarantee: Any, roots: Sequence[bytes], *, crls: Sequence[bytes] = ()) -> dict[str, Any]:
    """The body of `guarantee` once it checks out (docs/guarantee-interface.md §4): its shape; its
    certificate chaining to one of `roots` (DER), valid at issued_at, for signing, not revoked by any of
    `crls`; the issuer's code in the body the certificate's serialNumber; the signature by the
    certificate's key; the document's SM3 the body's and the document a PDF. GuaranteeError naming the
    first failure otherwise."""
    if not isinstance(guarantee, dict) or set(guarantee) != GUARANTEE_KEYS:
        raise _malformed(f"a guarantee is an object of exactly {sorted(GUARANTEE_KEYS)}")
    body = body_check(guarantee["guarantee"])
    signature = guarantee["signature"]
    if not isinstance(signature, str) or not _HEX_SIGNATURE.fullmatch(signature):
        raise _malformed("signature is 128 lower-case hex digits (SM2 r ‖ s)")
    chain = guarantee["chain"]
    if not isinstance(chain, list):
        raise _malformed("chain is a list of base64 DER certificates")
    intermediates = [_b64(der, "chain[]") for der in chain]
    try:
        certificate = x509.validate(
            _b64(guarantee["certificate"], "certificate"),
            intermediates=intermediates,
            roots=list(roots),
            at=instant(body["issued_at"], "issued_at"),
            usage="signing",
            crls=list(crls),
        )
    except x509.CertificateError as exc:
        raise GuaranteeError("certificate", f"the issuer's certificate: {exc}", exc.reason) from exc
    if certificate.holder_id != body["issuer"]["code"]:
        raise GuaranteeError("issuer", "the guarantee names another issuer than its certificate's holder")
    try:
        certificate.public_key.verify(PURPOSE, body, bytes.fromhex(signature))
    except CryptoError as exc:
        raise GuaranteeError("signature", "the issuer's signature does not verify") from exc
    document = _b64(guarantee["document"], "document")
    if sm3(document).hex() != body["document_sm3"]:
        raise GuaranteeError("document", "the document's SM3 is not the guarantee's document_sm3")
    if not document.startswith(b"%PDF-"):
        raise GuaranteeError("document", "the document is not a PDF")
    return body


def trust_roots(trust: Any) -> list[bytes]:
    """The root certificates (DER) of a ggzy-guarantee-trust-v1 document; GuaranteeError("malformed")
    if it is not one."""
    if not isinstance(trust, dict) or trust.get("format") != TRUST_FORMAT:
        raise _malformed(f"not a {TRUST_FORMAT} document")
    issuers = trust.get("issuers")
    if not isinstance(issuers, dict) or not issuers:
        raise _malformed("the trust document names no issuer")
    roots = []
    for issuer_code, entry in issuers.items():
        if not isinstance(entry, dict):
            raise _malformed(f"issuer {issuer_code!r} is not an object")
        roots.append(_b64(entry.get("root"), f"issuers.{issuer_code}.root"))
    return roots


# --- the platform's requests ----------------------------------------------------------------------------


def request_make(
    key: SigningKey, action: str, issuer: str, fields: Mapping[str, Any], *, request_nonce: str | None = None
) -> dict[str, Any]:
    """The platform's signed request to the issuer whose code is `issuer`: {"request": {"format",
    "action", "issuer", "nonce", **fields}, "key", "signature"} (a fresh nonce unless given)."""
    content = {
        "format": REQUEST_PURPOSE,
        "action": action,
        "issuer": issuer,
        "nonce": request_nonce or secrets.token_hex(16),
        **fields,
    }
    return {
        "request": content,
        "key": key.public_key.hex(),
        "signature": key.sign(REQUEST_PURPOSE, content).hex(),
    }


def request_open(
    envelope: Any, pinned: Sequence[Sm2PublicKey], *, issuer: str, action: str
) -> dict[str, Any]:
    """The body of a platform's request to issuer `issuer` for `action`, once its envelope is read, its
    key one of `pinned` and its signature verified; GuaranteeError "malformed" (not such an envelope)
    or "forbidden" (a key not pinned, a bad signature, another issuer or action). The nonce's freshness
    is the issuer's to check."""
    if not isinstance(envelope, dict) or set(envelope) != ENVELOPE_KEYS:
        raise _malformed('a request is {"request", "key", "signature"}')
    content, key_hex, signature = envelope["request"], envelope["key"], envelope["signature"]
    if not isinstance(content, dict) or not isinstance(key_hex, str) or not isinstance(signature, str):
        raise _malformed("request is an object, key and signature hex strings")
    if not _HEX_SIGNATURE.fullmatch(signature):
        raise _malformed("signature is 128 lower-case hex digits (SM2 r ‖ s)")
    if content.get("format") != REQUEST_PURPOSE:
        raise _malformed(f"the request's format is not {REQUEST_PURPOSE}")
    nonce(content.get("nonce"))
    try:
        canonical.dumps(content)
    except canonical.CanonicalError as exc:
        raise _malformed(
            f"the request is not canonical JSON (a float is never a number of fen): {exc}"
        ) from exc
    try:
        key = Sm2PublicKey.from_hex(key_hex)
    except (ValueError, CryptoError) as exc:
        raise _malformed("key is an SM2 public key in hex") from exc
    if key not in pinned:
        raise GuaranteeError("forbidden", "the request is signed by a key this issuer has not pinned")
    try:
        key.verify(REQUEST_PURPOSE, content, bytes.fromhex(signature))
    except (ValueError, CryptoError) as exc:
        raise GuaranteeError("forbidden", "the request's signature does not verify") from exc
    if content.get("issuer") != issuer:
        raise GuaranteeError("forbidden", "the request is meant for another issuer")
    if content.get("action") != action:
        raise GuaranteeError("forbidden", f"the request is not a {action} request")
    return content
