"""Consultation with first-question responsibility, service complaints and suggestions, ratings with their
follow-up and the published monthly figures, commitments — and every bad input."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.events.models import Event, Message
from ggzy.registry import services as registry
from ggzy.service import selectors, services, tasks
from ggzy.service.models import FollowUp, Question, Rating, TechnicalStaff
from tests.registry.conftest import World

pytestmark = pytest.mark.django_db


def ask(world: World, **kwargs: Any) -> Question:
    data: dict[str, Any] = {
        "asker": world.agent_user,
        "centre": world.centre,
        "kind": "process",
        "text": "工程建设项目进场登记需要哪些材料？",
    }
    data.update(kwargs)
    return services.question_ask(**data)


@pytest.mark.clause("12.1.1")
def test_the_first_taker_owns_a_question_until_it_is_handed_over_and_answered(world: World) -> None:
    a, b, _c = world.staff
    question = ask(world)
    assert question.deadline is not None  # the online answer limit runs from the question
    services.question_take(actor=a, question=question)
    with pytest.raises(DomainError) as caught:
        services.question_take(actor=b, question=question)
    assert caught.value.code.value == "question_taken"
    with pytest.raises(DomainError) as caught:  # only the owner answers
        services.question_answer(actor=b, question=question, answer="见办事指南")
    assert caught.value.code.value == "not_question_owner"
    services.question_hand_over(actor=a, question=question, to=b, reason="b 负责工程建设类业务")
    services.question_answer(actor=b, question=question, answer="需提交进场交易申请表和项目备案表。")
    question.refresh_from_db()
    assert question.answered_by == b
    assert Message.objects.filter(template="service.answered", recipient=world.agent_user).exists()
    types = list(
        Event.objects.filter(type__startswith="service.question")
        .order_by("id")
        .values_list("type", flat=True)
    )
    assert types == [
        "service.question.asked",
        "service.question.taken",
        "service.question.handed_over",
        "service.question.answered",
    ]


def test_a_phone_call_is_logged_and_owned_by_who_took_it(world: World) -> None:
    a = world.staff[0]
    question = ask(
        world, asker=None, channel="phone", taken_by=a, asker_name="王先生", asker_contact="13912345678"
    )
    assert question.owner == a
    assert question.asker_contact.masked == "139****5678"  # kept encrypted, shown masked
    with pytest.raises(DomainError):  # only staff log calls
        ask(world, asker=None, channel="phone", taken_by=world.agent_user)


@pytest.mark.clause("6.1.3")
def test_a_question_outside_the_remit_is_answered_with_the_authority_to_turn_to(world: World) -> None:
    a = world.staff[0]
    question = ask(world, text="我公司的建筑业资质如何升级？")
    services.question_take(actor=a, question=question)
    with pytest.raises(DomainError) as caught:
        services.question_answer(actor=a, question=question, answer="不属于本中心职责", outside_remit=True)
    assert caught.value.code.value == "authority_missing"
    services.question_answer(
        actor=a,
        question=question,
        answer="资质升级不属于交易中心职责。",
        outside_remit=True,
        authority="省住房和城乡建设厅",
    )
    assert "省住房和城乡建设厅" in Message.objects.get(template="service.answered").body


@pytest.mark.clause("6.1.2.4")
def test_supervisors_technical_questions_go_to_technical_staff(world: World) -> None:
    a, b, c = world.staff
    services.technical_staff_designate(actor=a, centre=world.centre, user=b)
    services.technical_staff_designate(actor=a, centre=world.centre, user=c)
    question = ask(world, kind="supervision", text="电子监管系统如何导出开标记录？")
    with pytest.raises(DomainError) as caught:
        services.question_take(actor=a, question=question)
    assert caught.value.code.value == "technical_staff_only"
    services.question_take(actor=b, question=question)
    # handed over only among technical staff
    with pytest.raises(DomainError) as caught:
        services.question_hand_over(actor=b, question=question, to=a, reason="转交")
    assert caught.value.code.value == "technical_staff_only"
    services.question_hand_over(actor=b, question=question, to=c, reason="c 负责监管系统")
    # c owns it unanswered: c stays technical staff until it is answered
    with pytest.raises(DomainError) as caught:
        services.technical_staff_remove(actor=a, centre=world.centre, user=c)
    assert caught.value.code.value == "technical_owns_questions"
    services.question_answer(actor=c, question=question, answer="在“开评标记录”中导出。")
    services.technical_staff_remove(actor=a, centre=world.centre, user=c)
    assert list(TechnicalStaff.objects.values_list("user", flat=True)) == [b.pk]
    # only the centre's staff designate, and only its staff are designated
    for actor, user in ((world.agent_user, a), (a, world.agent_user)):
        with pytest.raises(DomainError):
            services.technical_staff_designate(actor=actor, centre=world.centre, user=user)
    assert TechnicalStaff.objects.count() == 1


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (
            lambda w, q: services.question_ask(
                asker=w.agent_user, centre=w.centre, kind="process", text="  "
            ),
            "content_empty",
        ),
        (
            lambda w, q: services.question_ask(
                asker=w.agent_user, centre=w.centre, kind="process", text="问" * 5001
            ),
            "content_too_long",
        ),
        (
            lambda w, q: services.question_hand_over(
                actor=w.staff[0], question=q, to=w.agent_user, reason="转交"
            ),
            "handover_outside_centre",
        ),
        (
            lambda w, q: services.question_hand_over(actor=w.staff[0], question=q, to=w.staff[1], reason=" "),
            "handover_reason",
        ),
        (
            lambda w, q: services.question_hand_over(
                actor=w.staff[1], question=q, to=w.staff[2], reason="转交"
            ),
            "not_question_owner",
        ),
        (lambda w, q: services.question_take(actor=w.agent_user, question=q), "not_centre_staff"),
    ],
)
def test_bad_consultation_input_is_refused_and_nothing_changes(world: World, action: Any, code: str) -> None:
    question = ask(world)
    services.question_take(actor=world.staff[0], question=question)
    events = Event.objects.count()
    with pytest.raises(DomainError) as caught:
        action(world, question)
    assert caught.value.code.value == code
    assert Event.objects.count() == events
    question.refresh_from_db()
    assert question.owner == world.staff[0]


def test_an_unanswered_question_escalates_to_the_head_once(world: World, freeze: Any) -> None:
    question = ask(world)
    services.question_take(actor=world.staff[0], question=question)
    freeze(question.deadline.due_at + dt.timedelta(minutes=5))
    assert tasks.escalate_questions() == 1
    assert tasks.escalate_questions() == 0
    assert Message.objects.filter(template="service.question_overdue", recipient=world.head).count() == 1


def test_good_answers_become_faq_entries(world: World) -> None:
    a = world.staff[0]
    question = ask(world)
    services.question_take(actor=a, question=question)
    with pytest.raises(DomainError):
        services.faq_promote(actor=a, question=question)  # not answered yet
    services.question_answer(actor=a, question=question, answer="需提交进场交易申请表和项目备案表。")
    entry = services.faq_promote(actor=a, question=question)
    assert entry.answer == "需提交进场交易申请表和项目备案表。"
    assert Event.objects.get(type="service.faq.published").visibility == "public"


@pytest.mark.clause("12.2.1")
def test_service_complaints_are_answered_within_their_limit(world: World) -> None:
    a = world.staff[0]
    feedback = services.feedback_submit(
        author=world.agent_user,
        centre=world.centre,
        kind="complaint",
        channel="online",
        content="窗口午休时间无人值守。",
    )
    assert feedback.deadline is not None
    assert feedback.deadline.rule.code == "service-feedback"
    with pytest.raises(DomainError) as caught:
        services.feedback_submit(
            author=world.agent_user, centre=world.centre, kind="suggestion", channel="online", content=" "
        )
    assert caught.value.code.value == "content_empty"
    with pytest.raises(DomainError):  # a letter is logged by staff, not by anyone
        services.feedback_submit(
            author=None, centre=world.centre, kind="complaint", channel="mailbox", content="来信"
        )
    services.feedback_answer(actor=a, feedback=feedback, answer="已安排午间轮值。")
    assert Message.objects.filter(template="service.feedback_answered", recipient=world.agent_user).exists()


def accepted_registration(world: World) -> Any:
    registration = world.file()
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    return registration


@pytest.mark.clause("12.2.2")
def test_a_received_service_is_rated_once_and_a_bad_rating_is_followed_up_and_published(world: World) -> None:
    registration = accepted_registration(world)
    reference = f"registry.registration:{registration.uid}"
    rating = services.rating_give(
        rater=world.agent_user, service="registration", reference=reference, score=2, comment="等待太久"
    )
    assert rating.bad
    assert rating.deadline is not None
    with pytest.raises(DomainError) as caught:
        services.rating_give(rater=world.agent_user, service="registration", reference=reference, score=5)
    assert caught.value.code.value == "already_rated"
    services.follow_up_record(actor=world.staff[1], rating=rating, text="已约谈经办人，优化了受理流程。")
    now = clock.local_now()
    figures = selectors.monthly_figures(centre=world.centre, year=now.year, month=now.month)
    assert [(f.service, f.ratings, f.average, f.bad, f.followed_up) for f in figures] == [
        ("registration", 1, 2.0, 1, 1)
    ]
    published = selectors.published_follow_ups(centre=world.centre, year=now.year, month=now.month)
    assert [p.text for p in published] == ["已约谈经办人，优化了受理流程。"]
    mine = selectors.monthly_figures(
        centre=world.centre, year=now.year, month=now.month, staff=world.staff[0]
    )
    assert mine[0].ratings == 1  # the staff member who accepted sees it among their own figures


@pytest.mark.parametrize(
    ("rater", "reference", "score", "code"),
    [
        ("stranger", "registry.registration:{uid}", 4, "service_not_received"),
        ("agent", "registry.registration:00000000-0000-0000-0000-000000000000", 4, "service_not_received"),
        ("agent", "registry.registration:{pk}", 4, "service_not_received"),  # the integer key names nothing
        ("agent", "registry.registration:{upper}", 4, "service_not_received"),  # one spelling per service
        ("agent", "nonsense", 4, "service_not_received"),
        ("agent", "registry.registration:{uid}", 0, "score_invalid"),
        ("agent", "registry.registration:{uid}", 6, "score_invalid"),
    ],
)
def test_bad_ratings_input_is_refused(  # noqa: PLR0917 (parametrized)
    world: World, django_user_model: Any, rater: str, reference: str, score: int, code: str
) -> None:
    registration = accepted_registration(world)
    user = (
        world.agent_user if rater == "agent" else django_user_model.objects.create_user(username="stranger")
    )
    with pytest.raises(DomainError) as caught:
        services.rating_give(
            rater=user,
            service="registration",
            reference=reference.format(
                uid=registration.uid, pk=registration.pk, upper=str(registration.uid).upper()
            ),
            score=score,
        )
    assert caught.value.code.value == code
    assert Rating.objects.count() == 0


@pytest.mark.clause("12.2.3")
def test_a_late_follow_up_needs_its_reason(world: World, freeze: Any) -> None:
    registration = accepted_registration(world)
    rating = services.rating_give(
        rater=world.agent_user,
        service="registration",
        reference=f"registry.registration:{registration.uid}",
        score=1,
    )
    good = services.rating_give(
        rater=world.initiator_user,
        service="registration",
        reference=f"registry.registration:{registration.uid}",
        score=5,
    )
    with pytest.raises(DomainError) as caught:
        services.follow_up_record(actor=world.staff[0], rating=good, text="x")
    assert caught.value.code.value == "rating_not_bad"
    freeze(rating.deadline.due_at + dt.timedelta(days=1))
    with pytest.raises(DomainError) as caught:
        services.follow_up_record(actor=world.staff[0], rating=rating, text="已整改")
    assert caught.value.code.value == "late_reason_missing"
    assert FollowUp.objects.count() == 0
    services.follow_up_record(
        actor=world.staff[0], rating=rating, text="已整改", late_reason="当事人出差，回访推迟"
    )
    assert Event.objects.get(type="service.rating.followed_up").data["late"] is True


@pytest.mark.clause("12.1.4")
def test_a_publicly_funded_centre_publishes_commitments_without_fees(world: World, settings: Any) -> None:
    staff = world.staff[0]
    item = services.CommitmentIn(
        service="registration", title="项目登记", steps="网上或现场提交—审核—办结",
        time_limit="材料齐备后 2 个工作日", materials="见要件清单",
    )  # fmt: skip
    commitment = services.commitment_write(actor=staff, centre=world.centre, data=item)
    services.commitment_publish(actor=staff, commitment=commitment)
    assert commitment.fee_fen == 0
    assert [c.title for c in selectors.commitments()] == ["项目登记"]
    charged = replace(item, title="场地使用", fee_yuan="100", fee_basis="物价部门核定")
    with pytest.raises(DomainError) as caught:
        services.commitment_write(actor=staff, centre=world.centre, data=charged)
    assert caught.value.code.value == "fee_not_allowed"
    settings.GGZY_PUBLICLY_FUNDED = False  # a centre that may charge (not for profit, 12.1.4) names the basis
    with pytest.raises(DomainError) as caught:
        services.commitment_write(actor=staff, centre=world.centre, data=replace(charged, fee_basis=" "))
    assert caught.value.code.value == "fee_basis_missing"
    with pytest.raises(DomainError) as caught:  # money is never a float
        services.commitment_write(actor=staff, centre=world.centre, data=replace(charged, fee_yuan=100.0))  # type: ignore[arg-type]
    assert caught.value.code.value == "fee_invalid"
    written = services.commitment_write(actor=staff, centre=world.centre, data=charged)
    assert (written.fee_fen, written.fee_basis) == (10000, "物价部门核定")
    settings.GGZY_PUBLICLY_FUNDED = True
    with pytest.raises(DomainError) as caught:
        services.commitment_publish(actor=staff, commitment=written)
    assert caught.value.code.value == "fee_not_allowed"
    assert [c.title for c in selectors.commitments()] == ["项目登记"]


def test_green_channel_and_other_services_given_can_be_rated(world: World) -> None:
    record = services.service_record(
        actor=world.staff[0], centre=world.centre, service="green_channel", for_user=world.agent_user,
        description="重点项目开辟绿色通道，当日办结",
    )  # fmt: skip
    rating = services.rating_give(
        rater=world.agent_user, service="green_channel", reference=f"service.record:{record.uid}", score=5
    )
    assert rating.staff == world.staff[0]
    assert rating.deadline is None


@pytest.mark.clause("12.2.2")
def test_the_centre_records_a_self_evaluation_beside_the_external_ratings(world: World) -> None:
    from django.test import Client

    now = clock.local_now()
    services.self_evaluation_record(
        actor=world.staff[0], centre=world.centre, year=now.year, month=now.month, service="consultation",
        score=4, findings="网上咨询均在时限内答复；电话咨询高峰时段接通率偏低。",
        improvements="增设一条咨询热线",
    )  # fmt: skip
    with pytest.raises(DomainError) as caught:  # once a month per service
        services.self_evaluation_record(
            actor=world.staff[0], centre=world.centre, year=now.year, month=now.month,
            service="consultation", score=5, findings="再评",
        )  # fmt: skip
    assert caught.value.code.value == "already_rated"
    with pytest.raises(DomainError) as caught:
        services.self_evaluation_record(
            actor=world.agent_user, centre=world.centre, year=now.year, month=now.month,
            service="consultation", score=5, findings="x",
        )  # fmt: skip
    assert caught.value.code.value == "not_centre_staff"
    page = Client().get(f"/service/figures/?centre=sy&month={now:%Y-%m}").content.decode()
    assert "电话咨询高峰时段接通率偏低" in page
