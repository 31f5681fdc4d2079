"""The demo's project registrations as data (standard 6.2, 12.1): what both centres serve, the heads of
their service desks and the deputies, the templates they offer and a checklist's second version, the
project codes and entrustments, and every registration as it is filed — who files it where, for whom,
with which documents, promised items and sections — with the one-time notices the desks issue and the
documents supplied after them. `ggzy.demo.registrations` files them through the registry services, in
the order and on the days it sets.

"{year}" in a name, code or number is the current year."""

from __future__ import annotations

from dataclasses import dataclass

#: (category, what to watch out for after acceptance (6.2.4), projects that must enter (12.1.5))
SERVED = (
    (
        "engineering",
        (
            "登记办结后：招标公告在指定媒介发布；自招标文件开始发出之日起至投标人提交投标文件"
            "截止之日止，最短不得少于 20 日（《招标投标法》第二十四条）；澄清或修改可能影"
            "响投标文件编制的，应在投标截止时间至少 15 日前发出（第二十三条）；中标候选人"
            "公示期不得少于 3 日（《招标投标法实施条例》第五十四条）。容缺受理时承诺补交的"
            "材料，须在发布招标公告前补齐。"
        ),
        (
            "【法规】依法必须招标的工程建设项目（《必须招标的工程项目规定》，国家发展改革委令"
            "第16号）：施工单项合同估算价在 400 万元人民币以上；重要设备、材料等货物的"
            "采购，单项合同估算价在 200 万元人民币以上；勘察、设计、监理等服务的采购，单"
            "项合同估算价在 100 万元人民币以上。"
        ),
    ),
    (
        "procurement",
        (
            "登记办结后：公开招标的，自招标文件开始发出之日起至投标截止之日止不得少于 20 "
            "日；采购人应自收到评审报告之日起 5 个工作日内确定中标（成交）供应商，并在 2"
            " 个工作日内公告结果（《政府采购法实施条例》第四十三条）。容缺受理时承诺补交的材"
            "料，须在发布采购公告前补齐。"
        ),
        (
            "【法规】集中采购目录以内或者采购限额标准以上的政府采购项目（《政府采购法》第二条"
            "）；目录和限额标准以辽宁省人民政府公布的政府集中采购目录及标准为准。"
        ),
    ),
    (
        "land",
        (
            "登记办结后：出让公告应在挂牌开始日前至少 20 日发布，挂牌时间不得少于 10 "
            "日（国土资源部令第39号）；竞买保证金的截止时间应在挂牌截止之前。容缺受理时承诺"
            "补交的出让附件，须在发布出让公告前补齐。"
        ),
        (
            "【法规】工业、商业、旅游、娱乐和商品住宅等经营性用地，以及同一宗地有两个以上意向"
            "用地者的国有建设用地使用权出让，应以招标、拍卖或者挂牌方式进行（国土资源部令第3"
            "9号 第四条）。"
        ),
    ),
    (
        "assets",
        (
            "登记办结后：企业国有产权转让信息披露期不少于 20 个工作日，企业资产转让信息公"
            "开期不少于 10 个工作日（国务院国资委、财政部令第32号）；资产评估报告须在有"
            "效期内。容缺受理时承诺补交的评估报告，须在发布转让公告前补齐。"
        ),
        (
            "【法规】企业国有产权转让、企业增资和企业资产转让，在依法设立的交易机构中公开进行"
            "（国务院国资委、财政部令第32号）；行政事业单位国有资产处置按财政部门的规定进场"
            "。"
        ),
    ),
    (
        "medical",
        (
            "本类项目在本中心登记后，转至辽宁省药品和医用耗材集中采购平台交易，请按该平台的采"
            "购周期和规则报量。"
        ),
        "国家和省组织的药品、医用耗材集中带量采购。",
    ),
)
#: centre -> (head of the service desk, deputy (AB角)), named by the head (`registry.services.desk_head_set`)
DESK_HEADS = {"ln": ("staff", "staff2"), "sy": ("sy-staff", "sy-staff2")}
#: who covers the leave of staff2 in the second week (the leave the deputy's confirmation falls in)
LEAVE_COVER = "staff"


@dataclass(frozen=True)
class Offered:
    """A document template a centre offers (6.2.6), uploaded by `by` as a Word file with `lines`."""

    centre: str
    category: str
    name: str
    file_name: str
    by: str
    lines: tuple[str, ...]


#: the templates the centres offer on the first day; key -> template
TEMPLATES = {
    "sy_form": Offered(
        "sy",
        "engineering",
        "公共资源进场交易申请表（工程建设项目）",
        "进场交易申请表（工程建设）.docx",
        "sy-staff",
        ("公共资源进场交易申请表（工程建设项目）", "项目名称：", "投资项目代码：", "招标人（盖章）："),
    ),
    "ln_form": Offered(
        "ln",
        "procurement",
        "政府采购项目进场交易申请表",
        "进场交易申请表（政府采购）.docx",
        "staff",
        ("政府采购项目进场交易申请表", "项目名称：", "采购计划编号：", "采购人（盖章）："),
    ),
}
#: the second week: a new version of a template (key, by, file name, lines)
TEMPLATE_REPLACED = (
    "sy_form",
    "sy-staff2",
    "进场交易申请表（工程建设）v2.docx",
    (
        "公共资源进场交易申请表（工程建设项目）",
        "项目名称：",
        "投资项目代码：",
        "资金来源及落实情况：",
        "招标人（盖章）：",
    ),
)
#: the second week: the Shenyang desk publishes version 2 of its engineering checklist (one item added)
CHECKLIST_REVISED = (
    "sy",
    "engineering",
    "sy-staff2",
    ("资金落实情况说明", "optional"),
    "《招标投标法》第九条：招标项目的资金或资金来源应已落实",
)
HOSPITAL = ("沈阳市浑南区中心医院", "210112", "12", 12000003, "刘仁", "韩冰")

#: investment codes (national online approval platform) and the procurement plan number, per project key
CODES = {
    "hunhe": "{year}-210100-76-01-000208",
    "guanyinge": "{year}-210521-76-01-000316",
    "dahuofang": "{year}-210400-76-01-000127",
    "liaoxibei": "{year}-210000-76-01-000045",
    "line6": "{year}-210100-54-01-000612",
    "school": "{year}-210112-83-01-000057",
    "plan": "浑南财采计〔{year}〕0123号",
    "qinghe": "{year}-211204-76-01-000093",  # the tender documents' demo (`ggzy.demo.tendering`)
    "plan_consultation": "浑南财采计〔{year}〕0789号",
}
#: entrustments made before the registrations: (initiator, agent, CODES key, scope)
ENTRUSTED = (
    ("lnsl", "lnzz", "hunhe", "施工监理招标代理"),
    ("lnsl", "lnzz", "guanyinge", "施工招标代理"),
    ("lnsl", "lnzz", "dahuofang", "施工招标代理"),
    ("lnsl", "lnzz", "liaoxibei", "施工招标代理"),
    ("sydt", "lnzz", "line6", "施工招标代理"),
    ("hnjy", "sycx", "plan", "政府采购代理"),
    ("lnsl", "lnzz", "qinghe", "施工及设备安装招标代理"),
    ("hnjy", "sycx", "plan_consultation", "政府采购代理"),
)

#: (checklist item, document title): each filed as a small PDF of its own
Files = tuple[tuple[str, str], ...]
#: (tender project, ((section, budget in yuan, method), ...))
TenderProjects = tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...]


@dataclass(frozen=True)
class Promised:
    """An item promised instead of filed (容缺受理): due `days` after today — by the history clock if
    `history`, else the real today (still ahead when the demo starts)."""

    item: str
    text: str
    days: int
    history: bool = False


@dataclass(frozen=True)
class Filing:
    """A registration as filed."""

    name: str
    by: str  # the username filing it: an agent, an initiator, or staff at the desk (on site)
    centre: str
    category: str
    initiator: str  # an organisation of the demo (demo_load's ORGANISATIONS), or "hospital" (HOSPITAL)
    region: str
    files: Files
    tender_projects: TenderProjects
    agent: str = ""
    external: tuple[tuple[str, str], ...] = ()  # (field, value)
    promises: tuple[Promised, ...] = ()
    not_applicable: frozenset[str] = frozenset()
    on_site: bool = False


FORM = ("application_form", "公共资源进场交易申请表")
FILING_FORM = ("filing_form", "省招标投标监管网项目备案表")
AGENCY_CONTRACT = ("agency_contract", "招标代理委托合同")
#: an engineering registration with every document (by the agent lnzz for lnsl, at the provincial centre)
ENGINEERING_FILES: Files = (FORM, FILING_FORM, ("approval_document", "初步设计批复"), AGENCY_CONTRACT)


#: every registration the demo files, by key (the loader files them in its order)
FILINGS = {
    "hunhe": Filing(
        name="浑河干流（沈阳段）堤防加固工程施工监理",
        by="agent",
        centre="ln",
        category="engineering",
        initiator="lnsl",
        agent="lnzz",
        region="210100",
        external=(("investment_code", CODES["hunhe"]), ("approval_number", "辽水审批〔{year}〕27号")),
        files=ENGINEERING_FILES,
        tender_projects=(("施工监理", (("监理", "2865000.00", "open_tender"),)),),
    ),
    "guanyinge": Filing(
        name="观音阁水库除险加固工程",
        by="agent",
        centre="ln",
        category="engineering",
        initiator="lnsl",
        agent="lnzz",
        region="210521",
        external=(("investment_code", CODES["guanyinge"]), ("approval_number", "辽发改审批〔{year}〕15号")),
        files=(FORM, FILING_FORM),
        promises=(Promised("agency_contract", "招标代理委托合同正在双方用印，5 日内补交", 10, history=True),),
        tender_projects=(
            (
                "除险加固施工",
                (
                    ("一标段（大坝加固）", "38650000.00", "open_tender"),
                    ("二标段（溢洪道及闸门）", "21480000.00", "open_tender"),
                ),
            ),
        ),
    ),
    "dahuofang": Filing(
        name="大伙房水库输水（二期）配套工程抚顺段管线改造",
        by="agent",
        centre="ln",
        category="engineering",
        initiator="lnsl",
        agent="lnzz",
        region="210400",
        external=(("investment_code", CODES["dahuofang"]), ("approval_number", "辽发改审批〔{year}〕22号")),
        files=(FORM, FILING_FORM),
        promises=(Promised("agency_contract", "招标代理委托合同待发起方董事会审议后签署，审议后即补交", 7),),
        tender_projects=(("管线改造施工", (("施工", "56320000.00", "open_tender"),)),),
    ),
    "line6": Filing(
        name="沈阳地铁 6 号线一期工程车站装修施工",
        by="agent",
        centre="sy",
        category="engineering",
        initiator="sydt",
        agent="lnzz",
        region="210100",
        external=(("investment_code", CODES["line6"]), ("approval_number", "沈发改审批〔{year}〕15号")),
        files=(FORM, FILING_FORM, AGENCY_CONTRACT),
        tender_projects=(
            (
                "车站装修施工",
                (
                    ("一标段（1—9 号车站）", "45600000.00", "open_tender"),
                    ("二标段（10—18 号车站）", "39850000.50", "open_tender"),
                ),
            ),
        ),
    ),
    "school_it": Filing(
        name="浑南区中小学智慧教室设备采购",
        by="agent2",
        centre="sy",
        category="procurement",
        initiator="hnjy",
        agent="sycx",
        region="210112",
        external=(("procurement_plan", CODES["plan"]),),
        files=(
            FORM,
            ("procurement_filing", "政府采购项目备案表"),
            ("agency_contract", "采购代理委托协议"),
        ),
        tender_projects=(
            (
                "智慧教室设备",
                (
                    ("包1（交互式智慧黑板）", "3865000.00", "gp_open_tender"),
                    ("包2（学生平板及充电柜）", "2140000.00", "gp_open_tender"),
                ),
            ),
        ),
    ),
    "walk_in": Filing(  # the education bureau brings it to the desk and tenders itself
        name="浑南区第二十中学教学楼改扩建工程施工",
        by="sy-staff",
        on_site=True,
        centre="sy",
        category="engineering",
        initiator="hnjy",
        region="210112",
        external=(("investment_code", CODES["school"]), ("approval_number", "沈浑发改审批〔{year}〕9号")),
        files=(FORM, FILING_FORM, ("approval_document", "可行性研究报告批复")),
        not_applicable=frozenset({"agency_contract"}),
        tender_projects=(("教学楼施工", (("施工", "18760000.00", "open_tender"),)),),
    ),
    "assets": Filing(
        name="沈阳地铁集团有限公司报废电客车及废旧物资处置",
        by="initiator",
        centre="sy",
        category="assets",
        initiator="sydt",
        region="210100",
        files=(
            FORM,
            ("disposal_approval", "沈阳市国资委资产处置批复"),
            ("auction_contract", "委托拍卖合同"),
        ),
        promises=(Promised("valuation_report", "资产评估报告正在评估机构出具，出具后即补交", 10),),
        tender_projects=(
            (
                "报废电客车及物资拍卖",
                (
                    ("1 号标的（报废电客车 6 列）", "1250000.00", "asset_auction"),
                    ("2 号标的（废旧钢轨及配件）", "386000.00", "asset_auction"),
                ),
            ),
        ),
    ),
    "land": Filing(
        name="沈阳地铁 1 号线黎明广场站上盖综合开发地块国有建设用地使用权出让",
        by="initiator",
        centre="sy",
        category="land",
        initiator="sydt",
        region="210104",
        files=(FORM, ("transfer_entrustment", "出让委托书"), ("attachments", "宗地图及出让方案")),
        tender_projects=(("地块出让", (("大东区 DD2026-07 地块", "86400000.00", "land_listing"),)),),
    ),
    "medicine": Filing(  # a hospital walks in; the desk routes it to the provincial medicine platform
        name="{year} 年度常用药品集中带量采购接续报量",
        by="sy-staff",
        on_site=True,
        centre="sy",
        category="medical",
        initiator="hospital",
        region="210112",
        files=(FORM,),
        tender_projects=(("常用药品", (("药品包", "4300000.00", "medical_central"),)),),
    ),
    "liaoxibei": Filing(  # filed complete on the last working day: due within 2 working days
        name="辽西北供水工程沿线泵站自动化改造",
        by="agent",
        centre="ln",
        category="engineering",
        initiator="lnsl",
        agent="lnzz",
        region="210000",
        external=(("investment_code", CODES["liaoxibei"]), ("approval_number", "辽发改审批〔{year}〕31号")),
        files=ENGINEERING_FILES,
        tender_projects=(("泵站自动化改造施工", (("施工", "12800000.00", "open_tender"),)),),
    ),
    # filed and accepted by the tender documents' demo (`ggzy.demo.tendering`), at the end of the month:
    # an invitation tender (邀请招标) and an open tender accepting consortia at the provincial centre ...
    "qinghe": Filing(
        name="清河水库除险加固工程",
        by="agent",
        centre="ln",
        category="engineering",
        initiator="lnsl",
        agent="lnzz",
        region="211204",
        external=(("investment_code", CODES["qinghe"]), ("approval_number", "辽发改审批〔{year}〕38号")),
        files=ENGINEERING_FILES,
        tender_projects=(
            ("金属结构及启闭机更换", (("闸门及启闭机采购安装", "4260000.00", "invited_tender"),)),
            ("管理设施改造施工", (("施工", "9380000.00", "open_tender"),)),
        ),
    ),
    # ... and a competitive consultation (竞争性磋商) in Shenyang
    "consultation": Filing(
        name="浑南区中小学校园安防监控系统升级改造采购",
        by="agent2",
        centre="sy",
        category="procurement",
        initiator="hnjy",
        agent="sycx",
        region="210112",
        external=(("procurement_plan", CODES["plan_consultation"]),),
        files=(
            FORM,
            ("procurement_filing", "政府采购项目备案表"),
            ("agency_contract", "采购代理委托协议"),
        ),
        tender_projects=(
            (
                "校园安防监控系统",
                (("包1（视频监控前端及管理平台）", "1860000.00", "competitive_consultation"),),
            ),
        ),
    ),
}

#: one-time notices (一次性告知, 6.2.3), per registration in the order issued: (item, what to correct)
NOTICES = {
    # everything at once
    "line6": (
        (
            ("filing_form", "备案表未附省招标投标监管网备案编号页，且缺少招标人盖章"),
            (
                "application_form",
                "申请表中的标段划分（2 个标段）与备案表（3 个标段）不一致，请核对后重新提交",
            ),
        ),
    ),
    "school_it": (
        (
            ("procurement_filing", "备案表未加盖采购人公章"),
            ("agency_contract", "委托协议缺少代理期限和双方签章页"),
        ),
        # a second notice may name only what changed since the first: the new filing form
        (("procurement_filing", "新备案表的预算金额（600.5 万元）与申请表（500.5 万元）不一致"),),
    ),
}
#: documents supplied after filing (corrections and promised items): (item, document title)
SUPPLIED = {
    "school_it": (
        ("procurement_filing", "政府采购项目备案表（盖章）"),
        ("agency_contract", "采购代理委托协议（完整）"),
    ),
    "guanyinge": (("agency_contract", "招标代理委托合同（已用印）"),),
}
