"""The demo's month of consultation and service quality as data (standard 6.1, 12.1, 12.2): the service
commitments both centres publish, the technical staff, the service guides per trading category, the
questions of the month and what became of them, the services given, the service complaints and
suggestions, the ratings of registrations and the follow-ups of bad ratings. `ggzy.demo.service` loads
them through the service app's services.

Days are counted back in working days from the last working day before today (`history.Days.back`);
times are "HH:MM", Shanghai time."""

from __future__ import annotations

from dataclasses import dataclass

from ggzy.service.models import FeedbackChannel, FeedbackKind, QuestionChannel, QuestionKind, ServiceType

FREE = "免费（交易服务由财政保障，不收取交易服务费）"
#: (service, item, steps, time limit, materials) — published by both centres (12.1.1, 12.1.3). None for
#: venue booking, expert draws or online bid opening: the platform does not offer them yet (later issues).
COMMITMENTS = (
    (
        ServiceType.REGISTRATION,
        "项目登记",
        "网上提交或到服务大厅窗口提交登记表及要件 → 窗口审核，需补正的一次性告知 → 办结，告知后续注意事项",
        "材料齐备后 2 个工作日内办结",
        "公共资源进场交易申请表；项目审批（核准、备案）文件或采购计划；委托代理的，附代理委托合同",
    ),
    (
        ServiceType.CONSULTATION,
        "咨询服务",
        "网上、电话或现场咨询 → 首问负责人受理 → 答复；不属于本中心职责的，说明应向哪个部门咨询",
        "网上咨询 1 个工作日内答复；电话、现场咨询当场答复，需查证的 1 个工作日内答复",
        "",
    ),
    (
        ServiceType.CONSULTATION,
        "档案查询",
        "提交查询申请 → 核验身份和查询权限 → 调阅并登记查询记录",
        "3 个工作日内",
        "档案查询申请表；单位介绍信或授权委托书；经办人身份证件",
    ),
    (
        ServiceType.GREEN_CHANNEL,
        "重点项目绿色通道",
        "提出申请 → 窗口负责人确认 → 专人全程跟进，优先办理",
        "当日受理，材料齐备的当日办结",
        "重点项目批复或列入重点项目的文件",
    ),
    (
        ServiceType.EXTENDED_HOURS,
        "延时服务",
        "工作日 17:00 前或节假日前一个工作日预约 → 值班人员延时办理",
        "按约定时间办理",
        "",
    ),
    (
        ServiceType.ON_BEHALF,
        "代办服务",
        "申请代办 → 签订代办委托书 → 专人代办并反馈结果",
        "按所代办事项的时限",
        "代办委托书；经办人身份证件",
    ),
)
DESK_HEADS = {"ln": "staff", "sy": "sy-staff"}
TECHNICAL = {"ln": "staff2", "sy": "sy-staff2"}

#: (category, laws and rules, processes, using the system) — each (title, text)
GUIDES: tuple[tuple[str, tuple[str, str], tuple[str, str], tuple[str, str]], ...] = (
    (
        "engineering",
        (
            "《中华人民共和国招标投标法》及实施条例要点",
            (
                "依法必须招标的项目，自招标文件开始发出之日起至投标截止之日止最短不得少于 20 日"
                "（法第二十四条）；"
                "澄清或修改影响投标文件编制的，应在投标截止至少 15 日前发出，不足的顺延（条例第二十一条）；"
                "投标保证金不得超过招标项目估算价的 2%（条例第二十六条）；中标候选人公示不得少于 3 日"
                "（条例第五十四条）。必须招标的范围见《必须招标的工程项目规定》（国家发展改革委令第16号）。"
            ),
        ),
        (
            "工程建设项目进场交易流程",
            (
                "项目登记（网上或窗口，2 个工作日内办结）→ 发布招标公告和招标文件 → 场地预约 → 投标人网上"
                "下载文件、加密上传投标文件 → 开标（网上解密）→ 随机抽取专家、评标 → 中标候选人公示 → "
                "中标结果公告 → 归档。各环节的办理时限见服务承诺。"
            ),
        ),
        (
            "CA 数字证书登录与投标文件加密上传",
            (
                "使用本单位的 CA 数字证书（签名证书和加密证书）登录；全国互认的 CA 证书均可使用，外省企业无需"
                "在本省备案。投标文件须用投标客户端以本单位加密证书加密后上传，截止前可多次覆盖上传，以最后"
                "一次为准；开标时用同一证书网上解密。"
            ),
        ),
    ),
    (
        "procurement",
        (
            "《中华人民共和国政府采购法》及实施条例要点",
            (
                "集中采购目录以内或限额标准以上的采购适用政府采购法（法第二条）；公开招标的，自招标文件发出之日"
                "起至投标截止不得少于 20 日；采购人应在收到评审报告后 5 个工作日内确定中标（成交）供应商，"
                "并在 2 个工作日内公告结果（实施条例第四十三条）；供应商认为权益受损的，可在知道或应知之日起 "
                "7 个工作日内质疑。"
            ),
        ),
        (
            "政府采购项目进场交易流程",
            (
                "采购人或代理机构持采购计划编号办理项目登记 → 发布采购公告 → 场地预约 → 供应商网上获取文件、"
                "上传响应文件 → 开标（网上解密）→ 评审 → 结果公告 → 合同公告 → 归档。"
            ),
        ),
        (
            "电子交易系统操作指引（政府采购）",
            (
                "登记表“采购计划”栏填写财政预算管理一体化系统生成的采购计划编号，系统核对编号与采购人；"
                "供应商使用 CA 数字证书登录、签章和加密，响应文件加密上传，开标时网上解密。"
            ),
        ),
    ),
    (
        "land",
        (
            "国有建设用地使用权招标拍卖挂牌出让规定要点",
            (
                "经营性用地及同一宗地有两个以上意向用地者的，应以招标、拍卖或挂牌方式出让（国土资源部令"
                "第39号 第四条）；出让公告应在挂牌开始日前至少 20 日发布，挂牌时间不得少于 10 日。"
            ),
        ),
        (
            "土地出让进场交易流程",
            (
                "出让人办理项目登记 → 发布出让公告 → 竞买人网上报名并缴纳竞买保证金（须从竞买人本人账户转出）"
                " → 挂牌报价或现场竞价 → 成交确认 → 结果公示 → 归档。"
            ),
        ),
        (
            "网上挂牌报价操作指引",
            (
                "竞买人以 CA 数字证书登录，在保证金到账并取得竞买资格后，于挂牌期内网上报价；每次报价须高于"
                "当前最高价一个加价幅度，挂牌截止时有两个以上竞买人要求继续竞价的，转入现场竞价。"
            ),
        ),
    ),
    (
        "assets",
        (
            "企业国有资产交易监督管理办法要点",
            (
                "企业国有产权转让、增资和资产转让在依法设立的交易机构公开进行（国务院国资委、财政部令第32号）；"
                "产权转让信息披露期不少于 20 个工作日，资产转让信息公开期不少于 10 个工作日；转让底价不得低于"
                "经核准或备案的评估结果。"
            ),
        ),
        (
            "国有资产交易进场流程",
            (
                "转让方办理项目登记 → 信息披露 → 意向受让方登记并缴纳保证金 → 网络竞价或拍卖 → 签订交易合同"
                " → 结算交易价款 → 出具交易凭证 → 归档。"
            ),
        ),
        (
            "网络竞价操作指引",
            (
                "意向受让方以 CA 数字证书登录报名；资格确认后在竞价时段内网上出价，"
                "系统按自由报价期和限时报价期规则确定最高报价者。"
            ),
        ),
    ),
    (
        "medical",
        (
            "药品和医用耗材集中带量采购政策要点",
            (
                "国家和省组织的药品、医用耗材集中带量采购，由医疗机构报送采购量，中选结果在采购周期内执行；"
                "本中心只办理登记，交易在辽宁省药品和医用耗材集中采购平台进行。"
            ),
        ),
        (
            "药品集中采购项目登记流程",
            (
                "医疗机构到窗口或网上办理登记 → 本中心登记后转至省药品和医用耗材集中采购平台 → 按该平台的采购"
                "周期和规则报量、采购。"
            ),
        ),
        (
            "省药品和医用耗材集中采购平台操作入口",
            "登记办结后，系统显示省平台的入口和项目编号；报量、议价和订单在省平台办理，账号由省平台发放。",
        ),
    ),
)


@dataclass(frozen=True)
class Ask:
    """One question of the month and what became of it."""

    key: str
    back: int  # asked on the `back`-th working day before the last one (0: the last working day)
    at: str  # "HH:MM"
    centre: str
    channel: str
    who: str  # a username (online) or "姓名/电话" (phone and on site, logged by the taker)
    taker: str
    kind: str
    category: str | None
    text: str
    answer: str = ""  # empty: still open
    answered: tuple[int, str] = (0, "")  # (working days after the question, "HH:MM"; "" = 40 minutes later)
    handover: tuple[str, str] | None = None  # (to, reason)
    authority: str = ""  # outside the remit (6.1.3)
    faq: bool = False
    rating: tuple[int, str] | None = None  # (score, comment) by the asker


L, S = "ln", "sy"
ON, PH, SITE = QuestionChannel.ONLINE, QuestionChannel.PHONE, QuestionChannel.ON_SITE
LAWS, PROC, SYS, SUP, OTHER = (
    QuestionKind.LAWS,
    QuestionKind.PROCESS,
    QuestionKind.SYSTEM,
    QuestionKind.SUPERVISION,
    QuestionKind.OTHER,
)
E, P, LAND, A, M = "engineering", "procurement", "land", "assets", "medical"

# fmt: off
QUESTIONS: tuple[Ask, ...] = (
    Ask("deposit", 17, "09:20", L, ON, "bidder", "staff", LAWS, E,
        "投标保证金最高是多少？可以用银行保函代替现金吗？",
        "依法必须招标的工程建设项目，投标保证金不得超过招标项目估算价的 2%（《招标投标法实施条例》"
        "第二十六条）；招标人不得拒绝以银行保函、保证保险等非现金形式提交的保证金，具体以招标文件为准。",
        (0, "10:45"), faq=True, rating=(5, "答复清楚，还注明了条款出处")),
    Ask("venue-days", 17, "10:05", L, PH, "孙先生/13842013562", "staff2", PROC, E,
        "施工招标项目需要提前几天预约开标室？",
        "项目登记办结后即可网上预约开标室和评标室，系统即时确认；开标集中的时段请尽早预约。"),
    Ask("late-bond", 17, "15:40", L, ON, "agent", "staff", PROC, E,
        "投标保证金到账时间以银行回单时间为准，还是以中心专户到账时间为准？",
        "以交易中心保证金专户的实际到账时间为准，请至少提前 1 个工作日转账，并在附言注明项目编号和标段。",
        (2, "10:00"), rating=(2, "超过一个工作日才答复，比承诺时限晚")),
    Ask("plan-number", 16, "09:40", S, ON, "agent2", "sy-staff", PROC, P,
        "政府采购项目登记时，采购计划编号从哪里取得？",
        "采购计划编号由财政部门的预算管理一体化系统生成，请在登记表“采购计划”栏填写；系统会核对编号与"
        "采购人是否一致。",
        (0, "14:00"), faq=True, rating=(4, "")),
    Ask("ca-expired", 16, "14:30", L, SITE, "刘女士/13998761234", "staff", SYS, None,
        "CA 数字证书过期了，还能登录系统下载招标文件吗？",
        "证书过期后不能用于登录和签章。请到服务大厅的 CA 窗口办理证书更新，更新后与本单位的绑定关系延续。",
        faq=True),
    Ask("outside-bidder", 15, "09:10", L, ON, "bidder-hxjs", "staff", OTHER, E,
        "我公司是浙江企业，第一次在辽宁投标，需要先在本省办理备案或信息登记吗？",
        "不需要。本平台不设外地企业备案或登记门槛：在平台注册主体信息，使用全国互认的 CA 数字证书"
        "即可参与投标。",
        (0, "11:30"), faq=True, rating=(5, "外省企业也能顺利参与，答复及时")),
    Ask("encrypt", 15, "13:50", L, ON, "bidder", "staff2", SYS, E,
        "加密上传投标文件时提示“证书与投标人不一致”，怎么处理？",
        "加密须使用投标人本单位的加密证书，不能使用代理机构或个人证书。请在投标客户端中选择本单位的"
        "加密证书重新加密；投标截止前可多次覆盖上传，以最后一次为准。",
        (0, "15:10"), faq=True, rating=(4, "问题解决了")),
    Ask("survey-threshold", 14, "10:15", L, ON, "initiator3", "staff", LAWS, E,
        "水利项目的勘察设计合同估算价 80 万元，是否必须招标？",
        "按《必须招标的工程项目规定》（国家发展改革委令第16号），勘察、设计、监理等服务单项合同估算价"
        "在 100 万元以上的必须招标；80 万元的可以不招标，但同一项目中可以合并进行的勘察、设计等服务，"
        "合同估算价合计达到 100 万元的也必须招标。",
        (0, "15:30"), handover=("staff2", "本人下午外出参加开标见证，转交钱晓燕继续答复"),
        rating=(5, "")),
    Ask("land-deposit", 14, "15:20", S, PH, "张先生/13604052231", "sy-staff", PROC, LAND,
        "土地挂牌出让的竞买保证金什么时候截止缴纳？",
        "以出让公告载明的截止时间为准；保证金须从竞买人本人账户转出，逾期到账的不能取得竞买资格。"),
    Ask("clarify-15", 13, "09:00", L, ON, "agent", "staff", LAWS, E,
        "招标文件澄清发出时距投标截止已不足 15 日，应如何处理？",
        "澄清或修改可能影响投标文件编制的，应在投标截止时间至少 15 日前发出；不足 15 日的，应顺延投标"
        "截止时间（《招标投标法实施条例》第二十一条）。",
        (0, "11:20"), faq=True, rating=(5, "")),
    Ask("video", 13, "11:10", L, ON, "supervisor", "staff2", SUP, None,
        "在监管系统中如何调阅某项目的开标记录和评标过程录像？",
        "在监管系统“项目监管—开评标记录”中按项目编号查询，开标记录可直接查看并下载签名文件；评标录像"
        "在“音视频调阅”中按评标室和时段调阅，每次调阅都会留痕。尚未开通调阅权限的，请告知账号，"
        "由信息技术部当日开通。",
        (0, "15:00"), rating=(5, "技术支持响应很快")),
    Ask("qualification", 12, "10:30", L, ON, "bidder", "staff", OTHER, None,
        "我公司建筑业企业资质想升级，可以在交易中心办理吗？",
        "建筑业企业资质的申请和升级不属于交易中心的职责，请向资质许可机关办理：可登录辽宁政务服务网"
        "办理“建筑业企业资质”事项，或向省住房和城乡建设厅咨询。",
        (0, "14:10"), authority="辽宁省住房和城乡建设厅（辽宁政务服务网“建筑业企业资质”事项）",
        rating=(4, "虽然不归中心管，但告诉了去哪办")),
    Ask("objection", 12, "14:00", S, PH, "李先生/13700245566", "sy-staff2", OTHER, E,
        "对一个项目的评标结果有意见，能不能向交易中心投诉？",
        "对评标结果有异议的，应在中标候选人公示期内先向招标人提出异议；对答复不满意的，可向该项目的"
        "行政监督部门提出行政投诉。交易中心不受理行政投诉，只受理对本中心服务的服务投诉。",
        authority="项目的行政监督部门（沈阳市住房和城乡建设局等，以招标公告载明的为准）"),
    Ask("assets-period", 11, "09:30", S, ON, "initiator", "sy-staff", LAWS, A,
        "企业国有资产转让的信息公开期最短是多少天？",
        "企业国有产权转让的信息披露期不少于 20 个工作日，企业资产转让的信息公开期不少于 10 个工作日"
        "（国务院国资委、财政部令第32号）。",
        (0, "10:40"), faq=True, rating=(5, "")),
    Ask("medical", 11, "13:30", S, SITE, "韩女士/13840112233", "sy-staff2", PROC, M,
        "医院的药品带量采购接续报量，在哪里办理？",
        "在本中心办理项目登记后，转至辽宁省药品和医用耗材集中采购平台，按该平台的采购周期报量。"),
    Ask("booking-change", 10, "09:15", S, ON, "agent2", "sy-staff2", PROC, P,
        "已预约的开标室需要改期，应该怎么操作？",
        "在“场地预约”中对原预约申请调整，最晚在原定使用日前 1 个工作日提出；已发布的开标时间同时变更的，"
        "须先发布变更公告。",
        (0, "11:00"), handover=("sy-staff", "场地调整由冯涛统一协调，转交冯涛答复"), rating=(4, "")),
    Ask("ca-interop", 10, "10:20", L, ON, "bidder-hxjs", "staff2", SYS, None,
        "浙江办理的 CA 数字证书在辽宁平台能直接登录吗？",
        "可以。平台支持全国互认的 CA 数字证书，首次登录时按提示绑定本单位主体信息即可。",
        (0, "11:05"), faq=True, rating=(5, "")),
    Ask("open-time", 10, "15:30", L, PH, "周女士/13904017788", "staff", PROC, E,
        "开标当天投标人需要到现场吗？",
        "本中心实行不见面开标，投标人在网上解密、签名确认开标记录即可，无需到场。"),
    Ask("procure-question", 9, "09:50", S, ON, "agent2", "sy-staff", LAWS, P,
        "供应商对采购文件提出质疑的期限是多久？",
        "供应商认为采购文件使自己的权益受到损害的，可在知道或应知之日起 7 个工作日内以书面形式提出质疑"
        "（《政府采购法》第五十二条）。",
        (0, "14:30"), rating=(5, "")),
    Ask("audit-export", 9, "10:40", S, ON, "supervisor2", "sy-staff2", SUP, None,
        "审计需要导出某项目全部交易环节的操作日志，监管系统能否导出？",
        "可以。在监管系统“项目监管—操作日志”按项目编号筛选后导出，导出文件附平台签名，可离线核验。",
        (0, "16:00"), rating=(4, "")),
    Ask("walk-in-land", 8, "09:30", S, SITE, "赵先生/13942007711", "sy-staff", PROC, LAND,
        "土地出让项目登记需要哪些材料？",
        "公共资源进场交易申请表、出让委托书、宗地图及出让方案；材料齐备后 2 个工作日内办结。"),
    Ask("slow-answer", 8, "14:20", S, ON, "initiator", "sy-staff2", PROC, A,
        "资产评估报告还没出具，能先办理登记吗？",
        "可以容缺受理：提交书面承诺并写明补交期限，登记先行办结；评估报告须在发布转让公告前补齐。",
        (2, "09:40"), rating=(2, "等了两天才答复")),
    Ask("bid-decrypt", 7, "10:00", L, ON, "bidder", "staff", SYS, E,
        "开标时网上解密失败怎么办？",
        "请先确认使用的是加密时所用的同一张证书；仍失败的，在解密时限内拨打中心技术支持电话，由技术"
        "人员远程协助。解密时限届满仍未解密的，按招标文件的约定处理。",
        (0, "10:50"), faq=True, rating=(5, "")),
    Ask("invoice", 7, "14:00", L, PH, "马先生/13604101234", "staff2", OTHER, None,
        "中心收取交易服务费吗？需要开什么票据？",
        "本中心由财政保障，不收取交易服务费，不需要开具票据。"),
    Ask("land-listing", 6, "09:20", S, ON, "initiator", "sy-staff", LAWS, LAND,
        "挂牌出让的挂牌时间最短是多少天？",
        "挂牌时间不得少于 10 日，出让公告应在挂牌开始日前至少 20 日发布（国土资源部令第39号）。",
        (0, "10:30"), rating=(5, "")),
    Ask("expert-draw", 6, "11:00", L, SITE, "高先生/13898765432", "staff", PROC, E,
        "专家抽取需要提前多久申请？",
        "评标前按预约提交抽取申请，由监督人员在场时系统随机抽取，名单加密保存至评标开始。"),
    Ask("archive", 5, "09:40", L, ON, "initiator3", "staff", OTHER, E,
        "去年完成的项目，想查询评标报告存档，怎么申请？",
        "请提交档案查询申请表，附单位介绍信和经办人身份证件，本中心核验查询权限后 3 个工作日内安排调阅。",
        (0, "11:00"), handover=("staff2", "档案调阅由钱晓燕负责，转交其答复"), rating=(4, "")),
    Ask("school-booking", 5, "14:10", S, ON, "initiator2", "sy-staff2", PROC, E,
        "学校项目的开标室能安排在周末吗？",
        "开标安排在工作日；确有需要的可申请延时服务，在工作日 17:00 后办理。",
        (0, "15:20"), rating=(3, "")),
    Ask("sign-agent", 4, "10:10", L, ON, "agent", "staff2", SYS, None,
        "本地签名助手启动后浏览器提示无法连接，怎么处理？",
        "请确认签名助手已运行且启动时的 --origin 参数与平台地址一致；仍无法连接的，关闭浏览器的拦截"
        "插件后重试，或拨打技术支持电话。",
        (0, "11:10"), faq=True, rating=(5, "")),
    Ask("assets-deposit", 4, "15:00", S, PH, "钱先生/13514207788", "sy-staff2", PROC, A,
        "国有资产竞价的保证金什么时候退还？",
        "未成交的意向受让方的保证金，在成交结果公告后 3 个工作日内原路退还。"),
    Ask("gp-small", 3, "09:30", S, ON, "agent2", "sy-staff", LAWS, P,
        "采购限额标准以下的项目也必须进场吗？",
        "集中采购目录以外、限额标准以下的项目不属于必须进场的范围，但可自愿进场交易，本中心同样提供服务。",
        (0, "10:20"), rating=(5, "")),
    Ask("overdue", 3, "10:00", L, ON, "agent2", "staff2", PROC, E,
        "工程建设项目资格预审文件的发售期最短是几日？"),
    Ask("tech-login", 2, "09:10", L, ON, "supervisor", "staff2", SUP, None,
        "监管账号登录时提示“证书未绑定”，怎么处理？",
        "监管账号须先在“我的证书”中绑定本人证书；已由信息技术部为您完成绑定，请重新登录。",
        (0, "09:50")),
    Ask("lunch", 2, "11:30", S, SITE, "吴女士/13309875521", "sy-staff", OTHER, None,
        "中午休息时间窗口能办理业务吗？",
        "服务大厅实行午间轮值，12:00 至 13:00 有值班窗口办理登记、咨询业务。"),
    Ask("fee", 1, "10:30", L, PH, "郑先生/13840091122", "staff", OTHER, None,
        "开标室和评标室使用要收费吗？",
        "不收费。本中心由财政保障，场地使用、专家抽取等交易服务均免费。"),
    Ask("land-bid", 1, "14:00", S, ON, "initiator", "sy-staff", SYS, LAND,
        "网上挂牌报价时，加价幅度在哪里看？",
        "加价幅度在出让公告和挂牌报价页面均有载明，每次报价须高于当前最高价至少一个加价幅度。",
        (0, "14:45"), rating=(5, "")),
    Ask("hxjs-open", 0, "16:20", S, ON, "bidder-hxjs", "", PROC, E,
        "外省企业参加沈阳市的工程投标，是否需要在沈阳设立分支机构？"),
)
# fmt: on

#: services given (12.1.3): (key, back, "HH:MM", centre, service, for, by, description,
#:   rated on (back), score, comment)
RECORDS = (
    ("green", 12, "09:00", L, ServiceType.GREEN_CHANNEL, "agent", "staff",
     "省重点水利项目开辟绿色通道：登记材料当日预审，专人跟进", 11, 5, "专人跟进，当天就办完了"),
    ("evening", 9, "17:40", L, ServiceType.EXTENDED_HOURS, "bidder-hxjs", "staff2",
     "外省投标人当日乘高铁抵沈，延时至 18:30 办理 CA 数字证书绑定", 8, 5, "延时服务很贴心"),
    ("behalf", 7, "10:00", S, ServiceType.ON_BEHALF, "initiator2", "sy-staff2",
     "代为办理浑南区第二十中学教学楼项目开标室、评标室预约", 6, 4, ""),
    ("green-sy", 4, "09:30", S, ServiceType.GREEN_CHANNEL, "initiator", "sy-staff",
     "地铁报废物资处置项目开辟绿色通道，优先安排竞价场地", 2, 2, "承诺当日办结，实际第二天才办好"),
)  # fmt: skip

#: 服务投诉/意见: (back, "HH:MM", centre, kind, channel, author or "", logged by, contact, content,
#:   answered after (working days, "HH:MM") or None, answer)
FEEDBACK = (
    (14, "15:00", L, FeedbackKind.COMPLAINT, FeedbackChannel.ONLINE, "bidder", "", "",
     "服务大厅叫号机上午故障约一小时，现场无人解释，等候的人很多。", (1, "10:00"),
     ("经核实，当日叫号系统网络中断约 50 分钟。已要求引导员在系统故障时人工叫号并做好解释，"
     "并增设了一台备用叫号终端。感谢您的监督。")),
    (11, "09:30", L, FeedbackKind.COMPLAINT, FeedbackChannel.PHONE, "", "staff2", "13500001234",
     "开标室空调温度过低，有投标人反映身体不适。", (1, "16:00"),
     "已通知物业将开标室温度调至 24—26℃，并在开标室门口备用毯子。"),
    (10, "11:00", S, FeedbackKind.SUGGESTION, FeedbackChannel.ONLINE, "agent2", "", "",
     "建议在网站公布各开标室的预约占用情况，方便代理机构安排开标时间。", (3, "14:00"),
     "感谢建议，已纳入场地预约系统的改进计划，预计下季度公开开标室占用情况。"),
    (8, "09:00", S, FeedbackKind.SUGGESTION, FeedbackChannel.MAILBOX, "", "sy-staff", "",
     "（意见箱来信）建议服务大厅增设老花镜和手机充电设施。", (2, "10:30"),
     "已在服务大厅咨询台配备老花镜，并在等候区增设两台便民充电柜。"),
    (6, "14:20", L, FeedbackKind.SUGGESTION, FeedbackChannel.ONLINE, "initiator3", "", "",
     "建议项目登记办结后，把注意事项同时用短信提醒经办人。", (2, "09:30"),
     "已与短信平台对接，下月起登记办结的注意事项将同时以短信提醒。"),
    (2, "15:00", S, FeedbackKind.COMPLAINT, FeedbackChannel.PHONE, "", "sy-staff", "13889901234",
     "下午两点去窗口，登记窗口没人，等了二十分钟。", None, ""),
    (1, "10:00", L, FeedbackKind.SUGGESTION, FeedbackChannel.ONLINE, "bidder-hxjs", "", "",
     "外省 CA 数字证书首次登录的绑定说明不够清楚，建议配图说明。", None, ""),
)  # fmt: skip

#: the demo's accepted registrations, rated by members of the initiator or the agent:
#: (project name contains, rater, back, "HH:MM", score, comment)
REGISTRATION_RATINGS = (
    ("观音阁", "agent", 6, "10:00", 5, "容缺受理，合同后补，不耽误发公告"),
    ("观音阁", "initiator3", 6, "15:00", 4, ""),
    ("大伙房", "agent", 5, "09:30", 4, ""),
    ("第二十中学", "initiator2", 5, "11:00", 5, "窗口代录，省了很多事"),
    ("报废电客车", "initiator", 4, "10:30", 5, ""),
    ("黎明广场", "initiator", 4, "14:00", 1, "窗口没有一次讲清楚宗地图的要求，来回跑了两趟"),
)
#: follow-ups of bad ratings: reference key → (working days after the rating, "HH:MM", what was done,
#: the reason if it comes after the limit)
FOLLOW_UPS = {
    "late-bond": (
        16,
        "10:00",
        "已回访当事人并致歉；咨询台增加答复到期前 2 小时的提醒，经办人纳入当月考核。",
        "当事人在外地项目现场，两次约访未果，回访推迟至其返回后进行。",
    ),
    "黎明广场": (
        3,
        "10:00",
        "已回访出让人；窗口编制了土地出让登记材料示例，一次性告知单增加宗地图要求。",
        "",
    ),
    "slow-answer": (1, "15:00", "已回访当事人；将资产类容缺受理的答复口径整理为常见问题，当场即可答复。", ""),
}
