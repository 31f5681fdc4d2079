"""SM2 certificates: a test PKI (root → intermediate → dual certificates), every refusal, and two
independent checks — OpenSSL verifies our chains, `cryptography` parses our certificates."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509 as other_x509
from cryptography.hazmat.primitives.serialization import Encoding

from ggzy_sm import x509
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.x509 import CertificateError

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
ROOT_KEY, MID_KEY, SIGN_KEY, ENC_KEY = (Sm2PrivateKey.generate() for _ in range(4))
ROOT_NAME = {"common_name": "ggzy Test Root CA", "organization_name": "ggzy demo"}
MID_NAME = {"common_name": "ggzy Test Issuing CA", "organization_name": "ggzy demo"}
HOLDER = {"common_name": "辽宁天成建设集团有限公司", "serial_number": "91210100730000017Q"}

ROOT = x509.issue(
    issuer_key=ROOT_KEY,
    issuer=ROOT_NAME,
    subject=ROOT_NAME,
    public_key=ROOT_KEY.public_key,
    serial=1,
    not_before=NOW - 365 * DAY,
    not_after=NOW + 3650 * DAY,
    usage="ca",
)
MID = x509.issue(
    issuer_key=ROOT_KEY,
    issuer=ROOT_NAME,
    subject=MID_NAME,
    public_key=MID_KEY.public_key,
    serial=2,
    not_before=NOW - 365 * DAY,
    not_after=NOW + 1825 * DAY,
    usage="ca",
)
SIGNING = x509.issue(
    issuer_key=MID_KEY,
    issuer=MID_NAME,
    subject=HOLDER,
    public_key=SIGN_KEY.public_key,
    serial=100,
    not_before=NOW - 30 * DAY,
    not_after=NOW + 335 * DAY,
    usage="signing",
)
ENCRYPTION = x509.issue(
    issuer_key=MID_KEY,
    issuer=MID_NAME,
    subject=HOLDER,
    public_key=ENC_KEY.public_key,
    serial=101,
    not_before=NOW - 30 * DAY,
    not_after=NOW + 335 * DAY,
    usage="encryption",
)


def check(
    der: bytes,
    usage: x509.Usage = "signing",
    at: dt.datetime = NOW,
    crls: list[bytes] | None = None,
    roots: list[bytes] | None = None,
) -> x509.Certificate:
    return x509.validate(
        der,
        intermediates=[MID],
        roots=[ROOT] if roots is None else roots,
        at=at,
        usage=usage,
        crls=crls or [],
    )


def test_dual_certificates_validate_for_their_own_use() -> None:
    signing = check(SIGNING, "signing")
    assert signing.holder_id == "91210100730000017Q"
    assert signing.public_key == SIGN_KEY.public_key
    assert check(ENCRYPTION, "encryption").public_key == ENC_KEY.public_key


@pytest.mark.parametrize(
    ("der", "usage", "at", "reason"),
    [
        (SIGNING, "encryption", NOW, "key_usage"),  # a signing certificate offered for encryption
        (ENCRYPTION, "signing", NOW, "key_usage"),  # and the reverse
        (SIGNING, "signing", NOW + 400 * DAY, "expired"),
        (SIGNING, "signing", NOW - 60 * DAY, "not_yet_valid"),
    ],
)
def test_refusals(der: bytes, usage: x509.Usage, at: dt.datetime, reason: str) -> None:
    with pytest.raises(CertificateError) as caught:
        check(der, usage, at)
    assert caught.value.reason == reason


def test_a_revoked_certificate_is_refused_and_a_crl_of_another_ca_ignored() -> None:
    crl = x509.issue_crl(
        issuer_key=MID_KEY,
        issuer=MID_NAME,
        revoked=[(100, NOW - DAY)],
        this_update=NOW - DAY,
        next_update=NOW + 7 * DAY,
    )
    stranger = Sm2PrivateKey.generate()
    foreign = x509.issue_crl(
        issuer_key=stranger,
        issuer={"common_name": "Other CA"},
        revoked=[(101, NOW - DAY)],
        this_update=NOW - DAY,
        next_update=NOW - 3 * DAY,  # stale too: it is not about this chain
    )
    with pytest.raises(CertificateError) as caught:
        check(SIGNING, crls=[crl])
    assert caught.value.reason == "revoked"
    assert check(ENCRYPTION, "encryption", crls=[crl, foreign]).serial == 101


def test_an_unconfigured_ca_and_a_forged_signature_are_refused() -> None:
    stranger = Sm2PrivateKey.generate()
    other_root = x509.issue(
        issuer_key=stranger,
        issuer={"common_name": "Other CA"},
        subject={"common_name": "Other CA"},
        public_key=stranger.public_key,
        serial=9,
        not_before=NOW - DAY,
        not_after=NOW + DAY,
        usage="ca",
    )
    with pytest.raises(CertificateError) as caught:
        check(SIGNING, roots=[other_root])
    assert caught.value.reason == "untrusted_root"
    forged = x509.issue(
        issuer_key=stranger,
        issuer=MID_NAME,
        subject=HOLDER,
        public_key=SIGN_KEY.public_key,
        serial=102,
        not_before=NOW - DAY,
        not_after=NOW + DAY,
        usage="signing",
    )
    with pytest.raises(CertificateError) as caught:
        check(forged)
    assert caught.value.reason == "signature"
    with pytest.raises(CertificateError) as caught:
        check(b"\x30\x03\x02\x01\x01")
    assert caught.value.reason == "malformed"


def test_cryptography_parses_our_certificates_alike() -> None:
    parsed = other_x509.load_der_x509_certificate(SIGNING)
    assert parsed.serial_number == 100
    assert parsed.signature_algorithm_oid.dotted_string == "1.2.156.10197.1.501"
    assert "91210100730000017Q" in parsed.subject.rfc4514_string()
    key_usage = parsed.extensions.get_extension_for_class(other_x509.KeyUsage).value
    assert key_usage.digital_signature
    assert not key_usage.key_encipherment


@pytest.mark.skipif(not shutil.which("openssl"), reason="the openssl command is not installed")
def test_openssl_verifies_our_chains(tmp_path: Path) -> None:
    def pem(name: str, der: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(other_x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM))
        return path

    root, mid, leaf = pem("root.pem", ROOT), pem("mid.pem", MID), pem("leaf.pem", SIGNING)
    # OpenSSL 3.0 passes the SM2 ID (-vfyopt distid) to the end certificate's check only, so each link
    # of the chain is checked on its own: the issuing CA by the root, the holder by the issuing CA.
    for ca, cert, extra in [(root, mid, []), (mid, leaf, ["-partial_chain"])]:
        result = subprocess.run(
            [
                "openssl",
                "verify",
                "-vfyopt",
                "distid:1234567812345678",
                "-attime",
                str(int(NOW.timestamp())),
                *extra,
                "-CAfile",
                str(ca),
                str(cert),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.stdout.strip().endswith("OK"), result.stdout + result.stderr
    forged = pem(
        "forged.pem",
        x509.issue(
            issuer_key=Sm2PrivateKey.generate(),
            issuer=MID_NAME,
            subject=HOLDER,
            public_key=SIGN_KEY.public_key,
            serial=103,
            not_before=NOW - DAY,
            not_after=NOW + DAY,
            usage="signing",
        ),
    )
    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-vfyopt",
            "distid:1234567812345678",
            "-attime",
            str(int(NOW.timestamp())),
            "-partial_chain",
            "-CAfile",
            str(mid),
            str(forged),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "OK" not in result.stdout
