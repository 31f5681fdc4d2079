"""Deliveries a dead worker left behind, caught up by the tick job `events.recover_deliveries`.

A worker killed mid-task (`kill -9`, a lost host) leaves its `DBTaskResult` row RUNNING for ever, and
django-tasks-db never looks at it again; a message whose task row is missing or failed for good stays
pending and nobody sends it. Each tick pass, in one transaction:

(a) a `deliver_message` row RUNNING for longer than the lease (`GGZY_TASK_LEASE_SECONDS`) is set back
    to READY by a conditional UPDATE (status still RUNNING, started before the lease) — so of two passes
    at once only one re-queues it — and the next free worker runs it again;
(b) a message still pending, older than the lease, with no READY or RUNNING `deliver_message` row is
    locked (`select_for_update`; SQLite's IMMEDIATE transactions serialise the passes), looked at again
    and queued again.

Only if something was recovered, an event (`events.deliveries.recovered`) says what. Delivery stays
at-least-once: `message_deliver` leaves a message that is no longer pending alone, and every try hands
the gateway the message's uid as its idempotency reference, so the provider can drop a repeat of a send
that reached it before the worker died. The lease must exceed the longest a gateway call may take.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ggzy.core import clock
from ggzy.events.event_types import EventsEvents
from ggzy.events.models import Message
from ggzy.events.services import event_record
from ggzy.events.states import DeliveryChannel, DeliveryStatus

#: At most this many rows and messages recovered per pass (the next pass takes the rest).
BATCH = 200
#: The recovered messages an event names (its counts are whole).
NAMED = 100


def lease() -> timedelta:
    return timedelta(seconds=int(settings.GGZY_TASK_LEASE_SECONDS))


def _task_path() -> str:
    from ggzy.events.tasks import deliver_message

    return str(deliver_message.module_path)


def _message_id(row_args: object) -> int | None:
    args = row_args.get("args") if isinstance(row_args, dict) else None
    return args[0] if isinstance(args, list) and args and isinstance(args[0], int) else None


def _requeue_stale(path: str, started_before: datetime) -> list[int]:
    """(a) RUNNING rows past their lease back to READY; returns the message ids they deliver."""
    stale = DBTaskResult.objects.filter(
        task_path=path, status=TaskResultStatus.RUNNING, started_at__lt=started_before
    ).values_list("pk", "args_kwargs")[:BATCH]
    requeued = []
    for pk, args_kwargs in stale:
        claimed = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at__lt=started_before
        ).update(status=TaskResultStatus.READY)
        message_id = _message_id(args_kwargs)
        if claimed and message_id is not None:
            requeued.append(message_id)
    return requeued


def _live(path: str) -> set[int]:
    """The messages a READY or RUNNING `deliver_message` row will still deliver (a retry waiting for its
    back-off is READY)."""
    rows = DBTaskResult.objects.filter(
        task_path=path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("args_kwargs", flat=True)
    return {message_id for row in rows if (message_id := _message_id(row)) is not None}


def _pending_before(created_before: datetime) -> list[int]:
    return list(
        Message.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=created_before)
        .exclude(channel=DeliveryChannel.INBOX)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _sweep_orphans(path: str, created_before: datetime) -> list[int]:
    """(b) Pending messages no live task will deliver, queued again; returns their ids."""
    live = _live(path)
    orphans = [pk for pk in _pending_before(created_before) if pk not in live][:BATCH]
    if not orphans:
        return []
    # Re-check under the lock: another pass that got here first has queued them by the time we hold it.
    locked = list(
        Message.objects.select_for_update()
        .filter(pk__in=orphans, status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    live = _live(path)
    from ggzy.events.tasks import deliver_message

    swept = [pk for pk in locked if pk not in live]
    for pk in swept:
        deliver_message.enqueue(pk)  # in this transaction: visible to workers when it commits
    return swept


def deliveries_recover() -> int:
    """One pass of (a) and (b); returns how many deliveries were queued again."""
    path = _task_path()
    with transaction.atomic():
        # started_at is the worker's wall clock (django-tasks-db), so the lease is measured on it too.
        requeued = _requeue_stale(path, timezone.now() - lease())
        swept = _sweep_orphans(path, clock.now() - lease())
        if not requeued and not swept:
            return 0
        ids = [*requeued, *swept]
        uids = dict(Message.objects.filter(pk__in=ids).values_list("pk", "uid"))
        event_record(
            type=EventsEvents.DELIVERIES_RECOVERED,
            data={
                "requeued": len(requeued),
                "swept": len(swept),
                "lease_seconds": int(lease().total_seconds()),
                "messages": [str(uids[pk]) for pk in ids if pk in uids][:NAMED],
            },
        )
    return len(ids)
