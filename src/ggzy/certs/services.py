"""CAs, revocation lists, and binding a user's dual certificates (signing, encryption) after the
checks: chain to an enabled CA, validity now, key usage, revocation, and the holder — the subject's
serialNumber must be the credit code of an organisation the user belongs to, or the user's own ID
number (compared through the keyed lookup hash, never decrypted)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from ggzy.accounts.models import Organisation, Person
from ggzy.certs.errors import CertsError
from ggzy.certs.models import BoundCertificate, CertificateAuthority, RevocationList
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.fields import lookup_for
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy_sm import x509
from ggzy_sm.sm3 import sm3


def _check_mode(is_test: bool) -> None:
    if is_test and settings.GGZY_PRODUCTION:
        raise DomainError(CertsError.TEST_CA_IN_PRODUCTION)
    if not is_test and settings.GGZY_SANDBOX:
        raise DomainError(CertsError.REAL_CA_IN_SANDBOX)


@transaction.atomic
def ca_add(
    *, actor: Any, name: str, root: bytes, intermediates: list[bytes], is_test: bool
) -> CertificateAuthority:
    _check_mode(is_test)
    try:
        for der in [root, *intermediates]:
            if not x509.Certificate.load(der).is_ca:
                raise DomainError(CertsError.NOT_A_CA)
    except x509.CertificateError as exc:
        raise DomainError(CertsError.NOT_A_CA, detail={"reason": exc.reason}) from exc
    ca = CertificateAuthority.objects.create(
        name=name,
        root=root,
        intermediates=[d.hex() for d in intermediates],
        is_test=is_test,
        added_at=clock.now(),
    )
    event_record(
        type="certs.ca.added",
        event_class=EventClass.SECURITY,
        visibility=Visibility.AUDIT,
        actor=actor,
        data={"name": name, "root_sm3": sm3(root).hex(), "test": is_test},
    )
    return ca


@transaction.atomic
def crl_import(*, actor: Any, ca: CertificateAuthority, der: bytes) -> RevocationList:
    issuers = [x509.Certificate.load(bytes(ca.root))] + [
        x509.Certificate.load(bytes.fromhex(h)) for h in ca.intermediates
    ]
    for issuer in issuers:
        try:
            revoked = x509.revoked_serials(der, issuer)
        except x509.CertificateError:
            continue
        crl = RevocationList.objects.create(ca=ca, der=der, imported_at=clock.now())
        event_record(
            type="certs.crl.imported",
            event_class=EventClass.SECURITY,
            visibility=Visibility.AUDIT,
            actor=actor,
            data={"ca": ca.name, "revoked": len(revoked)},
        )
        return crl
    raise DomainError(CertsError.CERTIFICATE_REFUSED, detail={"reason": "signature"})


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


def _holder_matches(user: Any, holder_id: str) -> bool:
    if Organisation.objects.filter(members__user=user, uscc=holder_id.upper()).exists():
        return True
    person = Person.objects.filter(user=user).first()
    return bool(
        person and holder_id and person.id_number_lookup == lookup_for(Person, "id_number", holder_id)
    )


@transaction.atomic
def certificate_bind(*, actor: Any, user: Any, der: bytes, usage: str) -> BoundCertificate:
    """Bind `der` as the user's signing or encryption certificate (replacing the previous one)."""
    ca, cert = validate(der, usage)  # type: ignore[arg-type]
    if not _holder_matches(user, cert.holder_id):
        raise DomainError(CertsError.SUBJECT_MISMATCH)
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
        type="certs.certificate.bound",
        event_class=EventClass.SECURITY,
        visibility=Visibility.AUDIT,
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
