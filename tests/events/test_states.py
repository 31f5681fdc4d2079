"""The delivery table (events/states.py), pair by pair from the table itself: for every status × every
outcome the table names, a try of `message_deliver` that has that outcome moves the message where the
table says; from a status the table does not move (sent, given up) the message is left alone —
delivery is idempotent, nothing is sent or logged again. The compare-and-set refuses a worker whose
copy of the message is stale."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from ggzy.core.errors import DomainError
from ggzy.core.states import actions, advance, next_state, pairs
from ggzy.events import gateways
from ggzy.events.errors import EventsError
from ggzy.events.models import DeliveryAttempt, Message
from ggzy.events.notifications import Recipient, message_deliver, notify
from ggzy.events.states import DELIVERY_TRANSITIONS, MAX_ATTEMPTS, DeliveryChannel, DeliveryStatus

pytestmark = pytest.mark.django_db

CONTEXT = {"name": "监管对接", "prefix": "ggzy_abc", "expires_at": "2026-12-31 00:00"}


class FailingGateway:
    name = "failing"

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        raise gateways.GatewayError("gateway timed out")

    def call(self, *, to: str, text: str, reference: str) -> str:
        raise gateways.GatewayError("gateway timed out")


@pytest.fixture(autouse=True)
def outbox(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.GGZY_OUTBOX_DIR = tmp_path / "outbox"
    gateways.sms_gateway.cache_clear()
    yield
    gateways.sms_gateway.cache_clear()


def _failing(settings: Any) -> None:
    settings.GGZY_SMS_GATEWAY = "tests.events.test_states.FailingGateway"
    gateways.sms_gateway.cache_clear()


#: How to make a try have each outcome of the table: (the gateway fails?, attempts made before it).
#: A test of its own fails when the table gains an outcome not made here.
OUTCOMES: dict[str, tuple[bool, int]] = {
    "sent": (False, 0),
    "retry": (True, 0),
    "give_up": (True, MAX_ATTEMPTS - 1),
}


def _message(make_user: Callable[..., Any], status: str, attempts: int) -> Message:
    """An SMS put in `status` after `attempts` tries (setting the columns: test set-up)."""
    with transaction.atomic():
        (message,) = notify(
            template="accounts.token_created",
            recipients=[Recipient(user=make_user(), phone="13912345678")],
            context=CONTEXT,
            channels=[DeliveryChannel.SMS],
        )
    Message.objects.filter(pk=message.pk).update(status=status, attempts=attempts)
    message.refresh_from_db()
    return message


def _row(message: Message) -> dict[str, object]:
    return Message.objects.filter(pk=message.pk).values("status", "attempts", "sent_at").get()


def test_every_outcome_of_the_table_is_made_here() -> None:
    assert set(OUTCOMES) == set(actions(DELIVERY_TRANSITIONS))


@pytest.mark.parametrize(("status", "outcome"), pairs(DeliveryStatus.values, DELIVERY_TRANSITIONS))
def test_each_status_and_outcome(
    settings: Any, make_user: Callable[..., Any], status: str, outcome: str
) -> None:
    fails, before_attempts = OUTCOMES[outcome]
    if fails:
        _failing(settings)
    message = _message(make_user, status, before_attempts)
    target = next_state(DELIVERY_TRANSITIONS, status, outcome)
    if target is not None:
        message_deliver(message_id=message.pk)
        row = _row(message)
        assert (row["status"], row["attempts"]) == (target, before_attempts + 1)
        assert (row["sent_at"] is not None) == (outcome == "sent")
        assert list(DeliveryAttempt.objects.filter(message=message).values_list("ok", flat=True)) == [
            outcome == "sent"
        ]
        return
    before = _row(message)
    message_deliver(message_id=message.pk)  # sent or given up: left alone
    assert _row(message) == before
    assert not DeliveryAttempt.objects.filter(message=message).exists()


def test_a_message_moved_since_it_was_read_is_refused(make_user: Callable[..., Any]) -> None:
    """The compare-and-set: a worker's copy read while pending cannot record a send once another worker
    gave the message up."""
    message = _message(make_user, DeliveryStatus.PENDING, MAX_ATTEMPTS - 1)
    stale = Message.objects.get(pk=message.pk)
    advance(message, DELIVERY_TRANSITIONS, "give_up", error=EventsError.MESSAGE_NOT_PENDING, field="status")
    before = _row(message)
    with pytest.raises(DomainError) as refused:
        advance(
            stale,
            DELIVERY_TRANSITIONS,
            "sent",
            error=EventsError.MESSAGE_NOT_PENDING,
            field="status",
            attempts=9,
        )
    assert refused.value.code is EventsError.MESSAGE_NOT_PENDING
    assert _row(message) == before
    assert stale.status == DeliveryStatus.PENDING
