"""The experts app's tick jobs: a call not answered in time counts as declined (by the clock, not staff);
a drawn request's roster is pushed to the evaluation area when its time comes; the requester is reminded
before the push to enter the initiator's own members."""

from __future__ import annotations

from ggzy.core import tick
from ggzy.experts.services import calls_timeout, members_remind, rosters_push

tick.register("experts.calls_timeout", calls_timeout)
tick.register("experts.rosters_push", rosters_push)
tick.register("experts.members_remind", members_remind)
