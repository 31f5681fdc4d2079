"""The experts app's tick job: a call not answered in time counts as declined (by the clock, not staff)."""

from __future__ import annotations

from ggzy.core import tick
from ggzy.experts.services import calls_timeout

tick.register("experts.calls_timeout", calls_timeout)
