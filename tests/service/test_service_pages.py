"""What a centre's staff keep for the public, through the pages (issue 22): service guides written as drafts,
published in the service hall under their centre and withdrawn; service commitments with their fees
(entered in yuan, stored in fen; refused when publicly funded, needing their basis otherwise) and never for
a service the platform does not offer yet; technical staff designated and removed, who alone take
supervisors' technical questions. Another centre's guide or commitment is not found, as a missing one is;
every change is an event of the centre."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from ggzy.accounts import parties
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.service.errors import ServiceError
from ggzy.service.models import Commitment, Guide, Question, TechnicalStaff
from tests.core.test_portal import assert_csp_clean
from tests.registry.conftest import World, staff_user

pytestmark = pytest.mark.django_db

GUIDES = "/service/desk/guides/"
COMMITMENTS = "/service/desk/commitments/"
TECHNICAL = "/service/desk/technical/"


def messages_of(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def hall() -> str:
    return Client().get("/service/").content.decode()


def searched(word: str) -> str:
    return Client().get(f"/service/search/?q={word}").content.decode()


def centre_block(html: str, testid: str, code: str) -> str:
    """The part of the hall under centre `code`'s heading: its commitments table or its guides."""
    found = re.search(
        rf'<(table|div)[^>]*data-testid="{testid}" data-centre="{code}".*?</\1>', html, re.DOTALL
    )
    return found.group(0) if found else ""


# --- service guides (6.1.2.1–6.1.2.3) -------------------------------------------------------------------


def write_guide(client: Client, **fields: str) -> Guide:
    data = {"centre": "sy", "kind": "laws", "category": "engineering", "title": "标题", "body": "正文"}
    data.update(fields)
    response = client.post(f"{GUIDES}new/", data)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"{GUIDES}?centre=sy"
    return Guide.objects.get(title=data["title"])


def write_and_publish_a_guide(
    client_for: Callable[..., Client], world: World, kind: str, title: str
) -> Guide:
    """A guide written as a draft through the page (neither in the hall nor found), then published through
    the page: the public hall shows it under its centre, the search finds it."""
    staff = client_for(world.staff[0])
    form = staff.get(f"{GUIDES}new/?centre=sy")
    assert form.status_code == 200
    assert_csp_clean(form)
    guide = write_guide(staff, kind=kind, title=title, body=f"{title}：要点如下。")
    assert (guide.centre, guide.kind, guide.state) == (world.centre, kind, "draft")
    assert f'id="guide-{guide.uid}"' not in hall()
    assert title not in searched(title[:2])
    listed = staff.get(f"{GUIDES}?centre=sy")
    assert f'data-guide="{guide.uid}" data-state="draft"' in listed.content.decode()
    assert_csp_clean(listed)
    response = staff.post(f"{GUIDES}{guide.uid}/publish/", follow=True)
    assert response.redirect_chain == [(f"{GUIDES}?centre=sy", 302)]
    guide.refresh_from_db()
    assert guide.state == "published"
    assert guide.published_at is not None
    shown = centre_block(hall(), "guides", "sy")
    assert f'id="guide-{guide.uid}"' in shown
    assert title in shown
    assert f"/service/#guide-{guide.uid}" in searched(title[:2])
    written, published = (Event.objects.get(type=f"service.guide.{t}") for t in ("written", "published"))
    assert written.data["guide"] == published.data["guide"] == str(guide.uid)
    assert (published.visibility, published.centre, published.actor) == ("public", "sy", world.staff[0])
    return guide


@pytest.mark.clause("6.1.2.1")
def test_staff_write_and_publish_a_laws_and_policies_guide_that_the_public_hall_shows(
    client_for: Callable[..., Client], world: World
) -> None:
    write_and_publish_a_guide(client_for, world, "laws", "《招标投标法实施条例》投标保证金规定")


@pytest.mark.clause("6.1.2.2")
def test_staff_write_and_publish_a_process_guide_that_the_public_hall_shows(
    client_for: Callable[..., Client], world: World
) -> None:
    write_and_publish_a_guide(client_for, world, "process", "工程建设项目进场交易流程")


@pytest.mark.clause("6.1.2.3")
def test_staff_write_and_publish_a_guide_to_the_electronic_trading_system_that_the_public_hall_shows(
    client_for: Callable[..., Client], world: World
) -> None:
    write_and_publish_a_guide(client_for, world, "system", "投标文件加密上传操作指引")


def test_a_published_guide_is_withdrawn_before_it_is_edited_and_then_published_again(
    client_for: Callable[..., Client], world: World
) -> None:
    staff = client_for(world.staff[0])
    guide = write_guide(staff, title="开标流程", body="旧文")
    response = staff.post(
        f"{GUIDES}{guide.uid}/",
        {"kind": "process", "category": "", "title": "开标流程（草稿修改）", "body": "草稿已改"},
    )
    assert response.status_code == 302
    guide.refresh_from_db()
    assert (guide.kind, guide.category, guide.title, guide.body) == (
        "process",
        None,
        "开标流程（草稿修改）",
        "草稿已改",
    )
    staff.post(f"{GUIDES}{guide.uid}/publish/")
    refused = staff.post(
        f"{GUIDES}{guide.uid}/", {"kind": "process", "category": "", "title": "改", "body": "改"}
    )
    assert refused.status_code == 400  # the form again, with the refusal
    with translation.override("zh-hans"):
        assert str(ServiceError.PUBLISH_STATE.message) in refused.content.decode()
    guide.refresh_from_db()
    assert (guide.title, guide.state) == ("开标流程（草稿修改）", "published")
    staff.post(f"{GUIDES}{guide.uid}/withdraw/")
    guide.refresh_from_db()
    assert guide.state == "withdrawn"
    assert f'id="guide-{guide.uid}"' not in hall()
    assert "/service/#guide-" not in searched("开标")
    staff.post(
        f"{GUIDES}{guide.uid}/", {"kind": "process", "category": "", "title": "开标流程", "body": "新文"}
    )
    guide.refresh_from_db()
    assert (guide.state, guide.body) == ("draft", "新文")
    staff.post(f"{GUIDES}{guide.uid}/publish/")
    assert "新文" in centre_block(hall(), "guides", "sy")
    assert list(
        Event.objects.filter(type__startswith="service.guide.").order_by("id").values_list("type", flat=True)
    ) == [
        "service.guide.written",
        "service.guide.edited",
        "service.guide.published",
        "service.guide.withdrawn",
        "service.guide.edited",
        "service.guide.published",
    ]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"title": "   "}, "标题"),  # the form's own check
        ({"kind": "supervision"}, ""),  # a guide is not about technical support
        ({"body": "长" * 20001}, ""),
    ],
)
def test_a_bad_guide_is_refused_and_nothing_is_stored(
    client_for: Callable[..., Client], world: World, fields: dict[str, str], words: str
) -> None:
    data = {"centre": "sy", "kind": "laws", "category": "", "title": "标题", "body": "正文", **fields}
    response = client_for(world.staff[0]).post(f"{GUIDES}new/", data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert Guide.objects.count() == 0
    assert not Event.objects.filter(type__startswith="service.guide.").exists()


# --- another centre's, and people who are not staff ------------------------------------------------------


def test_another_centres_guide_or_commitment_is_not_found_and_nothing_changes(
    client_for: Callable[..., Client], world: World
) -> None:
    staff = client_for(world.staff[0])
    guide = write_guide(staff, title="沈阳的指南")
    response = staff.post(
        f"{COMMITMENTS}new/",
        {"centre": "sy", "service": "registration", "title": "项目登记", "steps": "提交—审核—办结",
         "time_limit": "2 个工作日", "fee_yuan": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    dl = parties.centre_create(actor=None, code="dl", name="大连市公共资源交易中心", region="210200")
    outsider = client_for(staff_user(dl, "dl-staff"))
    events = Event.objects.count()
    for url in (
        f"{GUIDES}{guide.uid}/",
        f"{GUIDES}{guide.uid}/publish/",
        f"{GUIDES}{guide.uid}/withdraw/",
        f"{COMMITMENTS}{commitment.uid}/",
        f"{COMMITMENTS}{commitment.uid}/publish/",
        f"{COMMITMENTS}{commitment.uid}/withdraw/",
        f"{GUIDES}00000000-0000-4000-8000-000000000000/publish/",
    ):
        response = outsider.post(url, {"kind": "laws", "title": "改", "body": "改"})
        assert response.status_code == 404, url
        assert 'data-error-code="not_found"' in response.content.decode()
    for url in (f"{GUIDES}?centre=sy", f"{COMMITMENTS}?centre=sy", f"{TECHNICAL}?centre=sy"):
        assert outsider.get(url).status_code == 404, url
    response = outsider.post(
        f"{GUIDES}new/", {"centre": "sy", "kind": "laws", "title": "冒名", "body": "冒名"}
    )
    assert response.status_code == 404
    # their own centre's pages list nothing of Shenyang's
    assert "沈阳的指南" not in outsider.get(GUIDES).content.decode()
    guide.refresh_from_db()
    commitment.refresh_from_db()
    assert (guide.state, guide.title, commitment.state) == ("draft", "沈阳的指南", "draft")
    assert Guide.objects.count() == 1
    assert Event.objects.count() == events
    # a user who is no centre's staff is refused before anything is looked at
    agent = client_for(world.agent_user)
    for url in (GUIDES, COMMITMENTS, TECHNICAL, f"{GUIDES}{guide.uid}/publish/"):
        assert agent.post(url).status_code == 403, url


# --- technical staff (6.1.2.4) ----------------------------------------------------------------------------


def ask_technical(client_for: Callable[..., Client], make_user: Callable[..., Any], text: str) -> Question:
    supervisor = make_user(Role.SUPERVISOR)
    response = client_for(supervisor).post(
        "/service/ask/", {"centre": "sy", "kind": "supervision", "text": text}
    )
    assert response.status_code == 302
    return Question.objects.get(text=text)


@pytest.mark.clause("6.1.2.4")
def test_staff_designated_on_the_page_take_supervisors_technical_questions_and_others_are_refused(
    client_for: Callable[..., Client], make_user: Callable[..., Any], world: World
) -> None:
    a, b, _c = world.staff
    staff_a, staff_b = client_for(a), client_for(b)
    page = staff_a.get(f"{TECHNICAL}?centre=sy")
    assert page.status_code == 200
    assert_csp_clean(page)
    assert f'<option value="{b.username}"' in page.content.decode()
    response = staff_a.post(f"{TECHNICAL}designate/", {"centre": "sy", "user": b.username}, follow=True)
    assert response.redirect_chain == [(f"{TECHNICAL}?centre=sy", 302)]
    assert TechnicalStaff.objects.filter(centre=world.centre, user=b).exists()
    assert f'data-user="{b.username}"' in response.content.decode()
    event = Event.objects.get(type="service.technical_staff.designated")
    assert (event.data, event.centre, event.actor) == ({"user": b.username}, "sy", a)
    question = ask_technical(client_for, make_user, "监管系统如何调阅开标记录？")
    # staff who are not technical staff cannot take it
    refused = staff_a.post(f"/service/desk/questions/{question.uid}/take/", follow=True)
    with translation.override("zh-hans"):
        assert str(ServiceError.TECHNICAL_ONLY.message) in messages_of(refused)
    question.refresh_from_db()
    assert question.owner is None
    # the designated one takes it
    assert staff_b.post(f"/service/desk/questions/{question.uid}/take/").status_code == 302
    question.refresh_from_db()
    assert question.owner == b
    # while b owns it unanswered, b stays technical staff
    kept = staff_a.post(f"{TECHNICAL}remove/", {"centre": "sy", "user": b.username}, follow=True)
    with translation.override("zh-hans"):
        assert str(ServiceError.TECHNICAL_OWNS_QUESTIONS.message) in messages_of(kept)
    assert TechnicalStaff.objects.filter(user=b).exists()
    staff_b.post(
        f"/service/desk/questions/{question.uid}/answer/", {"answer": "在“开评标记录”中按项目编号查询。"}
    )
    # removed on the page, b takes the next one no more
    staff_a.post(f"{TECHNICAL}remove/", {"centre": "sy", "user": b.username})
    assert not TechnicalStaff.objects.filter(user=b).exists()
    assert Event.objects.get(type="service.technical_staff.removed").data == {"user": b.username}
    later = ask_technical(client_for, make_user, "审计导出操作日志怎么办？")
    staff_b.post(f"/service/desk/questions/{later.uid}/take/")
    later.refresh_from_db()
    assert later.owner is None


def test_only_staff_of_the_centre_are_designated_and_once(
    client_for: Callable[..., Client], world: World
) -> None:
    a, b, _c = world.staff
    staff_a = client_for(a)
    refused = staff_a.post(
        f"{TECHNICAL}designate/", {"centre": "sy", "user": world.agent_user.username}, follow=True
    )
    with translation.override("zh-hans"):
        assert str(ServiceError.TECHNICAL_NOT_STAFF.message) in messages_of(refused)
    staff_a.post(f"{TECHNICAL}designate/", {"centre": "sy", "user": b.username})
    again = staff_a.post(f"{TECHNICAL}designate/", {"centre": "sy", "user": b.username}, follow=True)
    with translation.override("zh-hans"):
        assert str(ServiceError.ALREADY_TECHNICAL.message) in messages_of(again)
    nobody = staff_a.post(f"{TECHNICAL}designate/", {"centre": "sy", "user": "no-such-user"}, follow=True)
    assert "请选择本中心的工作人员" in messages_of(nobody)
    assert list(TechnicalStaff.objects.values_list("user__username", flat=True)) == [b.username]
    assert Event.objects.filter(type="service.technical_staff.designated").count() == 1


# --- service commitments (12.1.3, 12.1.4) -----------------------------------------------------------------

REGISTRATION = {
    "centre": "sy",
    "service": "registration",
    "title": "项目登记",
    "steps": "网上或窗口提交 → 审核 → 办结",
    "time_limit": "材料齐备后 2 个工作日内办结",
    "materials": "进场交易申请表",
    "fee_yuan": "0",
    "fee_basis": "免费（财政保障）",
}


def write_commitment(client: Client, **fields: str) -> Any:
    return client.post(f"{COMMITMENTS}new/", {**REGISTRATION, **fields})


@pytest.mark.clause("12.1.3")
@pytest.mark.clause("4.2.5")
def test_staff_publish_a_commitment_on_the_page_and_the_hall_shows_it_under_its_centre(
    client_for: Callable[..., Client], world: World
) -> None:
    staff = client_for(world.staff[0])
    form = staff.get(f"{COMMITMENTS}new/?centre=sy")
    assert_csp_clean(form)
    options = re.findall(r'<option value="(\w+)"', form.content.decode())
    assert "registration" in options
    assert not {"booking", "expert_draw", "online_opening"} & set(options)  # not offered yet
    assert write_commitment(staff).status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.centre, commitment.state, commitment.fee_fen) == (world.centre, "draft", 0)
    assert "项目登记" not in hall()  # a draft is not public
    staff.post(f"{COMMITMENTS}{commitment.uid}/publish/")
    commitment.refresh_from_db()
    assert commitment.state == "published"
    page = Client().get("/service/")
    assert_csp_clean(page)
    html = page.content.decode()
    table = centre_block(html, "commitments", "sy")
    assert "项目登记" in table
    assert "材料齐备后 2 个工作日内办结" in table
    assert "免费" in table
    # the centre's name sits above its table, and the headers do not break
    assert html.index(world.centre.name) < html.index('data-testid="commitments" data-centre="sy"')
    assert "<caption>" not in html
    headers = re.findall(r"<th [^>]*>", table)
    assert len(headers) == 5
    assert all("text-nowrap" in th for th in headers)
    assert Client().get("/api/v1/service/commitments").json()[0]["title"] == "项目登记"
    # published, it is withdrawn before it is edited
    refused = staff.post(f"{COMMITMENTS}{commitment.uid}/", {**REGISTRATION, "title": "改名"})
    assert refused.status_code == 400
    staff.post(f"{COMMITMENTS}{commitment.uid}/withdraw/")
    assert "项目登记" not in hall()
    staff.post(f"{COMMITMENTS}{commitment.uid}/", {**REGISTRATION, "time_limit": "当日办结"})
    staff.post(f"{COMMITMENTS}{commitment.uid}/publish/")
    assert "当日办结" in centre_block(hall(), "commitments", "sy")
    types = list(
        Event.objects.filter(type__startswith="service.commitment.")
        .order_by("id")
        .values_list("type", flat=True)
    )
    assert types == [
        "service.commitment.written",
        "service.commitment.published",
        "service.commitment.withdrawn",
        "service.commitment.edited",
        "service.commitment.published",
    ]
    published = Event.objects.filter(type="service.commitment.published").last()
    assert published is not None
    assert (published.visibility, published.centre, published.data["commitment"]) == (
        "public",
        "sy",
        str(commitment.uid),
    )


@pytest.mark.parametrize("service", ["booking", "expert_draw", "online_opening"])
def test_no_commitment_to_a_service_the_platform_does_not_offer_yet(
    client_for: Callable[..., Client], world: World, service: str
) -> None:
    response = write_commitment(client_for(world.staff[0]), service=service, title="场地预约")
    assert response.status_code == 400
    with translation.override("zh-hans"):
        from ggzy.service.models import ServiceType

        label = str(ServiceType(service).label)
    assert f"平台尚未提供“{label}”服务" in response.content.decode()
    assert not Commitment.objects.exists()
    # one written before this rule (a migrated row) is not published in the hall either
    Commitment.objects.create(
        centre=world.centre, service=service, title="旧的场地预约承诺", steps="预约", time_limit="即时",
        state="published",
    )  # fmt: skip
    assert "旧的场地预约承诺" not in hall()
    assert Client().get("/api/v1/service/commitments").json() == []


@pytest.mark.clause("12.1.4")
def test_a_fee_entered_on_the_page_is_refused_when_publicly_funded_and_needs_its_basis_otherwise(
    client_for: Callable[..., Client], world: World, settings: Any
) -> None:
    staff = client_for(world.staff[0])
    assert settings.GGZY_PUBLICLY_FUNDED is True or not hasattr(settings, "GGZY_PUBLICLY_FUNDED")
    refused = write_commitment(staff, fee_yuan="120.50", fee_basis="物价部门核定")
    assert refused.status_code == 400
    with translation.override("zh-hans"):
        assert str(ServiceError.FEE_NOT_ALLOWED.message) in refused.content.decode()
    assert not Commitment.objects.exists()
    settings.GGZY_PUBLICLY_FUNDED = False  # a centre allowed to charge (not for profit)
    no_basis = write_commitment(staff, fee_yuan="120.50", fee_basis="")
    assert no_basis.status_code == 400
    with translation.override("zh-hans"):
        assert str(ServiceError.FEE_BASIS_MISSING.message) in no_basis.content.decode()
    assert not Commitment.objects.exists()
    for bad in ("abc", "-1", "1.234", "1e3", "NaN"):
        response = write_commitment(staff, fee_yuan=bad, fee_basis="物价部门核定")
        assert response.status_code == 400, bad
        with translation.override("zh-hans"):
            assert str(ServiceError.FEE_INVALID.message) in response.content.decode(), bad
    assert not Commitment.objects.exists()
    assert write_commitment(staff, fee_yuan="1,120.50", fee_basis="辽价发〔2024〕12号").status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.fee_fen, commitment.fee_basis) == (112050, "辽价发〔2024〕12号")
    staff.post(f"{COMMITMENTS}{commitment.uid}/publish/")
    assert "1,120.50 元" in centre_block(hall(), "commitments", "sy")
    assert "辽价发〔2024〕12号" in hall()
    # back under public funding, a charged commitment is not published again
    staff.post(f"{COMMITMENTS}{commitment.uid}/withdraw/")
    settings.GGZY_PUBLICLY_FUNDED = True
    again = staff.post(f"{COMMITMENTS}{commitment.uid}/publish/", follow=True)
    with translation.override("zh-hans"):
        assert str(ServiceError.FEE_NOT_ALLOWED.message) in messages_of(again)
    commitment.refresh_from_db()
    assert commitment.state == "withdrawn"
    assert "1,120.50" not in hall()


# --- the workspace -----------------------------------------------------------------------------------------


def test_the_centre_staff_workspace_links_the_three_pages(
    client_for: Callable[..., Client], world: World
) -> None:
    html = client_for(world.staff[0]).get("/workspace/centre_staff/").content.decode()
    for url in (GUIDES, COMMITMENTS, TECHNICAL):
        assert f'href="{url}' in html
