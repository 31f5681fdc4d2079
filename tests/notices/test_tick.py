"""The tick records `notices.notice.published` once per notice when its instant passes (the state itself
is derived); four racing passes are in tests/core/test_tick_once.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ggzy.core import clock, tick
from ggzy.events.models import Event
from tests.notices.conftest import Place

pytestmark = pytest.mark.django_db


def test_the_tick_records_publication_once_after_the_instant(place: Place, freeze: Any) -> None:
    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=dt.timedelta(hours=1))
    job = tick.jobs()["notices.record_published"]
    assert job() == 0  # not yet
    assert not Event.objects.filter(type="notices.notice.published").exists()
    freeze(now + dt.timedelta(hours=1))
    assert job() == 1
    assert job() == 0
    event = Event.objects.get(type="notices.notice.published")
    assert event.visibility == "public"
    assert event.centre == place.world.centre.code
    assert event.embargo_ref == str(notice.uid)


def test_a_withdrawn_notice_is_never_recorded_as_published(place: Place, freeze: Any) -> None:
    from ggzy.notices import services

    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=dt.timedelta(hours=1))
    services.notice_withdraw(actor=place.world.agent_user, notice=notice)
    freeze(now + dt.timedelta(hours=2))
    assert tick.jobs()["notices.record_published"]() == 0
