"""States of the accounts app's records, as tables (`core.states`).

A change to an administrator's account (`accounts.changes`) is requested `pending`; a second
administrator approves or refuses it, the requester may withdraw it. An organisation's own registration
(`accounts.registration`) is `pending` until the staff of the centre it chose verify or refuse it
(`APPLICATION_TRANSITIONS`, refused with `AccountsError.APPLICATION_DECIDED`). Every change goes through
`core.states.advance` with `CHANGE_TRANSITIONS`; a refusal is `AccountsError.CHANGE_NOT_PENDING`,
naming the state found. A pending request past its time is `expired`: derived from the time at
every read (`change_state`), never stored, and no action moves it."""

from __future__ import annotations

import datetime as dt

from ggzy.accounts.models import AccountChange, OrganisationApplication

State = AccountChange.State
#: A request not decided before it expires is shown as expired (derived from the time, never stored).
EXPIRED = "expired"

#: (state, action) -> next state of an administrator account change.
CHANGE_TRANSITIONS: dict[tuple[State, str], State] = {
    (State.PENDING, "approve"): State.APPROVED,  # change_approve: carried out in the same transaction
    (State.PENDING, "refuse"): State.REFUSED,  # change_refuse
    (State.PENDING, "withdraw"): State.WITHDRAWN,  # change_withdraw: by the requester
}


def change_state(change: AccountChange, now: dt.datetime) -> str:
    """The state of a change at `now`: its stored state, or `expired` for a pending one past its time."""
    if change.state == State.PENDING and now >= change.expires_at:
        return EXPIRED
    return str(change.state)


Application = OrganisationApplication.State
#: (state, action) -> next state of an organisation's own registration.
APPLICATION_TRANSITIONS: dict[tuple[Application, str], Application] = {
    (Application.PENDING, "verify"): Application.VERIFIED,  # application_verify: grants the role asked for
    (Application.PENDING, "refuse"): Application.REFUSED,  # application_refuse: with the reason
}
