"""A centre serving engineering and procurement, three staff (one the head of the desk), an initiator
and its entrusted agent (entrusted for the investment-project code below), and PDF bytes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts import parties
from ggzy.accounts.models import Centre, Organisation, RoleGrant
from ggzy.core import clock
from ggzy.core.roles import Role
from ggzy.registry import services
from ggzy.registry.models import DeskHead, TradingCategory
from ggzy.registry.services import SectionIn, TenderProjectIn, Upload
from tests.factories import make_uscc

INVESTMENT_CODE = "2026-210100-48-01-000123"
APPROVAL = "沈发改审批〔2026〕15号"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def pdf(text: str) -> Upload:
    return Upload(name=f"{text}.pdf", data=PDF + text.encode())


@dataclass
class World:
    centre: Centre
    initiator: Organisation
    agent: Organisation
    initiator_user: Any
    agent_user: Any
    staff: list[Any]
    head: Any
    engineering: TradingCategory

    def file(self, **overrides: Any) -> Any:
        """An engineering registration by the agent: one tender project of two sections, every file."""
        kwargs: dict[str, Any] = {
            "actor": self.agent_user,
            "centre": self.centre,
            "category": self.engineering,
            "name": "沈阳地铁 8 号线车站装修工程",
            "initiator": self.initiator,
            "agent": self.agent,
            "region": "210100",
            "external": {"investment_code": INVESTMENT_CODE, "approval_number": APPROVAL},
            "tender_projects": [
                TenderProjectIn(
                    name="车站装修施工",
                    sections=[
                        SectionIn(
                            name="一标段",
                            budget_yuan="12345678.90",
                            price_form="amount",
                            method="open_tender",
                        ),
                        SectionIn(
                            name="二标段", budget_yuan="8000000", price_form="amount", method="open_tender"
                        ),
                    ],
                )
            ],
            "files": {
                "application_form": pdf("申请表"),
                "filing_form": pdf("备案表"),
                "agency_contract": pdf("合同"),
            },
            "promises": {},
        }
        kwargs.update(overrides)
        return services.registration_file(**kwargs)


def staff_user(centre: Centre, username: str) -> Any:
    user = get_user_model().objects.create_user(username=username, first_name=username)
    RoleGrant.objects.create(user=user, role=Role.CENTRE_STAFF, centre=centre, granted_at=clock.now())
    return user


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


def make_world() -> World:
    """The world of the `world` fixture, for a test that builds more than one."""
    centre = parties.centre_create(actor=None, code="sy", name="沈阳市公共资源交易中心", region="210100")
    users = get_user_model().objects
    initiator = parties.organisation_register(
        actor=None, uscc=make_uscc(), name="沈阳地铁集团有限公司", legal_representative="张",
        contact_name="李", contact_phone="13900000001",
    )  # fmt: skip
    agent = parties.organisation_register(
        actor=None, uscc=make_uscc(), name="辽宁中咨工程项目管理有限公司", legal_representative="马",
        contact_name="赵", contact_phone="13900000002",
    )  # fmt: skip
    initiator_user = users.create_user(username="initiator-user")
    agent_user = users.create_user(username="agent-user")
    parties.membership_add(actor=None, user=initiator_user, organisation=initiator)
    parties.membership_add(actor=None, user=agent_user, organisation=agent)
    RoleGrant.objects.create(
        user=initiator_user, role=Role.INITIATOR, organisation=initiator, granted_at=clock.now()
    )
    RoleGrant.objects.create(user=agent_user, role=Role.AGENT, organisation=agent, granted_at=clock.now())
    now = clock.now()
    parties.entrustment_create(
        actor=None, initiator=initiator, agent=agent, project=INVESTMENT_CODE, scope="招标代理",
        valid_from=now - dt.timedelta(days=1), valid_until=now + dt.timedelta(days=365),
    )  # fmt: skip
    staff = [staff_user(centre, f"staff-{n}") for n in "abc"]
    head = staff_user(centre, "desk-head")
    DeskHead.objects.create(centre=centre, user=head)
    engineering = TradingCategory.objects.get(code="engineering")
    for code in ("engineering", "procurement"):
        services.category_serve(
            actor=None,
            centre=centre,
            category=TradingCategory.objects.get(code=code),
            next_steps="招标文件发出之日起至投标截止不少于 20 日；澄清修改须在截止 15 日前发出。",
        )
    return World(centre, initiator, agent, initiator_user, agent_user, staff, head, engineering)


@pytest.fixture
def freeze(monkeypatch: pytest.MonkeyPatch) -> Any:
    """freeze(instant): the platform's clock reads `instant` from now on in this test."""

    def set_to(instant: dt.datetime) -> None:
        monkeypatch.setattr(clock, "authority_now", lambda: instant)

    return set_to
