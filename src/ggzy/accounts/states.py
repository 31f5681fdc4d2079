"""States of the accounts app's records, as tables."""

from __future__ import annotations

import datetime as dt

from ggzy.accounts.models import AccountChange

State = AccountChange.State
#: A request not decided before it expires is shown as expired (derived from the time, never stored).
EXPIRED = "expired"

#: (state, action) -> next state of an administrator account change.
CHANGE_TRANSITIONS: dict[tuple[str, str], str] = {
    (State.PENDING, "approve"): State.APPROVED,
    (State.PENDING, "refuse"): State.REFUSED,
    (State.PENDING, "withdraw"): State.WITHDRAWN,
}


def change_state(change: AccountChange, now: dt.datetime) -> str:
    """The state of a change at `now`: its stored state, or `expired` for a pending one past its time."""
    if change.state == State.PENDING and now >= change.expires_at:
        return EXPIRED
    return str(change.state)
