"""Tick job: warn holders 30, 7 and 1 days before a bound certificate expires (each warning once)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ggzy.certs.models import BoundCertificate
from ggzy.certs.selectors import due_warning, expiring
from ggzy.core import clock, tick
from ggzy.events.notifications import Recipient, notify


def warn_expiring() -> int:
    sent = 0
    now = clock.now()
    for certificate, days in expiring(now):
        with transaction.atomic():
            locked = BoundCertificate.objects.select_for_update().get(pk=certificate.pk)
            due = due_warning(locked, now)
            if due is None:
                continue  # another tick gave it meanwhile
            notify(
                template="certs.expiring",
                recipients=[Recipient(user=certificate.user)],
                context={
                    "usage": certificate.get_usage_display(),
                    "serial": certificate.serial,
                    "days": str(days),
                    "date": timezone.localtime(certificate.not_after).strftime("%Y-%m-%d"),
                },
            )
            locked.warned_days = due
            locked.save(update_fields=["warned_days"])
        sent += 1
    return sent


tick.register("certs.warn_expiring", warn_expiring)
