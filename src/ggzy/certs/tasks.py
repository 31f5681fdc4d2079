"""Tick jobs: warn holders 30, 7 and 1 days before a bound certificate expires (each warning once);
fetch each enabled CA's revocation list from its distribution point once a day."""

from __future__ import annotations

from django.db import transaction

from ggzy.certs.models import BoundCertificate
from ggzy.certs.selectors import crls_due, due_warning, expiring
from ggzy.certs.services import crl_claim, crl_fetch
from ggzy.core import clock, tick
from ggzy.core.formatting import local_date
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
                    "date": local_date(certificate.not_after),
                },
            )
            locked.warned_days = due
            locked.save(update_fields=["warned_days"])
        sent += 1
    return sent


tick.register("certs.warn_expiring", warn_expiring)


def fetch_crls() -> int:
    """Fetch the CRL of each enabled CA with a distribution point whose last import is a day old;
    a failure is recorded (a security event) and the other CAs go on."""
    fetched = 0
    for ca in crls_due():
        if not crl_claim(ca=ca):
            continue  # another tick has it
        crl, _reason = crl_fetch(ca=ca)
        fetched += crl is not None
    return fetched


tick.register("certs.fetch_crls", fetch_crls)
