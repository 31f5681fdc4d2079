"""The filters of the event list and the delivery log take their enums (issue 20): the OpenAPI document
lists the values, an unknown value is refused (422), and the empty value of a filter form still means
"any"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from ggzy.core.roles import Role
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.events.states import DeliveryChannel, DeliveryStatus, EventClass
from tests.factories import default_centre

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["", *EventClass.values])
def test_the_event_list_filters_by_class_or_by_nothing(client_as: Callable[..., Client], value: str) -> None:
    answer = client_as(Role.AUDIT_ADMIN).get(f"/api/v1/events?event_class={value}")
    assert answer.status_code == 200
    classes = {item["event_class"] for item in answer.json()["items"]}
    assert classes <= ({value} if value else set(EventClass.values))


@pytest.mark.parametrize("value", ["", *DeliveryStatus.values])
def test_the_delivery_log_filters_by_status_or_by_nothing(
    client_as: Callable[..., Client], make_user: Callable[..., Any], value: str
) -> None:
    centre = default_centre()
    with transaction.atomic():  # one SMS waiting to be sent (sending runs after commit: not in this test)
        about = event_record(  # the staff's centre's: staff read the log of their centres' events
            type="testapp.notice.published", centre=centre.code, region=centre.region
        )
        notify(
            template="accounts.token_created",
            recipients=[Recipient(user=make_user(), phone="13912345678")],
            context={"name": "监管对接", "prefix": "ggzy_abc", "expires_at": "2026-12-31 00:00"},
            channels=[DeliveryChannel.SMS],
            event=about,
        )
    answer = client_as(Role.CENTRE_STAFF).get(f"/api/v1/deliveries?status={value}")
    assert answer.status_code == 200
    expected = ["pending"] if value in ("", "pending") else []
    assert [m["status"] for m in answer.json()] == expected


@pytest.mark.parametrize(
    ("path", "param"), [("/api/v1/events", "event_class"), ("/api/v1/deliveries", "status")]
)
def test_an_unknown_value_is_refused(client_as: Callable[..., Client], path: str, param: str) -> None:
    assert client_as(Role.SYSTEM_ADMIN).get(f"{path}?{param}=pigeon").status_code == 422


def test_the_pages_ignore_an_unknown_value(client_as: Callable[..., Client]) -> None:
    client = client_as(Role.SYSTEM_ADMIN)
    assert client.get("/events/?class=pigeon").status_code == 200
    assert client.get("/notifications/deliveries/?status=pigeon").status_code == 200
