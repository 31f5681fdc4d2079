"""State machines as data, and the one way to move a row along one.

An app lists the changes of a stored state as a table in its `states.py`, (state, action) -> new
state, for example `sealing/states.py`:

    BID_TRANSITIONS = {
        (BidState.RECEIVED, "withdraw"): BidState.WITHDRAWN,
        (BidState.RECEIVED, "open"): BidState.OPENED,
    }

and its services change the state only through `advance(row, TABLE, action, error=..., **fields)`, a
compare-and-set:

    UPDATE … SET state = <new>, <fields> WHERE pk = <row.pk> AND state = <the state the row was read in>

It refuses, with the app's error and writing nothing, an action the table does not allow from the
row's state, and an action on a row whose state changed since it was read (no row updated) — so two
requests can never both move the same row, even where the database takes no row locks. `require` is
the same refusal without the write, for a service that checks the state before its other rules (and
so keeps the order of its refusals). A table is tested pair by pair from the table itself
(`tests/<app>/test_states.py`): every allowed pair moves, every other pair is refused and changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeAlias, TypeVar

from django.db import models

from ggzy.core.errors import DomainError, ErrorCodeBase

S = TypeVar("S", bound=str)

#: What a refused action raises: `DomainError(code)` for an error code, or what the callable makes of
#: the state the row is in (for a refusal that names it).
Refusal: TypeAlias = ErrorCodeBase | Callable[[str], Exception]


def next_state(table: Mapping[tuple[S, str], S], state: str, action: str) -> S | None:
    """Where `action` takes a row in `state`, or None when the table does not allow it."""
    for (source, act), target in table.items():
        if source == state and act == action:
            return target
    return None


def actions(table: Mapping[tuple[S, str], S]) -> list[str]:
    """Every action the table names, sorted."""
    return sorted({action for _state, action in table})


def pairs(states: Iterable[str], table: Mapping[tuple[S, str], S]) -> list[tuple[str, str]]:
    """Every (state, action) pair of `states` × the table's actions: what a test walks."""
    return [(str(state), action) for state in states for action in actions(table)]


def _refused(error: Refusal, state: str) -> Exception:
    return DomainError(error) if isinstance(error, ErrorCodeBase) else error(state)


def require(
    row: models.Model, table: Mapping[tuple[S, str], S], action: str, *, error: Refusal, field: str = "state"
) -> S:
    """The state `action` takes `row` to; refuses (raises `error`) when the table does not allow it."""
    state = str(getattr(row, field))
    target = next_state(table, state, action)
    if target is None:
        raise _refused(error, state)
    return target


def advance(
    row: models.Model,
    table: Mapping[tuple[S, str], S],
    action: str,
    *,
    error: Refusal,
    field: str = "state",
    **changes: object,
) -> S:
    """Move `row` by `action` (and set `changes` in the same UPDATE) if it is still in the state it was
    read in; refuse with `error` otherwise. The row object is updated to match."""
    expected = str(getattr(row, field))
    target = require(row, table, action, error=error, field=field)
    manager = type(row)._default_manager
    updated = manager.filter(pk=row.pk, **{field: expected}).update(**{field: target}, **changes)
    if updated != 1:
        current = manager.filter(pk=row.pk).values_list(field, flat=True).first()
        raise _refused(error, str(current if current is not None else expected))
    setattr(row, field, target)
    for name, value in changes.items():
        setattr(row, name, value)
    return target
