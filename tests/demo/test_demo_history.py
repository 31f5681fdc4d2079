"""The demo's history clock is deterministic: the present is read once when a run starts, no step moves
the history past its end (an hour before that present), and bringing the clock to the present reads
the present once — so the load cannot fail with "the sandbox clock never goes back", however the wall
clock's readings fall. The wall clock is replaced here by one that moves only when read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from ggzy.core import clock
from ggzy.core.models import SandboxAnchor
from ggzy.demo.history import MARGIN, MONTH, Days, History

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


class WallClock:
    """The time authority's readings: `step` later at every reading (a fast machine: a microsecond)."""

    def __init__(self, start: dt.datetime, step: dt.timedelta) -> None:
        self.now, self.step = start, step

    def __call__(self) -> dt.datetime:
        self.now += self.step
        return self.now


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> Iterator[WallClock]:
    readings = WallClock(
        dt.datetime(2026, 12, 4, 6, 59, 59, 999_999, tzinfo=dt.UTC), dt.timedelta(microseconds=1)
    )
    monkeypatch.setattr(clock, "authority_now", readings)
    clock.sandbox_reset_for_tests()
    yield readings
    History.running = None


def _behind(wall: WallClock) -> dt.timedelta:
    """How far the sandbox clock is behind the present (negative: ahead of it)."""
    clock.sandbox_reset_for_tests()
    return wall() - clock.now()


def test_the_history_is_brought_to_the_present_when_the_clock_is_already_there(wall: WallClock) -> None:
    # The race: the clock stands at the present to the microsecond (where a history that ran to its end
    # leaves it). Reading the present for the target and again under the lock put the target a
    # microsecond before the clock's own reading: "the sandbox clock never goes back".
    history = History()
    assert history.on
    SandboxAnchor.objects.filter(pk=1).update(real_at=wall.now, virtual_at=wall.now)
    clock.sandbox_reset_for_tests()
    history.end()
    anchor = SandboxAnchor.objects.get(pk=1)
    assert anchor.virtual_at == anchor.real_at  # at the present, read once
    assert abs(_behind(wall)) < dt.timedelta(milliseconds=1)


def test_no_step_moves_the_history_past_its_end(wall: WallClock) -> None:
    history = History()
    assert dt.timedelta(0) < wall.now - MARGIN - history.until < dt.timedelta(milliseconds=1)  # read once
    assert _behind(wall) > MONTH - dt.timedelta(seconds=1)
    history.later(24 * 45)  # more than the month: the step waits at the history's end
    assert _behind(wall) > MARGIN - dt.timedelta(seconds=1)
    history.later(2)
    assert _behind(wall) > MARGIN - dt.timedelta(seconds=1)
    history.end()
    assert abs(_behind(wall)) < dt.timedelta(milliseconds=1)
    history.end()  # twice: it stays at the present
    assert abs(_behind(wall)) < dt.timedelta(milliseconds=1)


def test_the_days_of_a_slow_run_count_to_the_end_the_run_started_with(wall: WallClock) -> None:
    history = History()
    wall.now += dt.timedelta(minutes=90)  # the parties took long on a busy machine
    days = Days(history.later)
    assert days.end == history.until  # not an hour before a later reading of the present
    days.to(days.end + dt.timedelta(days=3))  # past the end: to the end only
    assert clock.now() - history.until < dt.timedelta(seconds=1)
    history.end()
    assert History.running is None
    assert abs(_behind(wall)) < dt.timedelta(milliseconds=1)


@pytest.mark.parametrize("hour", range(24))
def test_the_last_day_leaves_the_opening_its_hours_and_the_deposits_a_final_bank_day(
    wall: WallClock, hour: int
) -> None:
    # A run started at each hour of a Thursday in Beijing (2026-12-10). The month's steps end about 23:10
    # of the last day and the opening needs `HISTORY_HOURS` after them, which must lie before the history's
    # end; the deposits booked after that opening must lie on a day before the real today, whose bank
    # statement is final (the securities demo failed from 07:00 Beijing, when the last day was yesterday)
    from ggzy.calendar.calc import SHANGHAI
    from ggzy.demo.sealing import HISTORY_HOURS

    wall.now = dt.datetime(2026, 12, 10, hour, 30, tzinfo=SHANGHAI).astimezone(dt.UTC)
    history = History()
    days = Days(history.later)
    evening = Days.moment(days.last, "23:10")
    opened = evening + dt.timedelta(hours=HISTORY_HOURS)
    assert opened < days.end
    assert opened.astimezone(SHANGHAI).date() < dt.date(2026, 12, 10)  # the bank's yesterday at the latest
    assert days.last == dt.date(2026, 12, 8)  # the Tuesday, a working day, at every hour
