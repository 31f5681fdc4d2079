"""The national data set 523 (保证金及保函 / bid and performance security; 公共资源交易平台系统数据规范 V2.0,
发改办法规〔2018〕1156号) mapped onto the securities' columns, so the exchange issue exports without
remodelling.

A record of the data set is one security given: a **deposit** paid into a sub-account (one record per
`Credit`, the bank's booking of a transfer) or an **electronic guarantee** (one record per issued
`Guarantee`). Each row: the data set's field code, its Chinese name, and where the value comes from for a
deposit and for a guarantee — a dotted path from a `Credit` or a `Guarantee` (`sub_account.section.code`),
a name in `DERIVED` (computed from the columns: `value`), or "" where the field does not apply to that kind
of security. The field codes, names and code lists are written as real platforms publish them and are
**[verify]** against the specification's text, which was not read here; a test checks that every path
resolves on a deposit and on a guarantee. Amounts are fen here; the export writes yuan. Account numbers
leave masked (the last four digits), never whole."""

from __future__ import annotations

from collections.abc import Callable

from ggzy.core.fields import Kind, Sealed, mask
from ggzy.securities.models import Credit, Guarantee, RefundState

#: (field code, field name, source on a Credit, source on a Guarantee) — docs/securities.md §12 prints it.
DATA_SET_523: tuple[tuple[str, str, str, str], ...] = (
    ("TENDER_PROJECT_CODE", "招标项目编号",
     "sub_account.section.tender_project.code", "section.tender_project.code"),
    ("BID_SECTION_CODE", "标段（包）编号", "sub_account.section.code", "section.code"),
    ("BIDDER_NAME", "投标人名称", "sub_account.organisation.name", "organisation.name"),
    ("BIDDER_CODE", "投标人统一社会信用代码", "sub_account.organisation.uscc", "organisation.uscc"),
    ("MARGIN_CATEGORY", "保证金类别（投标、履约）", "sub_account.purpose", "purpose"),
    ("MARGIN_TYPE", "保证金形式", "margin_type", "margin_type"),
    ("MARGIN_AMOUNT", "保证金金额", "amount_fen", "amount_fen"),
    ("PAY_TIME", "缴纳时间", "instant", ""),
    ("BANK_NAME", "收款银行", "bank_name", ""),
    ("MARGIN_ACCOUNT", "保证金子账号（脱敏）", "sub_account_masked", ""),
    ("PAY_ACCOUNT", "缴纳账号（脱敏）", "payer_account_masked", ""),
    ("ISSUER_NAME", "出具机构名称", "", "issuer_name"),
    ("ISSUER_CODE", "出具机构统一社会信用代码", "", "issuer_code"),
    ("GUARANTEE_NO", "保函（保单）编号", "", "number"),
    ("ISSUE_TIME", "出具时间", "", "issued_at"),
    ("COVER_START", "保函有效期起", "", "cover_from"),
    ("COVER_END", "保函有效期止", "", "cover_until"),
    ("REFUND_TIME", "退还时间", "refund_time", ""),
    ("REFUND_AMOUNT", "退还金额", "refund_amount", ""),
    ("INTEREST", "退还利息", "refund_interest", ""),
    ("IS_FORFEITED", "是否不予退还（索赔）", "forfeited", "forfeited"),
    ("REGION_CODE", "行政区划代码",
     "sub_account.section.tender_project.project.region", "section.tender_project.project.region"),
    ("DATA_TIMESTAMP", "数据时间戳", "recorded_at", "updated_at"),
)  # fmt: skip

#: Values derived from the columns (names in DATA_SET_523's source columns).
DERIVED = (
    "margin_type", "bank_name", "sub_account_masked", "payer_account_masked", "refund_time", "refund_amount",
    "refund_interest", "forfeited",
)  # fmt: skip

#: 保证金形式 [verify the code list]: 1 cash or transfer (a deposit), 2 a guarantee (保函), 3 a guarantee
#: insurance (保证保险, from an insurer).
MARGIN_DEPOSIT, MARGIN_GUARANTEE, MARGIN_INSURANCE = "1", "2", "3"


def margin_type(security: Credit | Guarantee) -> str:
    if isinstance(security, Credit):
        return MARGIN_DEPOSIT
    return MARGIN_INSURANCE if security.issuer_kind == "insurer" else MARGIN_GUARANTEE


def _forfeited(security: Credit | Guarantee) -> str:
    """是否不予退还 [verify the code list]: 1 kept or claimed, 0 not."""
    holder = security.sub_account if isinstance(security, Credit) else security
    return "1" if hasattr(holder, "forfeiture") else "0"


def _bank_name(credit: Credit) -> str:
    """The bank's name as its signed answer gave it; its code otherwise."""
    answer = credit.sub_account.answer
    return str((answer.get("bank") if isinstance(answer, dict) else None) or credit.sub_account.bank)


def _payer_account_masked(credit: Credit) -> str:
    """As stored beside the ciphertext: nothing is decrypted."""
    stored = credit.payer_account
    return stored.masked if isinstance(stored, Sealed) else mask(Kind.BANK_ACCOUNT, str(stored or ""))


def _refund(credit: Credit, column: str) -> object:
    """A column of the sub-account's paid refund (None while none is paid)."""
    refund = credit.sub_account.refunds.filter(state=RefundState.PAID).order_by("paid_at").first()
    return None if refund is None else getattr(refund, column)


_OF_DEPOSIT: dict[str, Callable[[Credit], object]] = {
    "bank_name": _bank_name,
    "sub_account_masked": lambda credit: mask(Kind.BANK_ACCOUNT, credit.sub_account.number),
    "payer_account_masked": _payer_account_masked,
    "refund_time": lambda credit: _refund(credit, "paid_at"),
    "refund_amount": lambda credit: _refund(credit, "principal_fen"),
    "refund_interest": lambda credit: _refund(credit, "interest_fen"),
}


def _derived(name: str, security: Credit | Guarantee) -> object:
    if name == "margin_type":
        return margin_type(security)
    if name == "forfeited":
        return _forfeited(security)
    if not isinstance(security, Credit):
        raise TypeError(f"{name} is a deposit's")
    return _OF_DEPOSIT[name](security)


def value(security: Credit | Guarantee, source: str) -> object:
    """The value of one source of DATA_SET_523 on a deposit's credit or a guarantee (None where empty)."""
    if not source:
        return None
    if source in DERIVED:
        return _derived(source, security)
    found: object = security
    for part in source.split("."):
        found = getattr(found, part)
    return found


def record(security: Credit | Guarantee) -> dict[str, object]:
    """One record of data set 523: {field code: value} for a deposit's credit or a guarantee."""
    column = 2 if isinstance(security, Credit) else 3
    return {row[0]: value(security, row[column]) for row in DATA_SET_523}
