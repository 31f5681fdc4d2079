"""Tick jobs of the calendar (run by `ggzy tick`)."""

from ggzy.calendar.services import deadlines_passed_catch_up
from ggzy.core import tick

tick.register("calendar.deadlines_passed", deadlines_passed_catch_up)
