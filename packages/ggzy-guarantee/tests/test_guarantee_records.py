"""An issuer's records without HTTP: the flow application → under review → awaiting payment → issued (or
rejected) with each step's instant and reason, the review rules, the guarantee issued, the claims and
what is refused (a float amount, a cover ending before it starts, a second claim, a claim after the
cover, over the amount), and the folder made once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from ggzy_guarantee import records, state
from ggzy_guarantee.records import Refusal
from ggzy_guarantee.state import Identity, Store
from ggzy_sm import guarantees, x509
from ggzy_sm.guarantees import GuaranteeError
from ggzy_sm.keys import load_key_file
from guarantee_world import BIDDER, INITIATOR, INSURER, MADE_AT, PASSPHRASE, application, make_issuer

T0 = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def issuer(tmp_path: Path) -> tuple[Identity, Any]:
    _config, identity = make_issuer(tmp_path / "bank")
    return identity, load_key_file(tmp_path / "bank" / state.KIND.key_file, PASSPHRASE)


def _apply(store: Store, now: dt.datetime = T0, **overrides: Any) -> dict[str, Any]:
    return records.apply(store, records.parse_apply(application(**overrides)), now)


def test_init_makes_a_certified_issuer_once(tmp_path: Path) -> None:
    config, identity = make_issuer(tmp_path / "i", INSURER, amount_limit_fen=5_000_000)
    assert state.load_identity(tmp_path / "i") == identity
    assert identity.named() == {"kind": "insurer", "name": INSURER[1], "code": INSURER[2]}
    certificate = x509.validate(
        identity.certificate, intermediates=[], roots=[identity.root], at=T0, usage="signing"
    )
    assert certificate.public_key == config.key
    assert certificate.holder_id == INSURER[2]
    assert certificate.not_before == MADE_AT
    assert state.load_store(tmp_path / "i").rules["amount_limit_fen"] == 5_000_000
    assert (tmp_path / "i" / "ca.key").stat().st_mode & 0o077 == 0
    with pytest.raises(state.StateError, match="holds a guarantee issuer already"):
        make_issuer(tmp_path / "i", INSURER)
    with pytest.raises(state.StateError, match="kind is one of bank, insurer, guarantor"):
        state.init(tmp_path / "x", kind="notary", name="x", code="X1", passphrase=PASSPHRASE)
    with pytest.raises(state.StateError, match="credit code"):
        state.init(tmp_path / "x", kind="bank", name="x", code="no spaces", passphrase=PASSPHRASE)
    with pytest.raises(state.StateError, match="premium_rate_bp"):
        make_issuer(tmp_path / "x", premium_rate_bp=10_001)
    assert not (tmp_path / "x").exists()


def test_the_flow_to_an_issued_guarantee(issuer: tuple[Identity, Any]) -> None:
    identity, key = issuer
    store = Store()
    record = _apply(store)
    assert record["status"] == "under_review"
    assert record["premium_fen"] == 10_000  # 0.5 % of 20,000 yuan
    records.review(store, "APP-1", "approve", None, T0 + MINUTE)
    assert record["status"] == "awaiting_payment"
    with pytest.raises(Refusal, match="is awaiting_payment") as refused:
        records.review(store, "APP-1", "reject", "late", T0 + MINUTE)
    assert refused.value.reason == "not_under_review"
    records.pay(store, "APP-1", T0 + 2 * MINUTE, identity=identity, key=key)
    assert [(step["status"], step["at"][11:16], step["reason"]) for step in record["history"]] == [
        ("applied", "02:00", None),
        ("under_review", "02:00", None),
        ("awaiting_payment", "02:01", "approved by the reviewer"),
        ("issued", "02:02", "premium of 10000 fen paid"),
    ]
    number = record["guarantee_number"]
    assert number == f"BG-{identity.code}-000001"
    body = guarantees.guarantee_check(store.guarantees[number], [identity.root])
    assert body["applicant"] == BIDDER
    assert body["beneficiary"] == INITIATOR
    assert (body["amount_fen"], body["cover_from"], body["cover_until"]) == (
        2_000_000,
        "2026-03-10",
        "2026-06-30",
    )
    assert body["issued_at"] == "2026-03-02T02:02:00.000000Z"
    with pytest.raises(Refusal) as again:
        records.pay(store, "APP-1", T0 + 3 * MINUTE, identity=identity, key=key)
    assert again.value.reason == "not_awaiting_payment"
    with pytest.raises(Refusal) as unknown:
        records.pay(store, "APP-2", T0, identity=identity, key=key)
    assert unknown.value.reason == "unknown_application"


def test_apply_is_idempotent_on_its_id_and_refuses_other_fields() -> None:
    store = Store()
    first = _apply(store)
    assert _apply(store, T0 + MINUTE) is first
    assert len(first["history"]) == 2
    with pytest.raises(Refusal) as conflict:
        _apply(store, amount_fen=3_000_000)
    assert conflict.value.reason == "conflict"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"amount_fen": 2_000_000.0}, "a JSON integer, never a float"),
        ({"amount_fen": 1.5}, "a JSON integer, never a float"),
        ({"amount_fen": True}, "a JSON integer"),
        ({"amount_fen": 0}, "positive"),
        ({"amount_fen": "2000000"}, "a JSON integer"),
        ({"cover_until": "2026-03-09"}, "cover_until is before cover_from"),
        ({"cover_from": "2026-02-30"}, "not a real date"),
        ({"applicant": {"code": "A1"}}, "applicant is"),
        ({"section": ""}, "section is a code"),
    ],
)
def test_a_malformed_application_is_refused(overrides: dict[str, Any], words: str) -> None:
    with pytest.raises(GuaranteeError, match=words) as refused:
        records.parse_apply(application(**overrides))
    assert refused.value.reason == "malformed"
    with pytest.raises(GuaranteeError, match="unknown fields"):
        records.parse_apply({**application(), "premium": 1})


def test_the_rules_reject_at_once_or_approve_after_their_seconds() -> None:
    store = Store(rules=state.rules_check({"amount_limit_fen": 1_000_000, "refused_applicants": ["BAD1"]}))
    over = _apply(store)
    assert over["status"] == "rejected"
    assert over["history"][-1]["reason"].startswith("amount_over_limit")
    refused = _apply(store, number="APP-2", amount_fen=100, applicant={"code": "BAD1", "name": "某公司"})
    assert refused["history"][-1]["reason"].startswith("applicant_refused")

    store.rules = state.rules_check({"review_after_seconds": 60}, store.rules)
    waiting = _apply(store, number="APP-3", amount_fen=100)
    assert not records.settle(store, T0 + dt.timedelta(seconds=59))
    assert waiting["status"] == "under_review"
    assert records.settle(store, T0 + MINUTE)
    assert waiting["status"] == "awaiting_payment"
    assert waiting["history"][-1]["reason"] == "approved automatically after 60 s"
    assert over["status"] == "rejected"  # decided is decided

    store.rules = state.rules_check({"review_after_seconds": 0}, store.rules)
    assert _apply(store, number="APP-4", amount_fen=100)["status"] == "awaiting_payment"
    with pytest.raises(Refusal, match="no application APP-5"):
        records.review(store, "APP-5", "approve", None, T0)
    with pytest.raises(GuaranteeError, match="decision"):
        records.review(store, "APP-3", "maybe", None, T0)
    with pytest.raises(ValueError, match="unknown rules"):
        state.rules_check({"limit": 1})


def _issued(store: Store, identity: Identity, key: Any, **overrides: Any) -> str:
    record = _apply(store, **overrides)
    records.review(store, record["application"], "approve", None, T0)
    return str(records.pay(store, record["application"], T0, identity=identity, key=key)["guarantee_number"])


def _claim(number: str, **overrides: Any) -> dict[str, Any]:
    fields = {
        "guarantee": number,
        "beneficiary": INITIATOR["code"],
        "reason": "withdrawn_after_deadline",
        "amount_fen": 2_000_000,
        "evidence": "投标人于投标截止后撤回投标文件（撤回函 2026-03-21）",
    }
    return records.parse_claim({**fields, **overrides})


def test_a_claim_is_accepted_once_within_the_cover_and_the_amount(issuer: tuple[Identity, Any]) -> None:
    identity, key = issuer
    store = Store()
    number = _issued(store, identity, key)
    during = dt.datetime(2026, 3, 21, 3, 0, tzinfo=dt.UTC)

    def refused(fields: dict[str, Any], now: dt.datetime = during) -> str:
        with pytest.raises(Refusal) as refusal:
            records.claim(store, fields, now, identity)
        return refusal.value.reason

    assert refused(_claim(number, amount_fen=2_000_001)) == "over_amount"
    assert refused(_claim(number, beneficiary="OTHER1")) == "not_beneficiary"
    assert refused(_claim("BG-NONE")) == "unknown_guarantee"
    assert refused(_claim(number), dt.datetime(2026, 3, 9, 15, 59, tzinfo=dt.UTC)) == "cover_not_started"
    # the cover ends with 2026-06-30 in Shanghai: 2026-06-30T16:00Z
    assert refused(_claim(number), dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.UTC)) == "cover_ended"
    accepted = records.claim(store, _claim(number, amount_fen=1_500_000), during, identity)
    assert accepted["claim"] == f"CL-{identity.code}-000001"
    assert accepted["status"] == "accepted"
    assert accepted["claimed_at"] == "2026-03-21T03:00:00.000000Z"
    with pytest.raises(Refusal) as second:
        records.claim(store, _claim(number, reason="refused_contract", amount_fen=1), during, identity)
    assert second.value.reason == "claimed_already"
    assert second.value.extras == {"claim": accepted}

    last_minute = dt.datetime(2026, 6, 30, 15, 59, tzinfo=dt.UTC)
    other = _issued(store, identity, key, number="APP-2")
    assert records.claim(store, _claim(other, reason="refused_contract"), last_minute, identity)["claim"]
    with pytest.raises(GuaranteeError, match="reason is one of"):
        _claim(number, reason="changed_mind")
    with pytest.raises(GuaranteeError, match="a JSON integer"):
        _claim(number, amount_fen=100.0)


def test_the_store_is_written_whole_and_read_back(tmp_path: Path, issuer: tuple[Identity, Any]) -> None:
    identity, key = issuer
    store = state.load_store(tmp_path / "bank")
    _issued(store, identity, key)
    store.nonces.add("ab" * 16)
    state.save_store(tmp_path / "bank", store)
    again = state.load_store(tmp_path / "bank")
    assert again.to_json() == store.to_json()
    assert again.copy().to_json() == store.to_json()
    (tmp_path / "bank" / "guarantees.json").write_text('{"format": "x"}', "utf-8")
    with pytest.raises(state.StateError, match="is not a guarantees file"):
        state.load_store(tmp_path / "bank")
