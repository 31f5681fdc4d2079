"""The demo's history clock, used by every demo module that sets a time. On the sandbox clock (`make demo`)
the demo writes a month of history forward from 30 days ago, then brings the clock to the present;
without the sandbox clock everything happens now (and nothing is late).

* `History` — the run's clock: `demo_load` starts it (or finds it running: then there is no history
  to write), moves it forward with `later(hours)` and brings it to the present with `end()`. The
  present is read once, when the run starts: the history ends an hour before it (`until`), and no
  move goes past that, whatever the steps ask and however long the run takes.
* `Days` — working days of the official calendar and instants of the history (Shanghai time), and
  `to(instant)`: forward to an instant through a given `later`, never past the history's end (the
  running history's `until`) and never back.
* `Schedule` — steps due at instants, run in order as the clock passes them: the month of service runs
  this way alongside the registrations, whose loader moves the clock.
* `real_day` — an instant a number of days after the real today (what the demo shows as coming: the
  history clock may still run behind the present).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable

from ggzy.calendar.calc import SHANGHAI, Calendar
from ggzy.core import clock

#: `later(hours)`: move the history clock forward by `hours` (or do nothing, without a history).
Later = Callable[[float], None]
#: A step of a `Schedule`.
Step = Callable[[], None]

#: How far back the history starts.
MONTH = dt.timedelta(days=30)
#: The history ends this long before the present the run started at.
MARGIN = dt.timedelta(hours=1)


class History:
    """The run's clock. `on` when this run started the sandbox clock a month back: it writes history,
    forward from `MONTH` (or a few days more, if a step asks) before the present the run started at, up to
    `until` (`MARGIN` before it)."""

    #: The history being written (its `until` is the end every `Days` of the run counts to).
    running: History | None = None

    def __init__(self, back: Callable[[dt.datetime], dt.timedelta] | None = None) -> None:
        """`back(present)`: how far back to start, if a step needs more than `MONTH` (never less)."""
        present = clock.authority_now()
        self.until = present - MARGIN
        start = present - max(MONTH, back(present) if back is not None else MONTH)
        self.on = clock.sandbox_enabled() and clock.sandbox_start(start)
        History.running = self if self.on else None

    def later(self, hours: float) -> None:
        """Forward by `hours`, never past `until` (a step that asks for more waits there)."""
        if not self.on or hours <= 0:
            return
        clock.sandbox_forward(min(clock.now() + dt.timedelta(hours=hours), self.until))

    def behind(self, hours: float) -> bool:
        """Writing history, and the clock still more than `hours` behind the present?"""
        return self.on and clock.authority_now() - clock.now() > dt.timedelta(hours=hours)

    def end(self) -> None:
        """Bring the clock to the present (after the history is written): one reading of the present,
        taken under the clock's lock, so the clock cannot be found a microsecond past its target."""
        if self.on:
            clock.sandbox_forward(None)
        History.running = None


class Days:
    """Working days and instants of the history; `to` moves forward through `later`."""

    def __init__(self, later: Later) -> None:
        self.later = later
        self.calendar = Calendar("ln")
        #: the history ends a little before the present (the demo then brings the clock to now): the
        #: running history's end, read once when the run started
        running = History.running
        self.end = running.until if running is not None else clock.authority_now() - MARGIN
        #: the last working day no later than the day before yesterday of the present the run started at
        #: (Beijing): the month's steps end in the evening of that day (the notices' at about 23:10), the
        #: sealing demo's opening needs hours after them (`sealing.HISTORY_HOURS`), and the deposits booked
        #: after that opening must fall on a day the bank's statement is final for — a day before the real
        #: today. Counted from six hours before the end (the rule before), a run from 07:00 Beijing had
        #: yesterday as its last day, its deposits fell on the real today, their statement was never final
        #: and the withdrawn bidder had no deposit to refund (the securities demo failed at that hour)
        started = (self.end + MARGIN).astimezone(SHANGHAI).date()
        self.last = started - dt.timedelta(days=2)
        while not self.calendar.is_working_day(self.last):
            self.last -= dt.timedelta(days=1)

    def back(self, days: int) -> dt.date:
        """The `days`-th working day before the last one (0: the last working day)."""
        day, counted = self.last, 0
        while counted < days:
            day -= dt.timedelta(days=1)
            counted += self.calendar.is_working_day(day)
        return day

    def after(self, day: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `day` (0: `day` itself)."""
        return self.calendar.add_working_days(day, days) if days else day

    @staticmethod
    def moment(day: dt.date, hhmm: str) -> dt.datetime:
        """`day` at "HH:MM", Shanghai time."""
        hour, minute = hhmm.split(":")
        return dt.datetime.combine(day, dt.time(int(hour), int(minute)), tzinfo=SHANGHAI)

    def to(self, instant: dt.datetime) -> None:
        """Forward to `instant` (never past the history's end, never back)."""
        instant = min(instant, self.end)
        hours = (instant - clock.now()).total_seconds() / 3600
        if hours > 0:
            self.later(hours)

    def work(self, days: int, hour: int, minute: int = 0) -> None:
        """To the `days`-th working day after the clock's today (0: today) at hour:minute — or the next
        working day after it, if that time has passed."""
        now = clock.local_now()
        day, counted = now.date(), 0
        while counted < days:
            day += dt.timedelta(days=1)
            counted += self.calendar.is_working_day(day)
        while True:
            at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)
            if self.calendar.is_working_day(day) and at > now:
                break
            day += dt.timedelta(days=1)
        self.to(at)


class Schedule:
    """Steps due at instants. With a history each runs once the clock is brought to its instant;
    without one they all run, in order, at `finish`."""

    def __init__(self, days: Days, *, history: bool) -> None:
        self.days = days
        self.history = history
        self.steps: list[tuple[dt.datetime, int, Step]] = []
        self.seq = 0

    def add(self, when: dt.datetime, step: Step) -> None:
        self.seq += 1
        heapq.heappush(self.steps, (when, self.seq, step))

    def run_until(self, target: dt.datetime | None) -> None:
        while self.steps and (target is None or self.steps[0][0] <= target):
            when, _n, step = heapq.heappop(self.steps)
            if self.history:
                self.days.to(when)
            step()

    def later(self, hours: float) -> None:
        """For another loader that moves the clock: run the steps due before the clock gets there,
        then move it."""
        if not self.history:
            return
        target = clock.now() + dt.timedelta(hours=hours)
        self.run_until(target)
        left = (target - clock.now()).total_seconds() / 3600
        if left > 0:
            self.days.later(left)

    def finish(self) -> None:
        """The steps left (all of them, without a history)."""
        self.run_until(None)


def real_day(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant `days` after the real today (the history clock may run behind it), Shanghai time."""
    day = clock.authority_now().astimezone(SHANGHAI).date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
