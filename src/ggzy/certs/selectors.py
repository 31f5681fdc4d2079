from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from ggzy.certs.models import BoundCertificate, CertificateAuthority, RevocationList
from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.types import Actor, Viewer
from ggzy_sm import x509

#: Holders are warned this many days before a certificate expires.
WARN_DAYS = (30, 7, 1)
#: A CA's revocation list is fetched again once the last import is this old ...
CRL_MAX_AGE = dt.timedelta(days=1)
#: ... but not sooner than this after the last attempt (so a failing distribution point is not hammered).
CRL_RETRY_AFTER = dt.timedelta(hours=1)


def my_certificates(*, user: Actor) -> QuerySet[BoundCertificate]:
    return (
        BoundCertificate.objects.filter(user=user, unbound_at__isnull=True)
        .select_related("ca")
        .order_by("usage")
    )


def bound_certificate(*, user: Actor, usage: str) -> BoundCertificate | None:
    """The user's certificate bound now for `usage` ("signing" or "encryption"), if any."""
    return BoundCertificate.objects.filter(user=user, usage=usage, unbound_at__isnull=True).first()


def days_left(certificate: BoundCertificate, now: dt.datetime | None = None) -> int:
    """Calendar days (Asia/Shanghai) until the certificate's last valid day: what a holder counts."""
    today = timezone.localtime(now or clock.now()).date()
    return (timezone.localtime(certificate.not_after).date() - today).days


def due_warning(certificate: BoundCertificate, now: dt.datetime | None = None) -> int | None:
    """The warning (30, 7 or 1) a certificate is due now, or None: the smallest warning day not below the days
    left, unless that warning (or a later one) was already given. A missed tick day is caught up, not lost."""
    days = days_left(certificate, now)
    if days < 0:
        return None
    due = min((w for w in WARN_DAYS if days <= w), default=None)
    if due is None or (certificate.warned_days is not None and certificate.warned_days <= due):
        return None
    return due


def expiring(now: dt.datetime | None = None) -> list[tuple[BoundCertificate, int]]:
    """Bound, unexpired certificates that are due an expiry warning, with the days they have left."""
    now = now or clock.now()
    horizon = now + dt.timedelta(days=max(WARN_DAYS) + 1)
    found = BoundCertificate.objects.filter(
        unbound_at__isnull=True, not_after__lte=horizon, not_after__gt=now
    )
    return [(c, days_left(c, now)) for c in found.select_related("user") if due_warning(c, now) is not None]


@dataclass(frozen=True)
class CaRow:
    """One CA as the configuration pages show it."""

    ca: CertificateAuthority
    root: x509.Certificate | None
    intermediates: int
    crl: RevocationList | None
    revoked: int | None


def ca_rows() -> list[CaRow]:
    """Every CA with its latest revocation list, in two queries."""
    newest = RevocationList.objects.filter(ca=OuterRef("ca")).order_by("-imported_at", "-pk").values("pk")[:1]
    latest = Prefetch(
        "crls", queryset=RevocationList.objects.filter(pk=Subquery(newest)), to_attr="latest_crls"
    )
    return [_row(ca, next(iter(ca.latest_crls), None)) for ca in ca_list().prefetch_related(latest)]


def ca_row(ca: CertificateAuthority) -> CaRow:
    return _row(ca, latest_crl(ca))


def _row(ca: CertificateAuthority, crl: RevocationList | None) -> CaRow:
    root = ca_certificates(ca)[0][1]
    return CaRow(
        ca=ca, root=root, intermediates=len(ca.intermediates), crl=crl, revoked=revoked_count(ca, crl)
    )


def ca_list() -> QuerySet[CertificateAuthority]:
    return CertificateAuthority.objects.order_by("name")


def access_ca(*, viewer: Viewer, uid: uuid.UUID) -> CertificateAuthority:
    """A CA the centre accepts (its configuration is the administrators', who all see every CA); a missing
    one raises the not-found error."""
    found = CertificateAuthority.objects.filter(uid=uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    return found


def latest_crl(ca: CertificateAuthority) -> RevocationList | None:
    return ca.crls.order_by("-imported_at", "-pk").first()


def revoked_count(ca: CertificateAuthority, crl: RevocationList | None) -> int | None:
    """How many certificates the CRL revokes (None if it cannot be read against the CA's certificates)."""
    if crl is None:
        return None
    issuers = [bytes(ca.root), *(bytes.fromhex(h) for h in ca.intermediates)]
    for der in issuers:
        try:
            return len(x509.revoked_serials(bytes(crl.der), x509.Certificate.load(der)))
        except x509.CertificateError:
            continue
    return None


def ca_certificates(ca: CertificateAuthority) -> list[tuple[str, x509.Certificate | None]]:
    """The root and each intermediate as ("root" | "intermediate", the parsed certificate)."""
    found: list[tuple[str, x509.Certificate | None]] = []
    ders = [("root", bytes(ca.root)), *(("intermediate", bytes.fromhex(h)) for h in ca.intermediates)]
    for kind, der in ders:
        try:
            found.append((kind, x509.Certificate.load(der)))
        except x509.CertificateError:
            found.append((kind, None))
    return found


def crl_due(ca: CertificateAuthority, now: dt.datetime | None = None) -> bool:
    """The CA is enabled, has a distribution point, its last CRL import is older than a day (or there is
    none), and no fetch was attempted in the last hour."""
    now = now or clock.now()
    if not ca.enabled or not ca.crl_url:
        return False
    if ca.crl_fetched_at is not None and ca.crl_fetched_at > now - CRL_RETRY_AFTER:
        return False
    last = ca.crls.aggregate(last=Max("imported_at"))["last"]
    return last is None or last <= now - CRL_MAX_AGE


def crls_due(now: dt.datetime | None = None) -> list[CertificateAuthority]:
    now = now or clock.now()
    candidates = CertificateAuthority.objects.filter(enabled=True).exclude(crl_url="").order_by("pk")
    return [ca for ca in candidates if crl_due(ca, now)]
