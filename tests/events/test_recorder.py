"""The recorder: one function, inside the caller's transaction, canonical payloads, append-only."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.test import Client

from ggzy.core.errors import DomainError
from ggzy.core.roles import Role
from ggzy.events.embargo import Embargo
from ggzy.events.errors import EventsError
from ggzy.events.models import AppendOnlyError, Event
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Source, Visibility
from ggzy_sm.canonical import PROFILE, Fixed
from tests.testapp.models import SealedThing

pytestmark = pytest.mark.django_db


def record(**kwargs: Any) -> Event:
    defaults: dict[str, Any] = {
        "type": "test.thing.done",
        "event_class": EventClass.DOMAIN,
        "visibility": Visibility.PUBLIC,
    }
    with transaction.atomic():
        return event_record(**(defaults | kwargs))


@pytest.mark.clause("8.2.1")
def test_an_event_carries_its_canonical_document_and_a_salt(make_user: Callable[..., Any]) -> None:
    user = make_user(Role.CENTRE_STAFF)
    event = record(actor=user, project="P1", data={"price_fen": 1234500, "rate": Fixed(Decimal("0.5"), 2)})
    doc = json.loads(event.document)
    assert doc["profile"] == PROFILE
    assert doc["type"] == "test.thing.done"
    assert doc["actor"] == user.pk
    assert doc["data"] == {"price_fen": 1234500, "rate": "0.50"}
    assert doc["occurred_at"].endswith("Z")
    assert len(event.salt) == 32
    assert int(event.salt, 16) >= 0
    assert record().salt != event.salt
    assert event.actor_label == user.username


@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_the_recorder_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(DomainError) as caught:
        event_record(type="test.thing.done", event_class=EventClass.DOMAIN, visibility=Visibility.PUBLIC)
    assert caught.value.code is EventsError.NOT_IN_TRANSACTION
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"data": {"price": 12.5}}, EventsError.PAYLOAD_NOT_CANONICAL),
        ({"data": {"rate": Decimal("0.5")}}, EventsError.PAYLOAD_NOT_CANONICAL),
        ({"data": {"at": dt.datetime(2026, 12, 1, 9, 0)}}, EventsError.PAYLOAD_NOT_CANONICAL),  # noqa: DTZ001
        ({"event_class": "business"}, EventsError.CLASS_UNKNOWN),
        ({"visibility": "everyone"}, EventsError.VISIBILITY_UNKNOWN),
        ({"embargo": Embargo("no.such.kind", "X")}, EventsError.EMBARGO_UNKNOWN),
        ({"embargo": Embargo("testapp.opening", "NO-SUCH-CODE")}, EventsError.EMBARGO_UNKNOWN),
        ({"type": "Not A Type"}, EventsError.TYPE_INVALID),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(kwargs: dict[str, Any], code: EventsError) -> None:

    @transaction.atomic
    def change() -> None:
        Group.objects.create(name="written in the same transaction")
        event_record(
            **({"type": "test.thing.done", "event_class": "domain", "visibility": "public"} | kwargs)
        )

    with pytest.raises(DomainError) as caught:
        change()
    assert caught.value.code is code
    assert Event.objects.count() == 0
    assert not Group.objects.filter(name="written in the same transaction").exists()


def test_refusal_names_the_offending_value() -> None:
    with pytest.raises(DomainError) as caught:
        record(data={"bids": [{"price": 1.0}]})
    assert caught.value.detail["path"] == "$.data.bids[0].price"


def test_events_are_append_only_in_the_code() -> None:
    event = record()
    event.type = "test.thing.changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(type="x.y")
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).type == "test.thing.done"


def test_events_are_append_only_in_the_database() -> None:
    event = record()
    table = Event._meta.db_table
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET type = 'forged.event' WHERE id = %s", [event.pk])  # noqa: S608
    if connection.vendor == "postgresql":
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608
    assert Event.objects.get(pk=event.pk).type == "test.thing.done"


def test_an_embargo_is_a_reference_not_a_copied_instant() -> None:
    thing = SealedThing.objects.create(code="S-1", opens_at=None)
    event = record(embargo=Embargo("testapp.opening", "S-1"))
    assert (event.embargo_kind, event.embargo_ref) == ("testapp.opening", "S-1")
    assert json.loads(event.document)["embargo"] == {"kind": "testapp.opening", "ref": "S-1"}
    assert "opens_at" not in event.document
    thing.delete()


@pytest.mark.clause("8.2.1")
def test_api_writes_record_who_when_from_where(client_as: Callable[..., Client]) -> None:
    client = client_as(Role.AGENT, HTTP_USER_AGENT="ggzy-test-agent/1.0")
    response = client.post(
        "/api/v1/tokens", data={"name": "对接", "scopes": ["registry:read"]}, content_type="application/json"
    )
    assert response.status_code == 201
    event = Event.objects.get(type="accounts.token.created")
    assert event.event_class == EventClass.SECURITY
    assert event.source == Source.API
    assert event.ip == "127.0.0.1"
    assert event.user_agent == "ggzy-test-agent/1.0"
    assert event.actor_label.startswith("agent")
    assert event.data["name"] == "对接"


def test_sign_ins_and_failures_are_security_events(client: Client, make_user: Callable[..., Any]) -> None:
    make_user(Role.EXPERT, username="expert-x", password="Pw-for-tests-1")
    client.post("/accounts/login/", {"username": "expert-x", "password": "wrong"})
    client.post("/accounts/login/", {"username": "expert-x", "password": "Pw-for-tests-1"})
    client.post("/accounts/logout/")
    types = list(Event.objects.order_by("id").values_list("type", "event_class", "source"))
    assert types == [
        ("auth.login.failed", "security", "web"),
        ("auth.login.succeeded", "security", "web"),
        ("auth.logout", "security", "web"),
    ]
    assert Event.objects.get(type="auth.login.failed").data == {"username": "expert-x"}
