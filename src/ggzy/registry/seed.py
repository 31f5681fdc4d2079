"""The trading categories (codes as the portal's navigation uses them), their trading methods with
their rules (the method table, `METHOD_RULES`), and checklist version 1 of each category with at least
the documents standard 6.2.2.1–6.2.2.4 names.

Seeded after every migrate (and after a test database is flushed), adding only what is missing: the
centre's own changes — new checklist versions, more methods, a method's changed values — are never
touched. Methods that existed before the method table got their values once, from migration
0007_method_rules (`method_rules_fill`)."""

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
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

# -- the method table (standard 6.5.1, 8.1.1) -------------------------------------------------------
# One row per method: the values every later step reads (`registry.methods.rules_of`) and, for each
# rule, its source. A rule's source is keyed by its field (a rule of several fields by its first:
# `committee_min_large` also for `large_threshold_fen`, `experts_share_num`, the floors for the
# ceilings, `sme_deduction_min_pct`, `bid_security_cap_permille` also for its base). Articles read in
# the text of the law are cited plainly; "待核" marks what was not read in the text (as the calendar's
# rule table does). Money in fen.

TBL = "招标投标法"
SSL = "招标投标法实施条例"  # 国务院令第613号, as amended 2019
GPL = "政府采购法"
GPR = "政府采购法实施条例"  # 国务院令第658号
L87 = "政府采购货物和服务招标投标管理办法（财政部令第87号）"
L74 = "政府采购非招标采购方式管理办法（财政部令第74号）"
C214 = "政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）"
SME = "政府采购促进中小企业发展管理办法（财库〔2020〕46号）及财库〔2022〕19号"
L39 = "招标拍卖挂牌出让国有建设用地使用权规定（国土资源部令第39号）"
NOT_CONFIGURED = "未配置（拍卖、挂牌另有议题）"
NOT_CONFIGURED_MEDICAL = "未配置（药品和医用耗材在省级集中采购平台交易）"
TEN_MILLION_YUAN = 1_000_000_000  # fen: ¥10,000,000.00
OPEN_TENDER_THRESHOLD = 200_000_000  # fen: ¥2,000,000.00, the central budget units' open-tender threshold

SOURCE_KEYS = (
    "prequalification",
    "invited_only",
    "min_invited",
    "two_envelopes",
    "quote_rounds",
    "min_bidders",
    "same_brand_counts_once",
    "public_opening",
    "committee_min",
    "committee_min_large",
    "committee_odd",
    "experts_share_num",
    "evaluation_methods",
    "price_weight_floor_goods_pct",
    "price_weight_floor_services_pct",
    "sme_deduction_min_pct",
    "result_flow",
    "bid_security_cap_permille",
    "bid_security_cash_allowed",
    "performance_security_cap_pct",
    "performance_security_cash_allowed",
)


@dataclass(frozen=True)
class MethodRow:
    """One row of the method table; the defaults are the model's (nothing allowed, nothing required)."""

    prequalification: bool = False
    invited_only: bool = False
    min_invited: int = 0
    two_envelopes: bool = False
    quote_rounds: int = 0
    min_bidders: int = 1
    same_brand_counts_once: bool = False
    public_opening: bool = False
    committee_min: int = 0
    committee_min_large: int = 0
    large_threshold_fen: int | None = None
    committee_odd: bool = False
    experts_share_num: int = 0
    experts_share_den: int = 1
    evaluation_methods: tuple[str, ...] = ()
    price_weight_floor_goods_pct: int | None = None
    price_weight_ceiling_goods_pct: int | None = None
    price_weight_floor_services_pct: int | None = None
    price_weight_ceiling_services_pct: int | None = None
    sme_deduction_min_pct: int | None = None
    sme_deduction_max_pct: int | None = None
    result_flow: str = "result_announcement"
    bid_security_cap_permille: int | None = None
    bid_security_base: str = ""
    bid_security_cash_allowed: bool = True
    performance_security_cap_pct: int | None = None
    performance_security_cash_allowed: bool = True
    sources: dict[str, str] = field(default_factory=dict)
    unset: str = NOT_CONFIGURED  # the source of a rule the row does not name

    def fields(self) -> dict[str, Any]:
        """The model's field values: every source key present (the row's `unset` where not named)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "unset"}
        values["evaluation_methods"] = list(self.evaluation_methods)
        values["sources"] = {key: self.sources.get(key, self.unset) for key in SOURCE_KEYS}
        return values


# Engineering (招标投标法 and its 实施条例) ----------------------------------------------------------
_ENGINEERING = MethodRow(
    prequalification=True,
    two_envelopes=True,
    quote_rounds=0,
    min_bidders=3,
    public_opening=True,
    committee_min=5,
    committee_odd=True,
    experts_share_num=2,
    experts_share_den=3,
    evaluation_methods=("comprehensive", "lowest_evaluated", "reasonable_lowest"),
    result_flow="candidates_publicity",
    bid_security_cap_permille=20,
    bid_security_base="estimate",
    bid_security_cash_allowed=True,
    performance_security_cap_pct=10,
    performance_security_cash_allowed=True,
    sources={
        "prequalification": (
            f"{SSL} §15（资格预审公告、资格预审文件）、§19（通过资格预审的申请人少于3个的，应当重新招标）"
        ),
        "invited_only": f"{TBL} §10（公开招标：以招标公告邀请不特定的法人或者其他组织投标）",
        "min_invited": "不适用（公开招标）",
        "two_envelopes": "行业规定（如公路工程建设项目招标投标管理办法，交通运输部令2015年第24号），条文待核",
        "quote_rounds": f"{TBL} §43（确定中标人前不得就投标价格等实质性内容谈判）：一次报价",
        "min_bidders": f"{TBL} §28；{SSL} §44（投标人少于3个的，不得开标，应当重新招标）",
        "same_brand_counts_once": f"{TBL}无此规定：按投标人计",
        "public_opening": f"{TBL} §34–§36（投标截止时间的同一时间公开开标，当众拆封、宣读）",
        "committee_min": f"{TBL} §37（成员人数为五人以上单数）",
        "committee_min_large": f"{TBL} §37 不按金额分级（行业规定另有要求的，待核）",
        "committee_odd": f"{TBL} §37（五人以上单数）",
        "experts_share_num": f"{TBL} §37（技术、经济等方面的专家不得少于成员总数的三分之二）",
        "evaluation_methods": (
            f"{TBL} §41（最大限度满足综合评价标准；经评审的投标价格最低）；"
            "合理低价法见行业规定（如公路工程），待核"
        ),
        "price_weight_floor_goods_pct": f"{TBL}未规定价格分权重",
        "price_weight_floor_services_pct": f"{TBL}未规定价格分权重",
        "sme_deduction_min_pct": "政府采购的中小企业价格扣除不适用于依招标投标法招标的工程，待核",
        "result_flow": f"{SSL} §54（收到评标报告之日起3日内公示中标候选人，公示期不得少于3日）",
        "bid_security_cap_permille": f"{SSL} §26（不得超过招标项目估算价的2%，有效期与投标有效期一致）",
        "bid_security_cash_allowed": f"{SSL} §26 第二款（以现金或者支票形式提交的，应当从基本账户转出）",
        "performance_security_cap_pct": f"{SSL} §58（不得超过中标合同金额的10%）",
        "performance_security_cash_allowed": f"{SSL} §58 未限定形式",
    },
)
_ENGINEERING_INVITED = dataclasses.replace(
    _ENGINEERING,
    prequalification=False,
    invited_only=True,
    min_invited=3,
    sources={
        **_ENGINEERING.sources,
        "prequalification": (
            f"{SSL} §15：资格预审公告随公开招标；邀请招标在投标邀请书中要求资格证明（{TBL} §18），待核"
        ),
        "invited_only": f"{TBL} §10（邀请招标：以投标邀请书邀请特定的法人或者其他组织投标）",
        "min_invited": f"{TBL} §17（向三个以上特定的法人或者其他组织发出投标邀请书）",
    },
)

# Government procurement (政府采购法, its 实施条例, 87号令, 74号令, 214号) ---------------------------
_PROCUREMENT_COMMON = {
    "result_flow": f"{GPR} §43（确定之日起2个工作日内发出中标、成交通知书并公告中标、成交结果）",
    "performance_security_cap_pct": f"{GPR} §48（不得超过政府采购合同金额的10%）",
    "performance_security_cash_allowed": f"{GPR} §48（以支票、汇票、本票或者保函等非现金形式提交）",
    "sme_deduction_min_pct": f"{SME}：未预留份额的项目对小微企业报价扣除10%–20%，条文待核",
    "two_envelopes": "政府采购的规章未设双信封，待核",
}
_GP_TENDER = MethodRow(
    prequalification=True,
    quote_rounds=0,
    min_bidders=3,
    same_brand_counts_once=True,
    public_opening=True,
    committee_min=5,
    committee_min_large=7,
    large_threshold_fen=TEN_MILLION_YUAN,
    committee_odd=True,
    experts_share_num=2,
    experts_share_den=3,
    evaluation_methods=("comprehensive", "lowest_price"),
    price_weight_floor_goods_pct=30,
    price_weight_floor_services_pct=10,
    sme_deduction_min_pct=10,
    sme_deduction_max_pct=20,
    result_flow="result_announcement",
    bid_security_cap_permille=20,
    bid_security_base="budget",
    bid_security_cash_allowed=False,
    performance_security_cap_pct=10,
    performance_security_cash_allowed=False,
    sources={
        **_PROCUREMENT_COMMON,
        "prequalification": f"{GPL} §23（资格审查）；{L87}（资格预审公告），条文待核",
        "invited_only": f"{GPL} §26（公开招标为主要采购方式）；以公告邀请不特定的供应商（{L87}），条文待核",
        "min_invited": "不适用（公开招标）",
        "quote_rounds": f"{L87}：招标方式一次报价，不得谈判，条文待核",
        "min_bidders": f"{GPL} §36（对招标文件作实质响应的供应商不足三家的，应予废标）",
        "same_brand_counts_once": f"{L87} §31（提供相同品牌产品的不同投标人按一家投标人计算），条文待核",
        "public_opening": f"{L87}（开标：投标截止时间的同一时间公开进行），条文待核",
        "committee_min": f"{L87} §47（评标委员会成员5人以上单数），条文待核",
        "committee_min_large": (
            f"{L87} §47（采购预算金额在1000万元以上、技术复杂或社会影响较大的，7人以上单数），条文待核"
        ),
        "committee_odd": f"{L87} §47（单数），条文待核",
        "experts_share_num": f"{L87} §47（评审专家不得少于成员总数的三分之二），条文待核",
        "evaluation_methods": f"{GPR} §34（最低评标价法和综合评分法）",
        "price_weight_floor_goods_pct": f"{L87} §55（综合评分法：货物项目价格分值不得低于30%），条文待核",
        "price_weight_floor_services_pct": f"{L87} §55（综合评分法：服务项目价格分值不得低于10%），条文待核",
        "bid_security_cap_permille": f"{GPR} §33（不得超过采购项目预算金额的2%）",
        "bid_security_cash_allowed": f"{GPR} §33（以支票、汇票、本票或者保函等非现金形式提交）",
    },
)
_GP_INVITED = dataclasses.replace(
    _GP_TENDER,
    invited_only=True,
    min_invited=3,
    sources={
        **_GP_TENDER.sources,
        "prequalification": f"{L87} §14（以资格预审公告征集等方式产生供应商名单），条文待核",
        "invited_only": f"{GPL} §34（向随机选择的供应商发出投标邀请书）",
        "min_invited": f"{GPL} §34（通过随机方式选择三家以上的供应商）",
    },
)
_NON_TENDER_COMMITTEE = {
    "committee_min_large": (
        f"{L74} §7（达到公开招标数额标准的，5人以上单数），条文待核；公开招标数额标准由国务院、"
        f"省级人民政府规定（{GPL} §27），此处取200万元（中央预算单位标准），待核"
    ),
    "public_opening": "不公开开启响应文件，待核",
    "same_brand_counts_once": f"{L87} §31 只适用于招标，待核",
    "invited_only": (
        f"{L74} §12：以公告、供应商库随机抽取或书面推荐方式邀请；以公告邀请时不限于受邀者，条文待核"
    ),
    "min_invited": "不适用",
    "prequalification": "不适用（由采购小组确定供应商名单），待核",
    "price_weight_floor_goods_pct": "不适用（不采用综合评分法）",
    "price_weight_floor_services_pct": "不适用（不采用综合评分法）",
    "bid_security_cap_permille": f"{GPR} §33 第三款（竞争性谈判、询价参照：不超过预算金额的2%）",
    "bid_security_cash_allowed": f"{GPR} §33 第三款（参照：非现金形式）",
}
_NEGOTIATION = MethodRow(
    quote_rounds=3,
    min_bidders=3,
    committee_min=3,
    committee_min_large=5,
    large_threshold_fen=OPEN_TENDER_THRESHOLD,
    committee_odd=True,
    experts_share_num=2,
    experts_share_den=3,
    evaluation_methods=("lowest_price",),
    sme_deduction_min_pct=10,
    sme_deduction_max_pct=20,
    result_flow="result_announcement",
    bid_security_cap_permille=20,
    bid_security_base="budget",
    bid_security_cash_allowed=False,
    performance_security_cap_pct=10,
    performance_security_cash_allowed=False,
    sources={
        **_PROCUREMENT_COMMON,
        **_NON_TENDER_COMMITTEE,
        "quote_rounds": (
            f"{GPL} §38（四）（五）：多轮谈判，谈判结束后最后报价；轮数由谈判文件定，平台上限3轮为实践取值"
        ),
        "min_bidders": f"{GPL} §38（三）（确定不少于三家的供应商参加谈判）",
        "committee_min": f"{GPL} §38（一）（谈判小组三人以上的单数）",
        "committee_odd": f"{GPL} §38（一）",
        "experts_share_num": f"{GPL} §38（一）（专家的人数不得少于成员总数的三分之二）",
        "evaluation_methods": f"{GPL} §38（五）（质量和服务相等且报价最低）",
    },
)
_CONSULTATION = dataclasses.replace(
    _NEGOTIATION,
    committee_min_large=0,
    large_threshold_fen=None,
    evaluation_methods=("comprehensive",),
    price_weight_floor_goods_pct=30,
    price_weight_ceiling_goods_pct=60,
    price_weight_floor_services_pct=10,
    price_weight_ceiling_services_pct=30,
    sources={
        **_NEGOTIATION.sources,
        "quote_rounds": f"{C214}（磋商结束后提交最后报价），条文待核；平台上限3轮为实践取值",
        "min_bidders": f"{C214}（不少于3家；科研项目等可为2家），条文待核",
        "committee_min": f"{C214} §14（磋商小组3人以上单数），条文待核",
        "committee_min_large": f"{C214} §14 未见按金额分级，待核",
        "committee_odd": f"{C214} §14，条文待核",
        "experts_share_num": f"{C214} §14（评审专家不得少于成员总数的2/3），条文待核",
        "evaluation_methods": f"{C214} §23（综合评分法），条文待核",
        "price_weight_floor_goods_pct": f"{C214} §24（货物项目价格分值30%至60%），条文待核",
        "price_weight_floor_services_pct": f"{C214} §24（服务项目价格分值10%至30%），条文待核",
        "bid_security_cap_permille": f"{C214}（磋商保证金不超过采购项目预算的2%），条文待核",
        "bid_security_cash_allowed": f"{C214}（非现金形式），条文待核；参照{GPR} §33",
    },
)
_INQUIRY = dataclasses.replace(
    _NEGOTIATION,
    quote_rounds=0,
    sources={
        **_NEGOTIATION.sources,
        "quote_rounds": f"{GPL} §40（三）（一次报出不得更改的价格）",
        "min_bidders": f"{GPL} §40（二）（确定不少于三家的供应商）",
        "committee_min": f"{GPL} §40（一）（询价小组三人以上的单数）",
        "committee_odd": f"{GPL} §40（一）",
        "experts_share_num": f"{GPL} §40（一）（专家的人数不得少于成员总数的三分之二）",
        "evaluation_methods": f"{GPL} §40（四）（质量和服务相等且报价最低）",
    },
)
_SINGLE_SOURCE = MethodRow(
    invited_only=True,
    min_invited=1,
    quote_rounds=3,
    min_bidders=1,
    evaluation_methods=("negotiated",),
    result_flow="result_announcement",
    performance_security_cap_pct=10,
    performance_security_cash_allowed=False,
    sources={
        **_PROCUREMENT_COMMON,
        "prequalification": "不适用",
        "invited_only": f"{GPL} §39（采购人与供应商商定）：只有该供应商参加",
        "min_invited": f"{GPL} §31（只能从唯一供应商处采购等情形）",
        "quote_rounds": f"{GPL} §39（双方商定合理价格）；平台上限3轮为实践取值",
        "min_bidders": f"{GPL} §31（只能从唯一供应商处采购等情形）",
        "same_brand_counts_once": "不适用",
        "public_opening": "不适用",
        "committee_min": (
            f"{GPL} §39：无评审委员会，由具有相关经验的专业人员与供应商商定价格（{L74}），条文待核"
        ),
        "committee_min_large": "不适用",
        "committee_odd": "不适用",
        "experts_share_num": "不适用",
        "evaluation_methods": f"{GPL} §39（保证质量、商定合理价格）",
        "price_weight_floor_goods_pct": "不适用",
        "price_weight_floor_services_pct": "不适用",
        "sme_deduction_min_pct": "不适用（无竞争）",
        "bid_security_cap_permille": f"{GPR} §33 不涉及单一来源：不收保证金",
        "bid_security_cash_allowed": "不适用",
    },
)

# Land, assets, medicine: valid rows, most rules not yet configured (the auctions issue) ---------------
_LAND_LISTING = MethodRow(
    min_bidders=1,
    evaluation_methods=("highest_price",),
    sources={
        "min_bidders": f"{L39}（挂牌期限届满只有一个竞买人报价且不低于底价的，挂牌成交），条文待核",
        "evaluation_methods": f"{L39}（价高者得），条文待核",
    },
)
_LAND_AUCTION = MethodRow(
    evaluation_methods=("highest_price",),
    sources={"evaluation_methods": f"拍卖法 §3（转让给最高应价者）；{L39}，条文待核"},
)
_LAND_TENDER = MethodRow(
    evaluation_methods=("highest_price", "comprehensive"),
    sources={"evaluation_methods": f"{L39}（综合条件最佳或报价最高者得），条文待核"},
)
_ASSET_LISTING = MethodRow(
    sources={"evaluation_methods": f"企业国有资产交易监督管理办法（32号令），条文待核；{NOT_CONFIGURED}"},
)
_ASSET_AUCTION = MethodRow(
    evaluation_methods=("highest_price",),
    sources={"evaluation_methods": "拍卖法 §3（转让给最高应价者）"},
)

METHOD_RULES: dict[str, MethodRow] = {
    "open_tender": _ENGINEERING,
    "invited_tender": _ENGINEERING_INVITED,
    "gp_open_tender": _GP_TENDER,
    "gp_invited_tender": _GP_INVITED,
    "competitive_negotiation": _NEGOTIATION,
    "competitive_consultation": _CONSULTATION,
    "inquiry": _INQUIRY,
    "single_source": _SINGLE_SOURCE,
    "land_listing": _LAND_LISTING,
    "land_auction": _LAND_AUCTION,
    "land_tender": _LAND_TENDER,
    "asset_listing": _ASSET_LISTING,
    "asset_auction": _ASSET_AUCTION,
    "medical_central": MethodRow(unset=NOT_CONFIGURED_MEDICAL),
}
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
        [
            TradingMethod(code=c, name=n, category_id=cat, **METHOD_RULES[c].fields())
            for c, n, cat in METHODS
            if c not in known
        ]
    )


def method_rules_fill(method_model: Any, using: str = "default") -> None:
    """Give the methods already in the database their row of the table (migration 0007): only the
    fields the (historical) model has, and only for a method never configured (no sources yet)."""
    names = {f.name for f in method_model._meta.get_fields()}
    for method in method_model.objects.using(using).filter(code__in=METHOD_RULES):
        if method.sources:
            continue
        for name, value in METHOD_RULES[method.code].fields().items():
            if name in names:
                setattr(method, name, value)
        method.save(using=using)


def seed_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    seed(using)
