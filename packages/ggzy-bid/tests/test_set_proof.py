"""`ggzy-bid seal --set-proof PROOF.json --witness-trust TRUST.json`: the bidder seals to a custodian set
only when a proof shows that the platform published this very set in the witness log under a tree head
that k pinned co-signers co-signed — never the platform's signature alone; and `ggzy-bid verify-proof`
checks any such proof."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from bid_world import FAKES, FINGERPRINT, Bidder, World, no_prompt, set_body, signed_set
from ggzy_bid.cli import main
from ggzy_sm import canonical, custodians, merkle, sealedbid, witness
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.witness import WitnessTrust

NOW = dt.datetime.now(dt.UTC)
OPERATOR = Sm2PrivateKey.generate()  # the platform's witness key
COSIGNERS = [Sm2PrivateKey.generate() for _ in range(3)]
SUPERVISOR = Sm2PrivateKey.generate()
TRUST = WitnessTrust(
    operator_keys=(OPERATOR.public_key,),
    cosigners=tuple((f"cosigner-{i}", key.public_key) for i, key in enumerate(COSIGNERS, start=1)),
    threshold=2,
    supervisor_keys=(SUPERVISOR.public_key,),
)
OTHER_SET = signed_set(set_body(version=2))  # the same members' other set: every signature verifies too
OTHER_FINGERPRINT = custodians.set_fingerprint(OTHER_SET["body"])


def event(type_: str, data: dict[str, Any]) -> str:
    """An event's canonical document, as the platform's recorder writes it."""
    return canonical.dumps(
        {
            "profile": canonical.PROFILE,
            "uid": str(uuid.uuid4()),
            "type": type_,
            "class": "security",
            "visibility": "public",
            "occurred_at": NOW,
            "centre": "210100",
            "project": "",
            "section": "",
            "region": "",
            "category": "",
            "actor": 1,
            "organisation": "",
            "embargo": None,
            "data": data,
        }
    ).decode("utf-8")


def publication(fingerprint: str) -> str:
    return event(
        "sealing.custodians.published",
        {"fingerprint": fingerprint, "k": 2, "n": 3, "demo": False, "custodians": [], "replaces": None},
    )


# The witness log: leaf 1 publishes the other set, leaf 3 this set, leaf 4 is an unrelated event that
# names this set's fingerprint too.
DOCUMENTS = [
    event("accounts.user.created", {"user": 7}),
    publication(OTHER_FINGERPRINT),
    event("calendar.day.closed", {}),
    publication(FINGERPRINT),
    event("sealing.bid.received", {"fingerprint": FINGERPRINT, "section": "A2101002026000001001001"}),
]
SALTS = [f"{i:02x}" * 16 for i in range(len(DOCUMENTS))]
TREE = merkle.MemoryTree()
for _salt, _document in zip(SALTS, DOCUMENTS, strict=True):
    TREE.append(merkle.leaf_hash(bytes.fromhex(_salt) + _document.encode("utf-8")))
SIZE = TREE.size
THIS, OTHER, UNRELATED = 3, 1, 4


def proof(
    index: int = THIS,
    signers: list[Sm2PrivateKey] = COSIGNERS[:2],
    *,
    epoch: int = 0,
    statements: list[Any] | None = None,
) -> dict[str, Any]:
    """The platform's inclusion proof of leaf `index` under a head co-signed by `signers`."""
    sth = witness.sth_make(SIZE, TREE.root().hex(), NOW, epoch=epoch)
    head: dict[str, Any] = {
        "sth": sth,
        "signature": OPERATOR.sign(witness.STH_PURPOSE, sth).hex(),
        "key_id": "witness-1",
        "cosignatures": [witness.cosignature_make(key, sth, None, NOW) for key in signers],
    }
    if statements is not None:
        head["epoch_statements"] = statements
    leaf = merkle.leaf_hash(bytes.fromhex(SALTS[index]) + DOCUMENTS[index].encode("utf-8"))
    return {
        "format": "ggzy-inclusion-v1",
        "hash": "sm3",
        "leaf_index": index,
        "tree_size": SIZE,
        "leaf_hash": leaf.hex(),
        "audit_path": [p.hex() for p in merkle.inclusion_proof(index, SIZE, TREE.get)],
        "salt": SALTS[index],
        "document": DOCUMENTS[index],
        "tree_head": head,
    }


@pytest.fixture
def command(bidder: Bidder) -> list[str]:
    """The seal command (with --custodians and --pin), without a proof; the trust file written."""
    (bidder / "trust.json").write_text(json.dumps(TRUST.to_json()), encoding="utf-8")
    return bidder.seal_command()


def with_proof(folder: Bidder, command: list[str], bundle: Any, *, trust: bool = True) -> list[str]:
    (folder / "proof.json").write_text(json.dumps(bundle), encoding="utf-8")
    more = ["--witness-trust", str(folder / "trust.json")] if trust else []
    return [*command, "--set-proof", str(folder / "proof.json"), *more]


def refused_without_writing(
    folder: Bidder, command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    """The command exits 2 with a message, without asking the passphrase, a custodian or writing."""
    no_prompt(monkeypatch)
    before = folder.files()
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "未封装，未写入任何文件" in err
    assert "Traceback" not in err
    assert folder.files() == before  # no bid, no temporary file
    assert all(fake.requests == [] for fake in FAKES)
    return err


def test_the_set_published_under_k_pinned_cosignatures_is_sealed_to(
    bidder: Bidder, command: list[str], world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = bidder
    assert main(with_proof(folder, command, proof())) == 0
    err = capsys.readouterr().err
    assert "见证日志中公布" in err
    assert sealedbid.read(folder / "bid.ggzybid").header["custodians"]["set"] == FINGERPRINT
    (folder / "bid.ggzybid").unlink()
    assert main(with_proof(folder, command, proof(signers=COSIGNERS))) == 0  # all three: k or more


@pytest.mark.parametrize(
    ("bundle", "shown"),
    [
        (proof(signers=[]), "only 0 of the 2 pinned co-signatures"),  # the platform's signature alone
        (proof(signers=COSIGNERS[:1]), "only 1 of the 2 pinned co-signatures"),  # k - 1
        (proof(signers=[Sm2PrivateKey.generate(), Sm2PrivateKey.generate()]), "only 0 of the 2"),
        (proof(OTHER), f"publishes custodian set {OTHER_FINGERPRINT}, not this set {FINGERPRINT}"),
        (proof(UNRELATED), "'sealing.bid.received' event, not the publication of a custodian set"),
        (proof(0), "names no custodian set fingerprint"),
        (proof(epoch=1), "epoch 1 has no valid statement"),
    ],
    ids=["no-cosignatures", "k-1", "unpinned", "other-set", "other-event", "no-fingerprint", "epoch"],
)
def test_a_set_proof_that_does_not_prove_this_sets_publication_is_refused(  # noqa: PLR0917 (parametrized)
    bidder: Bidder,
    command: list[str],
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    bundle: dict[str, Any],
    shown: str,
) -> None:
    folder = bidder
    err = refused_without_writing(folder, with_proof(folder, command, bundle), capsys, monkeypatch)
    assert err.startswith(
        f"ggzy-bid: 密钥托管方名单（指纹 {FINGERPRINT}）未被证明已在经共同签名的见证日志中公布"
    )
    assert "custodian set refused: its publication proof fails" in err
    assert shown in err


def test_a_tampered_proof_is_refused(
    bidder: Bidder, command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other set's proof with its audit path changed, or with this set's publication document put
    in: neither leads to the co-signed root."""
    folder = bidder
    tampered = proof()
    node = bytearray(bytes.fromhex(tampered["audit_path"][1]))
    node[-1] ^= 0x80
    tampered["audit_path"][1] = node.hex()
    err = refused_without_writing(folder, with_proof(folder, command, tampered), capsys, monkeypatch)
    assert "the audit path does not lead from leaf 3 to the tree head's root" in err

    swapped = proof(OTHER)
    swapped["document"] = swapped["document"].replace(OTHER_FINGERPRINT, FINGERPRINT)
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    err = refused_without_writing(folder, with_proof(folder, command, swapped), capsys, monkeypatch)
    assert "the document and salt do not hash to the proof's leaf hash" in err
    assert "the audit path does not lead from leaf 1" in err


def test_a_set_proof_needs_the_pinned_cosigners(
    bidder: Bidder,
    command: list[str],
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = bidder
    err = refused_without_writing(
        folder, with_proof(folder, command, proof(), trust=False), capsys, monkeypatch
    )
    assert "--set-proof 须与 --witness-trust 一起使用" in err
    assert "never accepted on the platform's signature alone" in err

    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    alone = [*command, "--witness-trust", str(folder / "trust.json")]  # a trust file but no proof
    assert "--witness-trust 须与 --set-proof 一起使用" in refused_without_writing(
        folder, alone, capsys, monkeypatch
    )

    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    unpinned = {**TRUST.to_json(), "cosigners": [], "threshold": 0}  # "trust the platform alone"
    (folder / "trust.json").write_text(json.dumps(unpinned), encoding="utf-8")
    err = refused_without_writing(folder, with_proof(folder, command, proof()), capsys, monkeypatch)
    assert "set proof refused: the witness trust file" in err
    assert "never accepted on the platform's signature alone" in err


def test_a_set_proof_without_a_set_or_unreadable_is_refused(
    bidder: Bidder,
    command: list[str],
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = bidder
    at = command.index("--custodians")
    no_set = command[:at] + command[at + 4 :]  # neither --custodians nor --pin: a v2 bid has a set
    with pytest.raises(SystemExit) as exited:
        main(with_proof(folder, no_set, proof()))
    assert exited.value.code == 2
    assert "--custodians" in capsys.readouterr().err

    monkeypatch.setenv("GGZY_BID_PASSPHRASE", "holder-passphrase")
    command = with_proof(folder, command, proof())
    (folder / "proof.json").write_text("{not json", encoding="utf-8")
    err = refused_without_writing(folder, command, capsys, monkeypatch)
    assert "cannot be read as JSON" in err


# --- verify-proof -----------------------------------------------------------------------------------


def verify(folder: Path, bundle: Any, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    (folder / "proof.json").write_text(json.dumps(bundle), encoding="utf-8")
    (folder / "trust.json").write_text(json.dumps(TRUST.to_json()), encoding="utf-8")
    status = main(["verify-proof", str(folder / "proof.json"), "--witness-trust", str(folder / "trust.json")])
    return status, capsys.readouterr().out


def test_verify_proof_says_ok_only_for_a_proof_under_k_pinned_cosignatures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = verify(tmp_path, proof(UNRELATED), capsys)
    assert status == 0
    assert out.startswith("OK: event sealing.bid.received (")
    assert f"is leaf {UNRELATED} of the witness log's tree head of {SIZE} leaves (epoch 0)" in out

    status, out = verify(tmp_path, proof(UNRELATED, COSIGNERS[:1]), capsys)
    assert status == 1
    assert "OK" not in out
    assert out.splitlines() == ["FAILED: only 1 of the 2 pinned co-signatures this head needs (cosigner-1)"]

    broken = proof(signers=[])
    broken["tree_size"] = SIZE - 1
    status, out = verify(tmp_path, broken, capsys)
    assert status == 1
    assert [line.split(":")[0] for line in out.splitlines()] == ["FAILED", "FAILED"]  # each failure named
    assert "only 0 of the 2" in out
    assert f"the proof is for a tree of {SIZE - 1} leaves" in out


def test_verify_proof_shows_an_epoch_break_and_refuses_an_epoch_without_its_statement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    statement = witness.epoch_statement_make(
        SUPERVISOR,
        previous_epoch=0,
        last_head={"tree_size": 9, "root_hash": "cd" * 32, "epoch": 0},
        first_head={"tree_size": SIZE, "root_hash": TREE.root().hex()},
        reason="数据库故障，自备份恢复",
        declared_at=NOW,
    )
    status, out = verify(tmp_path, proof(epoch=1, statements=[statement]), capsys)
    assert status == 0
    assert out.splitlines()[0].startswith("epoch break: epoch 1 began")
    assert "数据库故障" in out
    assert "OK: event sealing.custodians.published" in out
    status, out = verify(tmp_path, proof(epoch=1), capsys)
    assert (status, out) == (1, "FAILED: epoch 1 has no valid statement from the supervising department\n")


def test_verify_proof_refuses_unreadable_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "proof.json").write_text("[]", encoding="utf-8")
    (tmp_path / "trust.json").write_text(json.dumps(TRUST.to_json()), encoding="utf-8")
    arguments = [
        "verify-proof",
        str(tmp_path / "proof.json"),
        "--witness-trust",
        str(tmp_path / "trust.json"),
    ]
    assert main(arguments) == 1
    assert capsys.readouterr().out.startswith("FAILED: the proof")
    assert main([*arguments[:3], str(tmp_path / "missing.json")]) == 1
    assert capsys.readouterr().out.startswith("FAILED: the witness trust file")
