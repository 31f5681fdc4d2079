"""In a real browser (issue 10, "Done when"): a bidder asks online, staff member A takes the question
(首问负责) and hands it over formally to B, B answers within the limit, the bidder rates the answer 2,
staff record the follow-up, and the portal's monthly figures show the rating (average 2.0, one bad,
one followed up) with the follow-up text and without the bidder's name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.service.models import FollowUp, Handover, Question, Rating
from tests.e2e.conftest import browser_sign_in
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Svc-Test-2026!pw"
QUESTION = "投标保证金在开标后多久退还？"
ANSWER = "中标通知书发出后 5 日内退还未中标人的投标保证金及银行同期存款利息。"
FOLLOW_UP = "已约谈答复人员，统一答复口径，并将该问题加入常见问题。"


@dataclass
class Cast:
    bidder: Any
    staff: list[Any]


def set_up() -> Cast:
    """A centre with two staff members and a bidder (a responder for its company), with passwords, in
    a database the live server shares (usable with transactional_db)."""
    users = get_user_model().objects
    centre = parties.centre_create(actor=None, code="sy", name="沈阳市公共资源交易中心", region="210100")
    company = parties.organisation_register(
        actor=None, uscc=make_uscc(), name="沈阳建工集团有限公司", legal_representative="刘",
        contact_name="孙", contact_phone="13900000003",
    )  # fmt: skip
    bidder = users.create_user(username="bidder-user", password=PASSWORD, first_name="投标", last_name="孙")
    parties.membership_add(actor=None, user=bidder, organisation=company)
    parties.role_grant(actor=None, user=bidder, role=Role.RESPONDER, organisation=company)
    staff = []
    for n, name in zip("ab", ("甲", "乙"), strict=True):
        user = users.create_user(username=f"staff-{n}", password=PASSWORD, first_name=name, last_name="王")
        parties.role_grant(actor=None, user=user, role=Role.CENTRE_STAFF, centre=centre)
        staff.append(user)
    return Cast(bidder=bidder, staff=staff)


@pytest.fixture
def as_user(browser: Any, live_server: Any) -> Iterator[Any]:
    """as_user(user) -> a page in its own browser context, signed in with the password (and the
    second factor for staff)."""
    contexts = []

    def open_as(user: Any) -> Any:
        context = browser.new_context(locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        browser_sign_in(page, live_server.url, user, PASSWORD)
        return page

    yield open_as
    for context in contexts:
        context.close()


def ask_online(bidder: Any, base: str) -> Question:
    bidder.goto(base + "/service/ask/")
    bidder.locator("#id_centre").select_option("sy")
    bidder.locator("#id_kind").select_option("process")
    bidder.locator("#id_text").fill(QUESTION)
    bidder.locator("main form button[type=submit]").click()
    bidder.wait_for_url("**/service/mine/")
    question = Question.objects.get(text=QUESTION)
    assert question.deadline is not None
    return question


def take_and_hand_over(staff_a: Any, base: str, question: Question, b: Any) -> None:
    staff_a.goto(base + "/service/desk/")
    staff_a.locator(f"[data-testid=unowned][data-question='{question.uid}'] [data-testid=take]").click()
    staff_a.wait_for_load_state()
    own = staff_a.locator(f"[data-testid=own][data-question='{question.uid}']")
    own.locator(f"#id_h{question.uid}_to").select_option(b.username)
    own.locator(f"#id_h{question.uid}_reason").fill("乙负责保证金业务")
    own.locator("[data-testid=handover-form] button[type=submit]").click()
    staff_a.wait_for_load_state()
    assert staff_a.locator(f"[data-testid=others][data-question='{question.uid}']").count() == 1


def answer(staff_b: Any, base: str, question: Question) -> None:
    staff_b.goto(base + "/service/desk/")
    mine = staff_b.locator(f"[data-testid=own][data-question='{question.uid}']")
    mine.locator(f"#id_a{question.uid}_answer").fill(ANSWER)
    mine.locator("[data-testid=answer-form] button[type=submit]").click()
    staff_b.wait_for_load_state()


def rate_two(bidder: Any, base: str, question: Question) -> None:
    bidder.goto(base + "/service/mine/")
    assert ANSWER in bidder.locator("[data-testid=answer]").inner_text()
    rated = bidder.locator(f"[data-testid=received][data-reference='service.question:{question.uid}']")
    rated.locator("input[name=score][value='2']").check()
    rated.locator("input[name=comment]").fill("答复较慢")
    rated.locator("[data-testid=rate-form] button[type=submit]").click()
    bidder.wait_for_load_state()
    assert bidder.locator("[data-testid=rated]").count() == 1


def follow_up(staff: Any, base: str, rating: Rating) -> None:
    staff.goto(base + "/service/desk/")
    bad = staff.locator(f"[data-testid=bad-rating][data-rating='{rating.uid}']")
    bad.locator(f"#id_r{rating.uid}_text").fill(FOLLOW_UP)
    bad.locator("[data-testid=follow-up-form] button[type=submit]").click()
    staff.wait_for_load_state()


@pytest.mark.clause("12.1.1")
@pytest.mark.clause("12.2.2")
@pytest.mark.clause("12.2.3")
def test_ask_hand_over_answer_rate_follow_up_and_publish(live_server: Any, as_user: Any, page: Any) -> None:
    cast = set_up()
    a, b = cast.staff
    base = live_server.url

    # the bidder asks online; staff A takes it (首问负责) and hands it over formally to B
    bidder = as_user(cast.bidder)
    question = ask_online(bidder, base)
    assert question.asker == cast.bidder
    staff_a = as_user(a)
    take_and_hand_over(staff_a, base, question, b)
    handover = Handover.objects.get(question=question)
    assert (handover.from_user, handover.to_user) == (a, b)

    # B answers within the limit
    answer(as_user(b), base, question)
    assert Event.objects.get(type="service.question.answered").data["on_time"] is True
    question.refresh_from_db()
    assert question.answered_by == b

    # the bidder sees the answer and rates it 2; staff record the follow-up, which is published
    rate_two(bidder, base, question)
    rating = Rating.objects.get()
    assert (rating.score, rating.staff, rating.bad) == (2, b, True)
    follow_up(staff_a, base, rating)
    assert FollowUp.objects.get(rating=rating).text == FOLLOW_UP
    assert Event.objects.get(type="service.rating.followed_up").visibility == "public"

    # the portal's monthly figures show it, to anyone
    month = clock.local_now().strftime("%Y-%m")
    page.goto(f"{base}/service/figures/?centre=sy&month={month}")
    row = page.locator("[data-testid=figures] tr[data-service=consultation]")
    assert row.locator("[data-testid=ratings]").inner_text().strip() == "1"
    assert row.locator("[data-testid=average]").inner_text().strip() == "2.0"
    assert row.locator("[data-testid=bad]").inner_text().strip() == "1"
    assert row.locator("[data-testid=followed-up]").inner_text().strip() == "1"
    assert FOLLOW_UP in page.locator("[data-testid=follow-ups]").inner_text()
    assert not re.search("bidder-user|孙投标", page.locator("main").inner_text())  # the rater is not named
