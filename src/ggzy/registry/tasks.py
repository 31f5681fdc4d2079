"""Tick jobs: escalate registrations past their 2-working-day limit to the head of the desk, and remind
parties of promised (容缺) items that fall due."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction

from ggzy.core import clock, tick
from ggzy.core.formatting import local_time
from ggzy.core.types import JSONDict
from ggzy.events.models import Event
from ggzy.events.notifications import notify
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry import selectors
from ggzy.registry.escalation import escalate_once
from ggzy.registry.models import Project, Registration


def _same(context: JSONDict, _row: Registration) -> JSONDict:
    return context


def _always(_row: Registration) -> bool:
    return True  # a registration past its limit stays due until it is escalated


def escalate_overdue() -> int:
    """Registrations past their limit, escalated once each to the desk head (registry.escalation)."""
    sent = 0
    for found in selectors.overdue():
        project = found.project
        due_at = found.deadline.due_at  # type: ignore[union-attr]

        def record(
            registration: Registration, project: Project = project, due_at: dt.datetime = due_at
        ) -> Event:
            return event_record(
                type="registry.registration.overdue",
                event_class=EventClass.DOMAIN,
                visibility=Visibility.SUPERVISORS,
                project=project.code,
                centre=project.centre.code,
                region=project.region,
                category=project.category_id,
                data={"registration": str(registration.uid), "due_at": due_at},
            )

        context = {
            "project": project.code,
            "name": project.name,
            "due_at": local_time(due_at),
        }
        sent += escalate_once(
            Registration,
            found.pk,
            centre=project.centre,
            still_due=_always,
            record=record,
            template="registry.overdue",
            context=partial(_same, context),
        )
    return sent


def remind_promises() -> int:
    sent = 0
    now = clock.now()
    for found in selectors.promises_due(now).select_related("registration__project", "checklist_item"):
        with transaction.atomic():
            # re-checked under the lock: another pass at the same moment may have reminded it already
            item = selectors.promises_due(now).select_for_update().filter(pk=found.pk).first()
            if item is None:
                continue
            item.reminded_at = clock.now()
            item.save(update_fields=["reminded_at"])
            notify(
                template="registry.promise_due",
                recipients=selectors.party_recipients(found.registration),
                context={
                    "project": found.registration.project.code,
                    "item": found.checklist_item.name,
                    "due": found.promised_by.isoformat() if found.promised_by else "",
                },
            )
        sent += 1
    return sent


tick.register("registry.escalate_overdue", escalate_overdue)
tick.register("registry.remind_promises", remind_promises)
