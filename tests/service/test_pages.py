"""The service pages: ask → take → answer through the pages, a bad rating and its follow-up on the public
figures page, strangers refused, public pages for anyone, FAQ search by a two-character word."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from ggzy.accounts import parties
from ggzy.accounts.models import RoleGrant
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message
from ggzy.service import services
from ggzy.service.errors import ServiceError
from ggzy.service.models import FaqEntry, Feedback, FollowUp, Question, Rating, ServiceRecord
from tests.core.test_portal import assert_csp_clean
from tests.registry.conftest import World

pytestmark = pytest.mark.django_db
QUESTION = "工程建设项目进场登记需要哪些材料？"
ANSWER = "需提交进场交易申请表和项目备案表。"


def messages_of(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def ask_page(client_for: Callable[..., Client], world: World, text: str = QUESTION) -> Question:
    response = client_for(world.agent_user).post(
        "/service/ask/", {"centre": "sy", "category": "engineering", "kind": "process", "text": text}
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/service/mine/"
    return Question.objects.get(text=text)


def answered_by_pages(client_for: Callable[..., Client], world: World) -> Question:
    question = ask_page(client_for, world)
    a, b = world.staff[0], world.staff[1]
    staff_a, staff_b = client_for(a), client_for(b)
    desk = staff_a.get("/service/desk/")
    assert desk.status_code == 200
    assert f'action="/service/desk/questions/{question.uid}/take/"' in desk.content.decode()
    assert_csp_clean(desk)
    assert staff_a.post(f"/service/desk/questions/{question.uid}/take/").status_code == 302
    response = staff_a.post(
        f"/service/desk/questions/{question.uid}/hand-over/", {"to": b.username, "reason": "b 负责工程建设类"}
    )
    assert response.status_code == 302
    response = staff_b.post(
        f"/service/desk/questions/{question.uid}/answer/", {"answer": ANSWER}, follow=True
    )
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.answered_by == b
    assert question.answer == ANSWER
    return question


def test_ask_take_hand_over_and_answer_through_the_pages(
    client_for: Callable[..., Client], world: World
) -> None:
    question = answered_by_pages(client_for, world)
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
    assert Message.objects.filter(template="service.answered", recipient=world.agent_user).exists()
    mine = client_for(world.agent_user).get("/service/mine/")
    html = mine.content.decode()
    assert ANSWER in html
    assert f'data-reference="service.question:{question.uid}"' in html  # the answer may be rated
    assert_csp_clean(mine)


def test_an_answer_outside_the_remit_needs_the_authority_and_stores_nothing_without(
    client_for: Callable[..., Client], world: World
) -> None:
    question = ask_page(client_for, world)
    a = client_for(world.staff[0])
    a.post(f"/service/desk/questions/{question.uid}/take/")
    response = a.post(
        f"/service/desk/questions/{question.uid}/answer/",
        {"answer": "不属于本中心职责", "outside_remit": "on"},
        follow=True,
    )
    assert "答复时须告知应咨询的部门" in messages_of(response)  # the refusal, in Chinese
    question.refresh_from_db()
    assert question.answered_at is None


def test_a_stranger_cannot_take_or_answer(
    client_for: Callable[..., Client], world: World, django_user_model: Any
) -> None:
    question = ask_page(client_for, world)
    stranger = django_user_model.objects.create_user(username="stranger")
    client = client_for(stranger)
    assert client.get("/service/desk/").status_code == 403
    assert client.post(f"/service/desk/questions/{question.uid}/take/").status_code == 403
    assert client.post(f"/service/desk/questions/{question.uid}/answer/", {"answer": "x"}).status_code == 403
    # to staff of another centre the question is not there: the same 404 as a missing one (issue 20)
    other = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    outsider = django_user_model.objects.create_user(username="outsider")
    RoleGrant.objects.create(user=outsider, role=Role.CENTRE_STAFF, centre=other, granted_at=clock.now())
    response = client_for(outsider).post(f"/service/desk/questions/{question.uid}/take/")
    assert response.status_code == 404
    assert b'data-error-code="not_found"' in response.content
    assert b"not_centre_staff" not in response.content
    question.refresh_from_db()
    assert question.owner is None
    # another member of staff may not answer a question someone owns: the refusal is shown on the desk
    client_for(world.staff[0]).post(f"/service/desk/questions/{question.uid}/take/")
    response = client_for(world.staff[1]).post(
        f"/service/desk/questions/{question.uid}/answer/", {"answer": "x"}, follow=True
    )
    assert response.redirect_chain == [("/service/desk/?centre=sy", 302)]
    with translation.override("zh-hans"):
        assert str(ServiceError.NOT_OWNER.message) in messages_of(response)
    question.refresh_from_db()
    assert question.answered_at is None


def test_a_bad_rating_and_its_follow_up_appear_on_the_public_figures_page(
    client_for: Callable[..., Client], world: World
) -> None:
    question = answered_by_pages(client_for, world)
    agent = client_for(world.agent_user)
    reference = f"service.question:{question.uid}"
    response = agent.post(
        "/service/rate/", {"service": "consultation", "reference": reference, "score": "2", "comment": "慢"}
    )
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.score, rating.staff) == (2, world.staff[1])
    assert "already rated" in agent.get("/service/mine/").content.decode() or "已评价" in (
        agent.get("/service/mine/").content.decode()
    )
    again = agent.post("/service/rate/", {"service": "consultation", "reference": reference, "score": "5"})
    assert again.status_code == 302
    assert Rating.objects.count() == 1
    desk = client_for(world.staff[0]).get("/service/desk/")
    assert f'data-rating="{rating.uid}"' in desk.content.decode()
    response = client_for(world.staff[0]).post(
        f"/service/desk/ratings/{rating.uid}/follow-up/", {"text": "已约谈经办人，答复时限缩短。"}
    )
    assert response.status_code == 302
    assert FollowUp.objects.get().text == "已约谈经办人，答复时限缩短。"
    month = clock.local_now().strftime("%Y-%m")
    page = Client().get(f"/service/figures/?centre=sy&month={month}")
    assert page.status_code == 200
    html = page.content.decode()
    row = re.search(r'<tr data-service="consultation">(.*?)</tr>', html, re.DOTALL)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    assert cells[1:] == ["1", "2.0", "1", "1"]
    assert "已约谈经办人，答复时限缩短。" in html
    assert world.agent_user.username not in html  # the rater is not named
    assert_csp_clean(page)


def test_bad_rating_input_stores_nothing(client_for: Callable[..., Client], world: World) -> None:
    question = answered_by_pages(client_for, world)
    agent = client_for(world.agent_user)
    reference = f"service.question:{question.uid}"
    response = agent.post("/service/rate/", {"service": "consultation", "reference": reference, "score": "9"})
    assert response.status_code == 302
    assert Rating.objects.count() == 0
    other = get_user_model().objects.create_user(username="other")
    response = client_for(other).post(
        "/service/rate/", {"service": "consultation", "reference": reference, "score": "3"}, follow=True
    )
    assert response.redirect_chain == [("/service/mine/", 302)]  # the refusal, shown on their page
    with translation.override("zh-hans"):
        assert str(ServiceError.NOT_RECEIVED.message) in messages_of(response)  # not a service they received
    assert Rating.objects.count() == 0


@pytest.mark.parametrize(
    "url", ["/service/", "/service/figures/", "/service/search/?q=登记", "/service/search/"]
)
def test_public_pages_render_for_anonymous_users(world: World, url: str) -> None:
    commitment = services.commitment_write(
        actor=world.staff[0],
        centre=world.centre,
        data=services.CommitmentIn(
            service="registration", title="项目登记", steps="网上或现场提交—审核—办结",
            time_limit="材料齐备后 2 个工作日", materials="见要件清单",
        ),
    )  # fmt: skip
    services.commitment_publish(actor=world.staff[0], commitment=commitment)
    response = Client().get(url)
    assert response.status_code == 200
    assert_csp_clean(response)
    if url == "/service/":
        html = response.content.decode()
        assert "项目登记" in html
        assert "免费" in html  # a publicly funded centre charges nothing
        assert "12345" in html  # the complaint phone line


def test_signed_in_pages_need_a_sign_in(client: Client) -> None:
    for url in ("/service/ask/", "/service/mine/", "/service/feedback/"):
        response = client.get(url)
        assert response.status_code in {302, 401, 403}


def test_search_finds_a_faq_entry_by_a_two_character_word(
    client_for: Callable[..., Client], world: World
) -> None:
    question = answered_by_pages(client_for, world)
    b = client_for(world.staff[1])
    response = b.post(
        f"/service/desk/questions/{question.uid}/faq/",
        {"question": "进场登记需要哪些材料？", "answer": ANSWER},
    )
    assert response.status_code == 302
    entry = FaqEntry.objects.get()
    hall = Client().get("/service/")
    assert f'id="faq-{entry.uid}"' in hall.content.decode()
    found = Client().get("/service/search/?q=材料").content.decode()
    assert f"/service/#faq-{entry.uid}" in found
    assert Client().get("/service/search/?q=拍卖").content.decode().count("/service/#faq-") == 0


def test_feedback_is_submitted_and_answered(client_for: Callable[..., Client], world: World) -> None:
    agent = client_for(world.agent_user)
    response = agent.post(
        "/service/feedback/",
        {"centre": "sy", "kind": "complaint", "content": "窗口午休无人。", "contact": ""},
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.channel == "online"
    refused = agent.post("/service/feedback/", {"centre": "sy", "kind": "complaint", "content": "   "})
    assert refused.status_code == 400
    assert Feedback.objects.count() == 1
    staff = client_for(world.staff[0])
    assert f'data-feedback="{feedback.uid}"' in staff.get("/service/desk/").content.decode()
    staff.post(f"/service/desk/feedback/{feedback.uid}/answer/", {"answer": "已安排午间轮值。"})
    feedback.refresh_from_db()
    assert feedback.answer == "已安排午间轮值。"


def test_a_phone_question_is_logged_and_a_service_given_recorded(
    client_for: Callable[..., Client], world: World
) -> None:
    a = client_for(world.staff[0])
    response = a.post(
        "/service/desk/questions/log/",
        {"centre": "sy", "channel": "phone", "kind": "laws", "text": "投标保证金如何退还？",
         "asker_name": "王先生", "asker_contact": "13912345678"},
    )  # fmt: skip
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.owner, question.channel) == (world.staff[0], "phone")
    assert "139****5678" in a.get("/service/desk/").content.decode()
    response = a.post(
        "/service/desk/records/",
        {"centre": "sy", "service": "green_channel", "username": world.agent_user.username,
         "description": "重点项目绿色通道，当日办结"},
    )  # fmt: skip
    assert response.status_code == 302
    record = ServiceRecord.objects.get()
    mine = client_for(world.agent_user).get("/service/mine/").content.decode()
    assert f'data-reference="service.record:{record.uid}"' in mine
    # a centre one is not staff of is not found, as a missing one is
    parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    for code in ("dl", "xx"):
        response = a.post(
            "/service/desk/records/", {"centre": code, "service": "green_channel", "username": "x"}
        )
        assert response.status_code == 404
        assert 'data-error-code="not_found"' in response.content.decode()


def test_staff_record_the_months_self_evaluation_on_the_desk(
    client_for: Callable[..., Client], world: World
) -> None:
    from ggzy.core import clock

    staff = client_for(world.staff[0])
    response = staff.post(
        "/service/desk/self-evaluation/",
        {"centre": "sy", "service": "consultation", "score": "4", "findings": "高峰时段电话接通率偏低。"},
    )
    assert response.status_code == 302
    again = staff.post(
        "/service/desk/self-evaluation/",
        {"centre": "sy", "service": "consultation", "score": "5", "findings": "再次自评"},
        follow=True,
    )
    assert "已评价" in messages_of(again)  # once a month per service
    figures = Client().get(f"/service/figures/?centre=sy&month={clock.local_now():%Y-%m}").content.decode()
    assert "高峰时段电话接通率偏低" in figures
    assert "再次自评" not in figures
    assert client_for(world.agent_user).post("/service/desk/self-evaluation/", {}).status_code == 403
