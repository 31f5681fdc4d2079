"""The experts app's tick jobs: a call not answered in time counts as declined (by the clock, not staff);
a drawn request's roster is pushed to the evaluation area when its time comes."""

from __future__ import annotations

from ggzy.core import tick
from ggzy.experts.services import calls_timeout, rosters_push

tick.register("experts.calls_timeout", calls_timeout)
tick.register("experts.rosters_push", rosters_push)
