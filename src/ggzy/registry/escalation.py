"""Escalation to the head of a centre's desk: one algorithm for everything with an answer limit.

A registration past its 2-working-day limit and a consultation question past its answer limit escalate
the same way — once, under a row lock, with an event for the supervisors and a message to the desk head
of the centre, or to its deputy while the head is on leave (the registry owns the desk and its head).
The tick jobs are thin wrappers around `escalate_once`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import models, transaction

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.core.types import Actor, JSONDict
from ggzy.events.models import Event
from ggzy.events.notifications import Recipient, notify
from ggzy.registry.models import DeskHead
from ggzy.registry.selectors import on_leave

#: The model of the rows that escalate (it has an `escalated_at` field).
M = TypeVar("M", bound=models.Model)


def desk_head(centre: Centre) -> Actor | None:
    """Whom the centre's desk escalates to now: its head, or the deputy (AB角) while the head is on
    recorded leave; None when the centre named no head."""
    head = DeskHead.objects.filter(centre=centre).select_related("user", "deputy").first()
    if head is None:
        return None
    if head.deputy is not None and on_leave(head.user):
        return head.deputy
    return head.user


def escalate_once(
    model: type[M],
    pk: int,
    *,
    centre: Centre,
    still_due: Callable[[M], bool],
    record: Callable[[M], Event],
    template: str,
    context: Callable[[M], JSONDict],
) -> bool:
    """Escalate the row `pk` of `model` (which has an `escalated_at` field) once: under a row lock, skip
    it if it was escalated already or `still_due(row)` is false; else stamp `escalated_at`, record the
    event (`record(row)`) and tell the centre's desk head (`template`, `context(row)`), all in one
    transaction. True when it escalated."""
    with transaction.atomic():
        row = model._default_manager.select_for_update().get(pk=pk)
        if row.escalated_at is not None or not still_due(row):  # type: ignore[attr-defined]
            return False
        row.escalated_at = clock.now()  # type: ignore[attr-defined]
        row.save(update_fields=["escalated_at"])
        event = record(row)
        head = desk_head(centre)
        if head is not None:
            notify(template=template, recipients=[Recipient(user=head)], context=context(row), event=event)
    return True
