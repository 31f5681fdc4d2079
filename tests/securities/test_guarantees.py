"""Electronic guarantees (电子保函) from any issuer, with the issuers running as their own processes
(tests/securities/guarantee_world.py): applied for through the platform and issued by a bank, an insurer and
a guarantee company alike (the platform designates none, standard 11.2.6); rejected by an issuer; uploaded
by a bidder from an issuer the platform does not reach; refused when it does not check (another section, a
beneficiary not the initiator, a cover ending before the bid validity, a tampered document, an untrusted
root) — each refusal a security event and nothing else changed; claimed once after the deadline."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy.core.errors import CoreError, DomainError
from ggzy.events.models import Event
from ggzy.registry import blobs
from ggzy.registry.models import Blob
from ggzy.securities.errors import SecuritiesError
from ggzy.securities.models import Forfeiture, Guarantee, GuaranteeState
from ggzy.securities.services.guarantees import (
    guarantee_apply,
    guarantee_claim,
    guarantee_refresh,
    guarantee_submit,
    guarantees_refresh,
)
from ggzy_sm.sm3 import sm3
from tests.securities import guarantee_world
from tests.securities.conftest import SECURITY_FEN, Trade, documents_issue, t
from tests.securities.guarantee_world import GuaranteeWorld, apply_fields

REFUSED = "securities.guarantee.refused"
ACCEPTED = "securities.guarantee.accepted"
CLAUSE = "投标人须知第 3.4.4 条：投标截止后投标人撤销投标文件的，投标保证金不予退还。"


@pytest.fixture
def issuers(tmp_path: Path, settings: Any, db: Any) -> Iterator[GuaranteeWorld]:
    world = guarantee_world.start(tmp_path / "issuers", settings)
    try:
        yield world
    finally:
        world.stop_all()


def counts() -> tuple[int, int, int, int]:
    return (
        Guarantee.objects.count(),
        Forfeiture.objects.count(),
        Blob.objects.count(),
        Event.objects.exclude(type=REFUSED).count(),
    )


def refused(call: Any, code: SecuritiesError) -> DomainError:
    """`call` refused with `code`: a refusal event recorded, and nothing else changed."""
    before, events = counts(), Event.objects.filter(type=REFUSED).count()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value.as_dict()
    assert counts() == before
    assert Event.objects.filter(type=REFUSED).count() == events + 1
    return caught.value


def bidder(trade: Trade, index: int = 0) -> Any:
    return trade.stage.bidders[index]


def initiator(trade: Trade) -> Any:
    return trade.stage.section.tender_project.project.initiator


def apply(trade: Trade, issuer: str, world: GuaranteeWorld, index: int = 0, section: Any = None) -> Guarantee:
    who = bidder(trade, index)
    return guarantee_apply(
        actor=who.user,
        section=section or trade.stage.section,
        organisation=who.organisation,
        issuer_code=world[issuer].code,
    )


def issue_through_platform(
    trade: Trade, issuer: str, world: GuaranteeWorld, index: int = 0, section: Any = None
) -> Guarantee:
    """apply → under review → approved (refresh: awaiting payment) → premium paid → refresh: accepted."""
    applied = apply(trade, issuer, world, index, section)
    assert applied.state == GuaranteeState.UNDER_REVIEW
    world[issuer].review(applied.application)
    assert guarantee_refresh(guarantee=applied).state == GuaranteeState.AWAITING_PAYMENT
    world[issuer].pay(applied.application)
    return guarantee_refresh(guarantee=Guarantee.objects.get(pk=applied.pk))


def submit(trade: Trade, document: dict[str, Any], index: int = 0, section: Any = None) -> Guarantee:
    who = bidder(trade, index)
    return guarantee_submit(
        actor=who.user,
        section=section or trade.stage.section,
        organisation=who.organisation,
        document=document,
    )


def made(
    trade: Trade, world: GuaranteeWorld, issuer: str, name: str, index: int = 0, **overrides: Any
) -> dict[str, Any]:
    """A guarantee `issuer` made for the bidder's own application (not through the platform)."""
    return world[issuer].issue(
        apply_fields(
            trade.stage.section, bidder(trade, index).organisation, initiator(trade), name, **overrides
        )
    )


# --- issued --------------------------------------------------------------------------------------------


@pytest.mark.clause("11.2.6")
def test_a_guarantee_from_each_kind_of_issuer_is_issued_and_accepted(
    issued: Trade, issuers: GuaranteeWorld
) -> None:
    stage = issued.stage
    # a bank, an insurer (保证保险) and a guarantee company: the bidder chooses, the platform accepts each
    for issuer, index, section in (
        ("bank", 0, stage.section),
        ("insurer", 1, stage.section),
        ("guarantor", 0, stage.other_section),
    ):
        accepted = issue_through_platform(issued, issuer, issuers, index, section)
        assert accepted.state == GuaranteeState.ISSUED
        assert accepted.issuer_kind == guarantee_world.WHO[issuer][0]
        assert accepted.amount_fen == SECURITY_FEN
        assert accepted.body["section"] == section.code
        assert accepted.body["beneficiary"]["code"] == initiator(issued).uscc
        assert accepted.cover_until.isoformat() == "2026-06-23"  # the end of the bid validity
        assert accepted.number
        assert accepted.signature
        assert accepted.certificate
        assert accepted.issued_at is not None
        assert accepted.premium_fen == 50_000  # the simulator's 50 bp, its own rule
        assert [step["status"] for step in accepted.history] == [
            "applied", "under_review", "awaiting_payment", "issued",
        ]  # fmt: skip
        stored = blobs.read(Blob.objects.get(sm3=accepted.document_sm3))
        assert stored.startswith(b"%PDF-")
        assert sm3(stored).hex() == accepted.body["document_sm3"]
    assert Event.objects.filter(type=ACCEPTED).count() == 3
    applied = Event.objects.filter(type="securities.guarantee.applied").first()
    assert applied is not None
    assert applied.embargo_kind == "section.opening"


def test_the_tick_job_moves_applications_on(issued: Trade, issuers: GuaranteeWorld) -> None:
    applied = apply(issued, "insurer", issuers)
    assert guarantees_refresh() == 0  # still under review
    issuers["insurer"].review(applied.application)
    assert guarantees_refresh() == 1
    issuers["insurer"].pay(applied.application)
    assert guarantees_refresh() == 1
    assert Guarantee.objects.get(pk=applied.pk).state == GuaranteeState.ISSUED
    assert guarantees_refresh() == 0  # nothing pending


def test_an_issuer_rejects_by_its_rules_or_its_reviewer(issued: Trade, issuers: GuaranteeWorld) -> None:
    issuers["bank"].rules(refused_applicants=[bidder(issued).organisation.uscc])
    rejected = apply(issued, "bank", issuers)
    assert rejected.state == GuaranteeState.REJECTED
    assert rejected.reason.startswith("applicant_refused")
    by_reviewer = apply(issued, "guarantor", issuers)
    issuers["guarantor"].review(by_reviewer.application, "reject", "资信不足")
    rejected = guarantee_refresh(guarantee=by_reviewer)
    assert rejected.state == GuaranteeState.REJECTED
    assert rejected.reason == "资信不足"
    assert not Event.objects.filter(type=ACCEPTED).exists()


def test_an_issuer_down_records_nothing(issued: Trade, issuers: GuaranteeWorld) -> None:
    before = counts()
    issuers["bank"].fail_next(1)
    with pytest.raises(DomainError) as caught:
        apply(issued, "bank", issuers)
    assert caught.value.code == SecuritiesError.ISSUER_UNAVAILABLE
    issuers["bank"].stop()
    with pytest.raises(DomainError) as caught:
        apply(issued, "bank", issuers)
    assert caught.value.code == SecuritiesError.ISSUER_UNAVAILABLE
    assert counts() == before
    assert not Event.objects.filter(type=REFUSED).exists()


def test_an_issuer_the_platform_cannot_reach_or_of_a_kind_not_accepted(
    trade: Trade, issuers: GuaranteeWorld, settings: Any
) -> None:
    documents_issue(
        trade, bid_security={"kind": "amount", "amount_fen": SECURITY_FEN, "forms": ["cash", "guarantee"]}
    )
    with pytest.raises(DomainError) as caught:
        apply(trade, "insurer", issuers)  # guarantee insurance is not among the forms
    assert caught.value.code == SecuritiesError.GUARANTEE_KIND
    with pytest.raises(DomainError) as caught:
        apply(trade, "rogue", issuers)  # not configured, not trusted
    assert caught.value.code == SecuritiesError.ISSUER_UNKNOWN
    insured = made(trade, issuers, "insurer", "OWN-INS")
    refused(lambda: submit(trade, insured), SecuritiesError.GUARANTEE_KIND)


def test_no_guarantee_after_the_deadline(issued: Trade, issuers: GuaranteeWorld) -> None:
    applied = apply(issued, "bank", issuers)
    issuers["bank"].review(applied.application)
    issuers["bank"].pay(applied.application)
    issued.clock.at(t("2026-03-25 09:30"))
    with pytest.raises(DomainError) as caught:
        apply(issued, "bank", issuers)
    assert caught.value.code == SecuritiesError.DEADLINE_PASSED
    # issued at the issuer, but it reaches the platform only now: late, refused and recorded
    with pytest.raises(DomainError) as caught:
        guarantee_refresh(guarantee=applied)
    assert caught.value.code == SecuritiesError.DEADLINE_PASSED
    assert Guarantee.objects.get(pk=applied.pk).state == GuaranteeState.REFUSED
    assert Event.objects.filter(type=REFUSED).count() == 1


# --- uploaded, and refused -----------------------------------------------------------------------------


@pytest.mark.clause("11.2.6")
def test_an_uploaded_guarantee_from_an_issuer_not_configured_is_accepted_once(
    issued: Trade, issuers: GuaranteeWorld, settings: Any
) -> None:
    issuers.configure(settings, "bank")  # the guarantor is trusted (its root), not reached
    document = made(issued, issuers, "guarantor", "OWN-1")
    accepted = submit(issued, document)
    assert accepted.state == GuaranteeState.ISSUED
    assert accepted.issuer_code == guarantee_world.WHO["guarantor"][2]
    assert accepted.issuer_kind == "guarantor"
    assert accepted.document_sm3 == document["guarantee"]["document_sm3"]
    assert Blob.objects.filter(sm3=accepted.document_sm3).exists()
    # only one guarantee stands per security: the same one again, or a second one, is refused
    refused(lambda: submit(issued, document), SecuritiesError.GUARANTEE_STATE)
    second = made(issued, issuers, "guarantor", "OWN-2")
    refused(lambda: submit(issued, second), SecuritiesError.GUARANTEE_STATE)
    with pytest.raises(DomainError) as caught:
        apply(issued, "bank", issuers)
    assert caught.value.code == SecuritiesError.GUARANTEE_STATE
    # the same guarantee is not another bidder's either
    refused(lambda: submit(issued, document, index=1), SecuritiesError.GUARANTEE_SECTION)


def test_a_cover_ending_before_the_bid_validity_is_refused(issued: Trade, issuers: GuaranteeWorld) -> None:
    short = made(issued, issuers, "bank", "SHORT", cover_until="2026-06-22")  # validity ends 2026-06-23
    error = refused(lambda: submit(issued, short), SecuritiesError.GUARANTEE_COVER)
    assert error.detail["until"] == "2026-06-22"
    assert error.detail["needed"] == "2026-06-23"
    assert "2026-06-22" in error.text()
    late = made(issued, issuers, "bank", "LATE-START", cover_from="2026-03-26")  # after the deadline's day
    refused(lambda: submit(issued, late), SecuritiesError.GUARANTEE_COVER)


def test_a_smaller_amount_is_refused_in_yuan(issued: Trade, issuers: GuaranteeWorld) -> None:
    small = made(issued, issuers, "insurer", "SMALL", amount_fen=SECURITY_FEN - 1)
    error = refused(lambda: submit(issued, small), SecuritiesError.GUARANTEE_AMOUNT)
    assert error.detail["amount"] == "99,999.99"
    assert error.detail["required"] == "100,000.00"


def test_a_guarantee_for_another_section_or_bidder_is_refused(issued: Trade, issuers: GuaranteeWorld) -> None:
    other = made(issued, issuers, "bank", "OTHER-SECTION", section=issued.stage.other_section.code)
    refused(lambda: submit(issued, other), SecuritiesError.GUARANTEE_SECTION)
    someone_else = made(issued, issuers, "bank", "OTHER-BIDDER", index=1)
    refused(lambda: submit(issued, someone_else), SecuritiesError.GUARANTEE_SECTION)
    assert {e.visibility for e in Event.objects.filter(type=REFUSED)} == {"supervisors"}


def test_a_wrong_beneficiary_is_refused(issued: Trade, issuers: GuaranteeWorld) -> None:
    wrong = made(
        issued, issuers, "guarantor", "WRONG-BENEFICIARY",
        beneficiary={"code": bidder(issued, 1).organisation.uscc, "name": "北方路桥有限公司"},
    )  # fmt: skip
    refused(lambda: submit(issued, wrong), SecuritiesError.GUARANTEE_BENEFICIARY)


def test_a_tampered_guarantee_is_refused(issued: Trade, issuers: GuaranteeWorld) -> None:
    genuine = made(issued, issuers, "bank", "GENUINE", amount_fen=100)  # ¥1, not enough
    raised = copy.deepcopy(genuine)
    raised["guarantee"]["amount_fen"] = SECURITY_FEN  # the body changed: its signature fails
    error = refused(lambda: submit(issued, raised), SecuritiesError.GUARANTEE_INVALID)
    assert error.detail["reason"] == "signature"
    swapped = copy.deepcopy(made(issued, issuers, "bank", "GENUINE-2"))
    swapped["document"] = base64.b64encode(b"%PDF-1.7 another text").decode("ascii")
    error = refused(lambda: submit(issued, swapped), SecuritiesError.GUARANTEE_INVALID)
    assert error.detail["reason"] == "document"


def test_a_guarantee_from_an_untrusted_root_is_refused(issued: Trade, issuers: GuaranteeWorld) -> None:
    rogue = made(issued, issuers, "rogue", "ROGUE")
    error = refused(lambda: submit(issued, rogue), SecuritiesError.GUARANTEE_INVALID)
    assert error.detail["reason"] == "certificate"


# --- claimed -------------------------------------------------------------------------------------------


def test_a_claim_after_the_deadline_is_accepted_once(issued: Trade, issuers: GuaranteeWorld) -> None:
    accepted = issue_through_platform(issued, "claims", issuers)
    agent = issued.world.agent_user
    claim = {"reason": "withdrawn_after_deadline", "evidence": "投标人于 2026-03-26 书面撤回投标文件。"}
    with pytest.raises(DomainError) as caught:  # before the deadline, a withdrawal is the bidder's right
        guarantee_claim(actor=agent, guarantee=accepted, documents_clause=CLAUSE, **claim)
    assert caught.value.code == SecuritiesError.FORFEITURE_BASIS
    with pytest.raises(DomainError) as caught:  # a bidder is not the initiator
        guarantee_claim(actor=bidder(issued, 1).user, guarantee=accepted, documents_clause=CLAUSE, **claim)
    assert caught.value.code == CoreError.NOT_FOUND
    issued.clock.at(t("2026-03-26 10:00"))
    claimed = guarantee_claim(actor=agent, guarantee=accepted, documents_clause=CLAUSE, **claim)
    assert claimed.state == GuaranteeState.CLAIMED
    assert claimed.claim["status"] == "accepted"
    assert claimed.claim["amount_fen"] == SECURITY_FEN
    forfeiture = Forfeiture.objects.get(guarantee=claimed)
    assert forfeiture.basis == "招标投标法实施条例 §35 第二款"
    assert forfeiture.documents_clause == CLAUSE
    assert forfeiture.amount_fen == SECURITY_FEN
    assert Event.objects.filter(type="securities.security.forfeited").count() == 1
    before = counts()
    with pytest.raises(DomainError) as caught:
        guarantee_claim(actor=agent, guarantee=claimed, documents_clause=CLAUSE, **claim)
    assert caught.value.code == SecuritiesError.FORFEITED
    assert counts() == before


def test_a_claim_on_a_guarantee_from_an_issuer_not_reached(
    issued: Trade, issuers: GuaranteeWorld, settings: Any
) -> None:
    issuers.configure(settings, "bank")
    accepted = submit(issued, made(issued, issuers, "insurer", "OWN-INS"))
    issued.clock.at(t("2026-03-26 10:00"))
    before = counts()
    with pytest.raises(DomainError) as caught:
        guarantee_claim(
            actor=issued.world.agent_user, guarantee=accepted, reason="refused_contract",
            evidence="中标人拒绝签订合同。", documents_clause=CLAUSE,
        )  # fmt: skip
    assert caught.value.code == SecuritiesError.ISSUER_UNKNOWN
    assert counts() == before
