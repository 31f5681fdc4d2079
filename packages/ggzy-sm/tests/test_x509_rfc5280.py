"""What RFC 5280 refuses, `validate` refuses: an issuing certificate that is not a CA or may not sign
certificates, a chain longer than a pathLenConstraint allows, a critical extension not understood, a
CRL that is not its CA's or is past its next update. Each case is built with the module's own builders
beside a good twin that validates, so each test fails if its check is removed. Last, GmSSL stays quiet
on a refused signature."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

from ggzy_sm import x509
from ggzy_sm.errors import IntegrityError
from ggzy_sm.sm2 import Sm2PrivateKey, _gmssl_quiet
from ggzy_sm.x509 import CertificateError

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
UNKNOWN = "1.2.156.99999.1"  # an extension no one here knows


@dataclass(frozen=True)
class Ca:
    key: Sm2PrivateKey
    name: dict[str, str]
    der: bytes


def make_ca(
    name: str, issuer: Ca | None, serial: int, key: Sm2PrivateKey | None = None, **options: Any
) -> Ca:
    """A CA certificate: a root if `issuer` is None; `options` go to x509.issue (path_length,
    extensions)."""
    key = key or Sm2PrivateKey.generate()
    subject = {"common_name": name, "organization_name": "ggzy demo"}
    der = x509.issue(
        issuer_key=issuer.key if issuer else key,
        issuer=issuer.name if issuer else subject,
        subject=subject,
        public_key=key.public_key,
        serial=serial,
        not_before=NOW - 365 * DAY,
        not_after=NOW + 1825 * DAY,
        usage="ca",
        **options,
    )
    return Ca(key, subject, der)


def make_holder(issuer: Ca, serial: int, **options: Any) -> bytes:
    return x509.issue(
        issuer_key=issuer.key,
        issuer=issuer.name,
        subject={"common_name": "辽宁天成建设集团有限公司", "serial_number": "91210100730000017Q"},
        public_key=Sm2PrivateKey.generate().public_key,
        serial=serial,
        not_before=NOW - 30 * DAY,
        not_after=NOW + 335 * DAY,
        usage="signing",
        **options,
    )


def make_crl(
    issuer: Ca,
    revoked: tuple[int, ...] = (),
    next_update: dt.datetime = NOW + 7 * DAY,
    key: Sm2PrivateKey | None = None,
    name: dict[str, str] | None = None,
) -> bytes:
    return x509.issue_crl(
        issuer_key=key or issuer.key,
        issuer=name or issuer.name,
        revoked=[(serial, NOW - 2 * DAY) for serial in revoked],
        this_update=min(NOW - DAY, next_update - DAY),
        next_update=next_update,
    )


ROOT = make_ca("ggzy Test Root CA", None, 1)
MID = make_ca("ggzy Test Issuing CA", ROOT, 2)
HOLDER = make_holder(MID, 100)  # signed by MID's key in MID's name: it chains through every MID variant


def mid_variant(serial: int, **options: Any) -> bytes:
    """MID's certificate issued again (same name, same key) with other extensions."""
    return make_ca("ggzy Test Issuing CA", ROOT, serial, key=MID.key, **options).der


def check(der: bytes, *intermediates: bytes, crls: tuple[bytes, ...] = ()) -> x509.Certificate:
    return x509.validate(
        der,
        intermediates=list(intermediates) or [MID.der],
        roots=[ROOT.der],
        at=NOW,
        usage="signing",
        crls=list(crls),
    )


def refusal(der: bytes, *intermediates: bytes, crls: tuple[bytes, ...] = ()) -> str:
    with pytest.raises(CertificateError) as caught:
        check(der, *intermediates, crls=crls)
    return caught.value.reason


def test_the_good_chain_validates_with_current_crls_of_each_ca() -> None:
    crls = (make_crl(ROOT, revoked=(77,)), make_crl(MID, revoked=(101,)))
    assert check(HOLDER, crls=crls).serial == 100
    assert check(HOLDER).serial == 100  # no CRL given: nothing to check (as before)


# ---- the issuing certificates: CA, keyCertSign (RFC 5280 §6.1.4 (k), (n)) ----


def test_an_intermediate_without_key_cert_sign_is_refused() -> None:
    no_cert_sign = mid_variant(
        3, extensions=[{"extn_id": "key_usage", "critical": True, "extn_value": {"crl_sign"}}]
    )
    assert x509.Certificate.load(no_cert_sign).is_ca
    assert refusal(HOLDER, no_cert_sign) == "issuer_key_usage"


def test_an_intermediate_without_ca_in_basic_constraints_is_refused() -> None:
    not_ca = mid_variant(
        4, extensions=[{"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}}]
    )
    assert "key_cert_sign" in x509.Certificate.load(not_ca).usages
    assert refusal(HOLDER, not_ca) == "issuer_not_ca"


def test_a_root_without_key_cert_sign_issues_nothing() -> None:
    key = Sm2PrivateKey.generate()
    root = make_ca(
        "CRL-only root",
        None,
        5,
        key=key,
        extensions=[{"extn_id": "key_usage", "critical": True, "extn_value": {"crl_sign"}}],
    )
    holder = make_holder(root, 106)
    with pytest.raises(CertificateError) as caught:
        x509.validate(holder, intermediates=[], roots=[root.der], at=NOW, usage="signing")
    assert caught.value.reason == "issuer_key_usage"


def test_only_a_ca_certificate_validates_as_a_ca() -> None:
    not_ca = mid_variant(
        19, extensions=[{"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}}]
    )
    for der in (HOLDER, not_ca):  # no CA key usage; CA key usage but not cA
        with pytest.raises(CertificateError) as caught:
            x509.validate(der, intermediates=[MID.der], roots=[ROOT.der], at=NOW, usage="ca")
        assert caught.value.reason == "key_usage"
    assert x509.validate(MID.der, intermediates=[], roots=[ROOT.der], at=NOW, usage="ca").serial == 2


# ---- pathLenConstraint (RFC 5280 §4.2.1.9, §6.1.4 (l), (m)) ----


def test_a_path_length_of_zero_allows_no_ca_below() -> None:
    mid0 = mid_variant(6, path_length=0)
    sub = make_ca("ggzy Test Sub CA", MID, 7)
    below_sub = make_holder(sub, 107)
    assert check(HOLDER, mid0).serial == 100  # its own holders: fine
    assert refusal(below_sub, mid0, sub.der) == "path_length"
    assert check(below_sub, mid_variant(8, path_length=1), sub.der).serial == 107
    assert check(below_sub, MID.der, sub.der).serial == 107  # no constraint at all


@pytest.mark.parametrize(("path_length", "allowed"), [(0, False), (1, True)])
def test_a_root_path_length_counts_the_cas_below(path_length: int, allowed: bool) -> None:
    root = make_ca("Constrained root", None, 9, path_length=path_length)
    mid = make_ca("Constrained issuing CA", root, 10)
    holder = make_holder(mid, 108)
    if allowed:
        assert x509.validate(holder, intermediates=[mid.der], roots=[root.der], at=NOW, usage="signing")
        return
    with pytest.raises(CertificateError) as caught:
        x509.validate(holder, intermediates=[mid.der], roots=[root.der], at=NOW, usage="signing")
    assert caught.value.reason == "path_length"


def test_a_self_issued_ca_certificate_does_not_count_against_the_path_length() -> None:
    """A CA's new key certified by its old one (key rollover) is not one more CA below (§6.1.4 (l))."""
    mid0 = mid_variant(11, path_length=0)
    new_key = Sm2PrivateKey.generate()
    rollover = make_ca("ggzy Test Issuing CA", MID, 12, key=new_key)
    holder = make_holder(Ca(new_key, MID.name, rollover.der), 109)
    assert check(holder, mid0, rollover.der).serial == 109


def test_path_length_is_for_ca_certificates_only() -> None:
    with pytest.raises(ValueError, match="CA certificate"):
        x509.issue(
            issuer_key=MID.key,
            issuer=MID.name,
            subject={"common_name": "x"},
            public_key=MID.key.public_key,
            serial=13,
            not_before=NOW,
            not_after=NOW + DAY,
            usage="signing",
            path_length=0,
        )


# ---- critical extensions (RFC 5280 §4.2) ----


def unknown_extension(critical: bool) -> list[dict[str, Any]]:
    return [{"extn_id": UNKNOWN, "critical": critical, "extn_value": b"\x05\x00"}]


def test_an_unknown_critical_extension_on_the_holder_is_refused() -> None:
    assert refusal(make_holder(MID, 110, extensions=unknown_extension(True))) == "critical_extension"
    assert check(make_holder(MID, 111, extensions=unknown_extension(False))).serial == 111


def test_an_unknown_critical_extension_on_the_intermediate_is_refused() -> None:
    assert refusal(HOLDER, mid_variant(14, extensions=unknown_extension(True))) == "critical_extension"
    assert check(HOLDER, mid_variant(15, extensions=unknown_extension(False))).serial == 100


def test_recognised_extensions_may_be_critical() -> None:
    policies = [
        {
            "extn_id": "certificate_policies",
            "critical": True,
            "extn_value": [{"policy_identifier": "1.2.156.112554.1.1"}],
        },
        {"extn_id": "key_identifier", "critical": True, "extn_value": b"\x01" * 20},
    ]
    der = make_holder(MID, 112, extensions=policies)
    assert x509.Certificate.load(der).critical_extensions == {
        "certificate_policies",
        "key_identifier",
        "key_usage",
        "basic_constraints",
    }
    assert check(der).serial == 112


def test_an_extension_twice_is_malformed() -> None:
    twice = unknown_extension(False) * 2
    assert refusal(make_holder(MID, 113, extensions=twice)) == "malformed"


def test_a_certificate_whose_signature_algorithm_is_not_sm2_with_sm3_is_refused() -> None:
    """The TBS and its signature are untouched: only the outer algorithm says something else."""
    cert = asn1_x509.Certificate.load(HOLDER)
    relabelled = asn1_x509.Certificate(
        {
            "tbs_certificate": cert["tbs_certificate"],
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature_value": cert["signature_value"].native,
        }
    ).dump()
    assert refusal(relabelled) == "signature"


# ---- CRLs: their CA's, current (RFC 5280 §6.3) ----


def test_a_crl_signed_by_another_key_is_refused() -> None:
    forged = make_crl(MID, key=Sm2PrivateKey.generate())  # names MID, revokes nothing
    assert refusal(HOLDER, crls=(forged,)) == "crl_invalid"
    assert refusal(HOLDER, crls=(make_crl(MID), forged)) == "crl_invalid"  # a good one beside it too


def test_a_crl_of_another_key_of_the_same_ca_is_not_this_links() -> None:
    """After a key rollover both issuing-CA certificates are configured; the old key's CRLs name the
    same CA but are not about the holders of the new key — ignored, not a reason to refuse them."""
    old = make_ca("ggzy Test Issuing CA", ROOT, 16)
    old_crl = make_crl(old, revoked=(100,))
    assert check(HOLDER, MID.der, old.der, crls=(old_crl,)).serial == 100
    assert refusal(HOLDER, MID.der, crls=(old_crl,)) == "crl_invalid"  # the old certificate unknown


def test_a_crl_naming_another_issuer_is_not_its_signers() -> None:
    """MID's key signs a CRL in the root's name: neither the root's CRL (for the MID link) nor MID's."""
    misnamed = make_crl(MID, name=ROOT.name)
    assert refusal(HOLDER, crls=(misnamed,)) == "crl_invalid"
    with pytest.raises(CertificateError) as caught:
        x509.revoked_serials(misnamed, x509.Certificate.load(MID.der))
    assert caught.value.reason == "signature"
    assert x509.revoked_serials(make_crl(MID, revoked=(5,)), x509.Certificate.load(MID.der)) == {5}


def test_a_crl_whose_signature_algorithm_is_not_sm2_with_sm3_is_refused() -> None:
    parsed = asn1_crl.CertificateList.load(make_crl(MID))
    relabelled = asn1_crl.CertificateList(
        {
            "tbs_cert_list": parsed["tbs_cert_list"],
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": parsed["signature"].native,
        }
    ).dump()
    assert refusal(HOLDER, crls=(relabelled,)) == "crl_invalid"


def test_a_crl_of_a_ca_that_may_not_sign_crls_is_refused() -> None:
    cert_sign_only = mid_variant(
        17, extensions=[{"extn_id": "key_usage", "critical": True, "extn_value": {"key_cert_sign"}}]
    )
    assert check(HOLDER, cert_sign_only).serial == 100
    assert refusal(HOLDER, cert_sign_only, crls=(make_crl(MID),)) == "crl_invalid"


def test_a_crl_with_an_unknown_critical_extension_is_refused() -> None:
    """An issuing distribution point (a CRL of limited scope) is not understood here."""
    tbs = asn1_crl.CertificateList.load(make_crl(MID))["tbs_cert_list"]
    scoped = asn1_crl.TbsCertList(
        {
            **{name: tbs[name] for name in ("version", "signature", "issuer", "this_update", "next_update")},
            "crl_extensions": [
                {
                    "extn_id": "issuing_distribution_point",
                    "critical": True,
                    "extn_value": {"only_contains_ca_certs": True},
                }
            ],
        }
    )
    signed = asn1_crl.CertificateList(
        {
            "tbs_cert_list": scoped,
            "signature_algorithm": {"algorithm": x509.SM2_WITH_SM3},
            "signature": x509._sign(MID.key, scoped),  # the module's CA signature
        }
    ).dump()
    assert x509.crl_issuer(signed) == MID.name
    assert refusal(HOLDER, crls=(signed,)) == "crl_invalid"


def test_an_unreadable_crl_is_refused() -> None:
    assert refusal(HOLDER, crls=(b"\x30\x03\x02\x01\x01",)) == "crl_invalid"


def test_a_stale_crl_is_refused_unless_a_newer_one_is_current() -> None:
    stale = make_crl(MID, next_update=NOW - DAY)
    assert refusal(HOLDER, crls=(stale,)) == "crl_stale"
    assert check(HOLDER, crls=(stale, make_crl(MID))).serial == 100  # the platform keeps old lists
    assert refusal(HOLDER, crls=(make_crl(ROOT, next_update=NOW - DAY),)) == "crl_stale"  # the root's too
    assert (
        refusal(make_holder(MID, 114), crls=(make_crl(MID, revoked=(114,), next_update=NOW - DAY),))
        == "revoked"
    )


# ---- GmSSL keeps quiet ----


def test_a_refused_signature_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    key = Sm2PrivateKey.generate()
    with pytest.raises(IntegrityError):
        key.public_key.verify("ggzy-test-v1", {"a": 1}, key.sign("ggzy-test-v1", {"a": 2}))
    with pytest.raises(IntegrityError):
        Sm2PrivateKey.generate().decrypt(key.public_key.encrypt(b"secret"))
    assert refusal(make_holder(make_ca("ggzy Test Issuing CA", ROOT, 18), 115)) == "signature"
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")
    key.public_key.verify("ggzy-test-v1", {"a": 2}, key.sign("ggzy-test-v1", {"a": 2}))  # still verifies


def test_other_output_meanwhile_still_reaches_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with _gmssl_quiet():
        os.write(2, b"/src/GmSSL/src/sm2_lib.c:155:sm2_do_verify():\nanother thread's line\n")
    assert capfd.readouterr().err == "another thread's line\n"


def test_without_a_way_to_silence_it_verification_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Silencing is best effort: no stderr to save (or no scratch file) and the call runs as it is."""

    def no_dup(fd: int) -> int:
        raise OSError(9, "Bad file descriptor")

    key = Sm2PrivateKey.generate()
    monkeypatch.setattr(os, "dup", no_dup)
    key.public_key.verify("ggzy-test-v1", 1, key.sign("ggzy-test-v1", 1))
    with pytest.raises(IntegrityError):
        key.public_key.verify("ggzy-test-v1", 1, key.sign("ggzy-test-v1", 2))
