"""The notice table pair by pair (docs/architecture.md §3e): every stored state × every action the table
names goes through its service; an allowed pair moves as the table says, every other is refused and
changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.states import actions, pairs
from ggzy.notices import services
from ggzy.notices.models import Notice, NoticeState
from ggzy.notices.states import NOTICE_TRANSITIONS
from tests.notices.conftest import Place, tender_content

pytestmark = pytest.mark.django_db

SERVICES: dict[str, Callable[[Place, Notice], object]] = {
    "edit": lambda p, n: services.notice_edit(
        actor=p.world.agent_user, notice=n, title="改后的标题", content=tender_content()
    ),
    "schedule": lambda p, n: services.notice_schedule(
        actor=p.world.agent_user, notice=n, publish_at=clock.now() + dt.timedelta(hours=1)
    ),
    "withdraw": lambda p, n: services.notice_withdraw(actor=p.world.agent_user, notice=n),
}


def test_every_action_has_its_service() -> None:
    assert set(actions(NOTICE_TRANSITIONS)) == set(SERVICES)


def _in_state(place: Place, state: str) -> Notice:
    notice = place.draft()
    if state in (NoticeState.SCHEDULED, NoticeState.WITHDRAWN):
        notice = services.notice_schedule(
            actor=place.world.agent_user, notice=notice, publish_at=clock.now() + dt.timedelta(hours=1)
        )
    if state == NoticeState.WITHDRAWN:
        notice = services.notice_withdraw(actor=place.world.agent_user, notice=notice)
    return notice


@pytest.mark.parametrize(("state", "action"), pairs(NoticeState.values, NOTICE_TRANSITIONS))
def test_each_pair_moves_as_the_table_says(place: Place, state: str, action: str) -> None:
    notice = _in_state(place, state)
    target = NOTICE_TRANSITIONS.get((NoticeState(state), action))
    if target is None:
        before = Notice.objects.values().get(pk=notice.pk)
        with pytest.raises(DomainError) as refused:
            SERVICES[action](place, notice)
        assert refused.value.code.value == "notice_state"
        assert Notice.objects.values().get(pk=notice.pk) == before
    else:
        SERVICES[action](place, notice)
        assert Notice.objects.get(pk=notice.pk).state == target


def test_no_stored_state_is_called_published(place: Any) -> None:
    assert "published" not in NoticeState.values  # derived from publish_at, never stored
