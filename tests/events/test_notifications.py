"""Notifications: stored in the caller's transaction, sent only after it commits, retried, logged,
in the recipient's language; bad input refused with nothing stored or sent."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events import gateways, templates_registry
from ggzy.events.errors import EventsError
from ggzy.events.models import DeliveryAttempt, Event, Message
from ggzy.events.notifications import Recipient, notify
from ggzy.events.states import MAX_ATTEMPTS, DeliveryChannel, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)

CONTEXT = {"name": "监管对接", "prefix": "ggzy_abc", "expires_at": "2026-12-31 00:00"}


@pytest.fixture(autouse=True)
def outbox_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.GGZY_OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    gateways.sms_gateway.cache_clear()
    yield tmp_path / "outbox"
    gateways.sms_gateway.cache_clear()


def run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, queue_name="*", verbosity=0)


def send(channels: list[DeliveryChannel], recipient: Recipient) -> list[Message]:
    with transaction.atomic():
        return notify(
            template="accounts.token_created", recipients=[recipient], context=CONTEXT, channels=channels
        )


@pytest.mark.clause("6.5.1")
def test_inbox_email_and_sms_are_delivered_after_commit(
    make_user: Callable[..., Any], outbox_dir: Path
) -> None:
    user = make_user(Role.INITIATOR)
    user.email = "initiator@example.cn"
    user.save()
    messages = send(
        [DeliveryChannel.INBOX, DeliveryChannel.EMAIL, DeliveryChannel.SMS],
        Recipient(user=user, phone="13912345678"),
    )
    inbox, email, sms = messages
    assert inbox.status == DeliveryStatus.SENT  # stored is delivered
    assert (email.status, sms.status) == (DeliveryStatus.PENDING, DeliveryStatus.PENDING)
    assert DBTaskResult.objects.count() == 2  # queued once the transaction committed

    run_worker()
    email.refresh_from_db()
    sms.refresh_from_db()
    assert (email.status, sms.status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert mail.outbox[0].to == ["initiator@example.cn"]
    assert "监管对接" in mail.outbox[0].subject
    written = json.loads((outbox_dir / "sms" / f"{sms.uid}.sms.json").read_text(encoding="utf-8"))
    assert written["to"] == "13912345678"
    assert "监管对接" in written["text"]
    assert DeliveryAttempt.objects.filter(ok=True).count() == 2

    run_worker()  # idempotent: nothing is sent twice
    assert len(mail.outbox) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.INITIATOR)

    @transaction.atomic
    def change_that_fails() -> None:
        notify(
            template="accounts.token_created",
            recipients=[Recipient(user=user, email="a@b.cn")],
            context=CONTEXT,
            channels=[DeliveryChannel.EMAIL],
        )
        raise RuntimeError("the change fails after notify()")

    with pytest.raises(RuntimeError):
        change_that_fails()
    run_worker()
    assert Message.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert mail.outbox == []


def test_a_recipient_gets_its_own_language(make_user: Callable[..., Any]) -> None:
    zh, en = (
        send([DeliveryChannel.INBOX], Recipient(user=make_user())),
        send([DeliveryChannel.INBOX], Recipient(user=make_user(), language="en")),
    )
    assert zh[0].language == "zh-hans"
    assert zh[0].subject.startswith("已为您的账户创建")
    assert en[0].language == "en"
    assert en[0].subject.startswith("An API token")


class FailingGateway:
    name = "failing"

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        raise gateways.GatewayError("gateway timed out")

    def call(self, *, to: str, text: str, reference: str) -> str:
        raise gateways.GatewayError("gateway timed out")


@pytest.mark.clause("6.5.1")
def test_failures_are_retried_with_back_off_then_given_up(
    settings: Any, make_user: Callable[..., Any]
) -> None:
    settings.GGZY_SMS_GATEWAY = "tests.events.test_notifications.FailingGateway"
    gateways.sms_gateway.cache_clear()
    (sms,) = send([DeliveryChannel.SMS], Recipient(user=make_user(), phone="13912345678"))
    run_worker()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.PENDING, 1)
    retry = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert retry is not None
    assert retry.run_after is not None  # the next try waits
    from ggzy.events.notifications import message_deliver

    for _ in range(MAX_ATTEMPTS - 1):
        message_deliver(message_id=sms.pk)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    errors = list(DeliveryAttempt.objects.filter(message=sms).values_list("ok", "error"))
    assert errors == [(False, "GatewayError: gateway timed out")] * MAX_ATTEMPTS


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"recipients": []}, EventsError.NO_RECIPIENT),
        ({"channels": [DeliveryChannel.SMS]}, EventsError.NO_ADDRESS),
        ({"channels": ["pigeon"]}, EventsError.CHANNEL_UNKNOWN),
        ({"template": "no.such_template"}, EventsError.TEMPLATE_UNKNOWN),
        ({"template": "test.half_translated"}, EventsError.TEMPLATE_LANGUAGE_MISSING),
        ({"context": {"name": "x", "prefix": "y"}}, EventsError.CONTEXT_MISMATCH),
        ({"context": {**CONTEXT, "project": "某工程"}}, EventsError.CONTEXT_MISMATCH),
    ],
)
def test_bad_notifications_are_refused_and_nothing_is_stored(
    kwargs: dict[str, Any], code: EventsError, make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    half = templates_registry.MessageTemplate("test.half_translated", frozenset())
    monkeypatch.setitem(templates_registry._TEMPLATES, half.key, half)
    user = make_user()
    args: dict[str, Any] = {
        "template": "accounts.token_created",
        "recipients": [Recipient(user=user)],
        "context": CONTEXT,
        "channels": [DeliveryChannel.INBOX],
    } | kwargs
    with pytest.raises(DomainError) as caught, transaction.atomic():
        notify(**args)
    assert caught.value.code is code
    assert Message.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_a_template_cannot_be_given_data_it_does_not_declare() -> None:
    """A message to a drawn expert declares time and place only: the project cannot slip in."""
    expert_call = templates_registry.MessageTemplate("test.expert_call", frozenset({"time", "place"}))
    with pytest.raises(DomainError) as caught:
        templates_registry.render(
            expert_call, "zh-hans", {"time": "9:00", "place": "3号评标室", "project": "某工程"}
        )
    assert caught.value.detail == {"missing": [], "unexpected": ["project"]}


def test_inbox_through_the_api(client_for: Callable[..., Client], make_user: Callable[..., Any]) -> None:
    user = make_user(Role.RESPONDER)
    (message,) = send([DeliveryChannel.INBOX], Recipient(user=user))
    client = client_for(user)
    listed = client.get("/api/v1/inbox?unread=true").json()
    assert [m["uid"] for m in listed] == [str(message.uid)]
    assert client.post(f"/api/v1/inbox/{message.uid}/read").status_code == 204
    assert client.get("/api/v1/inbox?unread=true").json() == []
    receipt = Event.objects.get(type="events.message.read")
    assert (receipt.actor_id, receipt.data["message"]) == (user.pk, str(message.uid))
    assert client.post(f"/api/v1/inbox/{message.uid}/read").status_code == 204  # again: no second receipt
    assert Event.objects.filter(type="events.message.read").count() == 1
    other = client_for(make_user(Role.RESPONDER))
    assert other.post(f"/api/v1/inbox/{message.uid}/read").json()["code"] == "message_not_found"
    page = client.get("/inbox/").content.decode()
    assert message.subject in page


def test_start_up_check_finds_a_template_missing_a_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from ggzy.events.checks import templates_have_every_language

    assert templates_have_every_language() == []
    half = templates_registry.MessageTemplate("test.half_translated", frozenset())
    monkeypatch.setitem(templates_registry._TEMPLATES, half.key, half)
    assert {e.id for e in templates_have_every_language()} == {"ggzy.E101"}


def test_messages_about_embargoed_events_reach_their_addressee_but_not_the_log(
    make_user: Callable[..., Any],
) -> None:
    """The log shows a message to others only once its event's embargo lifts, and then only to the
    staff of the event's centre (and the system administrator, who runs the gateways)."""
    import datetime as dt

    from ggzy.accounts.models import Centre, RoleGrant
    from ggzy.core import clock
    from ggzy.events.embargo import Embargo
    from ggzy.events.selectors import delivery_log, inbox
    from ggzy.events.services import event_record
    from tests.factories import default_centre
    from tests.testapp.models import SealedThing

    thing = SealedThing.objects.create(code="S-9", opens_at=clock.now() + dt.timedelta(days=1))
    expert, staff = make_user(Role.EXPERT), make_user(Role.CENTRE_STAFF)
    elsewhere = make_user()
    RoleGrant.objects.create(
        user=elsewhere,
        role=Role.CENTRE_STAFF,
        centre=Centre.objects.create(code="dl", name="大连市公共资源交易中心", region="210200"),
        granted_at=clock.now(),
    )
    centre = default_centre()
    with transaction.atomic():
        drawn = event_record(
            type="testapp.draw.completed",
            event_class="domain",
            visibility="supervisors",
            centre=centre.code,
            region=centre.region,
            embargo=Embargo("testapp.opening", "S-9"),
        )
        notify(
            template="accounts.token_created",
            recipients=[Recipient(user=expert, phone="13900000000")],
            context=CONTEXT,
            channels=[DeliveryChannel.INBOX, DeliveryChannel.SMS],
            event=drawn,
        )
    assert inbox(viewer=expert).count() == 1  # the expert is told
    assert delivery_log(viewer=staff).count() == 0  # nobody else learns of it
    thing.opens_at = clock.now() - dt.timedelta(seconds=1)
    thing.save()
    assert delivery_log(viewer=staff).count() == 1
    assert delivery_log(viewer=elsewhere).count() == 0  # another centre's staff: never
    assert delivery_log(viewer=make_user(Role.SYSTEM_ADMIN)).count() == 1
