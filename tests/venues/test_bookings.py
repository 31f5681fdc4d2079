"""Bookings (standard 6.3): a room is requested for a section's step, holds the room at once, is confirmed or
refused by the centre's staff, changed or cancelled; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event, Message
from ggzy.venues import services
from ggzy.venues.facilities import Item, RoomType
from ggzy.venues.models import Booking
from ggzy.venues.states import HOLDING, TRANSITIONS, BookingAction, BookingState
from tests.registry.conftest import staff_user
from tests.venues.conftest import Venue, equipped

pytestmark = pytest.mark.django_db


def refused(call: Any, code: str) -> DomainError:
    """`call` refused with `code`, and nothing written: no booking, event or message more."""
    counts = (Booking.objects.count(), Event.objects.count(), Message.objects.count())
    states = list(Booking.objects.order_by("pk").values_list("state", "room_id", "starts_at", "ends_at"))
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value.code
    assert (Booking.objects.count(), Event.objects.count(), Message.objects.count()) == counts
    assert (
        list(Booking.objects.order_by("pk").values_list("state", "room_id", "starts_at", "ends_at")) == states
    )
    return caught.value


@pytest.mark.clause("6.3.2")
def test_a_request_holds_the_room_and_the_staff_confirm_it(venue: Venue) -> None:
    booking = venue.book()
    assert booking.state == BookingState.REQUESTED
    assert booking.blocked_from == booking.starts_at - dt.timedelta(minutes=30)  # the set-up buffer
    assert booking.blocked_until == booking.ends_at + dt.timedelta(minutes=30)  # the clean-up buffer
    # the staff are told a request waits for them
    assert Message.objects.filter(template="venues.booking", recipient__in=venue.world.staff).count() == 3
    confirmed = services.booking_confirm(actor=venue.staff, booking=booking)
    assert (confirmed.state, confirmed.decided_by) == (BookingState.CONFIRMED, venue.staff)
    assert Message.objects.filter(template="venues.booking", recipient=venue.agent).count() == 1
    types = list(
        Event.objects.filter(type__startswith="venues.booking").order_by("pk").values_list("type", flat=True)
    )
    assert types == ["venues.booking.requested", "venues.booking.decided"]
    event = Event.objects.get(type="venues.booking.decided")
    assert (event.section_ref, event.data["room"]) == (venue.sections[0].code, "K101")


@pytest.mark.clause("6.3.2")
def test_the_agent_cannot_confirm_and_the_staff_refuse_with_a_reason(venue: Venue) -> None:
    booking = venue.book()
    refused(lambda: services.booking_confirm(actor=venue.agent, booking=booking), "venue_not_staff")
    refused(
        lambda: services.booking_refuse(actor=venue.staff, booking=booking, reason=" "),
        "venue_reason_missing",
    )
    done = services.booking_refuse(actor=venue.staff, booking=booking, reason="当日开标室检修")
    assert done.state == BookingState.REFUSED
    venue.book()  # a refused booking frees the room


def test_an_overlap_with_the_buffers_is_refused_and_the_time_after_them_is_free(venue: Venue) -> None:
    first = venue.book(hours=48, length=2)
    # starts 45 minutes after the first ends: within its 30-minute clean-up and the next's 30-minute set-up
    refused(lambda: venue.book(hours=48 + 2.75, length=1), "venue_room_busy")
    refused(lambda: venue.book(hours=47, length=6), "venue_room_busy")  # covers it
    second = venue.book(hours=49 + 2, length=1)  # one hour after: both buffers fit
    assert second.blocked_from == first.blocked_until
    other_room = venue.book(venue.large, hours=48, length=2)  # the same time, another room
    assert other_room.state == BookingState.REQUESTED
    services.booking_cancel(actor=venue.agent, booking=first, reason="开标时间调整")
    venue.book(hours=48, length=1)  # a cancelled booking frees its time


def test_times_purposes_sizes_and_centres_are_checked(venue: Venue) -> None:
    now = clock.now()
    refused(lambda: venue.book(hours=-1), "venue_booking_time")  # in the past
    refused(lambda: venue.book(hours=24, length=-1), "venue_booking_time")  # ends before it starts
    refused(lambda: venue.book(hours=24 * 200), "venue_booking_time")  # more than 180 days ahead
    refused(lambda: venue.book(hours=24, length=24 * 8), "venue_booking_time")  # longer than 7 days
    naive = (now + dt.timedelta(days=2)).replace(tzinfo=None)
    refused(lambda: venue.book(starts_at=naive, ends_at=naive + dt.timedelta(hours=1)), "venue_booking_time")
    refused(lambda: venue.book(venue.evaluation, purpose="opening"), "venue_booking_purpose")
    refused(lambda: venue.book(purpose="no-such"), "venue_booking_purpose")
    refused(lambda: venue.book(attendees=41), "venue_booking_size")
    refused(lambda: venue.book(attendees=0), "venue_booking_size")
    # the evaluation room seats 12 and 4 remote experts
    assert venue.book(venue.evaluation, purpose="evaluation", attendees=16).state == BookingState.REQUESTED
    # a small opening room doubles as a negotiation room, a large one as an auction hall (7.3.4)
    small = equipped(venue.staff, venue.room("K102", RoomType.OPENING, 16))
    assert venue.book(small, purpose="negotiation", attendees=8).purpose == "negotiation"
    refused(lambda: venue.book(purpose="negotiation"), "venue_booking_purpose")  # K101 seats 40: not small
    assert venue.book(venue.large, purpose="bidding", attendees=60, hours=96).purpose == "bidding"
    refused(lambda: venue.book(purpose="bidding", hours=120), "venue_booking_purpose")  # K101 is not large
    elsewhere = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    staff_there = staff_user(elsewhere, "staff-dl")
    there = equipped(
        staff_there,
        services.room_register(actor=staff_there, centre=elsewhere, code="K1", name="开标室", type="opening",
                               capacity=50),
    )  # fmt: skip
    refused(lambda: venue.book(there), "venue_booking_centre")


@pytest.mark.clause("7.3.3")
def test_a_room_lacking_a_mandatory_item_in_working_order_is_not_booked(venue: Venue) -> None:
    bare = venue.room("K103", RoomType.OPENING, 30)
    error = refused(lambda: venue.book(bare), "venue_booking_equipment")
    assert set(error.detail["missing"]) == {
        "camera", "seats", "computer", "printer", "sound", "display", "clock", "transfer_tools",
    }  # fmt: skip
    equipped(venue.staff, bare)
    # an optional item (the decryption machine, 有必要的可) is never required; a broken camera is
    camera = bare.equipment.get(item=Item.CAMERA)
    services.maintenance_record(
        actor=venue.staff, equipment=camera, done_on=clock.local_now().date(), working=False, found="镜头损坏"
    )
    assert refused(lambda: venue.book(bare), "venue_booking_equipment").detail["missing"] == ["camera"]
    services.maintenance_record(
        actor=venue.staff, equipment=camera, done_on=clock.local_now().date(), working=True, fixed="更换镜头"
    )
    assert venue.book(bare).state == BookingState.REQUESTED


@pytest.mark.clause("7.4.7")
def test_the_overnight_rest_room_may_not_have_an_outside_line_or_network(venue: Venue) -> None:
    rest = equipped(venue.staff, venue.room("G401", RoomType.OVERNIGHT, 1))
    assert venue.book(rest, purpose="overnight", attendees=1, length=14).state == BookingState.REQUESTED
    services.equipment_add(actor=venue.staff, room=rest, item=Item.NETWORK)
    error = refused(
        lambda: venue.book(rest, purpose="overnight", attendees=1, hours=96), "venue_booking_equipment"
    )
    assert error.detail["forbidden"] == ["network"]


@pytest.mark.clause("6.3.3")
def test_a_change_rechecks_conflicts_tells_everyone_and_waits_for_confirmation_again(venue: Venue) -> None:
    other = venue.book(hours=72)
    booking = services.booking_confirm(actor=venue.staff, booking=venue.book(hours=48))
    starts = booking.starts_at
    refused(
        lambda: services.booking_change(actor=venue.agent, booking=booking, reason="推迟",
                                        starts_at=other.starts_at, ends_at=other.ends_at),
        "venue_room_busy",
    )  # fmt: skip
    refused(
        lambda: services.booking_change(actor=venue.agent, booking=booking, reason=""), "venue_reason_missing"
    )
    stranger = get_user_model().objects.create_user(username="stranger")
    refused(
        lambda: services.booking_change(actor=stranger, booking=booking, reason="推迟",
                                        starts_at=starts + dt.timedelta(days=1),
                                        ends_at=booking.ends_at + dt.timedelta(days=1)),
        "venue_not_found",
    )  # fmt: skip
    before = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    moved = services.booking_change(
        actor=venue.agent, booking=booking, reason="澄清后开标时间推迟", room=venue.large,
        starts_at=starts + dt.timedelta(hours=1), ends_at=booking.ends_at + dt.timedelta(hours=1),
    )  # fmt: skip
    assert (moved.state, moved.room, moved.changes) == (BookingState.REQUESTED, venue.large, 1)
    # told: the initiator's members, the staff member who confirmed it and the centre's staff (the
    # confirmer among them, once) — not the agent who changed it
    told = set(Message.objects.filter(pk__gt=before).values_list("recipient__username", flat=True))
    assert Message.objects.filter(pk__gt=before).count() == len(told) == 5
    assert told == {"initiator-user", "staff-a", "staff-b", "staff-c", "desk-head"}
    event = Event.objects.get(type="venues.booking.changed")
    assert (event.data["before"]["room"], event.data["room"]) == ("K101", "K201")
    venue.book(hours=48)  # the old time in the old room is free again


def test_a_booking_under_way_is_only_extended(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    booking = services.booking_confirm(actor=venue.staff, booking=venue.book(hours=2, length=2))
    later = venue.book(hours=2 + 2 + 1.5, length=1)  # after the first's clean-up
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now + dt.timedelta(hours=3))  # the first has begun
    refused(
        lambda: services.booking_cancel(actor=venue.agent, booking=booking, reason="取消"),
        "venue_booking_past",
    )
    refused(
        lambda: services.booking_change(actor=venue.agent, booking=booking, reason="改期",
                                        starts_at=booking.starts_at + dt.timedelta(days=1),
                                        ends_at=booking.ends_at + dt.timedelta(days=1)),
        "venue_booking_past",
    )  # fmt: skip
    refused(  # extended into the next booking's set-up
        lambda: services.booking_change(actor=venue.agent, booking=booking, reason="唱标延时",
                                        ends_at=booking.ends_at + dt.timedelta(hours=1)),
        "venue_room_busy",
    )  # fmt: skip
    extended = services.booking_change(
        actor=venue.agent,
        booking=booking,
        reason="唱标延时",
        ends_at=booking.ends_at + dt.timedelta(minutes=30),
    )
    assert extended.ends_at == later.blocked_from - dt.timedelta(minutes=30)
    assert Event.objects.get(type="venues.booking.changed").data["extended"] is True


def test_someone_not_party_to_the_section_is_answered_not_found(venue: Venue) -> None:
    stranger = get_user_model().objects.create_user(username="stranger")
    refused(lambda: venue.book(actor=stranger), "venue_not_found")
    booking = venue.book()
    refused(lambda: services.booking_cancel(actor=stranger, booking=booking, reason="x"), "venue_not_found")
    refused(lambda: services.booking_confirm(actor=stranger, booking=booking), "venue_not_found")


@pytest.mark.clause("6.3.1")
def test_the_best_free_room_is_suggested_first(venue: Venue) -> None:
    starts = clock.now() + dt.timedelta(days=3)
    ends = starts + dt.timedelta(hours=2)
    found = services.suggest(
        centre=venue.world.centre, purpose="opening", starts_at=starts, ends_at=ends, attendees=30
    )
    assert [r.code for r in found] == ["K101", "K201"]  # the smallest that seats everyone first
    venue.book(starts_at=starts, ends_at=ends)
    found = services.suggest(
        centre=venue.world.centre, purpose="opening", starts_at=starts, ends_at=ends, attendees=30
    )
    assert [r.code for r in found] == ["K201"]
    assert (
        services.suggest(
            centre=venue.world.centre, purpose="opening", starts_at=starts, ends_at=ends, attendees=90
        )
        == []
    )
    venue.room("K301", RoomType.OPENING, 100)  # not equipped: never suggested
    assert (
        services.suggest(
            centre=venue.world.centre, purpose="opening", starts_at=starts, ends_at=ends, attendees=90
        )
        == []
    )


def _state_row(venue: Venue, state: str) -> Booking:
    booking = venue.book(hours=48 + 24 * Booking.objects.count())
    Booking.objects.filter(pk=booking.pk).update(state=state)
    booking.refresh_from_db()
    return booking


ACTIONS = {
    BookingAction.CONFIRM: lambda v, b: services.booking_confirm(actor=v.staff, booking=b),
    BookingAction.REFUSE: lambda v, b: services.booking_refuse(actor=v.staff, booking=b, reason="不符合"),
    BookingAction.CHANGE: lambda v, b: services.booking_change(
        actor=v.agent, booking=b, reason="调整", attendees=b.attendees + 1
    ),
    BookingAction.CANCEL: lambda v, b: services.booking_cancel(actor=v.agent, booking=b, reason="取消"),
}


@pytest.mark.parametrize("state", BookingState.values)
@pytest.mark.parametrize("action", BookingAction.values)
def test_every_state_and_action_as_the_table_says(venue: Venue, state: str, action: str) -> None:
    booking = _state_row(venue, state)
    target = TRANSITIONS.get((state, action))
    if target is None:
        refused(lambda: ACTIONS[action](venue, booking), "venue_booking_state")
        return
    assert ACTIONS[action](venue, booking).state == target
    assert Booking.objects.get(pk=booking.pk).state == target


def test_the_holding_states_are_those_the_table_leaves_the_room_held_in() -> None:
    assert set(HOLDING) == {BookingState.REQUESTED, BookingState.CONFIRMED}


def test_a_confirmed_booking_is_reminded_once_the_day_before(venue: Venue) -> None:
    soon = services.booking_confirm(actor=venue.staff, booking=venue.book(hours=20))
    venue.book(venue.large, hours=22)  # not confirmed: not reminded
    services.booking_confirm(actor=venue.staff, booking=venue.book(hours=50))  # not within a day yet
    before = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert services.booking_remind_due() == 1
    told = set(Message.objects.filter(pk__gt=before).values_list("recipient__username", flat=True))
    assert told == {"agent-user", "initiator-user", "staff-a", "staff-b", "staff-c", "desk-head"}
    assert Event.objects.filter(type="venues.booking.reminded").count() == 1
    assert Booking.objects.get(pk=soon.pk).reminded_at is not None
    assert services.booking_remind_due() == 0  # once


@pytest.mark.clause("6.3.1")
def test_the_rooms_use_over_the_last_30_days_counts_confirmed_time_without_buffers(
    venue: Venue, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.venues import selectors

    services.booking_confirm(actor=venue.staff, booking=venue.book(hours=48, length=2))
    venue.book(venue.large, hours=48, length=3)  # requested only: not counted
    later = clock.now() + dt.timedelta(days=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    monkeypatch.setattr(clock, "local_now", lambda: later.astimezone(dt.timezone(dt.timedelta(hours=8))))
    used = selectors.usage([venue.opening, venue.large, venue.evaluation])
    count, hours, percent = used[venue.opening.pk]
    assert (count, hours) == (1, 2.0)
    assert 0 < percent < 5  # two hours of some twenty working days of seven
    assert used[venue.large.pk] == (0, 0.0, 0)
