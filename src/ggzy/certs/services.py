"""CAs, revocation lists, and binding a user's dual certificates (signing, encryption) after the
checks: chain to an enabled CA, validity now, key usage, revocation, and the holder — the subject's
serialNumber must be the credit code of an organisation the user belongs to, or the user's own ID
number (compared through the keyed lookup hash, never decrypted).

A refused certificate is recorded as a security event for the audit administrator (in a transaction
of its own, so it stays when the bind is rolled back). The centre configures several CAs at once —
root and intermediates, CRL distribution point, policy — and each CA's CRL is fetched daily."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from typing import IO

from django.conf import settings
from django.db import transaction

from ggzy.accounts.models import Organisation, Person
from ggzy.certs.errors import CertsError
from ggzy.certs.event_types import CertsEvents
from ggzy.certs.models import BoundCertificate, CertificateAuthority, RevocationList
from ggzy.certs.selectors import crl_due
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.fields import lookup_for
from ggzy.core.types import Actor
from ggzy.events.services import event_record
from ggzy_sm import x509
from ggzy_sm.sm3 import sm3

#: A CRL fetched from a distribution point may be this large at most.
CRL_MAX_BYTES = 20 * 1024 * 1024
CRL_FETCH_TIMEOUT = 10  # seconds
HTTP_SCHEMES = ("http", "https")


def _reason_of(error: DomainError) -> str:
    detail = error.detail if isinstance(error.detail, dict) else {}
    return str(detail.get("reason", error.code.value))


def _check_mode(is_test: bool) -> None:
    if is_test and settings.GGZY_PRODUCTION:
        raise DomainError(CertsError.TEST_CA_IN_PRODUCTION)
    if not is_test and settings.GGZY_SANDBOX:
        raise DomainError(CertsError.REAL_CA_IN_SANDBOX)


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if url and (parts.scheme not in HTTP_SCHEMES or not parts.hostname):
        raise DomainError(CertsError.CRL_URL_INVALID, detail={"reason": "url"})


def der_list(data: bytes) -> list[bytes]:
    """The DER structures in an uploaded file: DER as it is, or every block of a PEM file."""
    try:
        return x509.der_blocks(data)
    except x509.CertificateError as exc:
        raise DomainError(CertsError.NOT_A_CA, detail={"reason": "malformed"}) from exc


def _check_chain(root: bytes, intermediates: list[bytes]) -> None:
    """Every certificate is a CA certificate, valid now, and each intermediate chains to the root."""
    now = clock.now()
    try:
        root_cert = x509.Certificate.load(root)
        if not root_cert.is_ca:
            raise DomainError(CertsError.NOT_A_CA, detail={"reason": "key_usage"})
        if not root_cert.not_before <= now <= root_cert.not_after:
            reason = "expired" if now > root_cert.not_after else "not_yet_valid"
            raise DomainError(CertsError.NOT_A_CA, detail={"reason": reason})
        for der in intermediates:
            if not x509.Certificate.load(der).is_ca:
                raise DomainError(CertsError.NOT_A_CA, detail={"reason": "key_usage"})
    except x509.CertificateError as exc:
        raise DomainError(CertsError.NOT_A_CA, detail={"reason": exc.reason}) from exc
    for der in intermediates:
        try:
            x509.validate(der, intermediates=intermediates, roots=[root], at=now, usage="ca")
        except x509.CertificateError as exc:
            reason = "broken_chain" if exc.reason == "untrusted_root" else exc.reason
            raise DomainError(CertsError.CA_CHAIN_INVALID, detail={"reason": reason}) from exc


@transaction.atomic
def ca_add(
    *,
    actor: Actor | None,
    name: str,
    root: bytes,
    intermediates: list[bytes],
    is_test: bool,
    crl_url: str = "",
    policy: str = "",
) -> CertificateAuthority:
    _check_mode(is_test)
    _check_url(crl_url)
    _check_chain(root, intermediates)
    if CertificateAuthority.objects.filter(name=name).exists():
        raise DomainError(CertsError.CA_NAME_TAKEN)
    ca = CertificateAuthority.objects.create(
        name=name,
        root=root,
        intermediates=[d.hex() for d in intermediates],
        is_test=is_test,
        added_at=clock.now(),
        crl_url=crl_url,
        policy=policy,
    )
    event_record(
        type=CertsEvents.CA_ADDED,
        actor=actor,
        data={
            "name": name,
            "root_sm3": sm3(root).hex(),
            "intermediates_sm3": [sm3(d).hex() for d in intermediates],
            "test": is_test,
            "crl_url": crl_url,
            "policy": policy,
        },
    )
    return ca


@transaction.atomic
def ca_update(
    *, actor: Actor | None, ca: CertificateAuthority, crl_url: str, policy: str
) -> CertificateAuthority:
    """Change where the CA's revocation list is fetched from and the policy the centre accepts."""
    _check_url(crl_url)
    locked = CertificateAuthority.objects.select_for_update().get(pk=ca.pk)
    before = {"crl_url": locked.crl_url, "policy": locked.policy}
    locked.crl_url, locked.policy = crl_url, policy
    if crl_url != before["crl_url"]:
        locked.crl_fetch_error = ""
    locked.save(update_fields=["crl_url", "policy", "crl_fetch_error"])
    event_record(
        type=CertsEvents.CA_UPDATED,
        actor=actor,
        data={"name": locked.name, "before": before, "after": {"crl_url": crl_url, "policy": policy}},
    )
    return locked


@transaction.atomic
def ca_set_enabled(*, actor: Actor | None, ca: CertificateAuthority, enabled: bool) -> CertificateAuthority:
    """Enable or disable a CA: a disabled CA's certificates are refused at bind and sign-in."""
    locked = CertificateAuthority.objects.select_for_update().get(pk=ca.pk)
    if enabled:
        _check_mode(locked.is_test)
    if locked.enabled == enabled:
        return locked
    locked.enabled = enabled
    locked.save(update_fields=["enabled"])
    event_record(
        type=CertsEvents.CA_ENABLED if enabled else CertsEvents.CA_DISABLED,
        actor=actor,
        data={"name": locked.name, "test": locked.is_test},
    )
    return locked


@transaction.atomic
def crl_import(
    *, actor: Actor | None, ca: CertificateAuthority, der: bytes, source: str = "upload"
) -> RevocationList:
    """Import a revocation list signed by the CA's root or one of its intermediates (else refused)."""
    issuers = [x509.Certificate.load(bytes(ca.root))] + [
        x509.Certificate.load(bytes.fromhex(h)) for h in ca.intermediates
    ]
    named = x509.crl_issuer(der)
    for issuer in issuers:
        if named is not None and issuer.subject != named:
            continue  # not the CA that issued it: no signature to try
        try:
            revoked = x509.revoked_serials(der, issuer)
        except x509.CertificateError:
            continue
        crl = RevocationList.objects.create(ca=ca, der=der, imported_at=clock.now())
        event_record(
            type=CertsEvents.CRL_IMPORTED,
            actor=actor,
            data={"ca": ca.name, "revoked": len(revoked), "source": source, "crl_sm3": sm3(der).hex()},
        )
        return crl
    raise DomainError(CertsError.CERTIFICATE_REFUSED, detail={"reason": "signature"})


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another http or https address (never file:, ftp: ...)."""

    def redirect_request(  # noqa: PLR0917  (HTTPRedirectHandler's signature)
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme not in HTTP_SCHEMES:
            raise urllib.error.HTTPError(newurl, code, "redirect to a non-http address", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # type: ignore[arg-type]


class _FetchError(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _download(url: str) -> bytes:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in HTTP_SCHEMES or not parts.hostname:
        raise _FetchError("url")
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "ggzy-crl-fetch"})  # noqa: S310  (http/https only, checked above)
    try:
        with opener.open(request, timeout=CRL_FETCH_TIMEOUT) as response:
            data: bytes = response.read(CRL_MAX_BYTES + 1)
    except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts, refused connections
        raise _FetchError("network") from exc
    if len(data) > CRL_MAX_BYTES:
        raise _FetchError("too_large")
    try:
        (der,) = der_list(data)
    except (DomainError, ValueError) as exc:  # a broken PEM file, or several blocks in it
        raise _FetchError("malformed") from exc
    return der


def crl_fetch(*, ca: CertificateAuthority, actor: Actor | None = None) -> tuple[RevocationList | None, str]:
    """Download the CA's CRL from its distribution point and import it: (the list, "") or (None, the
    reason it failed). A failure is recorded as a security event and never raised, so one bad
    distribution point does not stop the tick."""
    now = clock.now()
    try:
        der = _download(ca.crl_url)
        with transaction.atomic():
            crl = crl_import(actor=actor, ca=ca, der=der, source="fetch")
            CertificateAuthority.objects.filter(pk=ca.pk).update(crl_fetched_at=now, crl_fetch_error="")
    except (_FetchError, DomainError) as exc:
        reason = exc.reason if isinstance(exc, _FetchError) else _reason_of(exc)
        with transaction.atomic():
            CertificateAuthority.objects.filter(pk=ca.pk).update(crl_fetched_at=now, crl_fetch_error=reason)
            event_record(
                type=CertsEvents.CRL_FETCH_FAILED,
                actor=actor,
                data={"ca": ca.name, "url": ca.crl_url, "reason": reason},
            )
        return None, reason
    return crl, ""


def crl_claim(*, ca: CertificateAuthority) -> bool:
    """Claim the CA's CRL fetch for this tick (False if it is not due, or another tick claimed it)."""
    now = clock.now()
    with transaction.atomic():
        locked = CertificateAuthority.objects.select_for_update().get(pk=ca.pk)
        if not crl_due(locked, now):
            return False
        locked.crl_fetched_at = now  # another tick now sees it as not due
        locked.save(update_fields=["crl_fetched_at"])
    return True


def validate(der: bytes, usage: x509.Usage) -> tuple[CertificateAuthority, x509.Certificate]:
    """The CA and the certificate if it passes every check against one enabled CA."""
    last: x509.CertificateError | None = None
    for ca in CertificateAuthority.objects.filter(enabled=True):
        crls = [bytes(c.der) for c in ca.crls.all()]
        try:
            cert = x509.validate(
                der,
                intermediates=[bytes.fromhex(h) for h in ca.intermediates],
                roots=[bytes(ca.root)],
                at=clock.now(),
                usage=usage,
                crls=crls,
            )
        except x509.CertificateError as exc:
            last = exc
            if exc.reason != "untrusted_root":
                break  # it chains to this CA but fails: that is the answer
            continue
        return ca, cert
    reason = last.reason if last else "untrusted_root"
    raise DomainError(CertsError.CERTIFICATE_REFUSED, detail={"reason": reason})


def _holder_matches(user: Actor, holder_id: str) -> bool:
    if Organisation.objects.filter(members__user=user, uscc=holder_id.upper()).exists():
        return True
    person = Person.objects.filter(user=user).first()
    return bool(
        person and holder_id and person.id_number_lookup == lookup_for(Person, "id_number", holder_id)
    )


def certificate_bind(*, actor: Actor | None, user: Actor, der: bytes, usage: str) -> BoundCertificate:
    """Bind `der` as the user's signing or encryption certificate (replacing the previous one).

    A refusal binds nothing and is recorded as a security event for the audit administrator."""
    try:
        return _bind(actor=actor, user=user, der=der, usage=usage)
    except DomainError as exc:
        if exc.code in (CertsError.CERTIFICATE_REFUSED, CertsError.SUBJECT_MISMATCH):
            reason = _reason_of(exc)
            with transaction.atomic():  # its own transaction: the bind's was rolled back
                event_record(
                    type=CertsEvents.CERTIFICATE_REFUSED,
                    actor=actor,
                    data={
                        "user": user.pk,
                        "usage": usage,
                        "reason": reason,
                        "certificate_sm3": sm3(der).hex(),
                    },
                )
        raise


@transaction.atomic
def _bind(*, actor: Actor | None, user: Actor, der: bytes, usage: str) -> BoundCertificate:
    ca, cert = validate(der, usage)  # type: ignore[arg-type]
    if not _holder_matches(user, cert.holder_id):
        raise DomainError(CertsError.SUBJECT_MISMATCH, detail={"reason": "subject_mismatch"})
    now = clock.now()
    BoundCertificate.objects.filter(user=user, usage=usage, unbound_at__isnull=True).update(unbound_at=now)
    bound = BoundCertificate.objects.create(
        user=user,
        ca=ca,
        usage=usage,
        der=der,
        serial=str(cert.serial),
        holder_id=cert.holder_id,
        public_key=cert.public_key.hex(),
        not_after=cert.not_after,
        bound_at=now,
    )
    event_record(
        type=CertsEvents.CERTIFICATE_BOUND,
        actor=actor,
        data={
            "user": user.pk,
            "usage": usage,
            "serial": bound.serial,
            "ca": ca.name,
            "not_after": cert.not_after,
        },
    )
    return bound
