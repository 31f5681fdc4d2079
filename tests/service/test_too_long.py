"""Too-long input is refused with a message naming the field and its limit, never silently cut: the asker's
name, a hand-over's reason, the authority to turn to, a late follow-up's reason, a self-evaluation's
improvements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event
from ggzy.registry import services as registry
from ggzy.service import services
from ggzy.service.errors import ServiceError
from ggzy.service.models import FollowUp, Handover, Question, SelfEvaluation
from tests.registry.conftest import World

pytestmark = pytest.mark.django_db


def refused(action: Callable[[], Any], *, field: str, limit: int, length: int) -> DomainError:
    events = Event.objects.count()
    with pytest.raises(DomainError) as caught:
        action()
    error = caught.value
    assert error.code is ServiceError.FIELD_TOO_LONG
    assert error.status == 422
    assert error.detail == {"field": field, "limit": limit, "length": length}
    with translation.override("en"):
        assert f"at most {limit} characters, not {length}" in str(error.message)
    with translation.override("zh-hans"):
        assert str(limit) in str(error.message)
    assert Event.objects.count() == events  # nothing recorded: nothing was written
    return error


def question(world: World, **kwargs: Any) -> Question:
    return services.question_ask(
        asker=world.agent_user, centre=world.centre, kind="process", text="进场登记需要哪些材料？", **kwargs
    )


def test_a_long_name_of_the_asker_is_refused_not_cut(world: World) -> None:
    error = refused(lambda: question(world, asker_name="王" * 51), field="asker_name", limit=50, length=51)
    with translation.override("en"):
        assert str(error.message).startswith("“name” is too long")
    assert not Question.objects.exists()
    assert question(world, asker_name=" " + "王" * 50 + " ").asker_name == "王" * 50  # blanks are not counted


def test_a_long_reason_for_a_hand_over_is_refused_not_cut(world: World) -> None:
    a, b, _c = world.staff
    asked = question(world)
    services.question_take(actor=a, question=asked)
    refused(
        lambda: services.question_hand_over(actor=a, question=asked, to=b, reason="因" * 301),
        field="reason",
        limit=300,
        length=301,
    )
    assert not Handover.objects.exists()
    asked.refresh_from_db()
    assert asked.owner == a


def test_a_long_authority_to_turn_to_is_refused_not_cut(world: World) -> None:
    a = world.staff[0]
    asked = question(world)
    services.question_take(actor=a, question=asked)
    refused(
        lambda: services.question_answer(
            actor=a, question=asked, answer="不属本中心职责", outside_remit=True, authority="局" * 201
        ),
        field="authority",
        limit=200,
        length=201,
    )
    asked.refresh_from_db()
    assert asked.answered_at is None


def test_a_long_reason_for_a_late_follow_up_is_refused_not_cut(world: World, freeze: Any) -> None:
    registration = world.file()
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    rating = services.rating_give(
        rater=world.agent_user,
        service="registration",
        reference=f"registry.registration:{registration.uid}",
        score=1,
    )
    assert rating.deadline is not None
    freeze(rating.deadline.due_at + dt.timedelta(days=1))
    refused(
        lambda: services.follow_up_record(actor=a, rating=rating, text="已整改", late_reason="迟" * 301),
        field="late_reason",
        limit=300,
        length=301,
    )
    assert not FollowUp.objects.exists()


def test_long_improvements_in_a_self_evaluation_are_refused_not_cut(world: World) -> None:
    now = clock.local_now()
    refused(
        lambda: services.self_evaluation_record(
            actor=world.staff[0],
            centre=world.centre,
            year=now.year,
            month=now.month,
            service="consultation",
            score=4,
            findings="按时答复",
            improvements="改" * 5001,
        ),
        field="improvements",
        limit=5000,
        length=5001,
    )
    assert not SelfEvaluation.objects.exists()
