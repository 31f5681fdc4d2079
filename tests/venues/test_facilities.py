"""What the standard's section 7 asks of each room, as the software keeps it: the functional area a room's
type puts it in (7.1.2, 7.4.3, 7.4.8), the rooms each kind of trade is held in (7.3.1), rooms sized for
each size of opening and evaluation (7.3.4, 7.4.5), and the items a type must have before it is booked or
listed as complete (7.2.7, 7.3.5, 7.4.4, 7.4.6, 7.4.8). The building itself is the centre's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.venues import selectors, services
from ggzy.venues.facilities import NEEDS, Area, Item, RoomType
from ggzy.venues.states import BookingState
from tests import factories
from tests.venues.conftest import Venue, equipped
from tests.venues.test_bookings import refused

pytestmark = pytest.mark.django_db

#: The area the standard puts each kind of room in (7.2–7.5), as a reader of section 7 would list it.
AREAS = {
    RoomType.SAMPLES: Area.PUBLIC,  # 7.2.1, 7.2.7
    RoomType.OPENING: Area.TRADING,  # 7.3.1
    RoomType.AUCTION: Area.TRADING,
    RoomType.CLARIFICATION: Area.TRADING,
    RoomType.EVALUATION: Area.EVALUATION,  # 7.4.3: inside the gate
    RoomType.INQUIRY: Area.EVALUATION,
    RoomType.OVERNIGHT: Area.EVALUATION,  # 7.4.7
    RoomType.TRANSFER: Area.EVALUATION,  # 7.4.6
    RoomType.SUPERVISION: Area.ADJACENT,  # 7.4.8: outside the gate, beside it
    RoomType.EXPERT_DRAW: Area.ADJACENT,
    RoomType.ARCHIVE: Area.OFFICE,  # 7.5.1
}


def _window(days: int = 3, hours: float = 2) -> tuple[dt.datetime, dt.datetime]:
    starts = clock.now().replace(second=0, microsecond=0) + dt.timedelta(days=days)
    return starts, starts + dt.timedelta(hours=hours)


def _lacks(venue: Venue, code: str, type_: str, *, without: tuple[str, ...] = ()) -> list[str]:
    """The mandatory items a room of `type_` is listed as lacking, equipped with all but `without`."""
    room = venue.room(code, type_, 10)
    for item in (i for i in NEEDS[type_].must if i not in without):
        services.equipment_add(actor=venue.staff, room=room, item=item)
    (row,) = selectors.room_rows([room])
    return sorted(row.missing)


@pytest.mark.clause("7.1.2")
@pytest.mark.clause("7.4.3")
@pytest.mark.clause("7.4.8")
def test_each_room_sits_in_the_functional_area_its_type_belongs_to(venue: Venue) -> None:
    for n, (type_, area) in enumerate(AREAS.items()):
        room = venue.room(f"A{n:02d}", type_, 10)
        assert room.area == area, (type_, room.area)
    page = factories.signed_in(Client(), venue.staff).get("/centre/venues/").content.decode()
    for label in ("公共服务区", "交易实施区", "评标评审区", "评标区门禁外相邻区域", "办公区"):
        assert f'<td data-testid="area">{label}</td>' in page, label


@pytest.mark.clause("7.3.1")
def test_each_kind_of_trade_is_held_in_a_room_of_its_kind(venue: Venue) -> None:
    auction = equipped(venue.staff, venue.room("J101", RoomType.AUCTION, 50))
    clarification = equipped(venue.staff, venue.room("C101", RoomType.CLARIFICATION, 6))
    negotiation = equipped(venue.staff, venue.room("T101", RoomType.NEGOTIATION, 10))
    assert venue.book(auction, purpose="bidding", attendees=30).state == BookingState.REQUESTED
    assert venue.book(clarification, purpose="clarification", attendees=4).state == BookingState.REQUESTED
    assert venue.book(negotiation, purpose="negotiation", attendees=8).state == BookingState.REQUESTED
    # not in a room of another kind
    refused(
        lambda: venue.book(venue.evaluation, purpose="bidding", attendees=10, hours=72),
        "venue_booking_purpose",
    )
    refused(lambda: venue.book(purpose="clarification", attendees=4, hours=72), "venue_booking_purpose")
    refused(
        lambda: venue.book(clarification, purpose="opening", attendees=4, hours=72), "venue_booking_purpose"
    )
    starts, ends = _window()
    found = services.suggest(
        centre=venue.world.centre, purpose="clarification", starts_at=starts, ends_at=ends, attendees=4
    )
    assert [r.code for r in found] == ["C101"]


@pytest.mark.clause("7.3.4")
def test_opening_rooms_of_several_sizes_serve_each_size_of_opening(venue: Venue) -> None:
    equipped(venue.staff, venue.room("K102", RoomType.OPENING, 16))
    starts, ends = _window()

    def rooms_for(attendees: int) -> list[str]:
        found = services.suggest(
            centre=venue.world.centre, purpose="opening", starts_at=starts, ends_at=ends, attendees=attendees
        )
        return [r.code for r in found]

    assert rooms_for(10) == ["K102", "K101", "K201"]  # 16, 40, 80 seats: the smallest that fits first
    assert rooms_for(30) == ["K101", "K201"]
    assert rooms_for(75) == ["K201"]
    assert rooms_for(81) == []
    refused(lambda: venue.book(attendees=41), "venue_booking_size")  # K101 seats 40


@pytest.mark.clause("7.4.5")
def test_evaluation_rooms_count_their_remote_seats(venue: Venue) -> None:
    starts, ends = _window()

    def rooms_for(attendees: int) -> list[str]:
        found = services.suggest(
            centre=venue.world.centre,
            purpose="evaluation",
            starts_at=starts,
            ends_at=ends,
            attendees=attendees,
        )
        return [r.code for r in found]

    assert rooms_for(16) == ["P301"]  # 12 seats and 4 remote seats
    assert rooms_for(17) == []
    refused(lambda: venue.book(venue.evaluation, purpose="evaluation", attendees=17), "venue_booking_size")
    assert venue.book(venue.evaluation, purpose="evaluation", attendees=16).state == BookingState.REQUESTED
    with pytest.raises(DomainError) as caught:
        venue.room("P302", RoomType.EVALUATION, 12, remote_seats=-1)
    assert caught.value.code == "venue_room_invalid"


@pytest.mark.clause("7.4.4")
def test_an_evaluation_room_without_monitoring_or_computers_is_not_booked(venue: Venue) -> None:
    bare = venue.room("P302", RoomType.EVALUATION, 9)
    error = refused(lambda: venue.book(bare, purpose="evaluation", attendees=9), "venue_booking_equipment")
    assert set(error.detail["missing"]) == {"camera", "computer", "printer", "display"}
    equipped(venue.staff, bare)
    # the booths, desktop monitoring and remote seats are the "may" of 7.4.4/7.4.5: never required
    assert not bare.equipment.filter(item__in=[Item.BOOTHS, Item.DESKTOP_MONITOR, Item.REMOTE_SEATS]).exists()
    assert venue.book(bare, purpose="evaluation", attendees=9).state == BookingState.REQUESTED


@pytest.mark.clause("7.3.5")
def test_a_clarification_room_needs_its_voice_changer_and_image_link(venue: Venue) -> None:
    assert _lacks(venue, "C102", RoomType.CLARIFICATION, without=(Item.VOICE_CHANGER, Item.IMAGE_LINK)) == [
        "image_link",
        "voice_changer",
    ]
    room = venue.room("C103", RoomType.CLARIFICATION, 6)
    for item in (Item.CAMERA, Item.IMAGE_LINK):
        services.equipment_add(actor=venue.staff, room=room, item=item)
    error = refused(lambda: venue.book(room, purpose="clarification", attendees=4), "venue_booking_equipment")
    assert error.detail["missing"] == ["voice_changer"]


@pytest.mark.clause("7.2.7")
@pytest.mark.clause("7.4.6")
@pytest.mark.clause("7.4.8")
def test_the_rooms_around_the_trade_are_listed_with_what_they_lack(venue: Venue) -> None:
    # 7.2.7: a sample room with monitoring and anti-theft protection
    assert _lacks(venue, "Y1", RoomType.SAMPLES, without=(Item.ANTI_THEFT,)) == ["anti_theft"]
    # 7.4.6: the service desk: recorded telephone, lookup computer; the transfer room: camera, cabinets
    assert _lacks(venue, "F1", RoomType.SERVICE_DESK, without=(Item.RECORDED_PHONE,)) == ["recorded_phone"]
    assert _lacks(venue, "Z1", RoomType.TRANSFER, without=(Item.CAMERA, Item.SHELVES)) == [
        "camera",
        "shelves",
    ]
    # 7.4.8: the supervision and the expert draw rooms under monitoring
    assert _lacks(venue, "M1", RoomType.SUPERVISION, without=(Item.CAMERA,)) == ["camera"]
    assert _lacks(venue, "D1", RoomType.EXPERT_DRAW, without=(Item.CAMERA, Item.DRAW_TERMINAL)) == [
        "camera",
        "draw_terminal",
    ]
    # 7.5.2: the archive room's cabinets
    assert _lacks(venue, "R1", RoomType.ARCHIVE, without=(Item.SHELVES,)) == ["shelves"]
    # and all complete once equipped
    for code, type_ in (("Y2", RoomType.SAMPLES), ("M2", RoomType.SUPERVISION), ("R2", RoomType.ARCHIVE)):
        assert _lacks(venue, code, type_) == []
    page = factories.signed_in(Client(), venue.staff).get("/centre/venues/").content.decode()
    assert page.count('data-testid="lacking"') == 6
