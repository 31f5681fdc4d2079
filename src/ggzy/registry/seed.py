"""The trading categories (codes as the portal's navigation uses them), their trading methods, and
checklist version 1 of each category with at least the documents standard 6.2.2.1–6.2.2.4 names.

Seeded after every migrate (and after a test database is flushed), adding only what is missing: the
centre's own changes — new checklist versions, more methods — are never touched."""

import datetime as dt
from typing import Any

FILES = ["application/pdf", "application/ofd", "image/jpeg", "image/png"]
CATEGORIES: tuple[tuple[str, str, str, int, str, list[str]], ...] = (
    # code, name, letter, order, traded on, outside codes
    ("engineering", "工程建设", "A", 1, "", ["investment_code", "approval_number"]),
    ("procurement", "政府采购", "B", 2, "", ["procurement_plan"]),
    ("land", "土地使用权和矿业权出让", "C", 3, "", []),
    ("assets", "国有产权和资产交易", "D", 4, "", []),
    ("medical", "药品和医用耗材采购", "E", 5, "省药品和医用耗材集中采购平台", []),
)
METHODS = (
    ("open_tender", "公开招标", "engineering"),
    ("invited_tender", "邀请招标", "engineering"),
    ("gp_open_tender", "公开招标（政府采购）", "procurement"),
    ("gp_invited_tender", "邀请招标（政府采购）", "procurement"),
    ("competitive_negotiation", "竞争性谈判", "procurement"),
    ("competitive_consultation", "竞争性磋商", "procurement"),
    ("inquiry", "询价", "procurement"),
    ("single_source", "单一来源采购", "procurement"),
    ("land_listing", "挂牌出让", "land"),
    ("land_auction", "拍卖出让", "land"),
    ("land_tender", "招标出让", "land"),
    ("asset_listing", "挂牌转让", "assets"),
    ("asset_auction", "拍卖", "assets"),
    ("medical_central", "集中带量采购", "medical"),
)
APPLICATION = ("application_form", "公共资源进场交易申请表", "mandatory", "", False, "")
CHECKLISTS = {
    "engineering": (
        APPLICATION,
        ("filing_form", "省招标投标监管网项目备案表", "mandatory", "", False, ""),
        ("approval_document", "项目审批、核准或备案文件", "optional", "", False, ""),
        (
            "agency_contract",
            "招标代理委托合同（委托代理时）",
            "conditional",
            "委托招标代理机构时",
            True,
            "notice",
        ),
    ),
    "procurement": (
        APPLICATION,
        ("procurement_filing", "政府采购系统项目备案或审批表", "mandatory", "", False, ""),
        (
            "agency_contract",
            "采购代理委托协议（委托代理时）",
            "conditional",
            "委托采购代理机构时",
            True,
            "notice",
        ),
    ),
    "land": (
        APPLICATION,
        ("transfer_entrustment", "出让委托书", "mandatory", "", False, ""),
        ("attachments", "出让相关附件（宗地图、出让方案等）", "mandatory", "", True, "notice"),
    ),
    "assets": (
        APPLICATION,
        ("disposal_approval", "资产处置批准文件", "mandatory", "", False, ""),
        ("valuation_report", "资产评估报告", "mandatory", "", True, "notice"),
        ("auction_contract", "委托拍卖合同（如有）", "conditional", "委托拍卖机构时", False, ""),
    ),
    "medical": (APPLICATION,),
}


def seed(using: str = "default") -> None:
    from ggzy.registry.models import Checklist, ChecklistItem, TradingCategory, TradingMethod

    published = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for code, name, letter, order, routed_to, external in CATEGORIES:
        category, created = TradingCategory.objects.using(using).get_or_create(
            code=code,
            defaults={
                "name": name,
                "letter": letter,
                "order": order,
                "routed_to": routed_to,
                "external_codes": external,
            },
        )
        if not created or Checklist.objects.using(using).filter(category=category).exists():
            continue
        checklist = Checklist.objects.using(using).create(
            category=category, version=1, published_at=published, basis="标准 6.2.2"
        )
        ChecklistItem.objects.using(using).bulk_create(
            [
                ChecklistItem(
                    checklist=checklist,
                    key=key,
                    name=item_name,
                    need=need,
                    condition=condition,
                    may_defer=may_defer,
                    needed_before=needed_before,
                    media_types=FILES,
                    order=n,
                )
                for n, (key, item_name, need, condition, may_defer, needed_before) in enumerate(
                    CHECKLISTS[code]
                )
            ]
        )
    known = set(TradingMethod.objects.using(using).values_list("code", flat=True))
    TradingMethod.objects.using(using).bulk_create(
        [TradingMethod(code=c, name=n, category_id=cat) for c, n, cat in METHODS if c not in known]
    )


def seed_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    seed(using)
