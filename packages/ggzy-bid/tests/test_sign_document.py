"""`ggzy-bid sign-document`: a detached ggzy-docsig-v1 signature of a file with the signing key, that
`ggzy_sm.document` verifies against the file (and refuses for another file)."""

from __future__ import annotations

import json

import pytest

from bid_world import BIDDER_CODE, CA, VALID, Bidder
from ggzy_bid.cli import main
from ggzy_sm import document, x509


def test_a_file_is_signed_and_the_signature_verifies_against_it_only(
    bidder: Bidder, capsys: pytest.CaptureFixture[str]
) -> None:
    record = bidder / "opening-record.json"
    record.write_bytes(b'{"format":"ggzy-opening-record-v1","section":"X"}')
    args = [
        "sign-document",
        str(record),
        "--key",
        str(bidder / "sign.key"),
        "--certificate",
        str(bidder / "sign.cer"),
    ]
    assert main(args) == 0
    signature = json.loads(capsys.readouterr().out)
    root = x509.issue(
        issuer_key=CA, issuer={"common_name": "Test CA"}, subject={"common_name": "Test CA"},
        public_key=CA.public_key, serial=1, not_before=VALID[0], not_after=VALID[1], usage="ca",
    )  # fmt: skip
    verified = document.verify_document(
        record, signature, roots=[root], at=VALID[0] + (VALID[1] - VALID[0]) / 2
    )
    assert verified.holder_id == BIDDER_CODE
    assert verified.name == "opening-record.json"
    other = bidder / "other.json"
    other.write_bytes(b"{}")
    with pytest.raises(document.DocumentError):
        document.verify_document(other, signature, roots=[root], at=VALID[0] + (VALID[1] - VALID[0]) / 2)
    (bidder / "sig.json").write_text("{}")
    assert main([*args, "--out", str(bidder / "sig.json")]) == 2  # never over an existing file
    assert "已存在" in capsys.readouterr().err


def test_a_key_that_is_not_the_certificates_is_refused(
    bidder: Bidder, capsys: pytest.CaptureFixture[str]
) -> None:
    record = bidder / "r.json"
    record.write_bytes(b"{}")
    wrong = [
        "sign-document",
        str(record),
        "--key",
        str(bidder / "release.key"),
        "--certificate",
        str(bidder / "sign.cer"),
    ]
    assert main(wrong) == 2
    assert "不是签名证书的密钥" in capsys.readouterr().err
