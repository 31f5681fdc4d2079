"""Detached document signatures (`ggzy-docsig-v1`): sign and verify bytes and files, every refusal,
two CAs recognised together, and the offline `ggzy-verify document` command. No Django here."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem

from ggzy_sm import document, x509
from ggzy_sm.canonical import format_instant
from ggzy_sm.document import DocumentError, sign_document, verify_document
from ggzy_sm.errors import KeyMaterialError
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import READ_SIZE, sm3
from ggzy_sm.verify import main

# Signed an hour ago, so the command line (which verifies "now") accepts the signatures too.
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
ROOT_KEY, MID_KEY, SIGN_KEY, ENC_KEY, OTHER_ROOT_KEY = (Sm2PrivateKey.generate() for _ in range(5))
ROOT_NAME = {"common_name": "ggzy Test Root CA", "organization_name": "ggzy demo"}
MID_NAME = {"common_name": "ggzy Test Issuing CA", "organization_name": "ggzy demo"}
OTHER_NAME = {"common_name": "Another Province CA"}
HOLDER = {"common_name": "辽宁天成建设集团有限公司", "serial_number": "91210100730000017Q"}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def ca(
    key: Sm2PrivateKey, issuer_key: Sm2PrivateKey, issuer: dict[str, str], subject: dict[str, str]
) -> bytes:
    return x509.issue(
        issuer_key=issuer_key,
        issuer=issuer,
        subject=subject,
        public_key=key.public_key,
        serial=int.from_bytes(key.public_key.point[1:9], "big"),
        not_before=NOW - 365 * DAY,
        not_after=NOW + 3650 * DAY,
        usage="ca",
    )


def holder(
    issuer_key: Sm2PrivateKey,
    issuer: dict[str, str],
    *,
    key: Sm2PrivateKey = SIGN_KEY,
    serial: int = 100,
    usage: x509.Usage = "signing",
    not_after: dt.datetime = NOW + 335 * DAY,
) -> bytes:
    return x509.issue(
        issuer_key=issuer_key,
        issuer=issuer,
        subject=HOLDER,
        public_key=key.public_key,
        serial=serial,
        not_before=NOW - 30 * DAY,
        not_after=not_after,
        usage=usage,
    )


ROOT = ca(ROOT_KEY, ROOT_KEY, ROOT_NAME, ROOT_NAME)
MID = ca(MID_KEY, ROOT_KEY, ROOT_NAME, MID_NAME)
OTHER_ROOT = ca(OTHER_ROOT_KEY, OTHER_ROOT_KEY, OTHER_NAME, OTHER_NAME)
SIGNING = holder(MID_KEY, MID_NAME)
ENCRYPTION = holder(MID_KEY, MID_NAME, key=ENC_KEY, serial=101, usage="encryption")


def signed(data: bytes = PDF, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "key": SIGN_KEY,
        "certificate_der": SIGNING,
        "name": "招标文件.pdf",
        "media_type": "application/pdf",
        "at": NOW,
        "intermediates": [MID],
    }
    arguments.update(overrides)
    return sign_document(data, **arguments)


def refusal(data: bytes, signature: dict[str, Any], **kwargs: Any) -> str:
    kwargs.setdefault("roots", [ROOT])
    with pytest.raises(DocumentError) as caught:
        verify_document(data, signature, **kwargs)
    return caught.value.reason


def test_a_pdf_is_signed_and_verified() -> None:
    signature = signed()
    assert signature["format"] == "ggzy-docsig-v1"
    assert signature["document"] == {
        "sm3": sm3(PDF).hex(),
        "size": len(PDF),
        "name": "招标文件.pdf",
        "media_type": "application/pdf",
    }
    assert json.loads(json.dumps(signature)) == signature  # plain JSON, nothing else
    verified = verify_document(PDF, signature, roots=[ROOT])
    assert verified.holder_id == "91210100730000017Q"
    assert verified.signer == HOLDER["common_name"]
    assert verified.serial == 100
    assert verified.issuer == MID_NAME["common_name"]
    assert verified.signed_at == NOW
    assert verified.sm3 == sm3(PDF).hex()


def test_a_json_file_is_signed_by_path_and_verified_as_file_or_bytes(tmp_path: Path) -> None:
    path = tmp_path / "评标报告.json"
    path.write_text(json.dumps({"项目": "E2101000001", "中标候选人": ["甲", "乙"]}, ensure_ascii=False))
    signature = sign_document(path, SIGN_KEY, SIGNING, media_type="application/json", at=NOW)
    assert signature["document"]["name"] == "评标报告.json"
    assert verify_document(path, signature, roots=[ROOT], intermediates=[MID]).size == path.stat().st_size
    assert verify_document(path.read_bytes(), signature, roots=[ROOT], intermediates=[MID]).serial == 100


def test_a_file_larger_than_one_read_is_hashed_in_chunks(tmp_path: Path) -> None:
    data = bytes(range(251)) * (READ_SIZE * 5 // 2 // 251)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert document.digest(path) == (sm3(data).hex(), len(data))
    signature = sign_document(path, SIGN_KEY, SIGNING, media_type="application/octet-stream", at=NOW)
    assert verify_document(path, signature, roots=[ROOT], intermediates=[MID]).size == len(data)
    assert refusal(data[:-1] + b"\x00", signature, intermediates=[MID]) == "hash_mismatch"


def _resigned(key: Sm2PrivateKey, purpose: str) -> dict[str, Any]:
    """A valid signature whose `signature` field is replaced by `key`'s over the same payload."""
    signature = signed()
    payload = document._payload(signature["document"], signature["signed_at"], SIGNING)
    return {**signature, "signature": key.sign(purpose, payload).hex()}


def _foreign_ca() -> dict[str, Any]:
    stranger = Sm2PrivateKey.generate()
    certificate = holder(stranger, {"common_name": "Unconfigured CA"})
    return signed(certificate_der=certificate, intermediates=[])


def _revoked() -> tuple[dict[str, Any], list[bytes]]:
    crl = x509.issue_crl(
        issuer_key=MID_KEY,
        issuer=MID_NAME,
        revoked=[(100, NOW - DAY)],
        this_update=NOW - DAY,
        next_update=NOW + 7 * DAY,
    )
    return signed(), [crl]


def _field(name: str, value: Any) -> dict[str, Any]:
    return {**signed(), name: value}


def _document_field(name: str, value: Any) -> dict[str, Any]:
    signature = signed()
    return {**signature, "document": {**signature["document"], name: value}}


def _other_certificate_same_key() -> dict[str, Any]:
    """The signer's own key, but the signature claims another of its certificates: refused, the
    certificate is part of what was signed."""
    signature = signed()
    return {
        **signature,
        "signer_certificate": base64.b64encode(holder(MID_KEY, MID_NAME, serial=102)).decode(),
    }


CASES: list[tuple[str, Callable[[], tuple[bytes, dict[str, Any], list[bytes]]], str]] = [
    ("one changed byte", lambda: (PDF[:100] + b"X" + PDF[101:], signed(), []), "hash_mismatch"),
    ("one byte more", lambda: (PDF + b"\n", signed(), []), "hash_mismatch"),
    ("another document", lambda: (b"%PDF-1.7 another tender", signed(), []), "hash_mismatch"),
    (
        "another key",
        lambda: (PDF, _resigned(Sm2PrivateKey.generate(), "ggzy-document-v1"), []),
        "bad_signature",
    ),
    ("a login signature", lambda: (PDF, _resigned(SIGN_KEY, "ggzy-login-v1"), []), "bad_signature"),
    ("a bid signature", lambda: (PDF, _resigned(SIGN_KEY, "ggzy-bid-v1"), []), "bad_signature"),
    ("a renamed document", lambda: (PDF, _document_field("name", "另一个.pdf"), []), "bad_signature"),
    (
        "a backdated signature",
        lambda: (PDF, _field("signed_at", format_instant(NOW - DAY)), []),
        "bad_signature",
    ),
    ("a swapped certificate", lambda: (PDF, _other_certificate_same_key(), []), "bad_signature"),
    ("an unconfigured CA", lambda: (PDF, _foreign_ca(), []), "untrusted_root"),
    (
        "an encryption certificate",
        lambda: (PDF, signed(key=ENC_KEY, certificate_der=ENCRYPTION), []),
        "key_usage",
    ),
    ("a revoked certificate", lambda: (PDF, *_revoked()), "revoked"),
    (
        "an expired certificate",
        lambda: (PDF, signed(certificate_der=holder(MID_KEY, MID_NAME, not_after=NOW - DAY)), []),
        "expired",
    ),
    ("another format", lambda: (PDF, _field("format", "ggzy-docsig-v0"), []), "malformed"),
    ("no certificate", lambda: (PDF, _field("signer_certificate", "not base64!"), []), "malformed"),
    ("a short signature", lambda: (PDF, _field("signature", "00" * 63), []), "malformed"),
    ("a naive signing time", lambda: (PDF, _field("signed_at", "2026-01-01T00:00:00"), []), "malformed"),
    ("a size as text", lambda: (PDF, _document_field("size", str(len(PDF))), []), "malformed"),
]


@pytest.mark.parametrize(
    ("data_signature_crls", "reason"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_refusals(
    data_signature_crls: Callable[[], tuple[bytes, dict[str, Any], list[bytes]]], reason: str
) -> None:
    data, signature, crls = data_signature_crls()
    assert refusal(data, signature, crls=crls) == reason


def test_a_signature_stays_valid_after_its_certificate_expires_but_not_one_from_the_future() -> None:
    short = holder(MID_KEY, MID_NAME, not_after=NOW + DAY)
    signature = signed(certificate_der=short)
    assert verify_document(PDF, signature, roots=[ROOT], at=NOW + 400 * DAY).serial == 100
    assert refusal(PDF, signature, at=NOW - DAY) == "not_yet_valid"


def test_a_signers_clock_a_little_ahead_is_within_the_verifiers_leeway_and_no_further() -> None:
    signature = signed()
    seconds = dt.timedelta(seconds=1)
    assert refusal(PDF, signature, at=NOW - 30 * seconds) == "not_yet_valid"
    assert (
        verify_document(PDF, signature, roots=[ROOT], at=NOW - 30 * seconds, leeway=120 * seconds).serial
        == 100
    )
    assert refusal(PDF, signature, at=NOW - 121 * seconds, leeway=120 * seconds) == "not_yet_valid"


def test_the_key_must_match_the_certificate() -> None:
    with pytest.raises(KeyMaterialError):
        signed(key=ENC_KEY)


def test_two_cas_are_recognised_together() -> None:
    other_signing = x509.issue(
        issuer_key=OTHER_ROOT_KEY,
        issuer=OTHER_NAME,
        subject={"common_name": "大连港湾工程有限公司", "serial_number": "91210200MA0000002X"},
        public_key=ENC_KEY.public_key,
        serial=7,
        not_before=NOW - DAY,
        not_after=NOW + 365 * DAY,
        usage="signing",
    )
    ours, theirs = signed(), signed(key=ENC_KEY, certificate_der=other_signing, intermediates=[])
    both = [ROOT, OTHER_ROOT]
    assert verify_document(PDF, ours, roots=both).holder_id == "91210100730000017Q"
    assert verify_document(PDF, theirs, roots=both).holder_id == "91210200MA0000002X"
    assert refusal(PDF, theirs, roots=[ROOT]) == "untrusted_root"
    assert refusal(PDF, ours, roots=[OTHER_ROOT]) == "untrusted_root"


def _files(tmp_path: Path, signature: dict[str, Any]) -> tuple[Path, Path, Path, Path]:
    pdf, sig = tmp_path / "tender.pdf", tmp_path / "tender.pdf.sig.json"
    pdf.write_bytes(PDF)
    sig.write_text(json.dumps(signature), encoding="utf-8")
    root_der, root_pem = tmp_path / "root.der", tmp_path / "root.pem"
    root_der.write_bytes(ROOT)
    root_pem.write_bytes(pem.armor("CERTIFICATE", ROOT))
    return pdf, sig, root_der, root_pem


def test_the_command_line_verifies_a_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf, sig, root_der, root_pem = _files(tmp_path, signed())
    for root in (root_der, root_pem):
        assert main(["document", str(pdf), str(sig), "--root", str(root)]) == 0
        out = capsys.readouterr().out
        assert out.startswith("OK:")
        assert "91210100730000017Q" in out
    other = tmp_path / "other.der"
    other.write_bytes(OTHER_ROOT)
    assert main(["document", str(pdf), str(sig), "--root", str(other), "--root", str(root_der)]) == 0
    capsys.readouterr()


def test_the_command_line_names_each_refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signature, crls = _revoked()
    pdf, sig, root_der, _root_pem = _files(tmp_path, signature)
    crl = tmp_path / "mid.crl"
    crl.write_bytes(pem.armor("X509 CRL", crls[0]))
    assert main(["document", str(pdf), str(sig), "--root", str(root_der), "--crl", str(crl)]) == 1
    assert "FAILED (revoked)" in capsys.readouterr().out
    pdf.write_bytes(PDF + b" ")
    assert main(["document", str(pdf), str(sig), "--root", str(root_der)]) == 1
    assert "FAILED (hash_mismatch)" in capsys.readouterr().out
    pdf.write_bytes(PDF)
    other = tmp_path / "other.der"
    other.write_bytes(OTHER_ROOT)
    assert main(["document", str(pdf), str(sig), "--root", str(other)]) == 1
    assert "FAILED (untrusted_root)" in capsys.readouterr().out
    sig.write_text("{not json", encoding="utf-8")
    assert main(["document", str(pdf), str(sig), "--root", str(root_der)]) == 1
    assert "FAILED (malformed)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as caught:  # --root is required: no document is "verified" against nothing
        main(["document", str(pdf), str(sig)])
    assert caught.value.code == 2


def test_the_witness_proof_command_still_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proof = tmp_path / "proof.json"
    proof.write_text("{}", encoding="utf-8")
    pinned = ["--operator-key", SIGN_KEY.public_key.hex(), "--cosigner-key", ENC_KEY.public_key.hex()]
    assert main([str(proof), *pinned]) == 1
    assert "the proof carries no tree head" in capsys.readouterr().out
