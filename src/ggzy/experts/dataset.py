"""The national data sets of evaluation experts mapped onto the experts' columns (公共资源交易平台系统数据规范
V2.0, 发改办法规〔2018〕1156号): 213 (评标专家, the expert's basic record), 508 (a section's evaluation
experts: one record per member of its committee) and 208 (专家信用记录: here, the agent's ratings of an
expert's conduct), so the exchange issue exports without remodelling.

Each row: the data set's field code, its Chinese name, and where the value comes from — a dotted path from
the record's object (an `Expert`, a `Call`, a `Rating`), a name in `DERIVED` (computed: `value`), or "" where
the platform keeps nothing for it (said in docs/experts.md). The field codes and names are written as real
platforms publish them and are **[verify]** against the specification's text, which was not read here; a
test checks every path resolves. Identity numbers leave masked, never whole; 508 is exported only once the
result is final (the names are secret until then: docs/secrecy.md `drawn_experts`)."""

from __future__ import annotations

from ggzy.core.fields import Kind, Sealed, mask
from ggzy.experts.models import Call, Expert, Rating

#: 213 — the expert's basic record: (field code, field name, source on an Expert).
DATA_SET_213_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("EXPERT_CODE", "专家编号", "uid"),
    ("EXPERT_NAME", "专家姓名", "name"),
    ("ID_CARD", "身份证件号码（脱敏）", "id_masked_value"),
    ("BIRTH_DATE", "出生日期", "birth_date"),
    ("REGION_CODE", "行政区划代码", "region"),
    ("TITLE", "职称", "title"),
    ("WORK_SINCE", "从业起始年份", "field_since"),
    ("EXPERT_TYPE", "专家类别（技术、经济）", "expertise"),
    ("SPECIALTY_CODES", "评标专业代码", "specialty_codes"),
    ("EMPLOYER", "工作单位", "current_employer"),
    ("STATUS", "专家状态", "status"),
    ("SOURCE", "专家库来源（本中心、省综合评标专家库）", "source"),
    ("REGISTER_TIME", "入库时间", "registered_at"),
)  # fmt: skip

#: 508 — a section's evaluation experts: (field code, field name, source on a Call).
DATA_SET_508_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("TENDER_PROJECT_CODE", "招标项目编号", "request.section.tender_project.code"),
    ("BID_SECTION_CODE", "标段（包）编号", "request.section.code"),
    ("EXPERT_CODE", "专家编号", "expert.uid"),
    ("EXPERT_NAME", "专家姓名", "expert.name"),
    ("ID_CARD", "身份证件号码（脱敏）", "expert_id_masked"),
    ("EXPERT_TYPE", "专家类别（技术、经济、招标人代表）", "expert.expertise"),
    ("SPECIALTY_CODE", "抽取专业代码", "specialty"),
    ("EXTRACT_WAY", "产生方式（随机抽取、补抽）", "role"),
    ("EXTRACT_TIME", "抽取时间", "called_at"),
    ("CONFIRM_RESULT", "确认结果（参加、不参加、未答复、回避）", "answer"),
    ("CONFIRM_TIME", "确认时间", "answered_at"),
    ("EVALUATION_TIME", "评标时间", "request.evaluation_at"),
    ("EVALUATION_PLACE", "评标地点", "request.place"),
    ("FEE", "评审费（分）", "fee_fen"),
    ("DATA_TIMESTAMP", "数据时间戳", "answered_or_called_at"),
)  # fmt: skip

#: 208 — an expert's credit record, from the agent's ratings: (field code, field name, source on a Rating).
DATA_SET_208_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("EXPERT_CODE", "专家编号", "call.expert.uid"),
    ("EXPERT_NAME", "专家姓名", "call.expert.name"),
    ("BID_SECTION_CODE", "标段（包）编号", "call.request.section.code"),
    ("EVALUATE_SCORE", "评价分值（1–5）", "score"),
    ("EVALUATE_RESULT", "评价结果（良好、一般、较差）", "conduct"),
    ("EVALUATE_CONTENT", "评价内容", "note"),
    ("EVALUATE_TIME", "评价时间", "rated_at"),
)  # fmt: skip

#: Values derived from the columns (names in the source columns above).
DERIVED = (
    "id_masked_value", "specialty_codes", "current_employer", "expert_id_masked", "fee_fen",
    "answered_or_called_at",
)  # fmt: skip


def _masked(expert: Expert) -> str:
    """The identity number masked as stored beside its ciphertext (nothing decrypted); a provincial
    expert's masked number as the pool's list gave it."""
    stored = expert.id_number
    if isinstance(stored, Sealed):
        return stored.masked
    return expert.id_masked or mask(Kind.ID_NUMBER, str(stored or ""))


def _derived(name: str, row: Expert | Call) -> object:
    if isinstance(row, Expert):
        if name == "id_masked_value":
            return _masked(row)
        if name == "specialty_codes":
            return ",".join(sorted(row.specialties.values_list("code", flat=True)))
        if name == "current_employer":
            current = row.employments.filter(until__isnull=True).order_by("-since").first()
            return current.employer if current is not None else ""
    else:
        if name == "expert_id_masked":
            return _masked(row.expert)
        if name == "fee_fen":
            return row.fee.amount_fen if hasattr(row, "fee") else None
        if name == "answered_or_called_at":
            return row.answered_at or row.called_at
    raise TypeError(f"{name} is not derived from a {type(row).__name__}")


def value(row: Expert | Call | Rating, source: str) -> object:
    """The value of one source on its object (None where empty)."""
    if not source:
        return None
    if source in DERIVED:
        return _derived(source, row)  # type: ignore[arg-type]
    found: object = row
    for part in source.split("."):
        found = getattr(found, part) if found is not None else None
    return found


def record_213(expert: Expert) -> dict[str, object]:
    return {code: value(expert, source) for code, _name, source in DATA_SET_213_FIELDS}


def record_508(call: Call) -> dict[str, object]:
    return {code: value(call, source) for code, _name, source in DATA_SET_508_FIELDS}


def record_208(rating: Rating) -> dict[str, object]:
    return {code: value(rating, source) for code, _name, source in DATA_SET_208_FIELDS}
