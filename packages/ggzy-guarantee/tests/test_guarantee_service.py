"""An issuer over HTTP in-process, as the platform calls it: every answer signed by the certified issuing
key with the asker's nonce; the platform's signature required (an unpinned key, a forged signature, a
request meant for another issuer or route refused); a replayed nonce refused; the guarantee issued
verifying with the checker against the trust document, and failing when a byte of its body, its
document or its certificate changes or against another issuer's root; a bank and an insurer both
issuing; the PDF readable by pdftotext; claims; the test controls."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ggzy_guarantee import state
from ggzy_guarantee.cli import main
from ggzy_sm import guarantees
from ggzy_sm.guarantees import GuaranteeError
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3
from guarantee_world import (
    BANK,
    INITIATOR,
    INSURER,
    Clock,
    answer,
    application,
    call,
    make_issuer,
    request,
    serving,
)  # fmt: skip


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    make_issuer(tmp_path / "bank", BANK)
    return tmp_path / "bank"


def _trust(tmp_path: Path, *folders: Path) -> dict[str, Any]:
    out = tmp_path / "trust.json"
    assert main(["trust", "--out", str(out), *map(str, folders)]) == 0
    return dict(json.loads(out.read_text("utf-8")))


def _issue(url: str, code: str, number: str = "APP-1", **overrides: Any) -> dict[str, Any]:
    """Apply, approve, pay and fetch: the guarantee as the status answer gives it."""
    status, reply = call(url, "/v1/apply", request("apply", code, application(number, **overrides)))
    assert status == 200, reply
    assert call(url, "/v1/admin/review", {"application": number, "decision": "approve"})[0] == 200
    assert call(url, "/v1/admin/pay", {"application": number})[0] == 200
    status, reply = call(url, "/v1/status", request("status", code, {"application": number}))
    assert status == 200
    return dict(reply["answer"]["guarantee"])


def test_the_flow_over_http_answers_signed_with_the_nonce(bank: Path) -> None:
    clock = Clock()
    config = state.KIND.load_config(bank)
    with serving(bank, clock) as (url, issuer):
        asked = request("apply", BANK[2], application())
        status, reply = call(url, "/v1/apply", asked)
        assert status == 200
        body = answer(reply, config.key)
        assert set(body) == {
            "format", "issuer", "action", "nonce", "answered_at", "outcome", "reason", "message",
            "application", "guarantee", "claim",
        }  # fmt: skip
        assert body["nonce"] == asked["request"]["nonce"]
        assert body["issuer"] == {"kind": "bank", "name": BANK[1], "code": BANK[2]}
        assert (body["outcome"], body["application"]["status"], body["guarantee"]) == (
            "ok",
            "under_review",
            None,
        )
        again = answer(call(url, "/v1/apply", request("apply", BANK[2], application()))[1], config.key)
        assert again["application"]["history"] == body["application"]["history"]  # idempotent
        conflict = call(url, "/v1/apply", request("apply", BANK[2], application(amount_fen=1)))
        assert (conflict[0], answer(conflict[1], config.key)["reason"]) == (409, "conflict")

        assert call(url, "/v1/admin/pay", {"application": "APP-1"})[0] == 409  # not approved yet
        clock.now = clock.now.replace(minute=5)
        review = call(
            url, "/v1/admin/review", {"application": "APP-1", "decision": "approve", "reason": "资信良好"}
        )
        assert review[0] == 200
        assert review[1]["history"][-1] == {
            "status": "awaiting_payment",
            "at": "2026-03-02T02:05:00.000000Z",
            "reason": "资信良好",
        }
        paid = call(url, "/v1/admin/pay", {"application": "APP-1"})
        assert (paid[0], paid[1]["status"]) == (200, "issued")
        status, reply = call(url, "/v1/status", request("status", BANK[2], {"application": "APP-1"}))
        shown = answer(reply, config.key)
        assert shown["application"]["guarantee_number"] == shown["guarantee"]["guarantee"]["number"]
        unknown = call(url, "/v1/status", request("status", BANK[2], {"application": "APP-9"}))
        assert (unknown[0], answer(unknown[1], config.key)["reason"]) == (404, "unknown_application")
        assert call(url, "/health")[1]["guarantees"] == 1
        assert issuer.store.guarantees
    # kept across a restart
    assert state.load_store(bank).applications["APP-1"]["status"] == "issued"


def test_the_platforms_signature_is_required_and_a_nonce_used_once(bank: Path, tmp_path: Path) -> None:
    with serving(bank, Clock()) as (url, _issuer):
        stranger = Sm2PrivateKey.generate()
        assert call(url, "/v1/apply", request("apply", BANK[2], application(), key=stranger)) == (
            403,
            {"reason": "forbidden", "message": "the request is signed by a key this issuer has not pinned"},
        )
        forged = request("apply", BANK[2], application())
        forged["request"]["amount_fen"] = 1
        assert call(url, "/v1/apply", forged)[1]["message"] == "the request's signature does not verify"
        assert call(url, "/v1/apply", request("apply", INSURER[2], application()))[1]["message"] == (
            "the request is meant for another issuer"
        )
        assert call(url, "/v1/status", request("apply", BANK[2], application()))[0] == 403
        assert call(url, "/v1/apply", application())[0] == 400  # not an envelope
        floated = request("apply", BANK[2], application())
        floated["request"]["amount_fen"] = 2_000_000.0
        status, reply = call(url, "/v1/apply", floated)
        assert (status, reply["reason"]) == (400, "malformed")
        assert "float" in reply["message"]
        backwards = call(url, "/v1/apply", request("apply", BANK[2], application(cover_until="2026-03-01")))
        assert backwards == (400, {"reason": "malformed", "message": "cover_until is before cover_from"})
        assert call(url, "/health")[1]["applications"] == 0

        asked = request("status", BANK[2], {"application": "APP-1"})
        assert call(url, "/v1/status", asked)[0] == 404
        status, reply = call(url, "/v1/status", asked)
        assert (status, answer(reply, state.KIND.load_config(bank).key)["reason"]) == (409, "replayed")

        # a platform key pinned while served is answered from the next request on
        assert main(["trust", "--dir", str(bank), "--platform", stranger.public_key.hex()]) == 0
        assert call(url, "/v1/apply", request("apply", BANK[2], application(), key=stranger))[0] == 200
    log = [json.loads(line) for line in (bank / "requests.jsonl").read_text("utf-8").splitlines()]
    assert [entry["reason"] for entry in log][:4] == ["forbidden"] * 4


def test_an_issued_guarantee_verifies_and_any_change_is_refused(bank: Path, tmp_path: Path) -> None:
    make_issuer(tmp_path / "insurer", INSURER)
    roots = guarantees.trust_roots(_trust(tmp_path, bank, tmp_path / "insurer"))
    with serving(bank, Clock()) as (url, _issuer):
        issued = _issue(url, BANK[2])
    body = guarantees.guarantee_check(issued, roots)
    assert body["issuer"]["kind"] == "bank"
    assert body["document_sm3"] == sm3(base64.b64decode(issued["document"])).hex()

    def reason(changed: dict[str, Any], given: list[bytes] = roots) -> str:
        with pytest.raises(GuaranteeError) as refused:
            guarantees.guarantee_check(changed, given)
        return refused.value.reason

    raw = json.dumps(issued)
    one_more = json.loads(raw)
    one_more["guarantee"]["amount_fen"] += 1
    assert reason(one_more) == "signature"
    renamed = json.loads(raw)
    renamed["guarantee"]["beneficiary"]["name"] = "沈阳市示例学院"
    assert reason(renamed) == "signature"
    for field in ("document", "certificate"):
        changed = json.loads(raw)
        data = bytearray(base64.b64decode(changed[field]))
        data[-3] ^= 0x01
        changed[field] = base64.b64encode(bytes(data)).decode()
        assert reason(changed) == {"document": "document", "certificate": "certificate"}[field]
    insurer_only = guarantees.trust_roots(_trust(tmp_path, tmp_path / "insurer"))
    assert reason(json.loads(raw), insurer_only) == "certificate"


def test_a_bank_and_an_insurer_both_issue_and_the_pdf_reads(bank: Path, tmp_path: Path) -> None:
    make_issuer(tmp_path / "insurer", INSURER)
    trust = _trust(tmp_path, bank, tmp_path / "insurer")
    assert {entry["kind"] for entry in trust["issuers"].values()} == {"bank", "insurer"}
    roots = guarantees.trust_roots(trust)
    issued = []
    with serving(bank, Clock()) as (bank_url, _b), serving(tmp_path / "insurer", Clock()) as (url, _i):
        issued.append(_issue(bank_url, BANK[2]))
        issued.append(_issue(url, INSURER[2], amount_fen=3_000_000))
        digest = issued[1]["guarantee"]["document_sm3"]
        with urllib.request.urlopen(f"{url}/v1/documents/{digest}", timeout=10) as response:  # noqa: S310
            assert response.headers["Content-Type"] == "application/pdf"
            document = response.read()
        assert call(url, f"/v1/documents/{'0' * 64}")[0] == 404
        number = issued[1]["guarantee"]["number"]
        assert call(url, f"/v1/guarantees/{number}") == (200, issued[1])
        assert call(bank_url, f"/v1/guarantees/{number}")[0] == 404
    bodies = [guarantees.guarantee_check(g, roots) for g in issued]
    assert [b["issuer"]["code"] for b in bodies] == [BANK[2], INSURER[2]]
    assert bodies[1]["number"].startswith("BX-")
    assert sm3(document).hex() == digest
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "guarantee.pdf"
    path.write_bytes(document)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "ELECTRONIC BID GUARANTEE" in text
    assert f"Guarantee insurance No. {bodies[1]['number']}" in text
    assert "Guaranteed amount: CNY 30,000.00 (3000000 fen)" in text
    assert "Cover: from 2026-03-10 to 2026-06-30" in text
    assert INSURER[2] in text


def test_a_claim_over_http(bank: Path) -> None:
    clock = Clock()
    key = state.KIND.load_config(bank).key
    with serving(bank, clock) as (url, _issuer):
        number = _issue(url, BANK[2])["guarantee"]["number"]
        clock.now = clock.now.replace(month=3, day=21)
        fields = {
            "guarantee": number, "beneficiary": INITIATOR["code"], "reason": "refused_contract",
            "amount_fen": 2_000_000, "evidence": "中标人拒绝签订合同",
        }  # fmt: skip
        status, reply = call(url, "/v1/claims", request("claim", BANK[2], fields))
        accepted = answer(reply, key)
        assert (status, accepted["outcome"], accepted["claim"]["status"]) == (200, "ok", "accepted")
        status, reply = call(url, "/v1/claims", request("claim", BANK[2], {**fields, "amount_fen": 1}))
        second = answer(reply, key)
        assert (status, second["reason"], second["claim"]) == (409, "claimed_already", accepted["claim"])
        floated = request("claim", BANK[2], fields)
        floated["request"]["amount_fen"] = 1.5  # never signed: a float has no canonical form
        assert call(url, "/v1/claims", floated)[0] == 400
        clock.now = clock.now.replace(month=7, day=1)
        other = _issue(url, BANK[2], "APP-2")["guarantee"]["number"]
        late = call(url, "/v1/claims", request("claim", BANK[2], {**fields, "guarantee": other}))
        assert (late[0], answer(late[1], key)["reason"]) == (409, "cover_ended")
        assert call(url, "/health")[1]["claims"] == 1


def test_the_rules_control_and_no_controls_without_the_flag(bank: Path) -> None:
    with serving(bank, Clock()) as (url, _issuer):
        assert call(url, "/v1/admin/rules", {"amount_limit_fen": 100, "refused_applicants": ["X1"]}) == (
            200,
            {
                "rules": {
                    "amount_limit_fen": 100,
                    "refused_applicants": ["X1"],
                    "review_after_seconds": None,
                    "premium_rate_bp": 50,
                }
            },
        )
        assert call(url, "/v1/admin/rules", {"amount_limit_fen": 1.5})[0] == 400
        _status, reply = call(url, "/v1/apply", request("apply", BANK[2], application()))
        assert answer(reply, state.KIND.load_config(bank).key)["application"]["status"] == "rejected"
        assert call(url, "/v1/admin/review", {"application": "APP-1", "decision": "approve"})[0] == 409
        assert call(url, "/v1/admin/review", {"application": "APP-2", "decision": "approve"})[0] == 404
        assert call(url, "/v1/admin/fail-next", {"count": 1})[0] == 200
        assert call(url, "/v1/status", request("status", BANK[2], {"application": "APP-1"}))[0] == 503
    with serving(bank, Clock(), test_controls=False) as (url, _issuer):
        assert call(url, "/v1/admin/pay", {"application": "APP-1"})[0] == 404
        assert call(url, "/v1/admin/rules", {})[0] == 404
        assert call(url, "/v1/status", request("status", BANK[2], {"application": "APP-1"}))[0] == 200
