"""The one way the platform tells people things: in-app inbox, e-mail, SMS, voice.

    from ggzy.events.notifications import Recipient, notify
    notify(template="accounts.token_created", recipients=[Recipient(user=user)],
           context={...}, channels=[DeliveryChannel.INBOX, DeliveryChannel.EMAIL], event=event)

`notify()` runs inside the caller's transaction: it checks everything first (recipients, addresses,
the template and its data), renders each message in its recipient's language, stores it, and only
after the transaction commits queues the sending (one task per message, retried with back-off; the
inbox needs no sending). No app sends mail or SMS any other way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ggzy.core import clock
from ggzy.core.access import is_signed_in
from ggzy.core.errors import DomainError
from ggzy.core.fields import Sealed
from ggzy.core.states import advance
from ggzy.core.types import Actor, Viewer
from ggzy.events import templates_registry
from ggzy.events.embargo import Embargo
from ggzy.events.errors import EventsError
from ggzy.events.event_types import EventsEvents
from ggzy.events.gateways import sms_gateway
from ggzy.events.models import DeliveryAttempt, Event, Message
from ggzy.events.services import event_record
from ggzy.events.states import (
    DELIVERY_TRANSITIONS,
    MAX_ATTEMPTS,
    DeliveryChannel,
    DeliveryStatus,
)


@dataclass(frozen=True)
class Recipient:
    """Who to tell: a user, and/or raw addresses (an expert's phone from the expert pool, say)."""

    user: Actor | None = None
    email: str = ""
    phone: str = ""
    language: str = ""

    def address(self, channel: DeliveryChannel) -> str:
        if channel == DeliveryChannel.INBOX:
            return ""
        if channel == DeliveryChannel.EMAIL:
            return self.email or (getattr(self.user, "email", "") or "")
        return self.phone

    def lang(self) -> str:
        known = {code for code, _ in settings.LANGUAGES}
        return self.language if self.language in known else settings.LANGUAGE_CODE


def notify(
    *,
    template: str,
    recipients: Sequence[Recipient],
    context: Mapping[str, object],
    channels: Sequence[DeliveryChannel | str] = (DeliveryChannel.INBOX,),
    event: Event | None = None,
) -> list[Message]:
    """Store one message per recipient and channel; send them after the transaction commits.

    Messages inherit the embargo of `event`: the delivery log shows them to others only once it lifts."""
    if not recipients:
        raise DomainError(EventsError.NO_RECIPIENT)
    wanted = []
    for channel in channels:
        if channel not in DeliveryChannel.values:
            raise DomainError(EventsError.CHANNEL_UNKNOWN, detail={"channel": str(channel)})
        wanted.append(DeliveryChannel(channel))
    spec = templates_registry.get(template)
    plan: list[tuple[Recipient, DeliveryChannel]] = []
    for recipient in recipients:
        for channel in wanted:
            if channel == DeliveryChannel.INBOX and recipient.user is None:
                raise DomainError(EventsError.NO_ADDRESS, detail={"channel": channel.value})
            if channel != DeliveryChannel.INBOX and not recipient.address(channel):
                raise DomainError(EventsError.NO_ADDRESS, detail={"channel": channel.value})
            plan.append((recipient, channel))
    rendered = {
        r.lang(): templates_registry.render(spec, r.lang(), context) for r, _c in plan
    }  # validate all first

    now = clock.now()
    messages = []
    for recipient, channel in plan:
        subject, body = rendered[recipient.lang()]
        is_inbox = channel == DeliveryChannel.INBOX
        message = Message.objects.create(
            template=spec.key,
            channel=channel,
            language=recipient.lang(),
            recipient=recipient.user,
            address=recipient.address(channel),
            subject=subject,
            body=body,
            event=event,
            embargo_kind=event.embargo_kind if event else "",
            embargo_ref=event.embargo_ref if event else "",
            status=DeliveryStatus.SENT if is_inbox else DeliveryStatus.PENDING,
            sent_at=now if is_inbox else None,
            created_at=now,
        )
        messages.append(message)
        if not is_inbox:
            transaction.on_commit(partial(_enqueue, message.pk))
    return messages


def _enqueue(message_id: int, delay: timedelta | None = None) -> None:
    """Queue the sending of a message, after `delay` if given. The task's `run_after` is the one time
    here on the host's clock, on purpose: the django-tasks-db worker compares it with its own host's
    `timezone.now()`, so a retry "in 1 minute" is host now + 1 minute — on the platform's clock
    (`clock.now()`, the sandbox's accelerated one in a demo) it could lie days ahead. The message's
    own times (created, sent, each attempt) stay on the platform's clock."""
    from ggzy.events.tasks import deliver_message

    if delay is None:
        deliver_message.enqueue(message_id)
    else:
        run_after = timezone.now() + delay  # host clock: the worker's (see above)
        deliver_message.using(run_after=run_after).enqueue(message_id)


def backoff(attempt: int) -> timedelta:
    """1, 4, 16, 64 minutes between tries."""
    return timedelta(minutes=4 ** (attempt - 1))


def _send(message: Message) -> tuple[str, str]:
    """Hand the message to its channel; returns (backend, gateway reference)."""
    sealed = message.address
    address = sealed.decrypt_for_system() if isinstance(sealed, Sealed) else str(sealed)
    if message.channel == DeliveryChannel.EMAIL:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [address])
        return settings.EMAIL_BACKEND, ""
    gateway = sms_gateway()
    if message.channel == DeliveryChannel.SMS:
        return gateway.name, gateway.send_sms(to=address, text=message.body, reference=str(message.uid))
    return gateway.name, gateway.call(to=address, text=message.body, reference=str(message.uid))


def message_deliver(*, message_id: int) -> Message | None:
    """Try to send one message (idempotent: a message already sent or given up is left alone).

    The gateway is called outside any transaction — on SQLite a transaction holds the one write
    lock, and a slow gateway would hold every other write of the platform with it (the fault test
    measured 4 s of sending as 4 s of waiting for every page) — and the outcome is recorded after, in
    one transaction that looks at the message again under its lock. Delivery is at least once: two
    tries of one message can only overlap when a worker outlives its lease (`events.recovery`), and
    the gateway gets the message's uid as its idempotency reference. The outcome moves the message
    through `DELIVERY_TRANSITIONS` with `core.states.advance`; a message that another try settled in
    the meantime is left as that try left it."""
    message = Message.objects.filter(pk=message_id).first()
    if (
        message is None
        or message.status != DeliveryStatus.PENDING
        or message.channel == DeliveryChannel.INBOX
    ):
        return message
    failure: Exception | None = None
    backend = reference = ""
    try:
        backend, reference = _send(message)
    except Exception as exc:  # noqa: BLE001  (any gateway failure is a failed attempt, logged)
        failure = exc
    return _delivery_record(message_id, failure=failure, backend=backend, reference=reference)


@transaction.atomic
def _delivery_record(
    message_id: int, *, failure: Exception | None, backend: str, reference: str
) -> Message | None:
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.status != DeliveryStatus.PENDING:
        return message  # settled by another try while this one was sending
    now = clock.now()
    attempts = message.attempts + 1
    if failure is not None:
        outcome = "give_up" if attempts >= MAX_ATTEMPTS else "retry"
        advance(
            message,
            DELIVERY_TRANSITIONS,
            outcome,
            error=EventsError.MESSAGE_NOT_PENDING,
            field="status",
            attempts=attempts,
        )
        DeliveryAttempt.objects.create(
            message=message,
            at=now,
            ok=False,
            backend=_backend_name(message),
            error=f"{type(failure).__name__}: {failure}"[:2000],
        )
        if outcome == "retry":
            transaction.on_commit(partial(_enqueue, message.pk, backoff(attempts)))
        return message
    advance(
        message,
        DELIVERY_TRANSITIONS,
        "sent",
        error=EventsError.MESSAGE_NOT_PENDING,
        field="status",
        attempts=attempts,
        sent_at=now,
    )
    DeliveryAttempt.objects.create(
        message=message, at=now, ok=True, backend=backend, gateway_id=reference[:100]
    )
    return message


def _backend_name(message: Message) -> str:
    return str(settings.EMAIL_BACKEND) if message.channel == DeliveryChannel.EMAIL else sms_gateway().name


@transaction.atomic
def message_mark_read(*, viewer: Viewer, message_uid: uuid.UUID) -> Message:
    message = (
        Message.objects.select_for_update()
        .filter(uid=message_uid, recipient=viewer, channel=DeliveryChannel.INBOX)
        .first()
        if is_signed_in(viewer)
        else None
    )
    if message is None:
        raise DomainError(EventsError.MESSAGE_NOT_FOUND)
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
        # A read receipt: when the addressee read it (service of notice), under the same embargo.
        event_record(
            type=EventsEvents.MESSAGE_READ,
            actor=viewer,
            data={"message": message.uid, "template": message.template},
            embargo=Embargo(message.embargo_kind, message.embargo_ref) if message.embargo_kind else None,
        )
    return message
