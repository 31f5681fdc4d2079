"""The early-opening tests (sealed bids II and format 2): no one, the operator included, can open a bid
before its time — tried by an **active operator** against custodians that run as separate processes
(`ggzy-custodian serve`, their own keys, state folders and clocks, reached over HTTP).

**What the attacker holds** — everything the operator of the platform has, plus k−1 custodians:
  1. a full dump of the database (`dumpdata` of every app: headers, events, the wrapped platform keys),
  2. the media folder (every sealed bid file as stored),
  3. the platform key store: the master key, so every platform key unwraps (the opening key, the notice
     key and the log key included),
  4. the test-CA folder: the CA's own key and root certificate (it can issue any certificate),
  5. the bidders' encryption keys (a CA's key management centre escrows them),
  6. the key files of k−1 = 1 custodian, with its passphrase.
It does not hold a bidder's release key (made on the bidder's machine, never escrowed) — the bidder can
always open its own bid at the opening.

And it acts: it sets the platform's clock ahead and back, rotates the notice key, withholds a
postponement, signs a "postponement" after the deadline, floods a custodian with forged notices, tells a
client the opening has begun, forces a late bid into the database and publishes a custodian set of its
own making. Each test below says which, and what stops it (docs/security.md §9).
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ggzy.accounts.models import RoleGrant
from ggzy.core import clock, keystore
from ggzy.core.errors import DomainError
from ggzy.core.models import Purpose
from ggzy.core.roles import Role
from ggzy.events.models import Event, Message
from ggzy.events.selectors import events_visible_to
from ggzy.ops import services as ops
from ggzy.sealing import services
from ggzy.sealing.errors import SealingError
from ggzy.sealing.models import BidState, BidWindow, NoticeKeyTransition
from ggzy.sealing.transport import HTTP
from ggzy.witness import services as witness_services
from ggzy.witness.selectors import inclusion_proof_for
from ggzy_bid import custodian_client
from ggzy_sm import canonical, custodians, sealedbid
from ggzy_sm.keys import write_key_file
from ggzy_sm.stream import PREFIX_SIZE
from ggzy_sm.witness_proof import check_inclusion_bundle
from tests.outside import Custodians, start_cosigners
from tests.sealing.conftest import CA_KEY, DAY, SHEET, Bidder, Stage, make_bidder, member, root, signed_set
from tests.sealing.live import go_live, sleep_until, window_in

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
PASSPHRASE = "early-opening-passphrase"

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
for path in sorted((held / "escrow").glob("*.key")):  # the bidders' encryption keys, from the KMC
    keys.append(load_key_file(path, "kmc-passphrase"))
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


def supervisor_user(region: str = "210100") -> Any:
    user = get_user_model().objects.create_user(
        username=f"supervisor-{region}", last_name="赵", first_name="监"
    )
    RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, region=region, granted_at=clock.now())
    return user


def seal_and_register(
    stage: Stage, live: Custodians, bidder: Bidder, name: str, deadline: dt.datetime, **seal: Any
) -> tuple[Path, list[dict[str, Any]]]:
    """A bid sealed for the live set and registered with its custodians by the bidder's own client code
    (ggzy_bid.custodian_client, over HTTP, the notices fetched from the custodians)."""
    path = stage.seal(bidder, name=name, deadline=deadline, custodians=live.cset, **seal)
    return path, custodian_client.register(path, live.cset)


def client(*args: str | Path, files: Path) -> subprocess.CompletedProcess[str]:
    """`ggzy-bid` as the bidder runs it."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "ggzy-bid"), *map(str, args)],
        capture_output=True, text=True, timeout=120, check=False, cwd=files,
        env={**os.environ, "GGZY_BID_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip


def bidder_files(bidder: Bidder, live: Custodians, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_key_file(bidder.sign, folder / "sign.key", PASSPHRASE, 2_000)
    sealedbid.release_key_save(bidder.release, folder / "release.key", PASSPHRASE)
    (folder / "sign.cer").write_bytes(bidder.sign_cert)
    shutil.copy(live.set_file, folder / "set.json")
    return folder


@pytest.mark.clause("8.1.3")
def test_the_operator_with_k_minus_one_custodians_cannot_open_a_bid_before_its_time(  # noqa: PLR0915
    stage: Stage,
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    live, _supervisor = go_live(stage, tmp_path / "custodians", settings, start=(1, 2))  # the third is away
    try:
        deadline = window_in(stage, django_capture_on_commit_callbacks, 30)
        deks = [os.urandom(16), os.urandom(16)]
        bids = []
        for n, (bidder, dek) in enumerate(zip(stage.bidders, deks, strict=True)):
            path, acks = seal_and_register(
                stage, live, bidder, f"bid-{n}", deadline, _dek=(dek, os.urandom(PREFIX_SIZE))
            )
            assert sorted(a["payload"]["custodian"] for a in acks) == [1, 2]
            bids.append(
                services.bid_receive(
                    actor=bidder.user, section=stage.section, path=path, acknowledgements=acks
                )
            )

        # --- the platform's clock set ahead: the custodians judge by their own clocks and refuse
        monkeypatch.setattr(clock, "authority_now", lambda: deadline + dt.timedelta(hours=1))
        with pytest.raises(DomainError) as early:
            services.bid_open_by_custodians(actor=None, bid=bids[0])
        assert early.value.detail["reason"] == "too_early"
        assert early.value.detail["custodians"] == {"1": "too_early", "2": "too_early", "3": "unreachable"}
        with pytest.raises(DomainError) as early_release:  # nor with a release obtained by a lie
            services.bid_open(actor=None, bid=bids[1], release=stage.release(bids[1]))
        assert early_release.value.detail["reason"] == "too_early"
        monkeypatch.undo()
        assert BidState(bids[0].state) == BidState.RECEIVED

        # --- the client, told the opening has begun, asks the custodians the time and refuses
        files = bidder_files(stage.bidders[0], live, tmp_path / "bidder-a")
        stored = Path(settings.MEDIA_ROOT) / bids[0].file
        told = client(
            "release", "--release-key", files / "release.key", "--key", files / "sign.key",
            "--custodians", files / "set.json", "--pin", live.cset.fingerprint, stored, files=files,
        )  # fmt: skip
        assert told.returncode != 0
        assert "未签发解密授权" in told.stderr  # "no release was made": too early by the custodians' time
        assert told.stdout == ""

        # --- everything the attacker holds, in one folder: nothing opens, no key is anywhere
        held = tmp_path / "attacker"
        (held / "keystore").mkdir(parents=True)
        call_command("dumpdata", output=str(held / "db.json"), verbosity=0)
        shutil.copytree(settings.MEDIA_ROOT, held / "media")
        (held / "keystore" / "master_key").write_text(keystore.master_key().hex(), "ascii")
        (held / "ca").mkdir()
        write_key_file(CA_KEY, held / "ca" / "ca.key", "ca-passphrase", 2000)
        (held / "ca" / "root.cer").write_bytes(root())
        (held / "escrow").mkdir()
        for n, bidder in enumerate(stage.bidders):
            write_key_file(bidder.enc, held / "escrow" / f"{n}.key", "kmc-passphrase", 2000)
        shutil.copytree(live.state(1), held / "custodian-1")  # k−1 = 1 custodian's key files …
        (held / "custodian-1" / "passphrase.txt").write_text(live.passphrase(1), "utf-8")  # … and passphrase
        script = tmp_path / "attacker.py"
        script.write_text(ATTACKER, "utf-8")
        attempt = subprocess.run(
            [sys.executable, str(script), str(held)], capture_output=True, text=True, timeout=120, check=False
        )
        assert attempt.returncode == 0, attempt.stderr
        report = json.loads(attempt.stdout)
        assert report["bids"] == 2
        assert report["keys"] >= 7  # the platform's SM2 keys, the CA's, two bidders', the custodian's two
        assert report["opened"] == 0
        assert all(indexes == [1] for indexes in report["shares"].values())  # exactly k−1 shares
        everything = b"".join(p.read_bytes() for p in held.rglob("*") if p.is_file())
        for dek in deks:
            for form in (dek, dek.hex().encode(), base64.b64encode(dek)):
                assert form not in everything

        # --- after the deadline: a late bid taken by the platform's clock set back gets no receipt …
        sleep_until(deadline)
        favoured = make_bidder("bidder-c", "东方建设有限公司")
        late, acks = stage.seal(favoured, name="late", deadline=deadline, custodians=live.cset), []
        with pytest.raises(custodians.CustodianError) as refused:
            custodian_client.register(late, live.cset)
        assert refused.value.reason == "acknowledgements"
        monkeypatch.setattr(clock, "authority_now", lambda: deadline - dt.timedelta(minutes=1))
        with pytest.raises(DomainError) as no_receipt:
            services.bid_receive(actor=favoured.user, section=stage.section, path=late, acknowledgements=acks)
        assert no_receipt.value.detail["reason"] == "acknowledgements"
        # … and one the operator forces into the database with its own code is never opened
        monkeypatch.setattr(custodians, "acks_check", lambda *args, **kwargs: [1, 2])
        forced = services.bid_receive(
            actor=favoured.user, section=stage.section, path=late, acknowledgements=[]
        )
        monkeypatch.undo()
        with pytest.raises(DomainError) as not_acknowledged:
            services.bid_open(actor=None, bid=forced, release=stage.release(forced, favoured))
        assert not_acknowledged.value.detail["reason"] == "not_acknowledged"

        # --- after the deadline by every clock: k custodians open both bids
        for bid in bids:
            opened = services.bid_open_by_custodians(actor=None, bid=bid)
            assert opened.state == BidState.OPENED
            assert opened.opening_sheet == SHEET
        log = live.log(1)
        shares = [e for e in log if isinstance(e["index"], int)]
        assert [e["outcome"] for e in shares] == ["released", "released"]  # no share left before the time
        assert all(e["time"] >= canonical.format_instant(deadline) for e in shares)
        closed = next(e for e in log if e["index"] == "closure")
        assert closed["closing_at"] == canonical.format_instant(deadline)
        assert closed["time"] >= closed["closing_at"]  # the section closed by the custodian's own clock
    finally:
        live.stop_all()


@pytest.mark.clause("9.2.3")
def test_a_rotated_notice_key_signs_nothing_the_custodians_honour_until_the_supervisor_cosigns(
    stage: Stage, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    log = start_cosigners(tmp_path / "cosigners", settings)  # the witness log's co-signers, as processes
    live, supervisor = go_live(stage, tmp_path / "custodians", settings, witness_trust=log.trust)
    try:
        capture = django_capture_on_commit_callbacks
        deadline = window_in(stage, capture, 3600)
        section = stage.section.code
        first = BidWindow.objects.get(section=stage.section).notices[-1]
        old = keystore.notice_keys()[0][1]
        ops.key_rotate(actor=None, purpose=Purpose.DEADLINE_NOTICE)  # the operator rotates the key
        new = keystore.notice_keys()[0][1]
        assert new.public_key != old.public_key
        # a "postponement" signed with the new key by hand: every custodian ignores it
        forged = custodians.notice_make(
            new, live.cset.fingerprint, section, deadline + DAY, deadline + DAY, clock.now()
        )
        for custodian in live.cset.custodians:
            assert HTTP.notice(custodian, forged) == {"ok": False, "reason": "unverified"}
            assert HTTP.latest_notice(custodian, section) == first
        # the platform itself keeps signing with the old key, which the set honours
        with capture(execute=True):
            services.window_set(actor=None, section=stage.section, deadline=deadline + DAY)
        postponed = BidWindow.objects.get(section=stage.section).notices[-1]
        assert postponed["signer"] == old.public_key.hex()
        assert all(HTTP.latest_notice(c, section) == postponed for c in live.cset.custodians)

        # the transition: begun by the platform (the old key signs it), co-signed by the supervisor
        transition = services.notice_key_transition_begin(actor=None, centre=stage.world.centre)
        payload = transition.document["payload"]
        with pytest.raises(DomainError) as forged_cosign:  # the operator's own "supervisor" key
            services.notice_key_transition_complete(
                actor=None,
                transition_uid=transition.uid,
                supervisor_signature=custodians.transition_sign(payload, member("假监督部门").sign),
            )
        assert forged_cosign.value.code is SealingError.TRANSITION_REFUSED
        services.notice_key_transition_complete(
            actor=None,
            transition_uid=transition.uid,
            supervisor_signature=custodians.transition_sign(payload, supervisor.sign),
        )
        assert NoticeKeyTransition.objects.get(pk=transition.pk).complete
        logged = Event.objects.get(type="sealing.notice_key.transition")
        assert logged.visibility == "public"
        # in the witness log, co-signed by the co-signers the set pins: anyone can prove it offline
        witness_services.witness_integrate()
        assert witness_services.sth_sign(force=True) is not None
        assert witness_services.cosign_collect() == 3
        bundle = inclusion_proof_for(viewer=supervisor_user(), event_uid=str(logged.uid))
        assert check_inclusion_bundle(bundle, live.cset.witness) == []
        with capture(execute=True):
            services.window_set(actor=None, section=stage.section, deadline=deadline + 2 * DAY)
        latest = BidWindow.objects.get(section=stage.section).notices[-1]
        assert latest["signer"] == new.public_key.hex()
        for custodian in live.cset.custodians:  # the separate processes honour it now, by the chain
            assert HTTP.latest_notice(custodian, section) == latest
            status = json.loads(
                urllib.request.urlopen(f"{custodian.url}/notice?section={section}", timeout=10).read()  # noqa: S310
            )
            assert status["payload"]["opening_at"] == canonical.format_instant(deadline + 2 * DAY)
    finally:
        live.stop_all()
        log.stop_all()


@pytest.mark.clause("8.1.3")
def test_a_withheld_postponement_delivered_by_the_supervisor_holds_and_a_late_postponement_reopens_nothing(
    stage: Stage,
    tmp_path: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    live, _supervisor = go_live(stage, tmp_path / "custodians", settings)
    try:
        capture = django_capture_on_commit_callbacks
        deadline = window_in(stage, capture, 15)
        path, acks = seal_and_register(stage, live, stage.bidders[0], "on-time", deadline)
        bid = services.bid_receive(
            actor=stage.bidders[0].user, section=stage.section, path=path, acknowledgements=acks
        )
        # the opening is postponed by an hour, and the operator withholds the notice from the custodians
        opening = deadline + dt.timedelta(hours=1)
        with capture(execute=False):
            services.window_set(actor=None, section=stage.section, deadline=deadline, opening_at=opening)
        for custodian in live.cset.custodians:
            assert (
                custodians.notice_read(
                    HTTP.latest_notice(custodian, stage.section.code), live.cset
                ).opening_at
                == deadline
            )
        # the supervising department reads the signed notice from the public log and delivers it itself
        boss = supervisor_user()
        published = events_visible_to(boss).filter(type="sealing.window.set").order_by("-pk").first()
        notice = json.loads(published.document)["data"]["notice"]
        for custodian in live.cset.custodians:
            assert HTTP.notice(custodian, notice)["ok"] is True
        # after the deadline the operator, its clock set past the opening, asks for the shares: refused
        sleep_until(deadline)
        monkeypatch.setattr(clock, "authority_now", lambda: opening + dt.timedelta(seconds=1))
        with pytest.raises(DomainError) as early:
            services.bid_open_by_custodians(actor=None, bid=bid)
        assert early.value.detail["reason"] in {"too_early", "shares_missing"}
        assert set(early.value.detail.get("failures", early.value.detail.get("custodians", {})).values()) == {
            "too_early"
        }
        monkeypatch.undo()
        assert BidState(bid.state) == BidState.RECEIVED

        # after the deadline the operator "postpones" the deadline to let a favoured bid in. The
        # platform refuses; the operator sets its clock back past that check. The custodians close the
        # section by the deadline they held first, and the late bid gets no receipt
        later = deadline + dt.timedelta(hours=2)
        with pytest.raises(DomainError) as honest:
            services.window_set(actor=None, section=stage.section, deadline=later, opening_at=later)
        assert honest.value.code is SealingError.DEADLINE_PASSED
        monkeypatch.setattr(clock, "now", lambda: deadline - dt.timedelta(seconds=1))
        with capture(execute=True):
            services.window_set(actor=None, section=stage.section, deadline=later, opening_at=later)
        monkeypatch.undo()
        late = stage.seal(stage.bidders[1], name="late", deadline=later, custodians=live.cset)
        with pytest.raises(custodians.CustodianError) as refused:
            custodian_client.register(late, live.cset)
        assert refused.value.reason == "acknowledgements"
        for index in (1, 2, 3):
            closure = custodians.closure_verify(
                HTTP.closure(live.cset.custodian(index), stage.section.code), live.cset
            )
            assert closure["closing_at"] == canonical.format_instant(deadline)
            assert closure["ciphertexts"] == [bid.ciphertext_sm3]
    finally:
        live.stop_all()


@pytest.mark.clause("9.2.2")
def test_ten_thousand_garbage_notices_change_nothing_and_raise_one_alarm(
    stage: Stage, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    live, _supervisor = go_live(stage, tmp_path / "custodians", settings)
    try:
        window_in(stage, django_capture_on_commit_callbacks, 3600)
        boss = supervisor_user()
        section = stage.section.code
        custodian = live.cset.custodian(1)
        announced = HTTP.latest_notice(custodian, section)
        assert announced == BidWindow.objects.get(section=stage.section).notices[-1]
        forger = member("伪造者").sign
        bodies = [
            json.dumps(
                custodians.notice_make(
                    forger, live.cset.fingerprint, section, stage.deadline + (n + 1) * DAY,
                    stage.deadline + (n + 1) * DAY, clock.now(),
                )
            ).encode()
            for n in range(50)
        ]  # fmt: skip

        def send(n: int) -> int:
            request = urllib.request.Request(  # noqa: S310  (the custodian's http URL)
                f"{custodian.url}/notice",
                data=bodies[n % len(bodies)],
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return int(response.status)

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(send, range(10_000)))
        minutes = int((time.monotonic() - started) // 60) + 2  # rate-limit windows the flood spanned
        assert set(statuses) == {202}
        assert HTTP.latest_notice(custodian, section) == announced  # the release time is unchanged
        health = HTTP.health(custodian)
        assert health["unverified_notices"] == 10_000
        log = live.log(1)
        ignored = [e for e in log if e.get("outcome") == "ignored"]
        assert len(ignored) <= 60 * minutes  # the log is rate-limited: 60 lines a minute per address
        assert services.custodians_watch(force=True) == 1
        alarm = Event.objects.get(type="sealing.custodian.unverified_notices")
        assert json.loads(alarm.document)["data"]["count"] == 10_000
        assert events_visible_to(boss).filter(pk=alarm.pk).exists()
        assert Message.objects.filter(recipient=boss, template="sealing.custodian_alarm").count() == 1
        assert services.custodians_watch(force=True) == 0
    finally:
        live.stop_all()


@pytest.mark.clause("8.1.3")
def test_a_set_the_operator_made_itself_is_refused_by_the_platform_and_the_client(
    stage: Stage, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    live, _supervisor = go_live(stage, tmp_path / "custodians", settings)
    try:
        window_in(stage, django_capture_on_commit_callbacks, 3600)
        # custodians of the operator's own making; without the supervising department's signature the
        # platform publishes nothing
        puppets = [member(f"运营方保管人{n}") for n in range(3)]
        fake_supervisor = member("运营方自称的监督部门")
        unsigned = signed_set(stage.world.centre.code, puppets, fake_supervisor, version=3)
        del unsigned["signatures"]["supervisor"]
        with pytest.raises(DomainError) as refused:
            services.custodian_set_publish(actor=None, centre=stage.world.centre, signed=unsigned)
        assert refused.value.code is SealingError.SET_REFUSED
        # with a "supervisor" of its own too, the set verifies — and a bidder's client, pinned to the
        # fingerprint the supervising department announced, refuses to seal or register against it
        own = signed_set(stage.world.centre.code, puppets, fake_supervisor, version=3)
        files = bidder_files(stage.bidders[0], live, tmp_path / "bidder")
        (files / "own.json").write_text(json.dumps(own), "utf-8")
        (files / "sheet.json").write_text(json.dumps(SHEET, ensure_ascii=False), "utf-8")
        (files / "doc.pdf").write_bytes(b"%PDF-1.7 document")
        for pins in (("--pin", live.cset.fingerprint), ()):
            sealed = client(
                "seal", "--section", stage.section.code, "--bidder", stage.bidders[0].organisation.uscc,
                "--opening-sheet", files / "sheet.json", "--key", files / "sign.key",
                "--certificate", files / "sign.cer", "--release-key", files / "release.key",
                "--custodians", files / "own.json", *pins, "--out", files / "bid.ggzybid", files / "doc.pdf",
                files=files,
            )  # fmt: skip
            assert sealed.returncode != 0
            assert "名单" in sealed.stderr
            assert not (files / "bid.ggzybid").exists()
    finally:
        live.stop_all()
