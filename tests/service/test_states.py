"""The guides' and commitments' table (service/states.py), pair by pair from the table itself: for every
state × every action, the service that does it moves the guide or commitment where the table says, or
refuses with ServiceError.PUBLISH_STATE and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model

from ggzy.core.errors import DomainError
from ggzy.core.states import actions, next_state, pairs
from ggzy.events.models import Event
from ggzy.service import services
from ggzy.service.errors import ServiceError
from ggzy.service.models import Commitment, Guide, PublishState
from ggzy.service.states import PUBLISH_TRANSITIONS
from tests.registry.conftest import World

pytestmark = pytest.mark.django_db

GUIDE = services.GuideIn(kind="process", title="进场交易流程", body="登记 → 公告 → 开标")
COMMITMENT = services.CommitmentIn(
    service="registration", title="项目登记", steps="提交—办结", time_limit="2 日"
)

#: The service that does each action of the table, for a guide and for a commitment.
GUIDE_SERVICES: dict[str, Callable[[World, Any], Any]] = {
    "edit": lambda w, g: services.guide_edit(actor=w.staff[0], guide=g, data=GUIDE),
    "publish": lambda w, g: services.guide_publish(actor=w.staff[0], guide=g),
    "withdraw": lambda w, g: services.guide_withdraw(actor=w.staff[0], guide=g),
}
COMMITMENT_SERVICES: dict[str, Callable[[World, Any], Any]] = {
    "edit": lambda w, c: services.commitment_edit(actor=w.staff[0], commitment=c, data=COMMITMENT),
    "publish": lambda w, c: services.commitment_publish(actor=w.staff[0], commitment=c),
    "withdraw": lambda w, c: services.commitment_withdraw(actor=w.staff[0], commitment=c),
}


def test_every_action_of_the_table_has_its_services() -> None:
    assert set(GUIDE_SERVICES) == set(COMMITMENT_SERVICES) == set(actions(PUBLISH_TRANSITIONS))


def _in_state(world: World, kind: str, state: str) -> Model:
    row: Model
    if kind == "guide":
        row = services.guide_write(actor=world.staff[0], centre=world.centre, data=GUIDE)
        Guide.objects.filter(pk=row.pk).update(state=state)
    else:
        row = services.commitment_write(actor=world.staff[0], centre=world.centre, data=COMMITMENT)
        Commitment.objects.filter(pk=row.pk).update(state=state)
    row.refresh_from_db()
    return row


def _row(row: Model) -> dict[str, Any]:
    return type(row)._default_manager.filter(pk=row.pk).values().get()


@pytest.mark.parametrize("kind", ["guide", "commitment"])
@pytest.mark.parametrize(("state", "action"), pairs(PublishState.values, PUBLISH_TRANSITIONS))
def test_each_state_and_action(world: World, kind: str, state: str, action: str) -> None:
    row = _in_state(world, kind, state)
    run = (GUIDE_SERVICES if kind == "guide" else COMMITMENT_SERVICES)[action]
    target = next_state(PUBLISH_TRANSITIONS, state, action)
    if target is not None:
        run(world, row)
        assert _row(row)["state"] == target
        return
    before, events = _row(row), Event.objects.count()
    with pytest.raises(DomainError) as refused:
        run(world, row)
    assert refused.value.code is ServiceError.PUBLISH_STATE
    assert (_row(row), Event.objects.count()) == (before, events)
