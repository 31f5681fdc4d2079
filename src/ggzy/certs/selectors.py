from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ggzy.certs.models import BoundCertificate
from ggzy.core import clock

#: Holders are warned this many days before a certificate expires.
WARN_DAYS = (30, 7, 1)


def my_certificates(*, user: Any) -> QuerySet[BoundCertificate]:
    return (
        BoundCertificate.objects.filter(user=user, unbound_at__isnull=True)
        .select_related("ca")
        .order_by("usage")
    )


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
