"""The registration workflow's table (registry/states.py), pair by pair from the table itself: for
every state × every action the table names, the service that does the action moves the registration
where the table says, or refuses with RegistryError.STATE and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core.errors import DomainError
from ggzy.core.states import actions, advance, next_state, pairs
from ggzy.events.models import Event
from ggzy.registry import services
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Registration, ReturnNotice, State
from ggzy.registry.states import REGISTRATION_TRANSITIONS
from tests.registry.conftest import World

pytestmark = pytest.mark.django_db

#: The service that does each action of the table, as the party allowed to do it (a test of its own
#: fails when the table gains an action nobody does here).
SERVICES: dict[str, Callable[[World, Registration], Any]] = {
    "return": lambda world, registration: services.notice_issue(
        actor=world.staff[0], registration=registration, lines=[("application_form", "盖章不清")]
    ),
    "resubmit": lambda world, registration: services.registration_resubmit(
        actor=world.agent_user, registration=registration
    ),
    "accept": lambda world, registration: services.registration_accept(
        actor=world.staff[0], registration=registration, responsible=world.staff[1], deputy=world.staff[2]
    ),
}


def test_every_action_of_the_table_has_its_service() -> None:
    assert set(SERVICES) == set(actions(REGISTRATION_TRANSITIONS))


def _row(registration: Registration) -> dict[str, Any]:
    return Registration.objects.filter(pk=registration.pk).values().get()


def _in_state(world: World, state: str) -> Registration:
    """A complete registration (every file given) put in `state` (setting the column: test set-up)."""
    registration = world.file()
    Registration.objects.filter(pk=registration.pk).update(state=state)
    registration.refresh_from_db()
    return registration


@pytest.mark.parametrize(("state", "action"), pairs(State.values, REGISTRATION_TRANSITIONS))
def test_each_state_and_action(world: World, state: str, action: str) -> None:
    registration = _in_state(world, state)
    target = next_state(REGISTRATION_TRANSITIONS, state, action)
    if target is not None:
        SERVICES[action](world, registration)
        assert _row(registration)["state"] == target
        return
    before, notices, events = _row(registration), ReturnNotice.objects.count(), Event.objects.count()
    with pytest.raises(DomainError) as refused:
        SERVICES[action](world, registration)
    assert refused.value.code is RegistryError.STATE
    assert (_row(registration), ReturnNotice.objects.count(), Event.objects.count()) == (
        before,
        notices,
        events,
    )


def test_a_row_whose_state_changed_since_it_was_read_is_refused(world: World) -> None:
    """The compare-and-set: a copy read while submitted cannot be accepted once the row was returned."""
    registration = world.file()
    stale = Registration.objects.get(pk=registration.pk)
    SERVICES["return"](world, registration)
    before = _row(registration)
    with pytest.raises(DomainError) as refused:
        advance(
            stale, REGISTRATION_TRANSITIONS, "accept", error=RegistryError.STATE, accepted_by=world.staff[0]
        )
    assert refused.value.code is RegistryError.STATE
    assert _row(registration) == before  # neither the state nor the other fields were written
    assert stale.state == State.SUBMITTED  # the refused copy is left as it was read
