"""In a real browser: an agent registers a 工程建设 project with two sections (the agency contract
promised, 容缺), staff return it once naming two items, a second notice naming an unchanged item is
refused with its message shown, the agent completes it and submits again, staff accept it within the
limit, the responsible person goes on leave and the deputy confirms the promised item once the agent
has uploaded it. Every step leaves its event."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from ggzy.accounts import parties
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.events.models import Event
from ggzy.registry import selectors, services
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Registration, Section, State, TradingCategory
from tests.e2e.conftest import browser_sign_in
from tests.factories import make_uscc
from tests.registry.conftest import APPROVAL, INVESTMENT_CODE

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Reg-Test-2026!pw"


@dataclass
class Cast:
    agent: Any
    staff: list[Any]


def set_up() -> Cast:
    """The same centre, organisations, entrustment and staff as tests/registry/conftest.py, with
    passwords and the agent's role, in a database the live server shares."""
    users = get_user_model().objects
    centre = parties.centre_create(actor=None, code="sy", name="沈阳市公共资源交易中心", region="210100")
    initiator = parties.organisation_register(
        actor=None, uscc=make_uscc(), name="沈阳地铁集团有限公司", legal_representative="张",
        contact_name="李", contact_phone="13900000001",
    )  # fmt: skip
    agent = parties.organisation_register(
        actor=None, uscc=make_uscc(), name="辽宁中咨工程项目管理有限公司", legal_representative="马",
        contact_name="赵", contact_phone="13900000002",
    )  # fmt: skip
    agent_user = users.create_user(
        username="agent-user", password=PASSWORD, first_name="代理", last_name="赵"
    )
    parties.membership_add(actor=None, user=agent_user, organisation=agent)
    parties.role_grant(actor=None, user=agent_user, role=Role.AGENT, organisation=agent)
    now = clock.now()
    parties.entrustment_create(
        actor=None, initiator=initiator, agent=agent, project=INVESTMENT_CODE, scope="招标代理",
        valid_from=now - dt.timedelta(days=1), valid_until=now + dt.timedelta(days=365),
    )  # fmt: skip
    staff = []
    for n, name in zip("abc", ("甲", "乙", "丙"), strict=True):
        user = users.create_user(username=f"staff-{n}", password=PASSWORD, first_name=name, last_name="王")
        parties.role_grant(actor=None, user=user, role=Role.CENTRE_STAFF, centre=centre)
        staff.append(user)
    services.category_serve(
        actor=None,
        centre=centre,
        category=TradingCategory.objects.get(code="engineering"),
        next_steps="招标文件发出之日起至投标截止不少于 20 日。",
    )
    return Cast(agent=agent_user, staff=staff)


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


def pdf(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%" + name.encode() + b"\n%%EOF\n")
    return str(path)


def status_text(page: Any) -> str:
    return str(page.locator("main [role=status]").inner_text())


def file_as_agent(agent: Any, base: str, tmp_path: Path) -> str:
    """The agent registers through the one form (step 1 chooses centre and category); the code."""
    agent.goto(base + "/workspace/registrations/")
    agent.locator("main a.btn-primary").click()
    agent.locator("#id_centre").select_option("sy")
    agent.locator("#id_category").select_option("engineering")
    agent.locator("main form button[type=submit]").click()
    agent.wait_for_url("**/registrations/new/?*")
    agent.locator("#id_name").fill("沈阳地铁 8 号线车站装修工程")
    assert agent.locator("#id_region").input_value() == "210100"
    agent.locator("#id_investment_code").fill(INVESTMENT_CODE)
    agent.locator("#id_approval_number").fill(APPROVAL)
    agent.locator("#id_tender_name").fill("车站装修施工")
    for n, (name, budget) in enumerate((("一标段", "12345678.90"), ("二标段", "8000000"))):
        agent.locator(f"#id_s{n}_name").fill(name)
        agent.locator(f"#id_s{n}_budget").fill(budget)
        agent.locator(f"#id_s{n}_method").select_option("open_tender")
    agent.locator("#id_file_application_form").set_input_files(pdf(tmp_path, "申请表.pdf"))
    agent.locator("#id_file_filing_form").set_input_files(pdf(tmp_path, "备案表.pdf"))
    agent.locator("#id_defer_agency_contract").check()  # 容缺: the contract is promised
    agent.locator("#id_promise_agency_contract").fill("合同盖章中，三日内补交")
    due = clock.local_now().date() + dt.timedelta(days=3)
    agent.locator("#id_due_agency_contract").fill(due.isoformat())
    agent.locator("main form[enctype] button[type=submit]").click()
    agent.wait_for_url(re.compile(r".*/registrations/[0-9a-f-]{36}/$"))
    code = str(agent.locator("[data-testid=project-code]").inner_text()).strip()
    assert code in status_text(agent)
    return code


def return_naming(staff: Any, lines: dict[str, str]) -> None:
    for key, reason in lines.items():
        staff.locator(f"#id_return_{key}").check()
        staff.locator(f"#id_reason_{key}").fill(reason)
    staff.locator("[data-testid=return-form] button[type=submit]").click()
    staff.wait_for_load_state()


def supply(page: Any, key: str, path: str) -> None:
    page.locator(f"#id_file_{key}").set_input_files(path)
    page.locator(f"[data-testid=supply-{key}] button").click()
    page.wait_for_load_state()


def away_and_deputy_confirms(
    *, as_user: Any, base: str, agent: Any, registration: Registration, b: Any, c: Any, tmp_path: Path
) -> None:
    """The responsible person records leave, the agent uploads the contract, the deputy confirms it."""
    code = registration.project.code
    responsible = as_user(b)
    responsible.goto(base + "/workspace/registrations/")
    responsible.get_by_role("link", name="我的休假").first.click()  # the leave page, from the list
    responsible.wait_for_url("**/workspace/registrations/leave/")
    now = clock.local_now()
    responsible.locator("#id_starts_at").fill((now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    responsible.locator("#id_ends_at").fill((now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    responsible.locator("#id_covered_by").select_option(c.get_username())
    responsible.locator("main form[action$='/leave/'] button[type=submit]").click()
    responsible.wait_for_load_state()
    assert selectors.on_leave(b)
    agent.reload()
    supply(agent, "agency_contract", pdf(tmp_path, "代理合同.pdf"))
    deputy = as_user(c)
    deputy.goto(f"{base}/registrations/{registration.uid}/")
    assert "丙" in deputy.locator("[data-testid=handler]").inner_text()
    deputy.locator("[data-testid=confirm-agency_contract]").click()
    deputy.wait_for_load_state()
    assert Event.objects.get(type="registry.item.confirmed", project_ref=code).data["as"] == "deputy"


@pytest.mark.clause("6.2.3")
@pytest.mark.clause("6.2.5")
def test_register_return_complete_accept_and_the_deputy_confirms(
    live_server: Any, as_user: Any, tmp_path: Path
) -> None:
    cast = set_up()
    a, b, c = cast.staff
    base = live_server.url
    agent = as_user(cast.agent)
    code = file_as_agent(agent, base, tmp_path)
    assert len(code) == 17
    assert re.fullmatch(rf"A210100{clock.local_now().year}\d{{6}}", code)
    registration = Registration.objects.get(project__code=code)
    sections = list(Section.objects.filter(tender_project__project=registration.project).order_by("code"))
    assert [s.code for s in sections] == [code + "001001", code + "001002"]
    sections_text = agent.locator("[data-testid=sections]").inner_text()
    assert sections[0].code in sections_text
    assert "12,345,678.90" in sections_text

    # staff return it once, naming two items
    staff = as_user(a)
    staff.goto(f"{base}/registrations/{registration.uid}/")
    return_naming(staff, {"filing_form": "备案表未盖章", "approval_document": "缺少项目核准文件"})
    assert staff.locator("[data-testid=notice]").count() == 1
    registration.refresh_from_db()
    assert registration.state == State.RETURNED

    # the agent completes it and submits again
    agent.reload()
    assert "备案表未盖章" in agent.locator("[data-testid=notice]").inner_text()
    supply(agent, "filing_form", pdf(tmp_path, "备案表-盖章.pdf"))
    supply(agent, "approval_document", pdf(tmp_path, "核准文件.pdf"))
    assert "核准文件.pdf" in agent.locator("[data-testid=items]").inner_text()
    agent.locator("main form[action$='/resubmit/'] button[type=submit]").click()
    agent.wait_for_load_state()
    registration.refresh_from_db()
    assert registration.state == State.SUBMITTED

    # a second notice naming an item unchanged since the first is refused, and says why
    staff.reload()
    return_naming(staff, {"application_form": "申请表填写不全"})
    with translation.override("zh-hans"):
        refusal = str(RegistryError.NOTICE_UNCHANGED_ITEM.message)
    assert refusal in status_text(staff)
    assert "公共资源进场交易申请表" in status_text(staff)  # the item is named
    assert registration.returns.count() == 1

    # staff accept it within the limit, the agency contract still promised (容缺)
    staff.locator("#id_responsible").select_option(b.username)
    staff.locator("#id_deputy").select_option(c.username)
    staff.locator("[data-testid=accept-form] button[type=submit]").click()
    staff.wait_for_load_state()
    accepted = Event.objects.get(type="registry.registration.accepted", project_ref=code)
    assert accepted.data["on_time"] is True
    assert accepted.data["promised"] == ["agency_contract"]

    away_and_deputy_confirms(
        as_user=as_user, base=base, agent=agent, registration=registration, b=b, c=c, tmp_path=tmp_path
    )

    types = set(Event.objects.filter(project_ref=code).values_list("type", flat=True))
    assert {
        "registry.registration.filed",
        "registry.registration.returned",
        "registry.registration.resubmitted",
        "registry.registration.accepted",
        "registry.item.confirmed",
    } <= types
