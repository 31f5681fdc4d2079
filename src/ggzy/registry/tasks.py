"""Tick jobs: escalate registrations past their 2-working-day limit to the head of the desk, and remind
parties of promised (容缺) items that fall due."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ggzy.core import clock, tick
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry import selectors
from ggzy.registry.models import DeskHead, Item, Registration


def escalate_overdue() -> int:
    sent = 0
    for found in selectors.overdue():
        with transaction.atomic():
            registration = Registration.objects.select_for_update().get(pk=found.pk)
            if registration.escalated_at is not None:
                continue
            registration.escalated_at = clock.now()
            registration.save(update_fields=["escalated_at"])
            project = found.project
            event = event_record(
                type="registry.registration.overdue",
                event_class=EventClass.DOMAIN,
                visibility=Visibility.SUPERVISORS,
                project=project.code,
                centre=project.centre.code,
                region=project.region,
                category=project.category_id,
                data={"registration": registration.pk, "due_at": found.deadline.due_at},  # type: ignore[union-attr]
            )
            head = DeskHead.objects.filter(centre=project.centre).select_related("user").first()
            if head is not None:
                notify(
                    template="registry.overdue",
                    recipients=[Recipient(user=head.user)],
                    context={
                        "project": project.code,
                        "name": project.name,
                        "due_at": timezone.localtime(found.deadline.due_at).strftime("%Y-%m-%d %H:%M"),  # type: ignore[union-attr]
                    },
                    event=event,
                )
        sent += 1
    return sent


def remind_promises() -> int:
    from ggzy.registry.services import party_recipients

    sent = 0
    for found in selectors.promises_due().select_related("registration__project", "checklist_item"):
        with transaction.atomic():
            item = Item.objects.select_for_update().get(pk=found.pk)
            item.reminded_at = clock.now()
            item.save(update_fields=["reminded_at"])
            notify(
                template="registry.promise_due",
                recipients=party_recipients(found.registration),
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
