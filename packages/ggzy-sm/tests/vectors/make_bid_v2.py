#!/usr/bin/env python3
"""Writes the whole-file vector of ggzy-bid-v2 (docs/sealed-bid-format.md §10): `bid-v2.ggzybid` and its
keys and expectations `bid-v2.json`, beside this script.

    python packages/ggzy-sm/tests/vectors/make_bid_v2.py [--new-keys]

The stream is deterministic (fixed DEK and nonce prefix, the inputs of §10): sealing again with any keys
gives the same stream bytes, which `test_sealedbid.py::test_the_whole_file_vector_regenerates` checks.
The SM2 parts (the wrapped key, the envelope's shares, the signatures) are randomised: they were made once
with the test keys written into the JSON and are committed, and checked by verifying and decrypting. By
default the keys already in bid-v2.json are reused (the file's SM3 changes, its stream does not);
`--new-keys` draws new test keys, certificates and custodian set. Test keys only: never use them."""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from ggzy_sm import canonical, custodians, sealedbid, x509
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import sm3
from ggzy_sm.witness import WitnessTrust

HERE = Path(__file__).resolve().parent
BID = HERE / "bid-v2.ggzybid"
KEYS = HERE / "bid-v2.json"
DEADLINE = dt.datetime(2026, 12, 20, 1, 30, tzinfo=dt.UTC)
INPUTS: dict[str, Any] = {
    "tender_project": "A2101002026000001001",
    "section": "A2101002026000001001001",
    "bidder": "91210100730000017Q",
    "deadline": "2026-12-20T01:30:00.000000Z",
    "opening_sheet": {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 100}},
    "machine": {
        "format": "ggzy-machine-v1",
        "mac": [],
        "cpu": "",
        "disk": [],
        "memory": "",
        "board": "",
        "tool": "",
    },
    "documents": {"documents/a.pdf": "%PDF-1.7 vector"},
    "dek": bytes(range(16)).hex(),
    "nonce_prefix": bytes(range(7)).hex(),
    "chunk_size": 65536,
    "tool": "ggzy-sm test vector",
}
VALID = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2036, 1, 1, tzinfo=dt.UTC))


def _pair(key: Sm2PrivateKey) -> dict[str, str]:
    return {"secret": key.secret_bytes().hex(), "public_key": key.public_key.hex()}


def private(pair: dict[str, str]) -> Sm2PrivateKey:
    """A test key of the JSON (raw hex secret and public key)."""
    return Sm2PrivateKey(bytes.fromhex(pair["secret"]), Sm2PublicKey.from_hex(pair["public_key"]))


def new_keys() -> dict[str, Any]:
    """Fresh test keys: the bidder's signing key (certificate by a test CA) and release key, a demo 2-of-3
    custodian set with its supervisor, the platform's notice and opening keys and witness pins, and a
    notice announcing the deadline."""
    ca, signing, release = (Sm2PrivateKey.generate() for _ in range(3))
    ca_der = x509.issue(
        issuer_key=ca, issuer={"common_name": "ggzy test CA"}, subject={"common_name": "ggzy test CA"},
        public_key=ca.public_key, serial=1, not_before=VALID[0], not_after=VALID[1], usage="ca",
    )  # fmt: skip
    signing_der = x509.issue(
        issuer_key=ca, issuer={"common_name": "ggzy test CA"},
        subject={"common_name": "测试投标人", "serial_number": INPUTS["bidder"]},
        public_key=signing.public_key, serial=2, not_before=VALID[0], not_after=VALID[1], usage="signing",
    )  # fmt: skip
    members = [(Sm2PrivateKey.generate(), Sm2PrivateKey.generate()) for _ in range(3)]
    supervisor, notice_key, opening = (Sm2PrivateKey.generate() for _ in range(3))
    made = [
        custodians.member_certificates(
            signing=s, encryption=e, name=f"测试托管方 {i}", not_before=VALID[0], not_after=VALID[1]
        )
        for i, (s, e) in enumerate(members, start=1)
    ]
    supervisor_der, _ = custodians.member_certificates(
        signing=supervisor, encryption=Sm2PrivateKey.generate(), name="测试监督部门",
        not_before=VALID[0], not_after=VALID[1],
    )  # fmt: skip
    witness = WitnessTrust(
        operator_keys=(Sm2PrivateKey.generate().public_key,),
        cosigners=(("测试见证方", Sm2PrivateKey.generate().public_key),),
        threshold=1,
    )
    body = custodians.set_body(
        centre="210100", k=2,
        custodians=[(f"测试托管方 {i}", f"https://custodian{i}.example.cn", s, e)
                    for i, (s, e) in enumerate(made, start=1)],
        supervisor=("测试监督部门", supervisor_der), demo=True,
        notice_keys=[(notice_key.public_key, VALID[0], None)], opening_key=opening.public_key,
        witness_trust=witness,
    )  # fmt: skip
    signatures = {str(i): custodians.set_sign(body, s) for i, (s, _e) in enumerate(members, start=1)}
    signed = {"body": body, "signatures": {**signatures, "supervisor": custodians.set_sign(body, supervisor)}}
    cset = custodians.set_verify(signed)
    notice = custodians.notice_make(
        notice_key, cset.fingerprint, INPUTS["section"], DEADLINE, DEADLINE,
        dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    return {
        "signing": _pair(signing),
        "signing_certificate": base64.b64encode(signing_der).decode(),
        "ca_certificate": base64.b64encode(ca_der).decode(),
        "release": _pair(release),
        "custodians": [
            {"index": i, "signing": _pair(s), "encryption": _pair(e)}
            for i, (s, e) in enumerate(members, start=1)
        ],
        "supervisor": _pair(supervisor),
        "notice": _pair(notice_key),
        "opening": _pair(opening),
        "custodian_set": signed,
        "deadline_notice": notice,
    }


def seal(folder: Path, keys: dict[str, Any]) -> Path:
    """The vector sealed into `folder` with these keys (fixed DEK and nonce prefix)."""
    (folder / "a.pdf").write_text(INPUTS["documents"]["documents/a.pdf"], encoding="ascii")
    signing, release = private(keys["signing"]), private(keys["release"])
    signing_der = base64.b64decode(keys["signing_certificate"])
    target = folder / "bid-v2.ggzybid"
    sealedbid.seal(
        target=target,
        binding=sealedbid.Binding(
            tender_project=INPUTS["tender_project"], section=INPUTS["section"], bidder=INPUTS["bidder"],
            deadline=DEADLINE,
        ),
        opening_sheet=INPUTS["opening_sheet"], documents=[folder / "a.pdf"], signing_key=signing,
        signing_certificate=signing_der,
        release_key=sealedbid.release_key_bind(release.public_key, signing, signing_der),
        custodians=custodians.set_verify(keys["custodian_set"]), machine=INPUTS["machine"],
        tool=INPUTS["tool"],
        _dek=(bytes.fromhex(INPUTS["dek"]), bytes.fromhex(INPUTS["nonce_prefix"])),
    )  # fmt: skip
    return target


def expected(path: Path) -> dict[str, Any]:
    """What any implementation must find in the file: the entries in order, the SM3s and sizes."""
    bid = sealedbid.read(path)
    raw = path.read_bytes()
    stream = raw[bid.stream_offset : bid.stream_offset + bid.stream_size]
    sheet = canonical.dumps(INPUTS["opening_sheet"])
    machine = canonical.dumps(INPUTS["machine"])
    document = INPUTS["documents"]["documents/a.pdf"].encode()
    listed = {
        name: {"sm3": sm3(data).hex(), "size": len(data)}
        for name, data in (
            ("opening-sheet.json", sheet),
            ("machine.json", machine),
            ("documents/a.pdf", document),
        )
    }
    manifest = canonical.dumps({"format": "ggzy-bid-v2", "documents": listed})
    entries = [
        {"name": name, "size": len(data), "sm3": sm3(data).hex(), "text": data.decode()}
        for name, data in (
            ("opening-sheet.json", sheet),
            ("machine.json", machine),
            ("documents/a.pdf", document),
            ("manifest.json", manifest),
        )
    ]
    return {
        "key_commitment": sealedbid.commitment(bytes.fromhex(INPUTS["dek"])),
        "entries": entries,
        "stream_offset": bid.stream_offset,
        "stream_size": bid.stream_size,
        "stream_sm3": sm3(stream).hex(),
        "file_size": len(raw),
        "file_sm3": sm3(raw).hex(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--new-keys", action="store_true", help="draw new test keys (else reuse bid-v2.json's)"
    )
    args = parser.parse_args()
    keys = new_keys() if args.new_keys or not KEYS.exists() else json.loads(KEYS.read_text("utf-8"))["keys"]
    with tempfile.TemporaryDirectory() as folder:
        sealed = seal(Path(folder), keys)
        data = sealed.read_bytes()
        document = {
            "about": "ggzy-bid-v2 whole-file vector (docs/sealed-bid-format.md §10). TEST KEYS ONLY: raw hex "
            "SM2 secrets and 04-prefixed public keys; certificates base64 DER.",
            "inputs": INPUTS,
            "keys": keys,
            "expected": expected(sealed),
        }
    BID.write_bytes(data)
    KEYS.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
