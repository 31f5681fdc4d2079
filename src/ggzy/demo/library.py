"""The demo bidders' market-entity libraries (主体库, docs/entities.md), entered through
`entities.services.item_add` by each bidder's own demo user, as a bidder enters its papers once and picks
from them in every bid:

* **辽宁天成建设集团有限公司** (the demo user `bidder`'s): an entry of every kind — its business licence,
  two shareholders (the founder, a natural person, holding 60 percent; an investment company), its basic
  account, four qualifications of several fields and levels (市政公用工程施工总承包一级 from the
  ministry, 建筑工程施工总承包二级 and 公路路面工程专业承包一级 from the province, and the work safety
  licence, which runs out in six days), three 一级注册建造师, its technical director, three track records
  (one still under way, naming a project manager's certificate: his entry is flagged busy) and two
  reusable documents with their PDF files (the audited financial statement, and a tax certificate that
  ran out ten days ago).
* **沈阳华宇路桥工程有限公司** and **鞍山鑫盛建筑工程有限公司**: licence, shareholders, account,
  qualifications, a registered professional — and the same controlling shareholder, 辽宁华鑫投资控股有限公司
  (60 and 55 percent): two bidders that may not bid for the same section (招标投标法实施条例 §34 ¶2;
  `entities.selectors.control_conflicts` finds them). Both obtained the open tender's documents.

Nothing is verified while the demo loads: the demo authority (`ggzy.demo.authority`) runs only under
`ggzy serve`. Its records (`AUTHORITY_RECORDS`) are the registries' side of these libraries: they confirm
nearly every licence, qualification and professional, but the registry records 天成's 公路路面
qualification at 二级 (verifying it shows the difference) and one of its 建造师 as registered to
大连恒基建设有限公司 for the last three weeks (verifying him closes his entry here: he left).

Dates count from the demo's today: `demo_load` loads the libraries after the history, on the present
clock, and the authority's records count from the same day (`loaded_on`, read back from the library), so
the two agree whenever `ggzy serve` starts. Idempotent: a second run finds the bidder's library and adds
nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone

from ggzy.accounts.identifiers import resident_id_check_char
from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.demo.accounts import uscc
from ggzy.demo.management.commands.demo_load import ORGANISATIONS
from ggzy.entities import selectors, services
from ggzy.entities.models import Item, ItemKind

#: the bidders with a library, and the demo user who entered it (its member)
HOLDERS = {"tcjs": "bidder", "hylq": "bidder-hylq", "xsjz": "bidder-xsjz"}
#: the shareholder controlling two of them (not a demo organisation: only named in their libraries)
HOLDING = ("辽宁华鑫投资控股有限公司", uscc(74000001, "210100"))
#: another investor of the demo bidder's
INVESTOR = ("沈阳盛京城建投资有限公司", uscc(74000002, "210100"))
#: the demo organisation the authority records a 天成 建造师 as registered to now
MOVED_TO = "hjjs"
MINISTRY = "中华人民共和国住房和城乡建设部"
PROVINCE = "辽宁省住房和城乡建设厅"
#: the numbers the authority records otherwise than the library says (the demo's mismatch and move)
DIFFERS = "D221090265"  # 公路路面工程专业承包: 一级 in the library, 二级 in the registry
MOVED = "辽1211609003315"  # 赵永刚: registered to 大连恒基 for the last three weeks
#: the unfinished project's manager (his professional entry is flagged busy)
BUSY_MANAGER = "辽1211512001876"


@dataclass(frozen=True)
class Entry:
    kind: str
    fields: dict[str, Any]
    files: list[tuple[str, bytes]] = field(default_factory=list)


def _organisation(key: str) -> tuple[str, str, str]:
    """(name, credit code, legal representative) of a demo organisation, as demo_load registers it."""
    for org_key, name, serial, region, legal, _contact in ORGANISATIONS:
        if org_key == key:
            return name, uscc(serial, region, "91"), legal
    raise KeyError(key)


def resident_id(first17: str) -> str:
    """A resident identity number (GB 11643) with its check character."""
    return first17 + resident_id_check_char(first17)


def pdf(title: str, *lines: str) -> bytes:
    """A small PDF of one page naming what it stands for (distinct per document: the same bytes would be
    one stored file)."""
    text = " / ".join((title, *lines)).encode("unicode_escape").decode("ascii")
    text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 10 Tf 40 780 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _years(day: dt.date, years: int) -> dt.date:
    """`day` moved by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _iso(day: dt.date) -> str:
    return day.isoformat()


# --- the libraries ------------------------------------------------------------------------------------------


def _licence(key: str, **fields: Any) -> Entry:
    name, code, legal = _organisation(key)
    data = {"code": code, "name": name, "legal_representative": legal, **fields}
    return Entry(ItemKind.LICENCE, data, [(f"{name}营业执照.pdf", pdf("business licence", code))])


def _qualification(
    key: str, type_: str, level: str, certificate: str, issuer: str, *, since: dt.date, until: dt.date
) -> Entry:
    data = {
        "type": type_,
        "level": level,
        "certificate": certificate,
        "issuer": issuer,
        "valid_from": _iso(since),
        "valid_to": _iso(until),
    }
    scan = (f"资质证书{certificate}.pdf", pdf("qualification certificate", certificate, key))
    return Entry(ItemKind.QUALIFICATION, data, [scan])


def _professional(
    name: str, first17: str, specialty: str, certificate: str, *, since: dt.date, until: dt.date
) -> Entry:
    data = {
        "name": name,
        "id_kind": "resident",
        "id_number": resident_id(first17),
        "registration": "一级注册建造师",
        "specialty": specialty,
        "certificate": certificate,
        "registered_since": _iso(since),
        "valid_to": _iso(until),
    }
    return Entry(ItemKind.PROFESSIONAL, data)


def _tiancheng(today: dt.date) -> list[Entry]:
    """The demo bidder's library: an entry of every kind."""
    name, _code, legal = _organisation("tcjs")
    safety_to = today + dt.timedelta(days=6)  # runs out next week: the 7-day warning is due
    safety_from = _years(safety_to, -3) + dt.timedelta(days=1)
    fiscal = today.year - 1 if today >= dt.date(today.year, 4, 30) else today.year - 2
    return [
        _licence(
            "tcjs",
            entity_type="有限责任公司（自然人投资或控股）",
            registered_capital_fen=30_000_000_000,  # 3 亿元
            established="2003-06-18",
            address="辽宁省沈阳市浑南区世纪路 18 号",
            scope=(
                "许可项目：建设工程施工；建设工程设计；公路管理与养护；城市建筑垃圾处置（清运）。一般项目："
                "市政设施管理；园林绿化工程施工；土石方工程施工；建筑材料销售；机械设备租赁。"
            ),
            registrar="沈阳市市场监督管理局",
        ),
        Entry(
            ItemKind.CONTROL,
            {
                "role": "shareholder",
                "party_kind": "person",
                "party_name": legal,
                "id_kind": "resident",
                "id_number": resident_id("21010219650822301"),
                "share_bp": 6000,
                "since": "2003-06-18",
            },
        ),
        Entry(
            ItemKind.CONTROL,
            {
                "role": "shareholder",
                "party_kind": "organisation",
                "party_name": INVESTOR[0],
                "party_code": INVESTOR[1],
                "share_bp": 2500,
                "since": "2016-09-01",
            },
        ),
        Entry(
            ItemKind.BANK_ACCOUNT,
            {
                "bank": "中国建设银行股份有限公司",
                "branch": "沈阳浑南支行",
                "account_name": name,
                "account_number": "21050111012300000618",
                "account_kind": "basic",
                "since": "2003-07-02",
            },
        ),
        _qualification(
            "tcjs",
            "construction.general.municipal",
            "一级",
            "D121056831",
            MINISTRY,
            since=dt.date(today.year - 2, 3, 18),
            until=dt.date(today.year + 3, 3, 17),
        ),
        _qualification(
            "tcjs",
            "construction.general.building",
            "二级",
            "D221087412",
            PROVINCE,
            since=dt.date(today.year - 1, 9, 5),
            until=dt.date(today.year + 4, 9, 4),
        ),
        _qualification(
            "tcjs",
            "construction.special.pavement",
            "一级",
            DIFFERS,
            PROVINCE,
            since=dt.date(today.year - 3, 6, 10),
            until=dt.date(today.year + 2, 6, 9),
        ),
        _qualification(
            "tcjs",
            "licence.work_safety",
            "不分等级",
            f"辽JZ安许证字〔{safety_from.year}〕012345",
            PROVINCE,
            since=safety_from,
            until=safety_to,
        ),
        _professional(
            "张立军",
            "21010219780412031",
            "市政公用工程",
            BUSY_MANAGER,
            since=dt.date(2015, 7, 20),
            until=dt.date(today.year + 2, 7, 19),
        ),
        _professional(
            "李海涛",
            "21011219810305053",
            "建筑工程",
            "辽1211813002471",
            since=dt.date(2018, 11, 2),
            until=dt.date(today.year + 1, 11, 1),
        ),
        _professional(
            "赵永刚",
            "21030219760918071",
            "公路工程",
            MOVED,
            since=dt.date(2016, 9, 12),
            until=dt.date(today.year + 2, 9, 11),
        ),
        Entry(
            ItemKind.STAFF,
            {
                "name": "刘建伟",
                "id_kind": "resident",
                "id_number": resident_id("21010319700126081"),
                "position": "技术负责人",
                "title_rank": "正高级工程师",
                "since": "2009-03-01",
            },
        ),
        Entry(
            ItemKind.TRACK_RECORD,
            {
                "project": "沈阳市浑南区智慧大街（创新路—全运路）道路及综合管网工程",
                "client": "沈阳市浑南区城市建设局",
                "role": "contractor",
                "contract_fen": 12_865_430_000,
                "started": _iso(dt.date(today.year - 4, 4, 10)),
                "completed": _iso(dt.date(today.year - 3, 11, 28)),
                "manager_certificate": BUSY_MANAGER,
                "description": "城市主干路 3.2 公里，含雨污水、给水、燃气管网及照明；获市政工程“金杯奖”。",
            },
        ),
        Entry(
            ItemKind.TRACK_RECORD,
            {
                "project": "沈阳市皇姑区第一二九中学教学楼新建工程",
                "client": "沈阳市皇姑区教育局",
                "role": "contractor",
                "contract_fen": 4_368_215_000,
                "started": _iso(dt.date(today.year - 3, 3, 1)),
                "completed": _iso(dt.date(today.year - 2, 8, 15)),
                "manager_certificate": "辽1211813002471",
                "description": "框架结构五层，建筑面积 18,600 平方米；竣工验收合格。",
            },
        ),
        Entry(
            ItemKind.TRACK_RECORD,
            {
                "project": "沈阳市于洪区沙岭路（怒江北街—细河北路）改造工程",
                "client": "沈阳市于洪区住房和城乡建设局",
                "role": "contractor",
                "contract_fen": 8_650_000_000,
                "started": _iso(today - dt.timedelta(days=120)),
                "manager_certificate": BUSY_MANAGER,
                "description": "道路拓宽 2.6 公里及排水管网改造，在建（完成约 45%）。",
            },
        ),
        Entry(
            ItemKind.DOCUMENT,
            {
                "doc_type": "financial_statement",
                "title": f"{fiscal}年度财务审计报告",
                "issuer": "辽宁正信会计师事务所有限公司",
                "issued": _iso(dt.date(fiscal + 1, 4, 18)),
            },
            [(f"{fiscal}年度审计报告.pdf", pdf("audit report", name, str(fiscal)))],
        ),
        Entry(
            ItemKind.DOCUMENT,
            {
                "doc_type": "tax",
                "title": "依法纳税证明（近三个月）",
                "issuer": "国家税务总局沈阳市浑南区税务局",
                "issued": _iso(today - dt.timedelta(days=100)),
                "valid_to": _iso(today - dt.timedelta(days=10)),  # ran out: a new one is due
            },
            [("纳税证明.pdf", pdf("tax certificate", name, _iso(today - dt.timedelta(days=100))))],
        ),
    ]


def _controlled(key: str, share_bp: int, since: str) -> Entry:
    return Entry(
        ItemKind.CONTROL,
        {
            "role": "shareholder",
            "party_kind": "organisation",
            "party_name": HOLDING[0],
            "party_code": HOLDING[1],
            "share_bp": share_bp,
            "since": since,
        },
    )


def _huayu(today: dt.date) -> list[Entry]:
    name, _code, legal = _organisation("hylq")
    return [
        _licence(
            "hylq",
            entity_type="有限责任公司",
            registered_capital_fen=10_000_000_000,  # 1 亿元
            established="2008-05-12",
            address="辽宁省沈阳市于洪区沙岭街道沙岭路 66 号",
            scope="许可项目：建设工程施工；公路管理与养护。一般项目：市政设施管理；工程管理服务；建筑材料销售。",
            registrar="沈阳市市场监督管理局",
        ),
        _controlled("hylq", 6000, "2016-03-01"),
        Entry(
            ItemKind.CONTROL,
            {
                "role": "shareholder",
                "party_kind": "person",
                "party_name": legal,
                "id_kind": "resident",
                "id_number": resident_id("21010619720615201"),
                "share_bp": 4000,
                "since": "2008-05-12",
            },
        ),
        Entry(
            ItemKind.BANK_ACCOUNT,
            {
                "bank": "中国工商银行股份有限公司",
                "branch": "沈阳于洪支行",
                "account_name": name,
                "account_number": "3301008709200156721",
                "account_kind": "basic",
                "since": "2008-05-20",
            },
        ),
        _qualification(
            "hylq",
            "construction.general.highway",
            "二级",
            "D221043716",
            PROVINCE,
            since=dt.date(today.year - 1, 5, 20),
            until=dt.date(today.year + 4, 5, 19),
        ),
        _qualification(
            "hylq",
            "construction.special.bridge",
            "一级",
            "D221043729",
            PROVINCE,
            since=dt.date(today.year - 2, 11, 8),
            until=dt.date(today.year + 3, 11, 7),
        ),
        _professional(
            "孙志远",
            "21011419800203051",
            "公路工程",
            "辽1211406004528",
            since=dt.date(2014, 6, 16),
            until=dt.date(today.year + 2, 6, 15),
        ),
        Entry(
            ItemKind.TRACK_RECORD,
            {
                "project": "沈阳市三环路浑河大桥维修加固工程",
                "client": "沈阳市城市建设管理局",
                "role": "contractor",
                "contract_fen": 5_372_600_000,
                "started": _iso(dt.date(today.year - 3, 4, 1)),
                "completed": _iso(dt.date(today.year - 2, 10, 20)),
                "manager_certificate": "辽1211406004528",
            },
        ),
    ]


def _xinsheng(today: dt.date) -> list[Entry]:
    name, _code, _legal = _organisation("xsjz")
    return [
        _licence(
            "xsjz",
            entity_type="有限责任公司",
            registered_capital_fen=5_000_000_000,  # 5000 万元
            established="2011-08-23",
            address="辽宁省鞍山市铁东区胜利南路 129 号",
            scope="许可项目：建设工程施工；住宅室内装饰装修。一般项目：土石方工程施工；建筑材料销售。",
            registrar="鞍山市市场监督管理局",
        ),
        _controlled("xsjz", 5500, "2019-07-01"),
        Entry(
            ItemKind.BANK_ACCOUNT,
            {
                "bank": "中国银行股份有限公司",
                "branch": "鞍山铁东支行",
                "account_name": name,
                "account_number": "292671234561",
                "account_kind": "basic",
                "since": "2011-09-01",
            },
        ),
        _qualification(
            "xsjz",
            "construction.general.building",
            "二级",
            "D221076154",
            PROVINCE,
            since=dt.date(today.year - 2, 8, 2),
            until=dt.date(today.year + 3, 8, 1),
        ),
        _professional(
            "周文斌",
            "21030319830917071",
            "建筑工程",
            "辽1211711005672",
            since=dt.date(2017, 11, 6),
            until=dt.date(today.year + 1, 11, 5),
        ),
    ]


def libraries(today: dt.date) -> dict[str, list[Entry]]:
    """Each demo bidder's entries (by organisation key), their dates counted from `today`."""
    return {"tcjs": _tiancheng(today), "hylq": _huayu(today), "xsjz": _xinsheng(today)}


# --- the authority's side -----------------------------------------------------------------------------------


def loaded_on() -> dt.date | None:
    """The demo's today when the libraries were loaded (the day the demo bidder's first entry was made),
    or None before (or without a database)."""
    try:
        organisation = Organisation.objects.filter(uscc=_organisation("tcjs")[1]).first()
        first = (
            selectors.library(organisation=organisation, retired=True).order_by("created_at").first()
            if organisation is not None
            else None
        )
    except DatabaseError:
        return None
    return timezone.localtime(first.created_at).date() if first is not None else None


LICENCE_RECORD = (
    "legal_representative", "entity_type", "registered_capital_fen", "established", "address", "scope",
    "registrar",
)  # fmt: skip


def _record(entry: Entry, key: str, today: dt.date) -> tuple[str, dict[str, Any]] | None:
    """(list, record) of what the registries hold for a library entry (None: not theirs to hold)."""
    name, code, _legal = _organisation(key)
    data = entry.fields
    if entry.kind == ItemKind.LICENCE:
        fields = {field: data[field] for field in LICENCE_RECORD}
        return "licences", {"code": code, "name": name, **fields, "status": "active"}
    if entry.kind == ItemKind.QUALIFICATION:
        copied = ("certificate", "type", "level", "issuer", "valid_from", "valid_to")
        record = {field: data[field] for field in copied}
        record.update(holder_code=code, holder_name=name, status="valid")
        if data["certificate"] == DIFFERS:
            record["level"] = "二级"
        return "qualifications", record
    if entry.kind == ItemKind.PROFESSIONAL:
        record = {field: data[field] for field in ("certificate", "name", "specialty", "registered_since")}
        record.update(
            kind=data["registration"], registered_to=code, registered_to_name=name,
            valid_to=data["valid_to"], status="valid",
        )  # fmt: skip
        if data["certificate"] == MOVED:
            moved_name, moved_code, _legal = _organisation(MOVED_TO)
            record.update(
                registered_to=moved_code,
                registered_to_name=moved_name,
                registered_since=_iso(today - dt.timedelta(days=21)),
            )
        return "professionals", record
    return None


def AUTHORITY_RECORDS(today: dt.date | None = None) -> dict[str, list[dict[str, Any]]]:  # noqa: N802  (a table)
    """The records the demo authority holds (a `ggzy-authority load` batch): each demo library's
    licence, qualifications and professionals as the registries record them — the same, but for 天成's
    公路路面 qualification (二级, not 一级) and its 建造师 赵永刚, registered to 大连恒基 for the last three
    weeks. Dates count from `today` (default: the day the libraries were loaded, else today)."""
    today = today or loaded_on() or clock.local_now().date()
    batch: dict[str, list[dict[str, Any]]] = {"licences": [], "qualifications": [], "professionals": []}
    for key, entries in libraries(today).items():
        for entry in entries:
            found = _record(entry, key, today)
            if found is not None:
                batch[found[0]].append(found[1])
    return batch


# --- loading ------------------------------------------------------------------------------------------------


def load() -> None:
    """Enter the demo bidders' libraries, once (after the demo's people exist; on the present clock)."""
    codes = {key: _organisation(key)[1] for key in HOLDERS}
    organisations = {o.uscc: o for o in Organisation.objects.filter(uscc__in=codes.values())}
    if len(organisations) != len(codes):
        return  # the demo's organisations are not in
    if Item.objects.filter(organisation__in=organisations.values()).exists():
        return  # loaded before
    users = {u.username: u for u in get_user_model().objects.filter(username__in=HOLDERS.values())}
    today = clock.local_now().date()
    with transaction.atomic():
        for key, entries in libraries(today).items():
            organisation = organisations[codes[key]]
            for entry in entries:
                services.item_add(
                    actor=users.get(HOLDERS[key]),
                    organisation=organisation,
                    kind=entry.kind,
                    fields=entry.fields,
                    files=entry.files,
                )


def summary() -> str:
    """One line for the demo's report: entries per bidder, what runs out within a week, what ran out."""
    today = clock.local_now().date()
    codes = [_organisation(key)[1] for key in HOLDERS]
    found = Item.objects.filter(retired_at__isnull=True, organisation__uscc__in=codes)
    soon = found.filter(valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=7)).count()
    expired = found.filter(valid_to__lt=today).count()
    return (
        f"{found.count()} entries of {len(HOLDERS)} bidders, {soon} running out within a week,"
        f" {expired} expired"
    )
