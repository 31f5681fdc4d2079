"""Derived time states: a state that depends only on time is computed from stored instants at every
read and write — never stored by a task that has to have run.

    state = state_at(now, before="registered", milestones=[(notice.published_at, "published"),
                                                             (section.deadline, "closed")])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

S = TypeVar("S")


def state_at(now: dt.datetime, *, before: S, milestones: Sequence[tuple[dt.datetime | None, S]]) -> S:
    """The state of the latest milestone whose instant has come (None: not scheduled yet)."""
    state = before
    reached: dt.datetime | None = None
    for instant, milestone_state in milestones:
        if instant is not None and instant <= now and (reached is None or instant >= reached):
            state, reached = milestone_state, instant
    return state
