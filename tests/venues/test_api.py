"""The venues API: the agent finds a free room and requests it, the staff confirm, the agent moves it and it
waits again, the staff refuse with a reason, the agent cancels; the same refusals as the pages, each
changing nothing; someone not party to the section finds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.venues.models import Booking
from tests import factories
from tests.venues.conftest import Venue

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    return factories.signed_in(Client(), user)


def iso(instant: dt.datetime) -> str:
    return instant.isoformat()


def unchanged(call: Any, status: int, code: str) -> None:
    counts = (Booking.objects.count(), Event.objects.count())
    states = list(Booking.objects.order_by("pk").values_list("state", "room_id", "starts_at", "ends_at"))
    answer = call()
    assert answer.status_code == status, answer.content
    assert answer.json()["code"] == code
    assert (Booking.objects.count(), Event.objects.count()) == counts
    assert (
        list(Booking.objects.order_by("pk").values_list("state", "room_id", "starts_at", "ends_at")) == states
    )


@pytest.mark.clause("6.3.2")
def test_an_agents_system_books_a_room_through_the_api_and_the_staff_decide(venue: Venue) -> None:
    agent, staff = client_for(venue.agent), client_for(venue.staff)
    section = venue.sections[0].code
    starts = clock.now().replace(second=0, microsecond=0) + dt.timedelta(days=3)
    ends = starts + dt.timedelta(hours=2)
    free = agent.get(
        f"/api/v1/venues/sections/{section}/free-rooms",
        {"purpose": "opening", "starts_at": iso(starts), "ends_at": iso(ends), "attendees": 30},
    )
    assert free.status_code == 200, free.content
    assert [r["code"] for r in free.json()] == ["K101", "K201"]
    room = free.json()[0]["uid"]
    body = {
        "room": room,
        "purpose": "opening",
        "starts_at": iso(starts),
        "ends_at": iso(ends),
        "attendees": 30,
    }
    made = agent.post(f"/api/v1/venues/sections/{section}/bookings", body, content_type="application/json")
    assert made.status_code == 201, made.content
    booking = made.json()
    assert (booking["state"], booking["room"]["code"], booking["section"]) == ("requested", "K101", section)
    # the same room at the same time again: the room is held
    unchanged(
        lambda: agent.post(
            f"/api/v1/venues/sections/{section}/bookings", body, content_type="application/json"
        ),
        409,
        "venue_room_busy",
    )
    # the agent cannot confirm its own request; the staff can
    assert agent.post(f"/api/v1/venues/bookings/{booking['uid']}/confirm").status_code == 403
    confirmed = staff.post(f"/api/v1/venues/bookings/{booking['uid']}/confirm")
    assert confirmed.json()["state"] == "confirmed"
    # moved to the large room an hour later: waits for the staff again
    moved = agent.post(
        f"/api/v1/venues/bookings/{booking['uid']}/change",
        {"reason": "澄清后开标时间推迟", "room": str(venue.large.uid),
         "starts_at": iso(starts + dt.timedelta(hours=1)), "ends_at": iso(ends + dt.timedelta(hours=1))},
        content_type="application/json",
    )  # fmt: skip
    assert moved.status_code == 200, moved.content
    assert (moved.json()["state"], moved.json()["room"]["code"], moved.json()["changes"]) == (
        "requested",
        "K201",
        1,
    )
    refused = staff.post(
        f"/api/v1/venues/bookings/{booking['uid']}/refuse", {"reason": "该时段大开标室检修"},
        content_type="application/json",
    )  # fmt: skip
    assert (refused.json()["state"], refused.json()["reason"]) == ("refused", "该时段大开标室检修")
    listed = agent.get("/api/v1/venues/bookings").json()
    assert [b["uid"] for b in listed] == [booking["uid"]]
    supervisor = get_user_model().objects.create_user(username="supervisor-api")
    factories.grant_role(supervisor, Role.SUPERVISOR)
    assert (
        client_for(supervisor).get(f"/api/v1/venues/bookings/{booking['uid']}").json()["state"] == "refused"
    )


def test_the_apis_refusals_change_nothing(venue: Venue) -> None:
    agent = client_for(venue.agent)
    section = venue.sections[0].code
    starts = clock.now().replace(second=0, microsecond=0) + dt.timedelta(days=3)
    body = {
        "room": str(venue.opening.uid), "purpose": "opening", "starts_at": iso(starts),
        "ends_at": iso(starts + dt.timedelta(hours=2)), "attendees": 30,
    }  # fmt: skip
    url = f"/api/v1/venues/sections/{section}/bookings"

    def post(**changes: Any) -> Any:
        return lambda: agent.post(url, {**body, **changes}, content_type="application/json")

    unchanged(post(starts_at=iso(clock.now() - dt.timedelta(hours=1))), 422, "venue_booking_time")
    unchanged(post(attendees=41), 422, "venue_booking_size")
    unchanged(post(purpose="evaluation"), 422, "venue_booking_purpose")
    unchanged(post(room="00000000-0000-4000-8000-000000000000"), 404, "venue_not_found")
    unchanged(post(purpose="no-such"), 422, "validation_failed")
    booking = venue.book()
    unchanged(
        lambda: agent.post(f"/api/v1/venues/bookings/{booking.uid}/cancel", {"reason": ""},
                           content_type="application/json"),
        422,
        "validation_failed",
    )  # fmt: skip
    # another agent: the section and the booking are not found
    stranger = get_user_model().objects.create_user(username="agent-elsewhere")
    factories.grant_role(stranger, Role.AGENT)
    other = client_for(stranger)
    unchanged(lambda: other.post(url, body, content_type="application/json"), 404, "venue_not_found")
    unchanged(lambda: other.get(f"/api/v1/venues/bookings/{booking.uid}"), 404, "venue_not_found")
    unchanged(
        lambda: other.post(f"/api/v1/venues/bookings/{booking.uid}/cancel", {"reason": "x"},
                           content_type="application/json"),
        404,
        "venue_not_found",
    )  # fmt: skip
    assert other.get("/api/v1/venues/bookings").json() == []
    cancelled = agent.post(
        f"/api/v1/venues/bookings/{booking.uid}/cancel",
        {"reason": "项目暂停"},
        content_type="application/json",
    )
    assert cancelled.json()["state"] == "cancelled"
