"""The experts app's tick jobs: a call not answered in time counts as declined (by the clock, not staff);
a drawn request's roster is pushed to the evaluation area when its time comes; the requester is reminded
before the push to enter the initiator's own members; a provincial draw's answers, given to the pool by the
experts themselves, are read from the pool's signed state."""

from __future__ import annotations

from ggzy.core import tick
from ggzy.experts.services import calls_timeout, members_remind, provincial_refresh_all, rosters_push

tick.register("experts.calls_timeout", calls_timeout)
tick.register("experts.rosters_push", rosters_push)
tick.register("experts.members_remind", members_remind)
tick.register("experts.provincial_refresh", provincial_refresh_all)
