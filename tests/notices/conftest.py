"""The registry's world with an accepted engineering registration, and a complete tender notice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ggzy.core import clock
from ggzy.notices import services
from ggzy.notices.models import Notice
from ggzy.registry import services as registry
from ggzy.registry.models import TenderProject
from tests.registry.conftest import World, freeze, make_world, pdf  # noqa: F401  (the fixture)

PROJECT_NAME = "沈阳地铁 8 号线车站装修工程"


def bid_deadline(days: int = 30) -> str:
    """A bid deadline 09:30 `days` days after today on the platform's clock (the bid period is at least
    20 days from the documents' issue, taken as the notice's publication)."""
    day = clock.local_now().date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(9, 30), ZoneInfo("Asia/Shanghai")).isoformat()


def tender_content(**overrides: object) -> dict[str, object]:
    deadline = bid_deadline()
    content: dict[str, object] = {
        "funds_source": "财政资金 60%，企业自筹 40%",
        "content_scope_scale": "8 号线 12 座车站公共区装修，建筑面积约 6 万平方米",
        "qualification": "建筑装修装饰工程专业承包一级资质",
        "consortium_accepted": False,
        "documents_obtain": "2026 年 3 月 2 日至 3 月 6 日，在本平台下载",
        "platform_access": "https://ggzy.example.cn/ ，以 CA 数字证书登录",
        "submission_method": "在本平台加密上传电子投标文件",
        "bid_deadline": deadline,
        "opening_at": deadline,
        "opening_place": "沈阳市公共资源交易中心开标一室（远程开标）",
        "bid_security": "每标段 80 万元，保函或保险",
        "contacts": "招标人：沈阳地铁集团有限公司，李，13900000001",
    }
    content.update(overrides)
    return content


@dataclass
class Place:
    world: World
    registration: Any
    tender_project: TenderProject

    def draft(self, actor: Any = None, **overrides: Any) -> Notice:
        kwargs: dict[str, Any] = {
            "actor": actor or self.world.agent_user,
            "tender_project": self.tender_project,
            "notice_type": "tender",
            "title": "沈阳地铁 8 号线车站装修工程施工招标公告",
            "content": tender_content(),
        }
        kwargs.update(overrides)
        return services.notice_draft(**kwargs)

    def scheduled(self, *, after: dt.timedelta = dt.timedelta(0), **overrides: Any) -> Notice:
        notice = self.draft(**overrides)
        return services.notice_schedule(
            actor=self.world.agent_user, notice=notice, publish_at=clock.now() + after
        )


def accepted(world: World, **file_overrides: Any) -> Any:
    registration = world.file(**file_overrides)
    a, b, c = world.staff
    registry.registration_accept(actor=a, registration=registration, responsible=b, deputy=c)
    return registration


@pytest.fixture
def place(db: Any) -> Place:
    world = make_world()
    registration = accepted(world)
    return Place(world, registration, TenderProject.objects.get(project=registration.project))
