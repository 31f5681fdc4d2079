"""A trade across two months, two trading categories and two regions (city level), with its notices
published through the notices services on a frozen clock (Beijing time):

| project | category | region → city | sections (fen) |
|---|---|---|---|
| `works_sy` (the notices' `place`) | engineering | 210100 → 210100 | 1,234,567,890 and 800,000,000 |
| `works_dl` | engineering | 210200 → 210200 | 1,234,567,890 and 800,000,000 |
| `goods_sy` | procurement | 210102 → 210100 | 260,000,000 |
| `goods_dl` | procurement | 210211 → 210200 | 350,000,050 |

`Trade.march()` publishes March 2026's notices (and schedules one for 3 April on 20 March); `april()`
publishes one more in April. The clock is frozen at each step a minute before the notice's instant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from ggzy.core.formatting import PLATFORM_ZONE
from ggzy.notices import services as notices
from ggzy.notices.models import Notice
from ggzy.registry import services as registry
from ggzy.registry.models import Section, TenderProject, TradingCategory
from ggzy.registry.services import SectionIn, TenderProjectIn
from tests.notices.conftest import accepted, tender_content
from tests.registry.conftest import World, freeze, make_world, pdf  # noqa: F401  (the fixture)

CONTACTS = "招标人：沈阳地铁集团有限公司，李，13900000001"


def at(text: str) -> dt.datetime:
    """An instant given in Beijing time: "2026-03-31 23:30"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=PLATFORM_ZONE)


def works_content(publish_at: str) -> dict[str, object]:
    """A complete tender notice whose bids are due 25 days after its instant, at 09:30."""
    due = (at(publish_at) + dt.timedelta(days=25)).replace(hour=9, minute=30).isoformat()
    return tender_content(bid_deadline=due, opening_at=due)


def procurement_content(publish_at: str, budget_fen: int) -> dict[str, object]:
    content = {k: v for k, v in works_content(publish_at).items() if k != "content_scope_scale"}
    return content | {
        "procurement_needs": "保洁服务一年",
        "budget_fen": budget_fen,
        "ceiling_price_fen": budget_fen,
    }


@dataclass
class Trade:
    world: World
    freeze: Callable[[dt.datetime], None]
    works_sy: TenderProject
    works_dl: TenderProject
    goods_sy: TenderProject
    goods_dl: TenderProject
    published: dict[str, Notice] = field(default_factory=dict)

    def now(self, text: str) -> None:
        self.freeze(at(text))

    def notice(
        self,
        name: str,
        tender_project: TenderProject,
        notice_type: str,
        content: dict[str, object],
        *,
        publish_at: str,
        scheduled_at: str | None = None,
        **kwargs: Any,
    ) -> Notice:
        """Draft and schedule a notice (at `scheduled_at`, or a minute before its instant)."""
        instant = at(publish_at)
        self.freeze(at(scheduled_at) if scheduled_at else instant - dt.timedelta(minutes=1))
        user = self.world.agent_user if tender_project.project.agent_id else self.world.initiator_user
        draft = notices.notice_draft(
            actor=user, tender_project=tender_project, notice_type=notice_type, title=name, content=content,
            **kwargs,
        )  # fmt: skip
        notice = notices.notice_schedule(actor=user, notice=draft, publish_at=instant)
        self.published[name] = notice
        return notice

    def march(self) -> None:
        tender = self.notice(
            "works_sy tender",
            self.works_sy,
            "tender",
            works_content("2026-03-05 10:00"),
            publish_at="2026-03-05 10:00",
        )
        self.notice(
            "works_sy correction", self.works_sy, "correction",
            {"changes": "开标地点更正为三楼 302 室。", "contacts": CONTACTS},
            publish_at="2026-03-06 10:00", corrects=tender,
        )  # fmt: skip
        second = self.works_dl.sections.order_by("code")[1]
        self.notice(
            "works_dl tender", self.works_dl, "tender", works_content("2026-03-09 10:00"),
            publish_at="2026-03-09 10:00", sections=[second.code],
        )  # fmt: skip
        self.notice(
            "goods_sy procurement", self.goods_sy, "procurement",
            procurement_content("2026-03-10 10:00", 260000000),
            publish_at="2026-03-10 10:00",
        )  # fmt: skip
        self.notice(
            "works_sy termination", self.works_sy, "termination",
            {"reason": "设计方案调整，终止二标段招标。", "contacts": CONTACTS},
            publish_at="2026-03-12 10:00", corrects=tender,
            sections=[self.works_sy.sections.order_by("code")[1].code],
        )  # fmt: skip
        self.notice(
            "goods_sy award", self.goods_sy, "award",
            {"result": "中标供应商：天成建设有限公司", "amount_fen": 248000000, "contacts": CONTACTS},
            publish_at="2026-03-16 10:00",
        )  # fmt: skip
        # scheduled in March for April: not March's, and not April's before its instant
        self.notice(
            "goods_dl procurement", self.goods_dl, "procurement",
            procurement_content("2026-04-03 10:00", 350000050),
            publish_at="2026-04-03 10:00", scheduled_at="2026-03-20 10:00",
        )  # fmt: skip
        # 23:30 on 31 March in Beijing is 15:30 UTC: March's
        self.notice(
            "works_dl candidates", self.works_dl, "candidates", candidates_content(),
            publish_at="2026-03-31 23:30",
        )  # fmt: skip

    def april(self) -> None:
        self.notice(
            "works_sy candidates", self.works_sy, "candidates", candidates_content(),
            publish_at="2026-04-08 10:00",
        )  # fmt: skip


def candidates_content() -> dict[str, object]:
    return {
        "candidates": "第一名：辽宁天成建设集团有限公司，投标报价 37,181,300.00 元。",
        "period": "公示期为 3 日。",
        "objection_channel": "公示期内通过电子交易系统向招标人提出。",
        "contacts": CONTACTS,
    }


def _goods(world: World, name: str, region: str, budget_yuan: str) -> TenderProject:
    registration = registry.registration_file(
        actor=world.initiator_user,
        centre=world.centre,
        category=TradingCategory.objects.get(code="procurement"),
        name=name,
        initiator=world.initiator,
        region=region,
        external={"procurement_plan": "辽财采计〔2026〕0123号"},
        files={"application_form": pdf("申请表"), "procurement_filing": pdf("采购备案表")},
        not_applicable={"agency_contract"},
        tender_projects=[TenderProjectIn(name, [SectionIn("包1", budget_yuan, "amount", "gp_open_tender")])],
    )
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    return TenderProject.objects.get(project=registration.project)


@pytest.fixture
def trade(db: Any, freeze: Callable[[dt.datetime], None]) -> Trade:  # noqa: F811  (the fixture)
    freeze(at("2026-03-02 09:00"))
    world = make_world()
    works_sy = TenderProject.objects.get(project=accepted(world).project)
    works_dl = TenderProject.objects.get(
        project=accepted(world, name="大连地铁 5 号线车站装修工程", region="210200").project
    )
    goods_sy = _goods(world, "和平区政务中心保洁服务采购", "210102", "2600000")
    goods_dl = _goods(world, "甘井子区学校保洁服务采购", "210211", "3500000.50")
    assert list(Section.objects.filter(tender_project=works_sy).values_list("budget_fen", flat=True)) == [
        1234567890,
        800000000,
    ]
    return Trade(world, freeze, works_sy, works_dl, goods_sy, goods_dl)
