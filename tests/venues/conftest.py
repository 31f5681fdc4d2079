"""A centre with an accepted registration (two sections), its staff, the agent, and rooms that have what the
standard requires of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from ggzy.core import clock
from ggzy.registry.models import Section
from ggzy.venues import services
from ggzy.venues.facilities import NEEDS, RoomType
from ggzy.venues.models import Room
from tests.notices.conftest import accepted
from tests.registry.conftest import World, make_world


def equipped(staff: Any, room: Room) -> Room:
    """Every item the room's type must have, in working order."""
    for item in NEEDS[room.type].must:
        services.equipment_add(actor=staff, room=room, item=item, maintain_every_days=180)
    return room


@dataclass
class Venue:
    world: World
    sections: list[Section]
    opening: Room  # 开标室 K101, 40 seats
    large: Room  # 开标室 K201, 80 seats (doubles as an auction hall)
    evaluation: Room  # 评标室 P301, 12 seats and 4 remote seats

    @property
    def staff(self) -> Any:
        return self.world.staff[0]

    @property
    def agent(self) -> Any:
        return self.world.agent_user

    def room(self, code: str, type_: str, capacity: int, **kwargs: Any) -> Room:
        return services.room_register(
            actor=self.staff, centre=self.world.centre, code=code, name=f"{code} 室", type=type_,
            capacity=capacity, **kwargs,
        )  # fmt: skip

    def book(self, room: Room | None = None, *, hours: float = 48, length: float = 2, **kwargs: Any) -> Any:
        starts = clock.now().replace(second=0, microsecond=0) + dt.timedelta(hours=hours)
        arguments: dict[str, Any] = {
            "actor": self.agent,
            "room": room or self.opening,
            "section": self.sections[0],
            "purpose": "opening",
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=length),
            "attendees": 20,
        }
        arguments.update(kwargs)
        return services.booking_request(**arguments)


@pytest.fixture
def venue(db: Any) -> Venue:
    world = make_world()
    registration = accepted(world)
    sections = list(Section.objects.filter(tender_project__project=registration.project).order_by("code"))
    made = Venue(world, sections, None, None, None)  # type: ignore[arg-type]
    made.opening = equipped(made.staff, made.room("K101", RoomType.OPENING, 40))
    made.large = equipped(made.staff, made.room("K201", RoomType.OPENING, 80))
    made.evaluation = equipped(made.staff, made.room("P301", RoomType.EVALUATION, 12, remote_seats=4))
    return made
