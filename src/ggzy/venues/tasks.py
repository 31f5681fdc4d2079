"""The venues app's tick job: a confirmed booking is reminded, once, the day before it begins."""

from __future__ import annotations

from ggzy.core import tick
from ggzy.venues.services import booking_remind_due

tick.register("venues.remind", booking_remind_due)
