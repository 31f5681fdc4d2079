#!/usr/bin/env python3
"""Room booking conflict checks in the database against loading the room's bookings into Python (issue 34).

    python benchmarks/booking_conflicts.py [--quick] [--sqlite] [--checks N]

Loads 10,000 bookings across 200 rooms over a year (50 a room, none overlapping, 1–4 hours between 08:00
and 18:00 Beijing, a tenth of them cancelled) into a fresh PostgreSQL database (`ggzy_bench_bookings` on
127.0.0.1:5432, dropped and made again, dropped at the end; GGZY_BENCH_POSTGRES may name another database
on this host whose name begins with `ggzy_bench`) — --sqlite: a SQLite file in a temporary folder. The rows
are written in bulk (the loader is not what is measured); the centre, its staff and a section come from the
test world (`tests.registry.conftest.make_world`).

Then N = 5,000 candidate times (--quick: 1,000), each a random room, day and hour of the year, 1–4 hours
with the room's buffers: ours is `venues.services.conflicts` (one indexed query, which the services run
before writing — the database's constraint is the rule, this is the refusal's wording); the baseline is
what an implementation without it does: load the room's holding bookings and compare each in Python. Both
must give the same answer for every candidate (checked, not timed). Prints one JSON object last: checks per
second of each, ratio = ours / baseline, and how many candidates conflicted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from expert_draw import run, setup_django

DATABASE = "postgres://postgres@127.0.0.1:5432/ggzy_bench_bookings"
ROOMS = 200
PER_ROOM = 50
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
PURPOSE = {"opening": "opening", "evaluation": "evaluation"}


def load(rng: random.Random) -> tuple[list[Any], dt.datetime]:
    from tests.notices.conftest import accepted
    from tests.registry.conftest import make_world

    from ggzy.registry.models import Section
    from ggzy.venues import services
    from ggzy.venues.facilities import NEEDS, RoomType
    from ggzy.venues.models import Booking, Equipment
    from ggzy.venues.states import BookingState

    world = make_world()
    registration = accepted(world)
    section = Section.objects.filter(tender_project__project=registration.project).order_by("code").first()
    staff = world.staff[0]
    now = dt.datetime.now(tz=SHANGHAI)
    rooms = []
    for n in range(ROOMS):
        type_ = RoomType.OPENING if n % 2 else RoomType.EVALUATION
        room = services.room_register(
            actor=staff, centre=world.centre, code=f"R{n:03d}", name=f"房间 {n}", type=type_,
            capacity=rng.randint(10, 120),
        )  # fmt: skip
        rooms.append(room)
        Equipment.objects.bulk_create(
            Equipment(room=room, item=item, added_at=now) for item in NEEDS[type_].must
        )
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    rows = []
    for room in rooms:
        for day in sorted(rng.sample(range(365), PER_ROOM)):
            begins = start + dt.timedelta(days=day, hours=rng.randint(8, 13), minutes=rng.choice((0, 30)))
            ends = begins + dt.timedelta(hours=rng.randint(1, 4))
            rows.append(
                Booking(
                    room=room, section=section, purpose=PURPOSE[room.type],
                    attendees=5, starts_at=begins, ends_at=ends,
                    blocked_from=begins - dt.timedelta(minutes=room.setup_minutes),
                    blocked_until=ends + dt.timedelta(minutes=room.cleanup_minutes),
                    state=BookingState.CANCELLED if rng.random() < 0.1 else BookingState.CONFIRMED,
                    requested_by=staff, requested_at=now,
                )
            )  # fmt: skip
    Booking.objects.bulk_create(rows, batch_size=2000)
    return rooms, start


def candidates(
    rooms: list[Any], start: dt.datetime, n: int, rng: random.Random
) -> list[tuple[Any, Any, Any]]:
    found = []
    for _ in range(n):
        room = rng.choice(rooms)
        begins = start + dt.timedelta(days=rng.randrange(365), hours=rng.randint(8, 15))
        ends = begins + dt.timedelta(hours=rng.randint(1, 4))
        found.append(
            (
                room,
                begins - dt.timedelta(minutes=room.setup_minutes),
                ends + dt.timedelta(minutes=room.cleanup_minutes),
            )
        )
    return found


def naive(room: Any, blocked_from: dt.datetime, blocked_until: dt.datetime) -> bool:
    from ggzy.venues.models import Booking
    from ggzy.venues.states import HOLDING

    held = Booking.objects.filter(room=room, state__in=HOLDING).values_list("blocked_from", "blocked_until")
    return any(b_from < blocked_until and b_until > blocked_from for b_from, b_until in held)


def timed(check: Any, cases: list[tuple[Any, Any, Any]]) -> tuple[float, list[bool]]:
    gc.collect()
    began = time.perf_counter()
    answers = [check(*case) for case in cases]
    return time.perf_counter() - began, answers


def bench(args: argparse.Namespace, url: str | None) -> None:
    setup_django(url)
    from django.db import connection

    from ggzy.venues import services

    rng = random.Random(34)  # noqa: S311  (reproducible load, no secret)
    began = time.perf_counter()
    rooms, start = load(rng)
    load_s = time.perf_counter() - began
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE venues_booking")
    cases = candidates(rooms, start, args.checks or (1000 if args.quick else 5000), rng)
    timed(services.conflicts, cases[:100])  # warm up both
    timed(naive, cases[:100])
    ours_s, ours = timed(services.conflicts, cases)
    base_s, base = timed(naive, cases)
    if ours != base:
        raise SystemExit("the two disagree on some candidate")
    result = {
        "benchmark": "booking_conflicts",
        "database": connection.vendor,
        "bookings": ROOMS * PER_ROOM,
        "rooms": ROOMS,
        "checks": len(cases),
        "conflicting": sum(ours),
        "load_s": round(load_s, 1),
        "ours_checks_per_s": round(len(cases) / ours_s, 1),
        "baseline_checks_per_s": round(len(cases) / base_s, 1),
        "value": round(len(cases) / ours_s, 1),
        "baseline_value": round(len(cases) / base_s, 1),
        "ratio": round(base_s / ours_s, 2),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,000 checks (`make bench`)")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--checks", type=int, default=0, help="another number of candidate times")
    run(bench, parser.parse_args(), DATABASE)


if __name__ == "__main__":
    main()
