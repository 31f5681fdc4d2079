from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

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
    return (certificate.not_after - (now or clock.now())).days
