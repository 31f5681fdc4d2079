"""Tick job: questions past their answer limit escalate once to the head of the centre's desk."""

from __future__ import annotations

import datetime as dt

from ggzy.core import tick
from ggzy.core.formatting import local_time
from ggzy.core.types import JSONDict
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.registry.escalation import escalate_once
from ggzy.service.models import Question
from ggzy.service.selectors import overdue_questions


def escalate_questions() -> int:
    """Questions past their answer limit and still unanswered, escalated once each to the desk head of
    their centre (registry.escalation)."""
    sent = 0
    for found in overdue_questions():
        if found.deadline is None:  # the query finds only questions with a deadline past
            continue
        due_at = found.deadline.due_at

        def record(question: Question) -> Event:
            return event_record(
                type="service.question.overdue",
                event_class=EventClass.DOMAIN,
                visibility=Visibility.SUPERVISORS,
                centre=question.centre.code,
                region=question.centre.region,
                data={"question": str(question.uid), "owner": question.owner_id},
            )

        def context(question: Question, due_at: dt.datetime = due_at) -> JSONDict:
            return {
                "question": question.text[:60],  # a preview in the message, the question itself is whole
                "owner": question.owner.get_username() if question.owner else "—",
                "due_at": local_time(due_at),
            }

        sent += escalate_once(
            Question,
            found.pk,
            centre=found.centre,
            still_due=lambda question: question.answered_at is None,
            record=record,
            template="service.question_overdue",
            context=context,
        )
    return sent


tick.register("service.escalate_questions", escalate_questions)
