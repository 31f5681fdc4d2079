"""Tick job: questions past their answer limit escalate once to the head of the centre's desk."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ggzy.core import clock, tick
from ggzy.events.notifications import Recipient, notify
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.models import DeskHead
from ggzy.service.models import Question
from ggzy.service.services import overdue_questions


def escalate_questions() -> int:
    sent = 0
    for found in overdue_questions():
        with transaction.atomic():
            question = Question.objects.select_for_update().get(pk=found.pk)
            if question.escalated_at is not None or question.answered_at is not None:
                continue
            question.escalated_at = clock.now()
            question.save(update_fields=["escalated_at"])
            event = event_record(
                type="service.question.overdue",
                event_class=EventClass.DOMAIN,
                visibility=Visibility.SUPERVISORS,
                centre=found.centre.code,
                data={"question": question.pk, "owner": question.owner_id},
            )
            head = DeskHead.objects.filter(centre=found.centre).select_related("user").first()
            if head is not None:
                notify(
                    template="service.question_overdue",
                    recipients=[Recipient(user=head.user)],
                    context={
                        "question": question.text[:60],
                        "owner": question.owner.get_username() if question.owner else "—",
                        "due_at": timezone.localtime(found.deadline.due_at).strftime("%Y-%m-%d %H:%M"),
                    },
                    event=event,
                )
        sent += 1
    return sent


tick.register("service.escalate_questions", escalate_questions)
