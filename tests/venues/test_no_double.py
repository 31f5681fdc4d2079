"""A room never holds two bookings at once, and it is the database that says so (standard 6.3.1, 6.3.2):
an exclusion constraint on PostgreSQL, triggers on SQLite (whose write transactions begin IMMEDIATE). The
services' own check before the write only words the refusal; these tests take it away."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.venues import services
from ggzy.venues.models import NO_DOUBLE, Booking
from ggzy.venues.states import BookingState
from tests.venues.conftest import Venue


def _copy(booking: Booking, **changes: Any) -> Booking:
    fields = {f.attname: getattr(booking, f.attname) for f in Booking._meta.concrete_fields}
    fields.pop("id")
    fields.pop("uid")
    fields.update(changes)
    return Booking(**fields)


@pytest.mark.django_db
@pytest.mark.clause("6.3.2")
def test_the_database_refuses_an_overlapping_booking_written_past_the_services(venue: Venue) -> None:
    booking = venue.book()
    hour = dt.timedelta(hours=1)
    end = booking.ends_at  # within the first's clean-up buffer
    overlapping = _copy(
        booking, starts_at=end, ends_at=end + hour, blocked_from=end, blocked_until=end + hour
    )
    with pytest.raises(IntegrityError, match=NO_DOUBLE), transaction.atomic():
        overlapping.save()
    # an update moving another booking onto it, too
    later = venue.book(hours=96)
    with pytest.raises(IntegrityError, match=NO_DOUBLE), transaction.atomic():
        Booking.objects.filter(pk=later.pk).update(
            starts_at=booking.starts_at, ends_at=booking.ends_at,
            blocked_from=booking.blocked_from, blocked_until=booking.blocked_until,
        )  # fmt: skip
    # touching ends do not overlap; a refused or cancelled booking holds nothing
    with transaction.atomic():
        _copy(booking, blocked_from=booking.blocked_until, blocked_until=booking.blocked_until + hour,
              starts_at=booking.blocked_until, ends_at=booking.blocked_until + hour).save()  # fmt: skip
        _copy(booking, state=BookingState.CANCELLED).save()
    # another room at the same time
    with transaction.atomic():
        _copy(booking, room_id=venue.large.pk).save()
    assert Booking.objects.count() == 5


def _race(venue: Venue, book: Any, monkeypatch: pytest.MonkeyPatch, setup: Any = None) -> list[object]:
    """Two threads, each with its own connection, released together, book the same room for overlapping
    times with the services' own check taken away: what each got."""
    monkeypatch.setattr(services, "conflicts", lambda *a, **k: False)
    start = threading.Barrier(2)
    got: list[object] = [None, None]
    starts = clock.now().replace(microsecond=0) + dt.timedelta(days=2)

    def one(n: int) -> None:
        try:
            if setup is not None:
                setup()
            start.wait(10)
            got[n] = book(
                starts_at=starts + dt.timedelta(minutes=10 * n), ends_at=starts + dt.timedelta(hours=2)
            )
        except DomainError as error:
            got[n] = str(error.code)
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            got[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return got


def _one_won(got: list[object]) -> None:
    assert sorted(type(g).__name__ for g in got) == ["Booking", "str"], got
    assert [g for g in got if isinstance(g, str)] == ["venue_room_busy"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.clause("6.3.2")
def test_two_connections_racing_for_a_room_one_wins_on_sqlite(
    venue: Venue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite race (the PostgreSQL one is the next test)")
    # the test database lives in memory, whose shared-cache locks do not wait: the race runs on a file copy
    # of it, with the production settings' IMMEDIATE transactions and a busy timeout
    path = tmp_path / "race.sqlite3"
    target = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    settings_dict = {**connection.settings_dict, "NAME": str(path),
                     "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20}}  # fmt: skip

    wrapper_class = type(connections["default"])

    def on_file() -> None:
        wrapper = wrapper_class(settings_dict, "default")
        connections["default"] = wrapper  # this thread's connection only

    got = _race(venue, venue.book, monkeypatch, setup=on_file)
    _one_won(got)
    with sqlite3.connect(path) as copy:
        assert copy.execute("SELECT count(*) FROM venues_booking").fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
@pytest.mark.clause("6.3.2")
def test_two_connections_racing_for_a_room_one_wins_on_postgresql(
    venue: Venue, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: set GGZY_TEST_POSTGRES (1 or a server URL) to run it")
    got = _race(venue, venue.book, monkeypatch)
    _one_won(got)
    assert Booking.objects.count() == 1


@pytest.mark.django_db
def test_the_exclusion_constraint_is_in_the_postgresql_schema() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: set GGZY_TEST_POSTGRES (1 or a server URL) to run it")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s", [NO_DOUBLE]
        )
        kind, definition = cursor.fetchone()
    assert kind == "x"  # an exclusion constraint
    assert definition.startswith(
        "EXCLUDE USING gist (room_id WITH =, tstzrange(blocked_from, blocked_until) WITH &&)"
    )
    assert all(word in definition for word in ("WHERE", "'requested'", "'confirmed'"))


@pytest.mark.django_db
def test_the_triggers_are_in_the_sqlite_schema() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's triggers (PostgreSQL has the constraint)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'venues_booking'"
        )
        names = sorted(row[0] for row in cursor.fetchall())
    assert names == ["venues_booking_no_double_insert", "venues_booking_no_double_update"]
