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


def expiring(now: dt.datetime | None = None) -> list[tuple[BoundCertificate, int]]:
    """Bound certificates that reach one of the warning days today (30, 7 or 1 days left)."""
    now = now or clock.now()
    horizon = now + dt.timedelta(days=max(WARN_DAYS) + 1)
    found = BoundCertificate.objects.filter(
        unbound_at__isnull=True, not_after__lte=horizon, not_after__gt=now
    )
    return [(c, days_left(c, now)) for c in found.select_related("user") if days_left(c, now) in WARN_DAYS]
