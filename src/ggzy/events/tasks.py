"""Thin, idempotent task wrappers; the work is in the services."""

from __future__ import annotations

from django_tasks import task

from ggzy.core import tick
from ggzy.events.notifications import message_deliver
from ggzy.events.recovery import deliveries_recover


@task()
def deliver_message(message_id: int) -> str:
    message = message_deliver(message_id=message_id)
    return message.status if message is not None else "missing"


tick.register("events.recover_deliveries", deliveries_recover)
