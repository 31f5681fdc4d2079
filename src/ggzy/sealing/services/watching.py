"""Watching the custodians: a tick job asks each how many notices it could not verify."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.core.transactions import outermost
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.sealing.models import (
    CustodianSet,
    CustodianWatch,
)
from ggzy.sealing.services.common import (
    _alarm,
)
from ggzy.sealing.transport import transport
from ggzy_sm import custodians

# --- watching the custodians ------------------------------------------------------------------------

WATCH_EVERY = dt.timedelta(minutes=1)
_last_watch: list[float] = [0.0]


@outermost
def custodians_watch(*, force: bool = False) -> int:
    """Ask each custodian of every current set how many notices it could not verify; tell the
    supervisors when the count grows (someone is sending forged or foreign notices — they never delay a
    release, but someone is trying). At most once a minute (a tick job). Returns the alarms raised."""
    import time

    if not force and time.monotonic() - _last_watch[0] < WATCH_EVERY.total_seconds():
        return 0
    _last_watch[0] = time.monotonic()
    alarms = 0
    for published in CustodianSet.objects.filter(retired_at__isnull=True):
        cset = custodians.set_verify(published.signed)
        for custodian in cset.custodians:
            try:
                health = transport().health(custodian)
                count = int(health.get("unverified_notices") or 0)
            except (custodians.CustodianError, OSError, ValueError, TypeError):
                continue
            alarms += _watch(cset, custodian, count, str(health.get("last_unverified_at") or ""))
    return alarms


@transaction.atomic
def _watch(
    cset: custodians.SignedCustodianSet, custodian: custodians.Custodian, count: int, last: str
) -> int:
    watch, _created = CustodianWatch.objects.select_for_update().get_or_create(
        set_fingerprint=cset.fingerprint, custodian=custodian.index, defaults={"seen_at": clock.now()}
    )
    grew = count > watch.unverified_notices
    if grew:
        centre = Centre.objects.get(code=cset.centre)
        event = event_record(
            type="sealing.custodian.unverified_notices",
            event_class=EventClass.SECURITY,
            visibility=Visibility.SUPERVISORS,
            centre=cset.centre,
            region=centre.region,
            data={
                "custodian": custodian.index,
                "name": custodian.name,
                "count": count,
                "new": count - watch.unverified_notices,
                "last_unverified_at": last,
            },
        )
        _alarm(centre, custodian, "unverified", count, event)
    watch.unverified_notices, watch.seen_at = count, clock.now()
    watch.save(update_fields=["unverified_notices", "seen_at"])
    return int(grew)
