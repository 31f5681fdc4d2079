"""In a real browser: the agent drafts a tender notice through the form generated from its type's
required content, schedules it a few minutes ahead; before its instant the public neither finds it on
/notices/ nor opens its page; the sandbox clock passes the instant (the live server reads the same
clock), and the public finds it on the list, opens its page, and its PDF's text holds the project's
name and the SM3 fixed when it was scheduled. Then, the sections' bid deadline set (25 days ahead: the
documents may be objected to until 10 days before it), a bidder signs in, raises an objection to the
documents from the notice's page, the agent answers it from its objections, and the bidder reads the
answer."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy.certs import services as certs_services
from ggzy.core import clock
from ggzy.notices.models import Notice, NoticeState, Objection, ObjectionState
from ggzy.registry.models import PauseState, TenderProject
from ggzy.sealing import services as sealing
from tests.conftest import sandbox_mode
from tests.e2e.conftest import browser_sign_in
from tests.notices.conftest import PROJECT_NAME, accepted, tender_content
from tests.registry.conftest import World, make_world
from tests.sealing.conftest import make_bidder, root

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Notice-Test-2026!pw"
TITLE = "沈阳地铁 8 号线车站装修工程施工招标公告"
LOCAL = "%Y-%m-%dT%H:%M"
OBJECTION = "第 3.2 条资格条件排斥潜在投标人，请予修改。"
ANSWER = "资格条件符合法律规定，不予修改。"


@pytest.fixture
def sandbox_clock() -> Iterator[None]:
    """The sandbox clock, started at the present, read by the test and the live server alike."""
    with sandbox_mode():
        clock.sandbox_start(clock.authority_now())
        yield


def draft_through_the_form(page: Any, base: str, code: str) -> None:
    """From 'My notices': choose the type and the tender project, fill the generated form, save."""
    page.goto(base + "/workspace/notices/")
    page.locator("#id_type").select_option("tender")
    page.locator("#id_tender_project").select_option(code)
    page.locator("main form[action$='/workspace/notices/new/'] button[type=submit]").click()
    page.wait_for_url("**/workspace/notices/new/?*")
    page.locator("#id_title").fill(TITLE)
    opening = (clock.local_now() + dt.timedelta(days=25)).replace(hour=9, minute=30)
    for key, value in tender_content().items():
        field = page.locator(f"#id_c_{key}")
        if key == "consortium_accepted":
            field.select_option("no")
        elif key in ("bid_deadline", "opening_at"):
            field.fill(opening.strftime(LOCAL))
        else:
            field.fill(str(value))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/workspace/notices/[0-9a-f-]{36}/$"))


def pdf_text(public: Any, base: str, tmp_path: Path) -> str:
    """The text of the PDF the notice's public page links to, without white space (pdftotext breaks
    lines and may drop the spaces around digits)."""
    href = public.get_by_role("link", name="下载 PDF").get_attribute("href") or ""
    response = public.request.get(base + href if href.startswith("/") else href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s", "", text)


def object_and_answer(
    *, browser: Any, agent: Any, base: str, world: World, notice: Notice, tender_project: TenderProject
) -> None:
    """The agent's list says published; a bidder raises an objection to the documents from the notice's
    page; the agent answers it from its list of objections; the bidder reads the answer."""
    agent.goto(base + "/workspace/notices/")
    assert "已发布" in agent.locator("main table").inner_text()
    certs_services.ca_add(actor=None, name="测试 CA", root=root(), intermediates=[], is_test=True)
    bidder = make_bidder("bidder-a", "天成建设有限公司").user
    bidder.set_password(PASSWORD)
    bidder.save()
    deadline = dt.datetime.fromisoformat(str(notice.content["bid_deadline"]))
    section = tender_project.sections.order_by("code").first()
    assert section is not None
    for each in tender_project.sections.all():
        sealing.window_set(actor=world.agent_user, section=each, deadline=deadline)

    bidder_context = browser.new_context(locale="zh-CN")
    page = bidder_context.new_page()
    try:
        browser_sign_in(page, base, bidder, PASSWORD)
        page.goto(f"{base}/notices/{notice.uid}/")
        page.locator(f"main a[href='/notices/{notice.uid}/object/']").click()
        page.wait_for_url(f"**/notices/{notice.uid}/object/")
        page.locator("#id_stage").select_option("objection:documents")
        page.locator("#id_section").select_option(section.code)
        page.locator("#id_text").fill(OBJECTION)
        page.locator("main form[method=post] button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/workspace/objections/[0-9a-f-]{36}/$"))
        objection = Objection.objects.get()
        assert page.url.endswith(f"/workspace/objections/{objection.uid}/")
        assert (objection.stage, objection.section, objection.text) == ("documents", section, OBJECTION)
        assert objection.pause is not None
        assert objection.pause.state == PauseState.ACTIVE
        assert OBJECTION in page.locator("main").inner_text()

        # the agent finds it among its objections and answers it
        agent.goto(base + "/workspace/objections/")
        agent.locator(f"main a[href='/workspace/objections/{objection.uid}/']").click()
        agent.wait_for_url(f"**/workspace/objections/{objection.uid}/")
        assert "天成建设有限公司" in agent.locator("main").inner_text()  # who must answer knows who asks
        agent.locator("#id_answer").fill(ANSWER)
        agent.locator("main form[action$='/answer/'] button[type=submit]").click()
        agent.wait_for_load_state()
        objection.refresh_from_db()
        assert objection.state == ObjectionState.ANSWERED
        assert objection.answer == ANSWER
        assert objection.pause is not None
        assert objection.pause.state == PauseState.RESUMED

        # the bidder reads the answer on the objection's page
        page.reload()
        assert page.locator("[data-testid=answer]").inner_text().strip() == ANSWER
    finally:
        bidder_context.close()


def search_by_a_two_character_word(public: Any, base: str) -> None:
    """The public finds the notice by a two-character word typed into the list's search box (the
    portal's Chinese search), marked in its title; a word it does not have finds nothing."""
    public.locator("#id_q").fill("装修")
    public.locator("#id_q").press("Enter")
    public.wait_for_url("**/notices/?*q=*")
    assert public.locator("[data-testid=notices] mark").first.inner_text() == "装修"
    assert "1 条公告" in public.locator("[data-testid=notice-count]").inner_text()
    public.locator("#id_q").fill("铁路")
    public.locator("#id_q").press("Enter")
    public.wait_for_url("**/notices/?*q=*%E9%93%81*")
    assert TITLE not in public.locator("main").inner_text()
    public.goto(base + "/notices/?q=装修")


@pytest.mark.clause("6.4.1")
@pytest.mark.clause("6.4.2")
@pytest.mark.clause("4.1.4")
def test_the_agent_drafts_and_schedules_and_the_public_finds_it_after_its_instant(
    live_server: Any, browser: Any, sandbox_clock: None, tmp_path: Path
) -> None:
    world = make_world()
    world.agent_user.set_password(PASSWORD)
    world.agent_user.save()
    registration = accepted(world)
    tender_project = TenderProject.objects.get(project=registration.project)
    base = live_server.url

    agent_context = browser.new_context(locale="zh-CN")
    agent = agent_context.new_page()
    browser_sign_in(agent, base, world.agent_user, PASSWORD)
    draft_through_the_form(agent, base, tender_project.code)
    notice = Notice.objects.get()
    assert notice.state == NoticeState.DRAFT
    assert notice.content["consortium_accepted"] is False
    assert notice.content["bid_security"] == tender_content()["bid_security"]
    assert "草稿" in agent.locator("[data-testid=notice-state]").inner_text()

    # scheduled five minutes ahead (the form takes local time, minutes)
    publish_at = (clock.local_now() + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    agent.locator("#id_publish_at").fill(publish_at.strftime(LOCAL))
    agent.locator("main form[action$='/schedule/'] button[type=submit]").click()
    agent.wait_for_load_state()
    notice.refresh_from_db()
    assert notice.state == NoticeState.SCHEDULED
    assert notice.publish_at == publish_at
    assert len(notice.text_sm3) == 64
    assert publish_at.strftime("%Y-%m-%d %H:%M") in agent.locator("main [role=status]").inner_text()

    public_context = browser.new_context(locale="zh-CN")
    public = public_context.new_page()
    try:
        # before its instant: not on the list, its page and its PDF not found
        public.goto(base + "/notices/")
        assert TITLE not in public.locator("main").inner_text()
        assert public.goto(f"{base}/notices/{notice.uid}/").status == 404
        assert public.request.get(f"{base}/notices/{notice.uid}/pdf/").status == 404

        # the sandbox clock passes the instant; the live server reads the same clock
        clock.sandbox_forward(publish_at + dt.timedelta(minutes=1))
        public.goto(base + "/notices/")
        listed = public.locator("[data-testid=notices]")
        assert TITLE in listed.inner_text()
        search_by_a_two_character_word(public, base)
        listed.get_by_role("link", name=TITLE).click()
        public.wait_for_url(f"**/notices/{notice.uid}/")
        article = public.locator("main article").inner_text()
        assert TITLE in article
        assert tender_content()["opening_place"] in article
        assert notice.text_sm3 in article

        flat = pdf_text(public, base, tmp_path)
        assert PROJECT_NAME.replace(" ", "") in flat
        assert notice.text_sm3 in flat

        object_and_answer(
            browser=browser, agent=agent, base=base, world=world, notice=notice, tender_project=tender_project
        )
    finally:
        public_context.close()
        agent_context.close()
