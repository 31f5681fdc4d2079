#!/usr/bin/env python3
"""Certificate checks with our stack (asn1crypto + ggzy-sm's SM2) against the bare cryptography.

    python benchmarks/x509_validate.py [--quick]

`cryptography` cannot load SM2 keys, so `ggzy_sm.x509` parses with asn1crypto and verifies with
gmssl-fast. This measures a whole `validate()` of a holder certificate (root → issuing CA → holder,
one CRL of the issuing CA) — parsing, chain building, validity, key usage, revocation — in checks per
second, against the three SM2 verifications it cannot avoid (two certificate signatures and the
CRL's), called directly on gmssl-fast over the same bytes. The ratio is
the share of the time that is cryptography: 1.0 would mean parsing costs nothing. Goal: >= 0.5.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509

from ggzy_sm import x509
from ggzy_sm.sm2 import Sm2PrivateKey, _verify_bytes, signature_from_der

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def pki() -> tuple[bytes, bytes, bytes, bytes, list[tuple[Sm2PrivateKey, bytes, bytes]]]:
    root_key, mid_key, holder_key = (Sm2PrivateKey.generate() for _ in range(3))
    root_name, mid_name = {"common_name": "Bench Root"}, {"common_name": "Bench Issuing"}
    common = {"not_before": NOW - 10 * DAY, "not_after": NOW + 365 * DAY}
    root = x509.issue(
        issuer_key=root_key, issuer=root_name, subject=root_name, public_key=root_key.public_key,
        serial=1, usage="ca", **common,
    )  # fmt: skip
    mid = x509.issue(
        issuer_key=root_key, issuer=root_name, subject=mid_name, public_key=mid_key.public_key,
        serial=2, usage="ca", **common,
    )  # fmt: skip
    leaf = x509.issue(
        issuer_key=mid_key, issuer=mid_name, public_key=holder_key.public_key, serial=3, usage="signing",
        subject={"common_name": "holder", "serial_number": "91210100730000017Q"}, **common,
    )  # fmt: skip
    crl = x509.issue_crl(
        issuer_key=mid_key,
        issuer=mid_name,
        revoked=[(99, NOW - DAY)],
        this_update=NOW - DAY,
        next_update=NOW + DAY,
    )
    return root, mid, leaf, crl, [(root_key, root, mid), (mid_key, mid, leaf)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    rounds = 200 if parser.parse_args().quick else 2000
    root, mid, leaf, crl, _ = pki()
    issuers = {"root": x509.Certificate.load(root), "mid": x509.Certificate.load(mid)}
    # the signatures validate() must check, as (issuer public key, signed bytes, raw signature)
    work = []
    for signer, der in (("mid", leaf), ("root", mid)):
        cert = asn1_x509.Certificate.load(der)
        work.append(
            (
                issuers[signer].public_key,
                cert["tbs_certificate"].dump(),
                signature_from_der(bytes(cert["signature_value"].native)),
            )
        )
    parsed = asn1_crl.CertificateList.load(crl)
    crl_signed = (parsed["tbs_cert_list"].dump(), signature_from_der(bytes(parsed["signature"].native)))
    work.append((issuers["mid"].public_key, *crl_signed))

    def ours() -> None:
        x509.validate(leaf, intermediates=[mid], roots=[root], at=NOW, usage="signing", crls=[crl])

    def bare() -> None:
        for key, message, signature in work:
            _verify_bytes(key, message, signature)

    timings = {}
    for name, fn in (("validate", ours), ("bare_sm2", bare)):
        fn()
        start = time.perf_counter()
        for _ in range(rounds):
            fn()
        timings[name] = rounds / (time.perf_counter() - start)
    ratio = timings["validate"] / timings["bare_sm2"]
    for name, value in timings.items():
        print(f"{name:>10}: {value:8.1f} per second")
    print(
        json.dumps(
            {
                "benchmark": "x509_validate",
                "value": round(timings["validate"], 1),
                "unit": "chain validations/s (root → issuing CA → holder, one CRL)",
                "baseline": "the same three SM2 verifications on gmssl-fast directly",
                "baseline_value": round(timings["bare_sm2"], 1),
                "ratio": round(ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
