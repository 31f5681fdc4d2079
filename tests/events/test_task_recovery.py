"""Issue 23 item 1: a delivery whose worker was killed mid-run is not lost — the tick job
`events.recover_deliveries` queues it again once its lease is over, and sweeps pending messages no task
will send; delivery stays at-least-once, with the message's uid as the gateway's idempotency key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ggzy.core import tick
from ggzy.events import gateways
from ggzy.events.event_types import EventsEvents
from ggzy.events.models import DeliveryAttempt, Event, Message
from ggzy.events.notifications import Recipient, message_deliver, notify
from ggzy.events.recovery import deliveries_recover
from ggzy.events.states import DeliveryChannel, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)

CONTEXT = {"name": "监管对接", "prefix": "ggzy_abc", "expires_at": "2026-12-31 00:00"}
LONG_AGO = timedelta(hours=1)


@pytest.fixture(autouse=True)
def outbox_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.GGZY_OUTBOX_DIR = tmp_path / "outbox"
    settings.GGZY_TASK_LEASE_SECONDS = 300
    gateways.sms_gateway.cache_clear()
    yield tmp_path / "outbox"
    gateways.sms_gateway.cache_clear()


def run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, queue_name="*", verbosity=0)


def queue_sms(make_user: Callable[..., Any]) -> Message:
    with transaction.atomic():
        (sms,) = notify(
            template="accounts.token_created",
            recipients=[Recipient(user=make_user(), phone="13912345678")],
            context=CONTEXT,
            channels=[DeliveryChannel.SMS],
        )
    return sms


def killed_worker(*, started_ago: timedelta) -> DBTaskResult:
    """The task row as a worker leaves it when it is killed after claiming it: RUNNING, never finished."""
    row = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    row.claim("killed-worker")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - started_ago)
    return row


def recoveries() -> list[Event]:
    return list(Event.objects.filter(type=EventsEvents.DELIVERIES_RECOVERED.type))


def sent_once(sms: Message, outbox_dir: Path) -> None:
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.SENT, 1)
    assert DeliveryAttempt.objects.filter(message=sms, ok=True).count() == 1
    assert [p.name for p in (outbox_dir / "sms").iterdir()] == [f"{sms.uid}.sms.json"]


def test_the_tick_job_is_registered() -> None:
    assert tick.jobs()["events.recover_deliveries"] is deliveries_recover


def test_a_task_killed_mid_run_is_run_again_after_its_lease_and_sent_once(
    make_user: Callable[..., Any], outbox_dir: Path
) -> None:
    sms = queue_sms(make_user)
    row = killed_worker(started_ago=LONG_AGO)
    run_worker()  # without the recovery no worker ever touches a RUNNING row
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.PENDING

    assert deliveries_recover() == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    (event,) = recoveries()
    assert event.data["requeued"] == 1
    assert event.data["swept"] == 0
    assert event.data["messages"] == [str(sms.uid)]

    run_worker()
    sent_once(sms, outbox_dir)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids[0] == "killed-worker"  # the same row, run by another worker

    assert deliveries_recover() == 0  # a second pass recovers nothing and records nothing
    run_worker()
    sent_once(sms, outbox_dir)
    assert len(recoveries()) == 1


def test_a_running_task_within_its_lease_is_left_alone(make_user: Callable[..., Any]) -> None:
    sms = queue_sms(make_user)
    row = killed_worker(started_ago=timedelta(seconds=30))
    Message.objects.filter(pk=sms.pk).update(created_at=sms.created_at - LONG_AGO)  # not swept either
    assert deliveries_recover() == 0
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.count() == 1
    assert recoveries() == []


def test_a_worker_killed_after_the_send_committed_sends_nothing_again(
    make_user: Callable[..., Any], outbox_dir: Path
) -> None:
    sms = queue_sms(make_user)
    row = killed_worker(started_ago=LONG_AGO)
    message_deliver(message_id=sms.pk)  # the send committed, then the worker died before finishing the row
    assert deliveries_recover() == 1
    run_worker()
    sent_once(sms, outbox_dir)
    row.refresh_from_db()
    assert (row.status, row.return_value) == (TaskResultStatus.SUCCESSFUL, DeliveryStatus.SENT)


@pytest.mark.parametrize("lost", ["missing", "failed"])
def test_a_pending_message_no_task_will_send_is_swept(
    lost: str, make_user: Callable[..., Any], outbox_dir: Path
) -> None:
    sms = queue_sms(make_user)
    row = DBTaskResult.objects.get()
    if lost == "missing":
        row.delete()
    else:
        row.set_failed(RuntimeError("database went away"))
    assert deliveries_recover() == 0  # a message younger than the lease may still be on its way
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 0

    Message.objects.filter(pk=sms.pk).update(created_at=sms.created_at - LONG_AGO)
    assert deliveries_recover() == 1
    (event,) = recoveries()
    assert (event.data["requeued"], event.data["swept"]) == (0, 1)
    assert deliveries_recover() == 0  # its new task is live: not queued twice
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1

    run_worker()
    sent_once(sms, outbox_dir)
    assert deliveries_recover() == 0
    assert len(recoveries()) == 1


def test_a_retry_waiting_for_its_back_off_is_not_swept(settings: Any, make_user: Callable[..., Any]) -> None:
    settings.GGZY_SMS_GATEWAY = "tests.events.test_task_recovery.FlakyGateway"
    gateways.sms_gateway.cache_clear()
    FlakyGateway.references = []
    FlakyGateway.failures = 1
    sms = queue_sms(make_user)
    run_worker()  # fails once; the retry is READY, to run in a minute
    Message.objects.filter(pk=sms.pk).update(created_at=sms.created_at - LONG_AGO)
    assert deliveries_recover() == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


class FlakyGateway:
    """Fails the first `failures` sends; records the idempotency reference of every try."""

    name = "flaky"
    references: ClassVar[list[str]] = []
    failures: ClassVar[int] = 0

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        FlakyGateway.references.append(reference)
        if len(FlakyGateway.references) <= FlakyGateway.failures:
            raise gateways.GatewayError("gateway timed out")
        return f"provider-{len(FlakyGateway.references)}"

    def call(self, *, to: str, text: str, reference: str) -> str:
        return self.send_sms(to=to, text=text, reference=reference)


def test_every_try_gives_the_gateway_the_same_idempotency_key(
    settings: Any, make_user: Callable[..., Any]
) -> None:
    settings.GGZY_SMS_GATEWAY = "tests.events.test_task_recovery.FlakyGateway"
    gateways.sms_gateway.cache_clear()
    FlakyGateway.references = []
    FlakyGateway.failures = 2
    sms = queue_sms(make_user)
    for _ in range(4):  # two failures, the send, then a re-run that finds it sent
        message_deliver(message_id=sms.pk)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.SENT, 3)
    assert FlakyGateway.references == [str(sms.uid)] * 3


class WatchingGateway:
    """Records whether the send happened inside a database transaction (it holds SQLite's one write
    lock: a slow gateway would hold every write of the platform)."""

    name = "watching"
    inside: ClassVar[list[bool]] = []

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        WatchingGateway.inside.append(transaction.get_connection().in_atomic_block)
        return "provider-1"

    def call(self, *, to: str, text: str, reference: str) -> str:
        return self.send_sms(to=to, text=text, reference=reference)


def test_the_gateway_is_called_outside_any_transaction(settings: Any, make_user: Callable[..., Any]) -> None:
    settings.GGZY_SMS_GATEWAY = "tests.events.test_task_recovery.WatchingGateway"
    gateways.sms_gateway.cache_clear()
    WatchingGateway.inside = []
    sms = queue_sms(make_user)
    message_deliver(message_id=sms.pk)
    sms.refresh_from_db()
    assert sms.status == DeliveryStatus.SENT
    assert WatchingGateway.inside == [False]


def test_a_message_settled_by_another_try_while_sending_is_left_as_it_is(
    settings: Any, make_user: Callable[..., Any]
) -> None:
    """Two tries overlap only when a worker outlives its lease: the later outcome is not recorded."""
    settings.GGZY_SMS_GATEWAY = "tests.events.test_task_recovery.FlakyGateway"
    gateways.sms_gateway.cache_clear()
    FlakyGateway.references = []
    FlakyGateway.failures = 0
    sms = queue_sms(make_user)
    original = gateways.sms_gateway().send_sms

    raced: list[bool] = []

    def racing(**kwargs: str) -> str:
        if not raced:
            raced.append(True)
            message_deliver(message_id=sms.pk)  # the other try sends and records first
        return original(**kwargs)

    gateways.sms_gateway().send_sms = racing  # type: ignore[method-assign]
    message_deliver(message_id=sms.pk)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.SENT, 1)
    assert DeliveryAttempt.objects.filter(message=sms).count() == 1
