"""The national data set 503 (招标公告 / notice; 公共资源交易平台系统数据规范 V2.0, 发改办法规〔2018〕1156号)
mapped onto the notice's columns, so the exchange issue exports without remodelling.

Each row: the data set's field code, its Chinese name, and where the value comes from — a dotted path
from a `Notice` (`tender_project.code`) or a name in `DERIVED` (computed from the columns). The field
codes and names are written as real platforms publish them and are **[verify]** against the
specification's text, which was not read here; a test checks that every path resolves on a notice."""

from __future__ import annotations

from ggzy.notices.models import NoticeType

#: (field code, field name, source) — docs/notices.md §4 prints this table.
DATA_SET_503: tuple[tuple[str, str, str], ...] = (
    ("TENDER_PROJECT_CODE", "招标项目编号", "tender_project.code"),
    ("TENDER_PROJECT_NAME", "招标项目名称", "tender_project.name"),
    ("BID_SECTION_CODES", "标段（包）编号", "section_codes"),
    ("NOTICE_NAME", "公告标题", "title"),
    ("NOTICE_CONTENT", "公告内容", "content"),
    ("NOTICE_NATURE", "公告性质", "nature"),
    ("BULLETIN_TYPE", "公告类型", "type"),
    ("NOTICE_SEND_TIME", "公告发布时间", "publish_at"),
    ("NOTICE_MEDIA", "发布媒介", "media_names"),
    ("RELATED_NOTICE", "原公告（更正、终止时）", "corrects.uid"),
    ("TRADE_PLATFORM", "交易平台（交易中心）", "centre.code"),
    ("REGION_CODE", "行政区划代码", "tender_project.project.region"),
    ("TENDERER_NAME", "招标人名称", "tender_project.project.initiator.name"),
    ("TENDER_AGENCY_NAME", "招标代理机构名称", "tender_project.project.agent.name"),
    ("NOTICE_HASH", "公告文本摘要（SM3）", "text_sm3"),
    ("DATA_TIMESTAMP", "数据时间戳", "edited_at"),
)

#: Values derived from the columns (a name in DATA_SET_503's source column).
DERIVED = ("section_codes", "nature", "media_names")


def nature(notice_type: str) -> str:
    """公告性质 [verify the code list]: 1 normal, 2 correction, 3 termination."""
    return {NoticeType.CORRECTION: "2", NoticeType.TERMINATION: "3"}.get(NoticeType(notice_type), "1")


#: The national data set 521 (异议、质疑及答复 / objections, challenges and their answers) mapped onto
#: `Objection`'s columns, as DATA_SET_503 (codes and names [verify] against the specification's text).
DATA_SET_521: tuple[tuple[str, str, str], ...] = (
    ("TENDER_PROJECT_CODE", "招标项目编号", "tender_project.code"),
    ("BID_SECTION_CODE", "标段（包）编号", "section.code"),
    ("OBJECTION_CODE", "异议（质疑）编号", "uid"),
    ("OBJECTION_TYPE", "异议类型（异议、质疑、询问）", "kind"),
    ("OBJECTION_STAGE", "异议事项（文件、开标、评标结果等）", "stage"),
    ("OBJECTOR_NAME", "异议人名称", "organisation.name"),
    ("OBJECTOR_CODE", "异议人统一社会信用代码", "organisation.uscc"),
    ("OBJECTION_CONTENT", "异议内容", "text"),
    ("OBJECTION_TIME", "异议提出时间", "filed_at"),
    ("ANSWER_DEADLINE", "答复期限", "answer_due_at"),
    ("ANSWER_CONTENT", "答复内容", "answer"),
    ("ANSWER_TIME", "答复时间", "answered_at"),
    ("IS_SUSPENDED", "是否暂停招标投标活动（签订合同）", "suspended"),
    ("COMPLAINT_TIME", "转为投诉时间", "complained_at"),
    ("REGION_CODE", "行政区划代码", "tender_project.project.region"),
)

#: Values of DATA_SET_521 derived from the columns.
DERIVED_521 = ("suspended",)


def suspended(pause_id: int | None) -> str:
    """是否暂停 [verify the code list]: 1 the objection paused the procedure (or the contract), 0 not."""
    return "1" if pause_id is not None else "0"
