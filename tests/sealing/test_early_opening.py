"""The early-opening test (sealed bids II): no one, the operator included, can open a bid before its time.

**What the attacker holds** — everything the operator of the platform has, plus k−1 custodians:
  1. a full dump of the database (`dumpdata` of every app: headers, events, the wrapped platform keys),
  2. the media folder (every sealed bid file as stored),
  3. the platform key store: the master key, so every platform key unwraps (the opening key included),
  4. the test-CA folder: the CA's own key and root certificate (it can issue any certificate),
  5. the key files of k−1 = 1 custodian, with its passphrase.
It does not hold the bidders' own keys (the bidder can always open its own bid — docs/security.md §6).

A fresh process with all of that opens no bid, and a search of all of it finds no bid's key (raw, hex or
base64). The platform with its clock set ahead gets only refusals from the custodians, who judge the time
by their own clocks. After the deadline, k custodian services — separate processes with their own keys
and clocks, spoken to over HTTP — release their shares and both bids open.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.sealing import services
from ggzy.sealing.models import BidState, BidWindow
from ggzy_sm import canonical, custodians
from ggzy_sm.keys import write_key_file
from ggzy_sm.stream import PREFIX_SIZE
from tests.sealing.conftest import CA_KEY, CUSTODIAN_NAMES, SHEET, Stage, member, root

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
K = 2

ATTACKER = r'''
"""A fresh process with the attacker's holdings: it tries every key it has on everything wrapped."""
import base64, itertools, json, sys
from pathlib import Path
from Crypto.Protocol.SecretSharing import Shamir
from ggzy_sm import sealedbid, sm4
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

held = Path(sys.argv[1])
master = bytes.fromhex((held / "keystore" / "master_key").read_text().strip())
keys = []
for row in json.loads((held / "db.json").read_text()):
    if row["model"] != "core.platformkey":
        continue
    f = row["fields"]
    aad = f"ggzy-platform-key-v1|{f['purpose']}|{f['key_id']}".encode()
    secret = sm4.open_sealed(master, base64.b64decode(f["wrapped_secret"]), aad)
    if f["algorithm"] == "sm2":
        keys.append(Sm2PrivateKey(secret, Sm2PublicKey.from_hex(f["public_key"])))
keys.append(load_key_file(held / "ca" / "ca.key", "ca-passphrase"))
for name in ("signing.key", "encryption.key"):
    passphrase = (held / "custodian-1" / "passphrase.txt").read_text()
    keys.append(load_key_file(held / "custodian-1" / name, passphrase))

def unwrap(hex_text):
    for key in keys:
        try:
            return key.decrypt(bytes.fromhex(hex_text))
        except (CryptoError, ValueError):
            continue
    return None

report = {"keys": len(keys), "bids": 0, "opened": 0, "shares": {}}
for path in sorted((held / "media").rglob("*.bid")):
    bid = sealedbid.read(path)
    report["bids"] += 1
    candidates = []
    direct = unwrap(bid.header["wrapped_key"])
    if direct is not None:
        candidates.append(direct)
    shares = {}
    for entry in bid.header["custodians"]["shares"]:
        plain = unwrap(entry["wrapped"])
        if plain is not None:
            shares[entry["index"]] = bytes.fromhex(json.loads(plain)["share"])
    report["shares"][path.name] = sorted(shares)
    for size in range(1, len(shares) + 1):
        for subset in itertools.combinations(sorted(shares), size):
            candidates.append(Shamir.combine([(i, shares[i]) for i in subset]))
    candidates += list(shares.values())
    for candidate in candidates:
        try:
            sealedbid.check_commitment(bid, candidate)
        except sealedbid.BidError:
            continue
        report["opened"] += 1
        break
print(json.dumps(report))
'''


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def custodian_cli(*args: str | Path, passphrase: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ggzy_custodian", *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "GGZY_CUSTODIAN_PASSPHRASE": passphrase},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    running: list[subprocess.Popen[str]] = []
    yield running
    for process in running:
        process.terminate()
        process.wait(timeout=10)


def serve(
    folder: Path, *, index: int, port: int, set_file: Path, ca: Path, passphrase: str
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ggzy_custodian", "serve", "--state", str(folder), "--set", str(set_file),
            "--index", str(index), "--platform-key", keystore.opening_keys()[0].public_key.hex(),
            "--notice-key", keystore.signing_key()[1].public_key.hex(),
            "--root", str(ca), "--port", str(port),
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "GGZY_CUSTODIAN_PASSPHRASE": passphrase},
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "serving on" in line, process.stderr.read() if process.stderr else ""
    return process


@pytest.mark.clause("8.1.3")
def test_the_operator_with_k_minus_one_custodians_cannot_open_a_bid_before_its_time(  # noqa: PLR0915
    stage: Stage, tmp_path: Path, processes: list[subprocess.Popen[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # --- three custodians, each in its own folder with keys it generated itself
    folders, passphrases, ports = [], [], []
    for i, name in enumerate(CUSTODIAN_NAMES, start=1):
        folder, passphrase = tmp_path / f"custodian-{i}", f"custodian-{i}-passphrase"
        custodian_cli(
            "init", "--state", folder, "--name", name, "--iterations", "2000", passphrase=passphrase
        )
        folders.append(folder)
        passphrases.append(passphrase)
        ports.append(free_port())
    supervisor = member("沈阳市住房和城乡建设局")
    body = custodians.set_body(
        centre=stage.world.centre.code,
        k=K,
        custodians=[
            (
                name,
                f"http://127.0.0.1:{port}",
                (f / "signing.cer").read_bytes(),
                (f / "encryption.cer").read_bytes(),
            )
            for name, port, f in zip(CUSTODIAN_NAMES, ports, folders, strict=True)
        ],
        supervisor=(supervisor.name, supervisor.sign_cert),
        demo=False,
    )
    (tmp_path / "body.json").write_text(json.dumps(body), "utf-8")
    signatures = {
        str(i): custodian_cli(
            "sign-set", "--state", f, "--body", tmp_path / "body.json", "--yes", passphrase=p
        )
        .strip()
        .splitlines()[-1]
        for i, (f, p) in enumerate(zip(folders, passphrases, strict=True), start=1)
    }
    signatures["supervisor"] = custodians.set_sign(body, supervisor.sign)
    signed = {"body": body, "signatures": signatures}
    set_file = tmp_path / "set.json"
    set_file.write_text(json.dumps(signed), "utf-8")
    services.custodian_set_publish(actor=None, centre=stage.world.centre, signed=signed)
    cset = custodians.set_verify(signed)
    ca_root = tmp_path / "ca-root.cer"
    ca_root.write_bytes(root())
    for index in (1, 2):  # k of the three custodians run; the third is away
        processes.append(
            serve(
                folders[index - 1],
                index=index,
                port=ports[index - 1],
                set_file=set_file,
                ca=ca_root,
                passphrase=passphrases[index - 1],
            )
        )

    # --- a window closing in seconds (the service only postpones, so the test sets it directly)
    deadline = (clock.now() + dt.timedelta(seconds=10)).replace(microsecond=0)
    BidWindow.objects.filter(section=stage.section).update(
        deadline=deadline, opening_at=deadline, announced=[canonical.format_instant(deadline)], notices=[]
    )
    deks = [os.urandom(16), os.urandom(16)]
    bids = []
    for n, (bidder, dek) in enumerate(zip(stage.bidders, deks, strict=True)):
        path = stage.seal(
            bidder, name=f"bid-{n}", deadline=deadline, custodians=cset, _dek=(dek, os.urandom(PREFIX_SIZE))
        )
        bids.append(services.bid_receive(actor=bidder.user, section=stage.section, path=path))

    # --- the platform's clock set ahead: the custodians judge by their own and refuse
    monkeypatch.setattr(clock, "authority_now", lambda: deadline + dt.timedelta(hours=1))
    with pytest.raises(DomainError) as early:
        services.bid_open_by_custodians(actor=None, bid=bids[0])
    assert early.value.detail["reason"] == "shares_missing"
    failures = early.value.detail["failures"]
    assert failures["1"] == failures["2"] == "too_early"
    assert failures["3"].startswith("unreachable")
    monkeypatch.undo()

    # --- everything the attacker holds, in one folder
    held = tmp_path / "attacker"
    (held / "keystore").mkdir(parents=True)
    call_command("dumpdata", output=str(held / "db.json"), verbosity=0)
    shutil.copytree(settings.MEDIA_ROOT, held / "media")
    (held / "keystore" / "master_key").write_text(keystore.master_key().hex(), "ascii")
    (held / "ca").mkdir()
    write_key_file(CA_KEY, held / "ca" / "ca.key", "ca-passphrase", 2000)
    (held / "ca" / "root.cer").write_bytes(root())
    shutil.copytree(folders[0], held / "custodian-1")  # k−1 = 1 custodian's key files …
    (held / "custodian-1" / "passphrase.txt").write_text(passphrases[0], "utf-8")  # … and its passphrase
    script = tmp_path / "attacker.py"
    script.write_text(ATTACKER, "utf-8")
    attempt = subprocess.run(
        [sys.executable, str(script), str(held)], capture_output=True, text=True, timeout=120, check=False
    )
    assert attempt.returncode == 0, attempt.stderr
    report = json.loads(attempt.stdout)
    assert report["bids"] == 2
    assert report["keys"] >= 4  # the platform's SM2 keys, the CA's, the custodian's two
    assert report["opened"] == 0
    assert all(indexes == [1] for indexes in report["shares"].values())  # exactly k−1 shares, no more
    everything = b"".join(p.read_bytes() for p in held.rglob("*") if p.is_file())
    for dek in deks:
        for form in (dek, dek.hex().encode(), base64.b64encode(dek)):
            assert form not in everything

    # --- after the deadline, by the custodians' clocks and the platform's: k custodians open both bids
    time.sleep(max(0.0, (deadline - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
    for bid in bids:
        opened = services.bid_open_by_custodians(actor=None, bid=bid)
        assert opened.state == BidState.OPENED
        assert opened.opening_sheet == SHEET
    logs = [json.loads(line) for line in (folders[0] / "log.jsonl").read_text().splitlines()]
    assert [entry["outcome"] for entry in logs] == ["refused", "released", "released"]
    assert logs[0]["reason"] == "too_early"
    assert all("share" not in entry for entry in logs)  # the custodian's log never holds a share
