"""Pauses of a procedure (standard 6.5.8, 6.5.9): the facts, kept by the registry because they belong to
the tender project and its sections, which the registry owns.

* `pause_start`: a pause in force from now, naming its basis, its reason, the steps it stops
  (`PauseStep`) and, for a supervising department's order, its latest end (at most 30 days, 政府采购法
  §57). An objection's pause names its cause, so that its answer lifts that pause and no other.
* `pause_end`: the pause is lifted; the procedure goes on (other pauses still in force stay).
* `procedure_terminate`: the procedure ends for good (招标投标法实施条例 §31): every step is refused.

Who may act is decided by the caller: the one suspend service (`ggzy.notices.services.pauses`) checks
the party, the centre's staff or the supervisor, moves deadlines, tells every party and drafts the
notice; the objection service pauses for an objection. The steps' services ask
`registry.selectors.pause_check` before they act. Every change is one recorded, public event naming no
objector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.states import advance
from ggzy.core.types import Actor, JSONDict
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.registry.errors import RegistryError
from ggzy.registry.event_types import RegistryEvents
from ggzy.registry.models import Pause, PauseBasis, PauseState, PauseStep, Section, TenderProject
from ggzy.registry.states import PAUSE_TRANSITIONS

#: 政府采购法 §57: a supervising department may order a procurement paused for at most 30 days.
ORDER_LONGEST = dt.timedelta(days=30)
REASON_MAX = 2000


def _event(type_: EventType, pause: Pause, actor: Actor | None, data: JSONDict) -> Event:
    project = pause.tender_project.project
    return event_record(
        type=type_,
        actor=actor,
        project=project.code,
        centre=project.centre.code,
        region=project.region,
        category=project.category_id,
        data={
            "pause": str(pause.uid),
            "tender_project": pause.tender_project.code,
            "sections": sorted(s.code for s in pause.sections.all()),
            "basis": pause.basis,
            "steps": pause.steps,
            **data,
        },
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise DomainError(RegistryError.PAUSE_INVALID, detail={"field": "reason"})
    return reason


@transaction.atomic
def pause_start(
    *,
    actor: Actor | None,
    tender_project: TenderProject,
    basis: str,
    reason: str,
    steps: Iterable[str],
    sections: Iterable[Section] = (),
    until: dt.datetime | None = None,
    cause: str = "",
) -> Pause:
    """A pause in force from now on the tender project (or `sections` of it)."""
    if basis not in PauseBasis.values or basis == PauseBasis.TERMINATION:
        raise DomainError(RegistryError.PAUSE_INVALID, detail={"field": "basis"})
    wanted = sorted(set(steps))
    if not wanted or any(step not in PauseStep.values for step in wanted):
        raise DomainError(RegistryError.PAUSE_INVALID, detail={"field": "steps"})
    chosen = list(sections)
    if any(s.tender_project_id != tender_project.pk for s in chosen):
        raise DomainError(RegistryError.PAUSE_INVALID, detail={"field": "sections"})
    now = clock.now()
    if basis == PauseBasis.SUPERVISOR_ORDER:
        if until is None or until.tzinfo is None or not now < until <= now + ORDER_LONGEST:
            raise DomainError(
                RegistryError.PAUSE_TOO_LONG, detail={"latest": (now + ORDER_LONGEST).isoformat()}
            )
    elif until is not None:
        raise DomainError(RegistryError.PAUSE_INVALID, detail={"field": "until"})
    pause = Pause.objects.create(
        tender_project=tender_project,
        basis=basis,
        reason=_reason(reason),
        cause=cause,
        steps=[str(step) for step in wanted],
        started_at=now,
        started_by=actor,
        until=until,
    )
    pause.sections.set(chosen)
    _event(RegistryEvents.PAUSED, pause, actor, {"reason": pause.reason, "until": until})
    return pause


def _locked(pause: Pause) -> Pause:
    return (
        Pause.objects.select_for_update(of=("self",))
        .select_related("tender_project__project__centre")
        .get(pk=pause.pk)
    )


@transaction.atomic
def pause_end(*, actor: Actor | None, pause: Pause, reason: str) -> Pause:
    """Lift a pause in force; the procedure goes on unless another pause stops it."""
    pause = _locked(pause)
    if pause.state != PauseState.ACTIVE:
        raise DomainError(RegistryError.PAUSE_STATE)
    text = _reason(reason)
    advance(
        pause, PAUSE_TRANSITIONS, "resume", error=RegistryError.PAUSE_STATE,
        ended_at=clock.now(), ended_by=actor, end_reason=text,
    )  # fmt: skip
    _event(RegistryEvents.RESUMED, pause, actor, {"reason": text})
    return pause


@transaction.atomic
def procedure_terminate(*, actor: Actor | None, tender_project: TenderProject, reason: str) -> Pause:
    """End a tender project's procedure for good: a pause of every step that never ends. Pauses still in
    force end with it."""
    now = clock.now()
    text = _reason(reason)
    if Pause.objects.filter(tender_project=tender_project, state=PauseState.TERMINATED).exists():
        raise DomainError(RegistryError.TERMINATED)
    for earlier in Pause.objects.filter(tender_project=tender_project, state=PauseState.ACTIVE):
        pause_end(actor=actor, pause=earlier, reason=text)
    pause = Pause.objects.create(
        tender_project=tender_project,
        basis=PauseBasis.OTHER,
        reason=text,
        steps=list(PauseStep.values),
        started_at=now,
        started_by=actor,
    )
    advance(
        pause, PAUSE_TRANSITIONS, "terminate", error=RegistryError.PAUSE_STATE,
        basis=PauseBasis.TERMINATION, ended_at=now, ended_by=actor, end_reason=text,
    )  # fmt: skip
    _event(RegistryEvents.TERMINATED, pause, actor, {"reason": text})
    return pause
