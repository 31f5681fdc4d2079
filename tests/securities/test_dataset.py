"""The national data set 523 mapping: every mapped source resolves on a deposit's credit and on a guarantee
(built with the ORM), the derived values are the code lists', and docs/securities.md prints the table as
the code has it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ggzy.securities import dataset
from ggzy.securities.models import (
    Credit,
    CreditSource,
    Forfeiture,
    ForfeitureReason,
    Guarantee,
    GuaranteeState,
    Refund,
    RefundState,
    RefundTrigger,
    SubAccount,
)
from tests.notices.test_objections import Trade

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "securities.md"
AT = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)


def _deposit(trade: Trade) -> Credit:
    bidder = trade.stage.bidders[0]
    sub_account = SubAccount.objects.create(
        section=trade.section, organisation=bidder.organisation, bank="demo", number="6217000000000000012",
        required_fen=10_000_000, deadline=AT + dt.timedelta(days=5), opened_at=AT,
        answer={"bank": "示例银行", "sub_account": "6217000000000000012"},
    )  # fmt: skip
    return Credit.objects.create(
        sub_account=sub_account, bank="demo", transaction="T0001", sequence=1, amount_fen=10_000_000,
        payer_name=bidder.organisation.name, payer_account="6222020200112233445", instant=AT,
        source=CreditSource.NOTIFICATION, recorded_at=AT,
    )  # fmt: skip


def _guarantee(trade: Trade, kind: str) -> Guarantee:
    bidder = trade.stage.bidders[1]
    return Guarantee.objects.create(
        section=trade.section, organisation=bidder.organisation, issuer_code="91210100MA0A0B2D5Y",
        issuer_kind=kind, issuer_name="示例财产保险股份有限公司", application=f"A-{kind}",
        state=GuaranteeState.ISSUED, amount_fen=10_000_000, cover_from=dt.date(2026, 3, 20),
        cover_until=dt.date(2026, 6, 30), number=f"BH-{kind}", issued_at=AT, applied_by=bidder.user,
        applied_at=AT, updated_at=AT,
    )  # fmt: skip


def _walk(model: type, path: str) -> None:
    """Every step of the path is a relation, the last a field."""
    for part in path.split(".")[:-1]:
        model = model._meta.get_field(part).related_model  # type: ignore[attr-defined]
    model._meta.get_field(path.rsplit(".", maxsplit=1)[-1])  # type: ignore[attr-defined]


def test_every_mapped_field_exists_on_a_deposit_and_a_guarantee(trade: Trade) -> None:
    credit = _deposit(trade)
    guarantee = _guarantee(trade, "insurer")
    for code, _name, deposit, of_guarantee in dataset.DATA_SET_523:
        assert deposit or of_guarantee, code
        for model, source in ((Credit, deposit), (Guarantee, of_guarantee)):
            if source and source not in dataset.DERIVED:
                _walk(model, source)
    assert set(dataset.DERIVED) <= {s for row in dataset.DATA_SET_523 for s in row[2:]}
    deposit_record = dataset.record(credit)
    assert deposit_record["TENDER_PROJECT_CODE"] == trade.tender_project.code
    assert deposit_record["BID_SECTION_CODE"] == trade.section.code
    assert deposit_record["BIDDER_CODE"] == trade.stage.bidders[0].organisation.uscc
    assert deposit_record["MARGIN_TYPE"] == "1"
    assert deposit_record["MARGIN_AMOUNT"] == 10_000_000
    assert deposit_record["PAY_TIME"] == AT
    assert deposit_record["BANK_NAME"] == "示例银行"
    assert deposit_record["MARGIN_ACCOUNT"] == "***************0012"
    assert deposit_record["PAY_ACCOUNT"] == "***************3445"  # never the whole number
    assert deposit_record["GUARANTEE_NO"] is None
    assert deposit_record["REFUND_TIME"] is None
    assert deposit_record["IS_FORFEITED"] == "0"
    assert deposit_record["REGION_CODE"] == trade.tender_project.project.region
    guarantee_record = dataset.record(guarantee)
    assert guarantee_record["MARGIN_TYPE"] == "3"  # an insurer's: guarantee insurance
    assert guarantee_record["GUARANTEE_NO"] == "BH-insurer"
    assert guarantee_record["COVER_END"] == dt.date(2026, 6, 30)
    assert guarantee_record["PAY_TIME"] is None
    assert dataset.margin_type(_guarantee(trade, "bank")) == "2"


def test_a_refund_and_a_forfeiture_appear_in_the_record(trade: Trade) -> None:
    credit = _deposit(trade)
    paid = AT + dt.timedelta(days=30)
    Refund.objects.create(
        refund_id="R-1", sub_account=credit.sub_account, trigger=RefundTrigger.CONTRACT_SIGNED,
        basis="实施条例 §57", triggered_at=paid, due_by=paid, principal_fen=10_000_000, interest_fen=4_167,
        to_name="天成建设有限公司", to_account="6222020200112233445", state=RefundState.PAID, paid_at=paid,
    )  # fmt: skip
    record = dataset.record(credit)
    assert (record["REFUND_TIME"], record["REFUND_AMOUNT"], record["INTEREST"]) == (paid, 10_000_000, 4_167)
    guarantee = _guarantee(trade, "guarantor")
    Forfeiture.objects.create(
        guarantee=guarantee, reason=ForfeitureReason.REFUSED_CONTRACT, basis="实施条例 §74",
        documents_clause="投标人须知 3.4.3", amount_fen=10_000_000, recorded_by=trade.world.agent_user,
        recorded_at=paid,
    )  # fmt: skip
    assert dataset.record(Guarantee.objects.get(pk=guarantee.pk))["IS_FORFEITED"] == "1"


def test_the_docs_print_the_523_mapping() -> None:
    text = DOC.read_text(encoding="utf-8")

    def cell(source: str) -> str:
        return f"`{source}`" if source else "—"

    for code, name, deposit, guarantee in dataset.DATA_SET_523:
        assert f"| `{code}` | {name} | {cell(deposit)} | {cell(guarantee)} |" in text, code
