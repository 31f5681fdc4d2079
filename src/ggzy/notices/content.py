"""Each notice type's **required content** as a table (standard 6.4.1), and its check.

A notice's `content` is a JSON object {item key: value}. Per type the table says which items it must
carry, each with its label (English message id, shown in Chinese), its kind and where the requirement
comes from. A value's kind decides its JSON shape:

An item marked optional (`required=False`) may be left out.

    text     a non-empty string (at most 5,000 characters)
    yes_no   true or false
    instant  an ISO 8601 instant with its offset, e.g. "2026-03-02T09:30:00+08:00"
    money    an integer number of fen (分), never a float: 1234567890 is ¥12,345,678.90

`check(notice_type, content)` refuses, before anything is stored, the first item that is missing or of
the wrong shape, naming it (`detail.item`, `detail.label`) in a Chinese message; items the table does
not know are refused too (nothing is stored that no one asked for).

Sources: the tender notice follows 《招标公告和公示信息发布管理办法》(国家发展改革委令第10号) §5 [verify:
the article was not read in its text here]; the procurement notice adds the budget and the ceiling price
(《政府采购货物和服务招标投标管理办法》财政部令第87号 §13 [verify]). The other types carry a **minimal**
set marked `minimal=True`: what any such notice plainly needs, to be completed by the issue that builds
their procedure (results, land and assets listings, single source)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import DomainError
from ggzy.core.types import JSONDict
from ggzy.notices.errors import NoticesError
from ggzy.notices.models import NoticeType

TEXT_MAX = 5000
FEN_MAX = 10**15  # a trillion yuan: far above any budget, within 2^53 (canonical JSON)


class Kind(enum.StrEnum):
    TEXT = "text"
    YES_NO = "yes_no"
    INSTANT = "instant"
    MONEY = "money"


@dataclass(frozen=True)
class ContentItem:
    key: str
    label: Promise
    kind: Kind = Kind.TEXT
    required: bool = True  # an optional item is left out when not given


@dataclass(frozen=True)
class Schema:
    items: tuple[ContentItem, ...]
    source: str
    minimal: bool = False  # a minimal sensible set, to be completed by a later issue


def _i(key: str, label: Promise, kind: Kind = Kind.TEXT, *, required: bool = True) -> ContentItem:
    return ContentItem(key, label, kind, required)


FUNDS = _i("funds_source", _("Source of funds"))
SCOPE = _i("content_scope_scale", _("Content, scope and scale of the project"))
QUALIFICATION = _i("qualification", _("Qualification requirements for bidders"))
CONSORTIUM = _i("consortium_accepted", _("Consortium bids accepted"), Kind.YES_NO)
OBTAIN = _i("documents_obtain", _("How and when to obtain the documents"))
PLATFORM = _i("platform_access", _("Electronic trading platform address and how to take part"))
SUBMISSION = _i("submission_method", _("How bids are submitted"))
DEADLINE = _i("bid_deadline", _("Bid deadline"), Kind.INSTANT)
OPENING_AT = _i("opening_at", _("Opening time"), Kind.INSTANT)
OPENING_PLACE = _i("opening_place", _("Opening place"))
SECURITY = _i("bid_security", _("Bid security"))
CONTACTS = _i("contacts", _("Initiator and agent: names, addresses, contacts"))
BUDGET = _i("budget_fen", _("Budget"), Kind.MONEY)
CEILING = _i("ceiling_price_fen", _("Ceiling price"), Kind.MONEY)
NEEDS = _i("procurement_needs", _("What is procured (requirements)"))
APPLICATION_DEADLINE = _i(
    "application_deadline", _("Deadline for prequalification applications"), Kind.INSTANT
)
CHANGES = _i("changes", _("What is corrected, item by item"))
#: A correction that postpones the bid deadline (and the opening) names the new instants; a change that
#: affects the preparation of bids must leave 15 days (招标投标法实施条例 §21; 政府采购法实施条例 §31).
NEW_DEADLINE = _i("new_bid_deadline", _("New bid deadline (if postponed)"), Kind.INSTANT, required=False)
NEW_OPENING = _i("new_opening_at", _("New opening time (if postponed)"), Kind.INSTANT, required=False)
REASON = _i("reason", _("Reason"))
MATTER = _i("matter", _("The matter announced"))
SUBJECT = _i("subject", _("What is offered (the subject)"))
RESERVE = _i("reserve_price_fen", _("Starting or reserve price"), Kind.MONEY)
DEPOSIT = _i("deposit", _("Deposit"))
PERIOD = _i("period", _("Publicity period"))
CANDIDATES = _i("candidates", _("Candidates in ranking order, with their bid prices"))
OBJECTIONS = _i("objection_channel", _("How and until when to raise an objection"))
RESULT = _i("result", _("The result: who, at what price"))
AMOUNT = _i("amount_fen", _("Contract amount"), Kind.MONEY)
SUPPLIER = _i("supplier", _("The proposed single supplier"))

TENDER_SOURCE = (
    "国家发展改革委令第10号 §5 [verify]; opening and bid security as the issue lists them [verify]"
)

SCHEMAS: dict[NoticeType, Schema] = {
    NoticeType.TENDER: Schema(
        (FUNDS, SCOPE, QUALIFICATION, CONSORTIUM, OBTAIN, PLATFORM, SUBMISSION, DEADLINE, OPENING_AT,
         OPENING_PLACE, SECURITY, CONTACTS),
        TENDER_SOURCE,
    ),
    NoticeType.INVITATION: Schema(
        (FUNDS, SCOPE, QUALIFICATION, CONSORTIUM, OBTAIN, PLATFORM, SUBMISSION, DEADLINE, OPENING_AT,
         OPENING_PLACE, SECURITY, CONTACTS),
        "招标投标法 §17 (an invitation carries what a tender notice carries) [verify]; " + TENDER_SOURCE,
    ),
    NoticeType.PREQUALIFICATION: Schema(
        (FUNDS, SCOPE, QUALIFICATION, CONSORTIUM, OBTAIN, PLATFORM, SUBMISSION, APPLICATION_DEADLINE,
         CONTACTS),
        "国家发展改革委令第10号 §5 (prequalification notices likewise) [verify]",
    ),
    NoticeType.PROCUREMENT: Schema(
        (FUNDS, NEEDS, BUDGET, CEILING, QUALIFICATION, CONSORTIUM, OBTAIN, PLATFORM, SUBMISSION, DEADLINE,
         OPENING_AT, OPENING_PLACE, SECURITY, CONTACTS),
        "财政部令第87号 §13 [verify]: the tender notice's items plus the budget and the ceiling price",
    ),
    NoticeType.LAND_OFFER: Schema(
        (SUBJECT, RESERVE, QUALIFICATION, OBTAIN, APPLICATION_DEADLINE, DEPOSIT, CONTACTS),
        "国土资源部令第39号 [verify]",
        minimal=True,
    ),
    NoticeType.ASSET_TRANSFER: Schema(
        (SUBJECT, RESERVE, QUALIFICATION, PERIOD, DEPOSIT, CONTACTS),
        "国资委 财政部令第32号 [verify]",
        minimal=True,
    ),
    NoticeType.CORRECTION: Schema(
        (CHANGES, NEW_DEADLINE, NEW_OPENING, CONTACTS),
        "standard 6.4.1; 招标投标法实施条例 §21, 政府采购法实施条例 §31 (a postponement)",
        minimal=True,
    ),
    NoticeType.SPECIAL: Schema((MATTER, CONTACTS), "standard 6.4.1", minimal=True),
    NoticeType.TERMINATION: Schema((REASON, CONTACTS), "招标投标法实施条例 §31 [verify]", minimal=True),
    NoticeType.CANDIDATES: Schema(
        (CANDIDATES, PERIOD, OBJECTIONS, CONTACTS), "招标投标法实施条例 §54 [verify]", minimal=True
    ),
    NoticeType.DEAL_PUBLICITY: Schema((RESULT, PERIOD, OBJECTIONS, CONTACTS), "standard 6.4.1", minimal=True),
    NoticeType.AWARD: Schema((RESULT, AMOUNT, CONTACTS), "财政部令第87号 §69 [verify]", minimal=True),
    NoticeType.DEAL: Schema((RESULT, AMOUNT, CONTACTS), "财政部令第87号 §69 [verify]", minimal=True),
    NoticeType.SINGLE_SOURCE: Schema(
        (SUPPLIER, REASON, BUDGET, PERIOD, CONTACTS), "政府采购法实施条例 §38 [verify]", minimal=True
    ),
}  # fmt: skip

#: The types that change another notice, and must name it (`Notice.corrects`).
CHANGING = frozenset({NoticeType.CORRECTION, NoticeType.TERMINATION})


def schema_of(notice_type: str) -> Schema:
    try:
        return SCHEMAS[NoticeType(notice_type)]
    except ValueError as exc:
        raise DomainError(NoticesError.TYPE_UNKNOWN, detail={"type": notice_type}) from exc


def _refuse(code: NoticesError, item: ContentItem | None, key: str) -> DomainError:
    label = str(item.label) if item is not None else key
    template = gettext("Required item missing: %(label)s") if code == NoticesError.CONTENT_MISSING else None
    template = template or gettext("Item not valid: %(label)s")
    return DomainError(code, template % {"label": label}, detail={"item": key, "label": label})


def _valid(item: ContentItem, value: object) -> bool:
    if item.kind == Kind.TEXT:
        return isinstance(value, str) and 0 < len(value.strip()) <= TEXT_MAX
    if item.kind == Kind.YES_NO:
        return isinstance(value, bool)
    if item.kind == Kind.MONEY:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= FEN_MAX
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).tzinfo is not None
        except ValueError:
            return False
    return False


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check(notice_type: str, content: Mapping[str, object]) -> JSONDict:
    """The content as stored (text trimmed), or a refusal naming the first bad item in the table's
    order; an item the type does not carry is refused by its key."""
    schema = schema_of(notice_type)
    known = {item.key: item for item in schema.items}
    for key in content:
        if key not in known:
            raise _refuse(NoticesError.CONTENT_INVALID, None, key)
    cleaned: JSONDict = {}
    for item in schema.items:
        value = content.get(item.key)
        if _missing(value):
            if not item.required:
                continue
            raise _refuse(NoticesError.CONTENT_MISSING, item, item.key)
        if not _valid(item, value):
            raise _refuse(NoticesError.CONTENT_INVALID, item, item.key)
        cleaned[item.key] = value.strip() if isinstance(value, str) and item.kind == Kind.TEXT else value
    return cleaned
