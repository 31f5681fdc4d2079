"""The electronic seal: the centre signs documents, and anyone verifies them (`ggzy-docsig-v1`).

A centre seals documents it issues (notices, opening records, evaluation reports, award notices) with
its seal certificate. The signature is detached (`ggzy_sm.document`): a JSON file kept beside the
document, verifiable offline with `ggzy-verify document FILE SIG.json --root CA.der`.

Where the seal lives is the centre's choice, behind one interface:

    class SealBackend(Protocol):
        def seal(self, *, document, name, media_type, signer) -> dict   # a ggzy-docsig-v1 signature
        def certificate(self) -> bytes                                  # the seal certificate, DER

* `LocalSealBackend` (the default): the seal key in a passphrase-encrypted key file outside the
  database (`GGZY_SEAL_KEY_FILE`, `GGZY_SEAL_PASSPHRASE`) and its signing certificate
  (`GGZY_SEAL_CERTIFICATE_FILE`, DER or PEM).
* a centre's own electronic-seal or signing server (GB/T 38540-2019 电子签章, GM/T 0031 signing
  servers): a class at the dotted path `GGZY_SEAL_BACKEND` that asks its server to sign the canonical
  message of `ggzy_sm.document` with the seal key (see docs/signed-documents.md).

Every seal is recorded as a security event for the audit administrator, in the witness log like every
event, which dates the seal independently of the time the signature claims. The platform verifies each
signature a backend returns before handing it out, so a seal nobody could verify is never issued.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from ggzy.certs.event_types import CertsEvents
from ggzy.certs.models import CertificateAuthority
from ggzy.core import clock
from ggzy.core.errors import DomainError, ErrorCodeBase
from ggzy.core.types import Actor, JSONDict
from ggzy.events.services import event_record
from ggzy_sm import x509
from ggzy_sm.document import DocumentError, VerifiedDocument, sign_document, verify_document
from ggzy_sm.errors import KeyMaterialError
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3

DEFAULT_BACKEND = "ggzy.certs.seal.LocalSealBackend"


class SealError(ErrorCodeBase):
    NOT_CONFIGURED = (
        "seal_not_configured",
        503,
        _("The electronic seal is not configured on this platform."),
    )
    KEY_UNAVAILABLE = (
        "seal_key_unavailable",
        500,
        _("The seal key cannot be unlocked, or it does not match the seal certificate."),
    )
    SEAL_FAILED = (
        "seal_failed",
        502,
        _("The seal server did not return a signature that verifies."),
    )
    DOCUMENT_CHANGED = (
        "document_changed",
        422,
        _("The document is not the one that was signed: it was changed or replaced."),
    )
    SIGNATURE_MALFORMED = (
        "signature_malformed",
        422,
        _("This is not a valid document signature file."),
    )
    SIGNATURE_REFUSED = "signature_refused", 422, _("The document signature was refused.")


@runtime_checkable
class SealBackend(Protocol):
    """An electronic seal: signs a document for the centre, answers its seal certificate."""

    def seal(self, *, document: bytes, name: str, media_type: str, signer: str) -> JSONDict:
        """A `ggzy-docsig-v1` signature of `document` with the seal key; `signer` names who asked."""
        ...

    def certificate(self) -> bytes:
        """The seal's signing certificate (DER)."""
        ...


class LocalSealBackend:
    """The seal key in a key file on the server (never in the database), unlocked on first use."""

    def __init__(
        self,
        *,
        key_file: str | Path | None = None,
        certificate_file: str | Path | None = None,
        passphrase: str | None = None,
    ) -> None:
        self.key_file = key_file or getattr(settings, "GGZY_SEAL_KEY_FILE", None)
        self.certificate_file = certificate_file or getattr(settings, "GGZY_SEAL_CERTIFICATE_FILE", None)
        self.passphrase = passphrase or getattr(settings, "GGZY_SEAL_PASSPHRASE", None)
        self._key: Sm2PrivateKey | None = None

    def chain(self) -> list[bytes]:
        """The seal certificate, then any intermediates after it in the same (PEM) file."""
        if not self.certificate_file:
            raise DomainError(SealError.NOT_CONFIGURED, detail={"missing": "GGZY_SEAL_CERTIFICATE_FILE"})
        try:
            return x509.der_blocks(Path(self.certificate_file).read_bytes())
        except (OSError, x509.CertificateError) as exc:
            raise DomainError(
                SealError.NOT_CONFIGURED, detail={"unreadable": "GGZY_SEAL_CERTIFICATE_FILE"}
            ) from exc

    def certificate(self) -> bytes:
        return self.chain()[0]

    def _signing_key(self) -> Sm2PrivateKey:
        if self._key is None:
            if not self.key_file or not self.passphrase:
                missing = "GGZY_SEAL_KEY_FILE" if not self.key_file else "GGZY_SEAL_PASSPHRASE"
                raise DomainError(SealError.NOT_CONFIGURED, detail={"missing": missing})
            try:
                self._key = load_key_file(self.key_file, self.passphrase)
            except KeyMaterialError as exc:
                raise DomainError(SealError.KEY_UNAVAILABLE) from exc
        return self._key

    def seal(self, *, document: bytes, name: str, media_type: str, signer: str) -> JSONDict:
        certificate, *intermediates = self.chain()
        try:
            return sign_document(
                document,
                self._signing_key(),
                certificate,
                name=name,
                media_type=media_type,
                at=clock.now(),
                intermediates=intermediates,
            )
        except KeyMaterialError as exc:
            raise DomainError(SealError.KEY_UNAVAILABLE) from exc
        except x509.CertificateError as exc:
            raise DomainError(SealError.NOT_CONFIGURED, detail={"reason": exc.reason}) from exc


def get_backend() -> SealBackend:
    """The configured seal backend: `settings.GGZY_SEAL_BACKEND` (a dotted path), else the local one."""
    path = getattr(settings, "GGZY_SEAL_BACKEND", None) or DEFAULT_BACKEND
    try:
        backend = import_string(path)()
    except ImportError as exc:
        raise DomainError(SealError.NOT_CONFIGURED, detail={"backend": path}) from exc
    if not isinstance(backend, SealBackend):
        raise DomainError(SealError.NOT_CONFIGURED, detail={"backend": path})
    return backend


def _trust() -> tuple[list[bytes], list[bytes], list[bytes]]:
    """Roots, intermediates and revocation lists of the enabled CAs."""
    roots: list[bytes] = []
    intermediates: list[bytes] = []
    crls: list[bytes] = []
    for ca in CertificateAuthority.objects.filter(enabled=True).prefetch_related("crls"):
        roots.append(bytes(ca.root))
        intermediates.extend(bytes.fromhex(h) for h in ca.intermediates)
        crls.extend(bytes(c.der) for c in ca.crls.all())
    return roots, intermediates, crls


def document_verify(*, document: bytes, signature: JSONDict) -> VerifiedDocument:
    """Who signed `document`, if `signature` verifies against an enabled CA (at its signing time, and not
    revoked by an imported CRL); DomainError with the machine reason in `detail` otherwise."""
    roots, intermediates, crls = _trust()
    try:
        return verify_document(
            document,
            signature,
            roots=roots,
            intermediates=intermediates,
            crls=crls,
            at=clock.now(),
            leeway=dt.timedelta(seconds=settings.GGZY_SIGNATURE_LEEWAY_SECONDS),
        )
    except DocumentError as exc:
        code = {
            "hash_mismatch": SealError.DOCUMENT_CHANGED,
            "malformed": SealError.SIGNATURE_MALFORMED,
        }.get(exc.reason, SealError.SIGNATURE_REFUSED)
        raise DomainError(code, detail={"reason": exc.reason}) from exc


@transaction.atomic
def document_sign(*, actor: Actor | None, document: bytes, name: str, media_type: str) -> JSONDict:
    """The centre's seal on `document`: a `ggzy-docsig-v1` signature, checked, and recorded."""
    backend = get_backend()
    signer = actor.get_username() if actor is not None else ""
    signature = backend.seal(document=document, name=name, media_type=media_type, signer=signer or "system")
    try:
        verified = document_verify(document=document, signature=signature)
    except DomainError as exc:
        raise DomainError(SealError.SEAL_FAILED, detail=exc.detail) from exc
    event_record(
        type=CertsEvents.DOCUMENT_SEALED,
        actor=actor,
        data={
            "name": name,
            "media_type": media_type,
            "sm3": verified.sm3,
            "size": verified.size,
            "seal_holder": verified.holder_id,
            "seal_serial": str(verified.serial),
            "seal_certificate_sm3": sm3(base64.b64decode(signature["signer_certificate"])).hex(),
            "signed_at": verified.signed_at,
        },
    )
    return signature
