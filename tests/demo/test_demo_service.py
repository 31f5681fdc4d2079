"""The demo's month of consultation and service quality (6.1, 12.1, 12.2): commitments without fees,
questions in every channel and of every kind, a hand-over, an answer outside the remit, an escalation,
guides of each kind per category, ratings with their follow-ups and the monthly figures — loaded once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.events.models import Event, Message
from ggzy.registry.models import DeskHead, Registration, State, TradingCategory
from ggzy.service import selectors
from ggzy.service.models import (
    NOT_OFFERED_YET,
    Commitment,
    FaqEntry,
    Feedback,
    FeedbackChannel,
    FollowUp,
    Guide,
    Handover,
    Question,
    QuestionChannel,
    QuestionKind,
    Rating,
    ServiceRecord,
    TechnicalStaff,
)
from tests.demo.conftest import Demo, load_once


def public_hall() -> str:
    """The public service hall as anyone sees it."""
    return Client().get("/service/").content.decode()


pytestmark = pytest.mark.django_db


demo = load_once(sandbox=True)  # as `make demo` runs it: on the sandbox clock, with a month of history


def test_the_demo_month_of_service_is_realistic_and_loads_once(demo: Demo) -> None:
    # commitments published by both centres, every one free (12.1.4), none for a service the platform does
    # not offer yet (venue booking, expert draws, online opening)
    for centre in Centre.objects.filter(code__in=("ln", "sy")):
        titles = set(
            Commitment.objects.filter(centre=centre, state="published").values_list("title", flat=True)
        )
        assert {"项目登记", "咨询服务", "档案查询", "重点项目绿色通道", "延时服务", "代办服务"} == titles
    assert not Commitment.objects.filter(service__in=NOT_OFFERED_YET).exists()
    assert not {"场地预约", "专家抽取", "开标"} & set(Commitment.objects.values_list("title", flat=True))
    assert not Commitment.objects.exclude(fee_fen=0).exists()
    assert all("免费" in c.fee_basis for c in Commitment.objects.all())
    assert Event.objects.filter(type="service.commitment.published").count() == Commitment.objects.count()
    questions = Question.objects.select_related("deadline")
    assert 30 <= questions.count() <= 50
    # the first taker owns a question until it is handed over within the centre (12.1.1)
    handover = Handover.objects.select_related("question").first()
    assert handover is not None
    assert handover.question.owner == handover.to_user
    assert handover.question.answered_by == handover.to_user
    # most answered within the limit, a couple late, a couple still open
    answered = [(q, q.answered_at) for q in questions if q.answered_at is not None]
    late = [q for q, at in answered if q.deadline is not None and at > q.deadline.due_at]
    assert 1 <= len(late) <= 3
    assert len(answered) - len(late) > 25
    assert questions.filter(answered_at__isnull=True).count() == 2
    # one escalated to the head of its desk, after its limit
    escalated = questions.get(escalated_at__isnull=False)
    assert escalated.deadline is not None
    assert escalated.escalated_at is not None
    assert escalated.escalated_at > escalated.deadline.due_at
    head = DeskHead.objects.get(centre=escalated.centre).user
    assert Message.objects.filter(template="service.question_overdue", recipient=head).exists()
    # promoted to the FAQ, without the askers' names
    assert FaqEntry.objects.count() >= 5
    # services given, then rated by those who received them
    assert set(ServiceRecord.objects.values_list("service", flat=True)) == {
        "green_channel",
        "extended_hours",
        "on_behalf",
    }
    assert Rating.objects.filter(service="green_channel").exists()
    # service complaints and suggestions by form, phone and mailbox, most answered
    feedback = Feedback.objects.all()
    assert set(feedback.values_list("channel", flat=True)) == set(FeedbackChannel.values)
    assert feedback.filter(answered_at__isnull=False).count() > feedback.count() / 2

    events = Event.objects.count()
    counts = (Question.objects.count(), Rating.objects.count(), Guide.objects.count())
    call_command("demo_load", verbosity=0)
    assert Event.objects.count() == events
    assert (Question.objects.count(), Rating.objects.count(), Guide.objects.count()) == counts


@pytest.mark.clause("6.1.1")
def test_the_demo_takes_questions_online_by_phone_and_on_site(demo: Demo) -> None:
    by_channel = {c: Question.objects.filter(channel=c) for c in QuestionChannel.values}
    assert all(q.exists() for q in by_channel.values())
    assert all(q.asker is not None for q in by_channel[QuestionChannel.ONLINE])
    for channel in (
        QuestionChannel.PHONE,
        QuestionChannel.ON_SITE,
    ):  # logged by the staff member who took the call or visit
        for question in by_channel[channel]:
            assert question.asker is None
            assert question.asker_name
            assert question.owner is not None
            assert question.taken_at == question.asked_at
    # the out-of-province bidder asks online like anyone else
    assert Question.objects.filter(asker__username="bidder-hxjs", channel=QuestionChannel.ONLINE).exists()


def guide(category: str, kind: str, centre: str = "ln") -> Guide:
    """The published guide of `centre` (each centre publishes its own) for a category and kind."""
    return Guide.objects.get(centre__code=centre, category=category, kind=kind, state="published")


@pytest.mark.clause("6.1.2.1")
def test_the_demo_answers_laws_and_rules_with_guides_per_category(demo: Demo) -> None:
    for category in TradingCategory.objects.all():
        for centre in ("ln", "sy"):
            assert guide(category.code, QuestionKind.LAWS, centre)
    assert "招标投标法" in guide("engineering", QuestionKind.LAWS).title
    assert "政府采购法" in guide("procurement", QuestionKind.LAWS).title
    # written and published through the staff's services: the hall shows them, as events say
    assert Event.objects.filter(type="service.guide.published").count() == Guide.objects.count()
    assert f'id="guide-{guide("engineering", QuestionKind.LAWS).uid}"' in public_hall()
    assert Question.objects.filter(kind=QuestionKind.LAWS, answered_at__isnull=False).count() >= 5
    assert FaqEntry.objects.filter(kind=QuestionKind.LAWS).exists()


@pytest.mark.clause("6.1.2.2")
def test_the_demo_guides_the_processes_per_category(demo: Demo) -> None:
    for category in TradingCategory.objects.all():
        assert "流程" in guide(category.code, QuestionKind.PROCESS).title
    assert Question.objects.filter(kind=QuestionKind.PROCESS, answered_at__isnull=False).count() >= 5


@pytest.mark.clause("6.1.2.3")
def test_the_demo_guides_the_use_of_the_electronic_trading_system(demo: Demo) -> None:
    for category in TradingCategory.objects.all():
        assert guide(category.code, QuestionKind.SYSTEM, "sy")
    assert "加密上传" in guide("engineering", QuestionKind.SYSTEM).title
    system = FaqEntry.objects.filter(kind=QuestionKind.SYSTEM)
    assert system.filter(question__contains="CA").exists()


@pytest.mark.clause("6.1.2.5")
def test_the_demo_answers_other_questions_some_outside_the_remit(demo: Demo) -> None:
    other = Question.objects.filter(kind=QuestionKind.OTHER, answered_at__isnull=False)
    assert other.count() >= 3
    outside = other.filter(outside_remit=True)
    assert outside.filter(authority__contains="住房和城乡建设厅").exists()  # 资质升级 (6.1.3)
    assert outside.filter(authority__contains="行政监督部门").exists()  # a 行政投诉 is not the centre's


def test_supervisors_technical_questions_were_taken_by_technical_staff(demo: Demo) -> None:
    support = Question.objects.filter(kind=QuestionKind.SUPERVISION)
    assert support.filter(asker__username__startswith="supervisor").exists()
    for question in support:
        assert TechnicalStaff.objects.filter(centre=question.centre, user=question.owner).exists()
    # designated through the service the technical-staff page calls
    designated = Event.objects.filter(type="service.technical_staff.designated")
    assert sorted(e.data["user"] for e in designated) == ["staff2", "sy-staff2"]


def test_ratings_come_from_those_served_and_bad_ones_are_followed_up(demo: Demo) -> None:
    ratings = Rating.objects.select_related("deadline", "rater")
    assert {"registration", "consultation", "green_channel", "extended_hours", "on_behalf"} <= set(
        ratings.values_list("service", flat=True)
    )
    for rating in ratings.filter(service="registration"):
        registration = Registration.objects.select_related("project").get(uid=rating.reference.split(":")[1])
        assert registration.state == State.ACCEPTED
        project = registration.project
        assert rating.rater.memberships.filter(
            organisation_id__in=(project.initiator_id, project.agent_id)
        ).exists()
    for rating in ratings.filter(service="consultation"):
        assert Question.objects.get(uid=rating.reference.split(":")[1]).asker == rating.rater
    good = ratings.filter(score__gte=4).count()
    bad = [r for r in ratings if r.bad]
    assert 2 <= len(bad) < good / 4
    followed = FollowUp.objects.select_related("rating__deadline")
    assert followed.count() >= 2
    for follow_up in followed:  # after the limit only with the reason
        deadline = follow_up.rating.deadline
        assert deadline is not None
        assert follow_up.at <= deadline.due_at or follow_up.late_reason
    # bad ratings whose limit has passed were all followed up
    now = clock.now()
    assert all(hasattr(r, "follow_up") for r in bad if r.deadline is not None and r.deadline.due_at < now)


def test_the_monthly_figures_are_published(demo: Demo) -> None:
    now = clock.local_now()
    previous = (now.year - (now.month == 1), (now.month - 2) % 12 + 1)
    for centre in Centre.objects.filter(code__in=("ln", "sy")):
        figures = [
            *selectors.monthly_figures(centre=centre, year=now.year, month=now.month),
            *selectors.monthly_figures(centre=centre, year=previous[0], month=previous[1]),
        ]
        assert figures
        assert sum(f.ratings for f in figures) >= 5
