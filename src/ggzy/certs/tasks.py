"""Tick job: warn holders 30, 7 and 1 days before a bound certificate expires (once per warning day)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ggzy.certs.selectors import expiring
from ggzy.core import tick
from ggzy.events.models import Message
from ggzy.events.notifications import Recipient, notify


def warn_expiring() -> int:
    sent = 0
    for certificate, days in expiring():
        already = Message.objects.filter(
            recipient=certificate.user,
            template="certs.expiring",
            subject__contains=f" {days} ",
            body__contains=certificate.serial,
        ).exists()
        if already:
            continue  # idempotent: this warning was given
        with transaction.atomic():
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
        sent += 1
    return sent


tick.register("certs.warn_expiring", warn_expiring)
