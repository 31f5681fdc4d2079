"""`ggzy_sm.guarantees` on its own (no simulator): a guarantee made by an issuer certified by its CA
verifies against that root and is refused, naming why, when its body, signature, document or certificate
changes, against another root, when the certificate was not valid at issued_at or names another issuer;
the platform's signed request opens only with a pinned key, for its issuer and action."""

from __future__ import annotations

import base64
import copy
import datetime as dt
from typing import Any

import pytest

from ggzy_sm import guarantees, x509
from ggzy_sm.guarantees import GuaranteeError
from ggzy_sm.sm2 import Sm2PrivateKey

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
YEAR = dt.timedelta(days=365)
CODE = "91110000100000001B"
DOCUMENT = b"%PDF-1.4\n% a guarantee\n%%EOF\n"


def _issuer(code: str = CODE, not_before: dt.datetime = NOW - YEAR) -> tuple[Sm2PrivateKey, bytes, bytes]:
    ca, key = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    ca_name = {"common_name": "示例银行 CA", "serial_number": f"{code}-CA"}
    root = x509.issue(
        issuer_key=ca, issuer=ca_name, subject=ca_name, public_key=ca.public_key, serial=1,
        not_before=NOW - 2 * YEAR, not_after=NOW + 5 * YEAR, usage="ca",
    )  # fmt: skip
    certificate = x509.issue(
        issuer_key=ca, issuer=ca_name, subject={"common_name": "示例银行", "serial_number": code},
        public_key=key.public_key, serial=2, not_before=not_before, not_after=NOW + YEAR, usage="signing",
    )  # fmt: skip
    return key, root, certificate


def _body(**overrides: Any) -> dict[str, Any]:
    body = {
        "number": "BG-1",
        "issuer": {"kind": "bank", "name": "示例银行", "code": CODE},
        "applicant": {"code": "91210100730000017Q", "name": "辽宁天成建设集团有限公司"},
        "beneficiary": {"code": "12210100MB0000001X", "name": "沈阳市示例学校"},
        "section": "E2101000001001",
        "tender_project": "E2101000001",
        "amount_fen": 2_000_000,
        "cover_from": "2026-03-10",
        "cover_until": "2026-06-30",
        "issued_at": "2026-03-02T02:00:00.000000Z",
    }
    return {**body, **overrides}


KEY, ROOT, CERTIFICATE = _issuer()
GUARANTEE = guarantees.guarantee_make(KEY, CERTIFICATE, _body(), DOCUMENT)


def _reason(guarantee: Any, roots: list[bytes] = [ROOT]) -> str:  # noqa: B006  (never changed)
    with pytest.raises(GuaranteeError) as refused:
        guarantees.guarantee_check(guarantee, roots)
    return refused.value.reason


def test_a_guarantee_verifies_against_its_issuers_root() -> None:
    body = guarantees.guarantee_check(GUARANTEE, [ROOT])
    assert body["format"] == "ggzy-guarantee-v1"
    assert body["document_kind"] == "pdf"
    assert base64.b64decode(GUARANTEE["document"]) == DOCUMENT
    other = _issuer("91110000100000002I")
    assert guarantees.guarantee_check(GUARANTEE, [other[1], ROOT]) == body  # one root among several


def _changed(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(GUARANTEE)
    place = changed
    for name in path[:-1]:
        place = place[name]
    place[path[-1]] = value
    return changed


def _flipped(field: str) -> dict[str, Any]:
    data = bytearray(base64.b64decode(GUARANTEE[field]))
    data[len(data) // 2] ^= 0x01
    return _changed((field,), base64.b64encode(bytes(data)).decode())


def test_any_change_is_refused_naming_why() -> None:
    assert _reason(_changed(("guarantee", "amount_fen"), 2_000_001)) == "signature"
    assert _reason(_changed(("guarantee", "cover_until"), "2026-07-30")) == "signature"
    assert _reason(_changed(("signature",), "00" * 64)) == "signature"
    assert _reason(_flipped("document")) == "document"
    assert _reason(_flipped("certificate")) == "certificate"
    assert _reason(GUARANTEE, [_issuer()[1]]) == "certificate"  # another CA's root
    assert _reason(_changed(("guarantee", "amount_fen"), 2_000_000.0)) == "malformed"
    assert _reason(_changed(("guarantee", "cover_until"), "2026-03-01")) == "malformed"
    assert _reason({**GUARANTEE, "extra": 1}) == "malformed"
    assert _reason(_changed(("document",), "not base64!")) == "malformed"


def test_the_certificate_must_be_valid_at_issued_at_and_be_the_named_issuers() -> None:
    key, root, later = _issuer(not_before=NOW + dt.timedelta(days=1))
    early = guarantees.guarantee_make(key, later, _body(), DOCUMENT)
    with pytest.raises(GuaranteeError) as refused:
        guarantees.guarantee_check(early, [root])
    assert (refused.value.reason, refused.value.certificate_reason) == ("certificate", "not_yet_valid")
    expired = guarantees.guarantee_make(
        KEY, CERTIFICATE, _body(issued_at="2027-03-03T00:00:00.000000Z"), DOCUMENT
    )
    assert _reason(expired) == "certificate"
    posing = guarantees.guarantee_make(
        KEY,
        CERTIFICATE,
        _body(issuer={"kind": "bank", "name": "另一银行", "code": "91110000100000009Z"}),
        DOCUMENT,
    )
    assert _reason(posing) == "issuer"
    not_pdf = guarantees.guarantee_make(KEY, CERTIFICATE, _body(), b"plain text")
    assert _reason(not_pdf) == "document"


def test_trust_roots_reads_a_trust_document() -> None:
    trust = {
        "format": "ggzy-guarantee-trust-v1",
        "issuers": {CODE: {"kind": "bank", "name": "示例银行", "root": base64.b64encode(ROOT).decode()}},
    }
    assert guarantees.trust_roots(trust) == [ROOT]
    for bad in (
        {},
        {**trust, "format": "x"},
        {**trust, "issuers": {}},
        {**trust, "issuers": {CODE: {"root": 1}}},
    ):
        with pytest.raises(GuaranteeError):
            guarantees.trust_roots(bad)


def test_a_request_opens_with_a_pinned_key_for_its_issuer_and_action() -> None:
    platform = Sm2PrivateKey.generate()
    envelope = guarantees.request_make(platform, "status", CODE, {"application": "APP-1"})
    body = guarantees.request_open(envelope, [platform.public_key], issuer=CODE, action="status")
    assert body["application"] == "APP-1"
    assert len(body["nonce"]) == 32

    def refused(changed: Any, **where: str) -> str:
        with pytest.raises(GuaranteeError) as refusal:
            guarantees.request_open(
                changed, [platform.public_key], **{"issuer": CODE, "action": "status", **where}
            )
        return refusal.value.reason

    assert refused(envelope, issuer="OTHER") == "forbidden"
    assert refused(envelope, action="apply") == "forbidden"
    stranger = guarantees.request_make(Sm2PrivateKey.generate(), "status", CODE, {"application": "APP-1"})
    assert refused(stranger) == "forbidden"
    forged = copy.deepcopy(envelope)
    forged["request"]["application"] = "APP-2"
    assert refused(forged) == "forbidden"
    floated = copy.deepcopy(envelope)
    floated["request"]["amount_fen"] = 1.5
    assert refused(floated) == "malformed"
    assert refused({**envelope, "more": 1}) == "malformed"
    assert refused({**envelope, "request": {**envelope["request"], "nonce": "XYZ"}}) == "malformed"
