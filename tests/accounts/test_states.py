"""The table of changes to administrators' accounts (accounts/states.py), pair by pair from the table
itself: for every state × every action the table names, the service that does the action moves the
request where the table says, or refuses with AccountsError.CHANGE_NOT_PENDING (naming the state it
found) and changes nothing. A pending request past its time is expired and no action moves it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.accounts import changes, policy
from ggzy.accounts.errors import AccountsError
from ggzy.accounts.models import AccountChange
from ggzy.accounts.states import CHANGE_TRANSITIONS, EXPIRED
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.roles import ADMIN_ROLES, Role
from ggzy.core.states import actions, advance, next_state, pairs
from ggzy.core.types import Actor
from ggzy.events.models import Event, Message

pytestmark = pytest.mark.django_db
State = AccountChange.State
Admins = dict[Role, Actor]

#: The service that does each action of the table, as the administrator allowed to do it: the security
#: administrator asks to reset the system administrator's second factor, the audit administrator (a
#: second administrator, neither the requester nor the person concerned) decides. A test of its own
#: fails when the table gains an action nobody does here.
SERVICES: dict[str, Callable[[Admins, AccountChange], object]] = {
    "approve": lambda admins, change: changes.change_approve(
        actor=admins[Role.AUDIT_ADMIN], change_uid=change.uid, note="核实无误"
    ),
    "refuse": lambda admins, change: changes.change_refuse(
        actor=admins[Role.AUDIT_ADMIN], change_uid=change.uid, note="理由不足"
    ),
    "withdraw": lambda admins, change: changes.change_withdraw(
        actor=admins[Role.SECURITY_ADMIN], change_uid=change.uid
    ),
}


@pytest.fixture
def admins(make_user: Callable[..., Any]) -> Admins:
    found: Admins = {role: make_user(role) for role in sorted(ADMIN_ROLES)}
    for user in found.values():
        state = policy.login_state(user)
        state.phone = f"1390000{user.pk:04d}"
        state.save()
    return found


def _requested(admins: Admins) -> AccountChange:
    return changes.change_request(
        actor=admins[Role.SECURITY_ADMIN],
        target=admins[Role.SYSTEM_ADMIN],
        kind=AccountChange.Kind.TOTP_RESET,
        reason="更换手机后无法使用动态口令",
    )


def _in_state(admins: Admins, state: str) -> AccountChange:
    """A request put in `state` (setting the column: test set-up)."""
    change = _requested(admins)
    AccountChange.objects.filter(pk=change.pk).update(state=state)
    change.refresh_from_db()
    return change


def _row(change: AccountChange) -> dict[str, object]:
    return AccountChange.objects.filter(pk=change.pk).values().get()


def _written() -> tuple[int, int]:
    return Event.objects.count(), Message.objects.count()


def test_every_action_of_the_table_has_its_service() -> None:
    assert set(SERVICES) == set(actions(CHANGE_TRANSITIONS))


@pytest.mark.parametrize(("state", "action"), pairs(State.values, CHANGE_TRANSITIONS))
def test_each_state_and_action(admins: Admins, state: str, action: str) -> None:
    change = _in_state(admins, state)
    target = next_state(CHANGE_TRANSITIONS, state, action)
    if target is not None:
        SERVICES[action](admins, change)
        row = _row(change)
        assert row["state"] == target
        assert row["decided_at"] is not None
        assert row["decided_by_id"] == (None if action == "withdraw" else admins[Role.AUDIT_ADMIN].pk)
        return
    before, written = _row(change), _written()
    with pytest.raises(DomainError) as refused:
        SERVICES[action](admins, change)
    assert refused.value.code is AccountsError.CHANGE_NOT_PENDING
    assert refused.value.detail == {"state": state}
    assert (_row(change), _written()) == (before, written)


@pytest.mark.parametrize("action", actions(CHANGE_TRANSITIONS))
def test_an_expired_request_is_moved_by_no_action(admins: Admins, action: str) -> None:
    change = _requested(admins)
    AccountChange.objects.filter(pk=change.pk).update(expires_at=clock.now() - dt.timedelta(seconds=1))
    before, written = _row(change), _written()
    with pytest.raises(DomainError) as refused:
        SERVICES[action](admins, change)
    assert refused.value.code is AccountsError.CHANGE_NOT_PENDING
    assert refused.value.detail == {"state": EXPIRED}
    assert (_row(change), _written()) == (before, written)
    assert before["state"] == State.PENDING  # expired is derived from the time, never stored


def test_a_request_decided_since_it_was_read_is_refused(admins: Admins) -> None:
    """The compare-and-set: a copy read while pending cannot be approved once the request was refused."""
    change = _requested(admins)
    stale = AccountChange.objects.get(pk=change.pk)
    SERVICES["refuse"](admins, change)
    before = _row(change)

    def not_pending(state: str) -> DomainError:
        return DomainError(AccountsError.CHANGE_NOT_PENDING, detail={"state": state})

    with pytest.raises(DomainError) as refused:
        advance(stale, CHANGE_TRANSITIONS, "approve", error=not_pending, note="迟到的批准")
    assert refused.value.detail == {"state": State.REFUSED}
    assert _row(change) == before  # neither the state nor the note was written
    assert stale.state == State.PENDING  # the refused copy is left as it was read
