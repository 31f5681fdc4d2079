"""Sealed bids against custodians that run as their operators run them: `ggzy-custodian serve`
processes (tests/outside.py) reached over HTTP, each on its own clock — the system's — and a section
whose deadline is seconds away, announced to them by the platform's signed notice."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from ggzy.core import clock
from ggzy.sealing import services
from ggzy.sealing.models import BidWindow
from ggzy_sm import witness
from tests.outside import Custodians, make_custodians
from tests.sealing.conftest import CUSTODIAN_NAMES, Member, Stage, member, root, witness_pins

HTTP = "ggzy.sealing.transport.HTTP"


def go_live(
    stage: Stage,
    folder: Path,
    settings: Any,
    *,
    start: tuple[int, ...] = (1, 2, 3),
    witness_trust: witness.WitnessTrust | None = None,
    supervisor: Member | None = None,
) -> tuple[Custodians, Member]:
    """Three custodians made with their own tool (k = 2), the set they and the supervising department
    signed published for the stage's centre, `start` of them serving; the platform speaks HTTP to them.
    The caller stops them (`stop_all`)."""
    supervisor = supervisor or member("沈阳市住房和城乡建设局")
    world = make_custodians(
        folder,
        centre=stage.world.centre.code,
        names=list(CUSTODIAN_NAMES),
        supervisor=(supervisor.name, supervisor.sign_cert, supervisor.sign),
        root=root(),
        witness_trust=witness_trust or witness_pins(),
    )
    for index in start:
        world.start(index)
    settings.GGZY_CUSTODIAN_TRANSPORT = HTTP
    services.custodian_set_publish(actor=None, centre=stage.world.centre, signed=world.signed)
    return world, supervisor


def window_in(stage: Stage, capture: Any, seconds: float, section: Any = None) -> dt.datetime:
    """A fresh window for the section whose deadline (and opening) is `seconds` from now, a whole second;
    the platform signs its notice and delivers it to the custodians as the commit would (`capture`: the
    django_capture_on_commit_callbacks fixture)."""
    section = section or stage.section
    deadline = (clock.now() + dt.timedelta(seconds=seconds)).replace(microsecond=0) + dt.timedelta(seconds=1)
    BidWindow.objects.filter(section=section).delete()
    with capture(execute=True):
        services.window_set(actor=stage.world.agent_user, section=section, deadline=deadline)
    return deadline


def sleep_until(moment: dt.datetime, slack: float = 0.3) -> None:
    time.sleep(max(0.0, (moment - dt.datetime.now(dt.UTC)).total_seconds()) + slack)
