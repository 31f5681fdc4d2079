"""`ggzy-docsig-v1`: a detached SM2 signature over any document (PDF, JSON, any bytes).

A signature is a JSON object kept beside the document, never inside it:

    {
      "format": "ggzy-docsig-v1",
      "document": {"sm3": "<hex>", "size": 123, "name": "招标文件.pdf", "media_type": "application/pdf"},
      "signed_at": "2026-11-28T01:02:03.000004Z",
      "signer_certificate": "<base64 DER: the signer's SIGNING certificate>",
      "intermediates": ["<base64 DER>", ...],
      "signature": "<hex r ‖ s>"
    }

What is signed is the domain-separated canonical message (see `ggzy_sm.sm2`) with the purpose
`ggzy-document-v1` over the payload `{"document": …, "signed_at": …, "signer_certificate_sm3": …}`:
the document's SM3 and size (so the bytes themselves are fixed), its name and media type, the claimed
signing time, and the SM3 of the signer's certificate (so the certificate cannot be swapped for another
one on the same key). A login challenge (`ggzy-login-v1`) or a bid header (`ggzy-bid-v1`) signed by
the same key can never pass as a document signature, nor the other way round.

Verification checks the format, that the document hashes to the signed SM3 and size, that the
signature verifies with the certificate's key, and that the certificate chains to one of the given
roots, allows signing and is not revoked — with validity judged at the signing time, so a signature
made while the certificate was valid stays valid after it expires. The signing time is the signer's
claim (no trusted time-stamp): the platform records each seal it makes in the witness log, which dates
it independently. A certificate listed in a CRL is refused whatever its revocation date, because a
claimed signing time cannot show the signature came before the revocation.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ggzy_sm import canonical, x509
from ggzy_sm.errors import CryptoError, IntegrityError, KeyMaterialError
from ggzy_sm.keys import SigningKey
from ggzy_sm.sm3 import READ_SIZE, Sm3, sm3

FORMAT = "ggzy-docsig-v1"
PURPOSE = "ggzy-document-v1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX_SIGNATURE = re.compile(r"^[0-9a-f]{128}$")

Source = bytes | bytearray | memoryview | str | Path


class DocumentError(CryptoError):
    """A document signature is refused; `reason` is a machine code: malformed, hash_mismatch,
    bad_signature, not_yet_valid (signed in the future), or a certificate reason of
    `x509.CertificateError` (untrusted_root, broken_chain, signature, expired, key_usage, revoked)."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class VerifiedDocument:
    """Who signed which document, and when (the signer's claimed time, checked against its certificate)."""

    signer: str  # the subject's common name
    holder_id: str  # credit code or ID number (subject serialNumber)
    serial: int  # the signing certificate's serial number
    issuer: str  # the issuing CA's common name
    subject: dict[str, str]
    signed_at: dt.datetime
    sm3: str
    size: int
    name: str
    media_type: str


def _digest_stream(source: BinaryIO) -> tuple[str, int]:
    h, size = Sm3(), 0
    while chunk := source.read(READ_SIZE):
        h.update(chunk)
        size += len(chunk)
    return h.digest().hex(), size


def digest(source: Source) -> tuple[str, int]:
    """The SM3 (hex) and size of a document given as bytes or as a path; files are read in chunks."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        return sm3(data).hex(), len(data)
    with Path(source).open("rb") as fh:
        return _digest_stream(fh)


def _payload(document: dict[str, Any], signed_at: str, certificate_der: bytes) -> dict[str, Any]:
    return {
        "document": document,
        "signed_at": signed_at,
        "signer_certificate_sm3": sm3(certificate_der).hex(),
    }


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")


def sign_document(
    source: Source,
    key: SigningKey,
    certificate_der: bytes,
    *,
    name: str | None = None,
    media_type: str,
    at: dt.datetime,
    intermediates: Iterable[bytes] = (),
) -> dict[str, Any]:
    """A `ggzy-docsig-v1` signature of the document by `key`, whose certificate is `certificate_der`.

    `name` defaults to the file name when a path is given. The key must match the certificate; whether
    the certificate may sign (usage, validity, CA) is for the verifier to judge."""
    certificate = x509.Certificate.load(certificate_der)
    if certificate.public_key != key.public_key:
        raise KeyMaterialError("the key does not match the signer's certificate")
    if name is None:
        if isinstance(source, bytes | bytearray | memoryview):
            raise ValueError("name the document: it was given as bytes")
        name = Path(source).name
    sm3_hex, size = digest(source)
    document = {"sm3": sm3_hex, "size": size, "name": name, "media_type": media_type}
    signed_at = canonical.format_instant(at)
    signature = key.sign(PURPOSE, _payload(document, signed_at, certificate_der))
    return {
        "format": FORMAT,
        "document": document,
        "signed_at": signed_at,
        "signer_certificate": _b64(certificate_der),
        "intermediates": [_b64(der) for der in intermediates],
        "signature": signature.hex(),
    }


@dataclass(frozen=True)
class _Parsed:
    document: dict[str, Any]
    signed_at_text: str
    signed_at: dt.datetime
    certificate: bytes
    intermediates: list[bytes]
    signature: bytes


def _parse(signature: Any) -> _Parsed:
    """The signature object's fields, each checked for shape; DocumentError("malformed") otherwise."""
    try:
        if not isinstance(signature, dict) or signature.get("format") != FORMAT:
            raise DocumentError("malformed", f"not a {FORMAT} signature")  # noqa: TRY301
        document = signature["document"]
        fields = {"sm3", "size", "name", "media_type"}
        if not isinstance(document, dict) or set(document) != fields:
            raise DocumentError("malformed", "the document description is incomplete")  # noqa: TRY301
        if not isinstance(document["sm3"], str) or not _HEX64.match(document["sm3"]):
            raise DocumentError("malformed", "the document's SM3 is not 64 lower-case hex digits")  # noqa: TRY301
        size = document["size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise DocumentError("malformed", "the document's size is not a whole number")  # noqa: TRY301
        if not isinstance(document["name"], str) or not isinstance(document["media_type"], str):
            raise DocumentError("malformed", "the document's name and media type are text")  # noqa: TRY301
        signed_at_text = signature["signed_at"]
        signed_at = dt.datetime.fromisoformat(signed_at_text)
        if canonical.format_instant(signed_at) != signed_at_text:
            raise DocumentError("malformed", "the signing time is not a canonical instant")  # noqa: TRY301
        if not isinstance(signature["signature"], str) or not _HEX_SIGNATURE.match(signature["signature"]):
            raise DocumentError("malformed", "the signature is not 128 lower-case hex digits")  # noqa: TRY301
        intermediates = signature.get("intermediates", [])
        if not isinstance(intermediates, list):
            raise DocumentError("malformed", "the intermediates are not a list")  # noqa: TRY301
        return _Parsed(
            document=document,
            signed_at_text=signed_at_text,
            signed_at=signed_at,
            certificate=base64.b64decode(signature["signer_certificate"], validate=True),
            intermediates=[base64.b64decode(der, validate=True) for der in intermediates],
            signature=bytes.fromhex(signature["signature"]),
        )
    except DocumentError:
        raise
    except (KeyError, TypeError, ValueError, binascii.Error, canonical.CanonicalError) as exc:
        raise DocumentError("malformed", f"the signature object is malformed ({type(exc).__name__})") from exc


def verify_document(
    source: Source,
    signature: dict[str, Any],
    *,
    roots: Sequence[bytes],
    at: dt.datetime | None = None,
    crls: Sequence[bytes] = (),
    intermediates: Sequence[bytes] = (),
    leeway: dt.timedelta = dt.timedelta(0),
) -> VerifiedDocument:
    """Who signed the document, if `signature` is a valid `ggzy-docsig-v1` signature of it by a
    certificate of one of `roots`; DocumentError naming the first failure otherwise.

    The certificate is judged at the signing time; `at` (default now) is the time of verification, and a
    signature claiming to be made more than `leeway` after it is refused (a signer's computer a few
    seconds ahead of the verifier's clock is not a forgery; the signing time is the signer's claim, never
    evidence). `intermediates` are issuing-CA certificates the
    verifier already knows, added to those the signature carries (only `roots` are trusted)."""
    parsed = _parse(signature)
    sm3_hex, size = digest(source)
    if sm3_hex != parsed.document["sm3"] or size != parsed.document["size"]:
        raise DocumentError("hash_mismatch", "the document is not the one that was signed")
    now = at if at is not None else dt.datetime.now(dt.UTC)
    if parsed.signed_at > now + leeway:
        raise DocumentError("not_yet_valid", "the signature claims a signing time in the future")
    try:
        certificate = x509.Certificate.load(parsed.certificate)
    except x509.CertificateError as exc:
        raise DocumentError(exc.reason, str(exc)) from exc
    try:
        certificate.public_key.verify(
            PURPOSE,
            _payload(parsed.document, parsed.signed_at_text, parsed.certificate),
            parsed.signature,
        )
    except IntegrityError as exc:
        raise DocumentError("bad_signature", "the signature does not verify with the signer's key") from exc
    try:
        x509.validate(
            parsed.certificate,
            intermediates=[*parsed.intermediates, *intermediates],
            roots=list(roots),
            at=parsed.signed_at,
            usage="signing",
            crls=list(crls),
        )
    except x509.CertificateError as exc:
        raise DocumentError(exc.reason, str(exc)) from exc
    return VerifiedDocument(
        signer=certificate.subject.get("common_name", ""),
        holder_id=certificate.holder_id,
        serial=certificate.serial,
        issuer=certificate.issuer.get("common_name", ""),
        subject=certificate.subject,
        signed_at=parsed.signed_at,
        sm3=sm3_hex,
        size=size,
        name=parsed.document["name"],
        media_type=parsed.document["media_type"],
    )
