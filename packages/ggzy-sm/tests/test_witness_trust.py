"""ggzy_sm.witness: tree heads read strictly, a head accepted only with k pinned co-signatures, the
trust file a verifier pins, the supervising department's epoch statements, and a consistency proof
from the empty tree that checks the old root."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

import pytest

from ggzy_sm import merkle, witness
from ggzy_sm.canonical import CanonicalError
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.witness import WitnessError, WitnessTrust

T0 = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)
OPERATOR = Sm2PrivateKey.generate()
NOTARY, AUDITOR, BUREAU, STRANGER = (Sm2PrivateKey.generate() for _ in range(4))
SUPERVISOR = Sm2PrivateKey.generate()
TRUST = WitnessTrust(
    (OPERATOR.public_key,),
    (("notary", NOTARY.public_key), ("auditor", AUDITOR.public_key), ("bureau", BUREAU.public_key)),
    2,
    (SUPERVISOR.public_key,),
)


def sth(size: int = 8, **changes: Any) -> dict[str, Any]:
    return {**witness.sth_make(size, "ab" * 32, T0), **changes}


def signed(payload: dict[str, Any], key: Sm2PrivateKey = OPERATOR) -> dict[str, Any]:
    return {"sth": payload, "signature": key.sign(witness.STH_PURPOSE, payload).hex(), "key_id": "k"}


def cosigned(payload: dict[str, Any], *cosigners: Sm2PrivateKey) -> dict[str, Any]:
    head = signed(payload)
    head["cosignatures"] = [witness.cosignature_make(c, payload, None, T0) for c in cosigners]
    return head


# --- tree heads -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad",
    [
        {**sth(), "extra": 1},
        {k: v for k, v in sth().items() if k != "epoch"},
        {k: v for k, v in sth().items() if k != "timestamp"},
        sth(tree_size=8.0),
        sth(tree_size=True),
        sth(tree_size=-1),
        sth(tree_size=2**53),
        sth(tree_size="8"),
        sth(epoch=1.0),
        sth(epoch=False),
        sth(root_hash="AB" * 32),  # upper case: another spelling of the same root
        sth(root_hash="ab" * 31),
        sth(root_hash="zz" * 32),
        sth(root_hash="ab" * 32 + "\n"),
        sth(root_hash=None),
        sth(log="another-log"),
        sth(hash="md5"),
        sth(timestamp="2026-12-05T10:00:00.000000"),  # naive
        sth(timestamp="2026-12-05T10:00:00Z"),  # no microseconds
        sth(timestamp="2026-12-05T18:00:00.000000+08:00"),
        sth(timestamp="2026-12-05 10:00:00.000000Z"),
        sth(timestamp="2026-12-05T10:00:00.000000Z\n"),
        sth(timestamp="２０２６-12-05T10:00:00.000000Z"),  # full-width digits
        sth(timestamp="2026-02-30T10:00:00.000000Z"),  # no such day
        sth(timestamp=1796551200),
        None,
        ["a", "list"],
    ],
)
def test_sth_check_takes_exactly_one_spelling_of_a_head(bad: Any) -> None:
    with pytest.raises(WitnessError) as refused:
        witness.sth_check(bad)
    assert refused.value.reason == "malformed"


def test_a_well_formed_head_passes_as_it_is() -> None:
    head = sth(epoch=3)
    assert witness.sth_check(head) is head
    assert witness.head_ref(head) == {"tree_size": 8, "root_hash": "ab" * 32, "epoch": 3}
    assert witness.parse_instant(head["timestamp"]) == T0


# --- verify_head ------------------------------------------------------------------------------------
def test_a_head_needs_k_pinned_cosignatures_never_the_platforms_signature_alone() -> None:
    payload = sth()
    assert witness.verify_head(cosigned(payload), TRUST) == [
        "only 0 of the 2 pinned co-signatures this head needs"
    ]
    assert witness.verify_head(cosigned(payload, NOTARY), TRUST) == [
        "only 1 of the 2 pinned co-signatures this head needs (notary)"
    ]
    assert witness.verify_head(cosigned(payload, NOTARY, AUDITOR), TRUST) == []
    assert witness.verify_head(cosigned(payload, NOTARY, AUDITOR, BUREAU), TRUST) == []
    assert witness.verify_head(cosigned(payload, NOTARY, NOTARY), TRUST) != []  # one co-signer, twice
    assert witness.verify_head(cosigned(payload, NOTARY, STRANGER), TRUST) != []  # not pinned: ignored
    forged = cosigned(payload, NOTARY, AUDITOR)
    forged["signature"] = STRANGER.sign(witness.STH_PURPOSE, payload).hex()  # not the platform's key
    assert witness.verify_head(forged, TRUST) == [
        "the platform's signature on the head does not verify with a pinned key"
    ]
    assert witness.verify_head({**cosigned(payload, NOTARY), "cosignatures": 5}, TRUST) == [
        "the head's cosignatures are not a list"
    ]


def test_a_cosignature_of_another_head_or_a_tampered_one_does_not_count() -> None:
    payload = sth()
    head = cosigned(payload, NOTARY)
    head["cosignatures"].append(witness.cosignature_make(AUDITOR, sth(9), None, T0))
    assert witness.verify_head(head, TRUST) == [
        "co-signer auditor: the co-signature is for another head",
        "only 1 of the 2 pinned co-signatures this head needs (notary)",
    ]
    tampered = witness.cosignature_make(AUDITOR, payload, None, T0)
    tampered["body"]["cosigned_at"] = "2026-12-05T10:00:01.000000Z"
    head = cosigned(payload, NOTARY)
    head["cosignatures"].append(tampered)
    problems = witness.verify_head(head, TRUST)
    assert problems[0] == "co-signer auditor: the co-signature does not verify"
    assert len(problems) == 2


# --- the trust file ---------------------------------------------------------------------------------
def test_the_trust_file_round_trips(tmp_path: Any) -> None:
    path = tmp_path / "trust.json"
    path.write_text(json.dumps(TRUST.to_json()), encoding="utf-8")
    assert WitnessTrust.load(path) == TRUST
    assert TRUST.cosigner_name(AUDITOR.public_key) == "auditor"
    assert TRUST.cosigner_name(STRANGER.public_key) is None
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(WitnessError, match="cannot read"):
        WitnessTrust.load(tmp_path / "bad.json")


OPERATORS, ONE = (OPERATOR.public_key,), (("notary", NOTARY.public_key),)
WEAK_TRUSTS: dict[str, Any] = {
    "threshold 0": lambda: WitnessTrust(OPERATORS, ONE, 0),
    "threshold above n": lambda: WitnessTrust(OPERATORS, ONE, 2),
    "no co-signer": lambda: WitnessTrust(OPERATORS, (), 1),
    "no operator": lambda: WitnessTrust((), ONE, 1),
    "a key twice": lambda: WitnessTrust(OPERATORS, (*ONE, ("again", NOTARY.public_key)), 1),
    "a name twice": lambda: WitnessTrust(OPERATORS, (*ONE, ("notary", AUDITOR.public_key)), 1),
    "the operator as a co-signer": lambda: WitnessTrust(OPERATORS, (*ONE, ("us", OPERATOR.public_key)), 1),
    "a threshold of true": lambda: WitnessTrust.from_json({**TRUST.to_json(), "threshold": True}),
    "a fractional threshold": lambda: WitnessTrust.from_json({**TRUST.to_json(), "threshold": 1.5}),
    "another format": lambda: WitnessTrust.from_json({**TRUST.to_json(), "format": "x"}),
    "a key not in hex": lambda: WitnessTrust.from_json({**TRUST.to_json(), "operator_keys": ["zz"]}),
}


@pytest.mark.parametrize("case", list(WEAK_TRUSTS))
def test_a_trust_that_would_weaken_the_check_is_refused(case: str) -> None:
    with pytest.raises(WitnessError):
        WEAK_TRUSTS[case]()


# --- epoch statements -------------------------------------------------------------------------------
LAST = {"tree_size": 5000, "root_hash": "cd" * 32, "epoch": 0}
FIRST = {"tree_size": 4870, "root_hash": "ef" * 32}


def statement(key: Sm2PrivateKey = SUPERVISOR, **changes: Any) -> dict[str, Any]:
    made = witness.epoch_statement_make(
        key, previous_epoch=0, last_head=LAST, first_head=FIRST, reason="数据库故障", declared_at=T0
    )
    if changes:  # re-signed after the change (if it can be): only the statement's rules can refuse it
        body = {**made["statement"], **changes}
        with contextlib.suppress(CanonicalError):  # a float cannot even be signed
            made = {**made, "signature": key.sign(witness.EPOCH_PURPOSE, body).hex()}
        made = {**made, "statement": body}
    return made


def test_a_valid_epoch_statement_is_accepted() -> None:
    checked = witness.epoch_statement_check(statement(), [SUPERVISOR.public_key])
    assert (checked["previous_epoch"], checked["new_epoch"], checked["last_head"]) == (0, 1, LAST)


@pytest.mark.parametrize(
    "changes",
    [
        {"format": "ggzy-epoch-v2"},
        {"log": "another-log"},
        {"previous_epoch": -1},
        {"previous_epoch": True},
        {"new_epoch": 2},
        {"new_epoch": True},  # equal to 1 in Python, not in the statement
        {"new_epoch": 0},
        {"last_head": {**LAST, "epoch": 1}},
        {"last_head": {k: v for k, v in LAST.items() if k != "epoch"}},
        {"last_head": {**LAST, "root_hash": "CD" * 32}},
        {"last_head": {**LAST, "tree_size": 1.5}},
        {"first_head": {**FIRST, "epoch": 1}},
        {"first_head": {**FIRST, "tree_size": -3}},
        {"first_head": {**FIRST, "root_hash": "ef" * 32 + "\n"}},
        {"reason": ""},
        {"reason": "   "},
        {"reason": None},
        {"declared_at": "2026-12-05T10:00:00"},
        {"declared_at": "yesterday"},
        {"extra": "field"},
    ],
)
def test_each_field_of_an_epoch_statement_is_checked(changes: dict[str, Any]) -> None:
    with pytest.raises(WitnessError) as refused:
        witness.epoch_statement_check(statement(**changes), [SUPERVISOR.public_key])
    assert refused.value.reason == "malformed"


def test_an_epoch_statement_counts_only_signed_by_a_pinned_supervisor_key() -> None:
    pinned = [SUPERVISOR.public_key]
    with pytest.raises(WitnessError, match="not signed by a pinned supervisor key"):
        witness.epoch_statement_check(statement(STRANGER), pinned)
    tampered = statement()
    tampered["statement"] = {**tampered["statement"], "reason": "another story"}
    with pytest.raises(WitnessError, match="does not verify"):
        witness.epoch_statement_check(tampered, pinned)
    with pytest.raises(WitnessError, match="not hex"):
        witness.epoch_statement_check({**statement(), "signer_key": "zz"}, pinned)
    with pytest.raises(WitnessError, match="signer_key"):
        witness.epoch_statement_check({**statement(), "extra": 1}, pinned)


def test_verify_epochs_needs_exactly_one_statement_for_each_epoch() -> None:
    first = statement()
    second_body = {
        **first["statement"],
        "previous_epoch": 1,
        "new_epoch": 2,
        "last_head": {**LAST, "epoch": 1, "tree_size": 6000},
        "first_head": {**FIRST, "tree_size": 5900},
        "reason": "第二次恢复",
    }
    second = {
        **first,
        "statement": second_body,
        "signature": SUPERVISOR.sign(witness.EPOCH_PURPOSE, second_body).hex(),
    }
    problems, breaks = witness.verify_epochs([first, second], 2, TRUST)
    assert problems == []
    assert breaks == [
        (
            "epoch 1 began 2026-12-05T10:00:00.000000Z after co-signed head 5000 of epoch 0; the new"
            " epoch's first head has 4870 leaves: 数据库故障"
        ),
        (
            "epoch 2 began 2026-12-05T10:00:00.000000Z after co-signed head 6000 of epoch 1; the new"
            " epoch's first head has 5900 leaves: 第二次恢复"
        ),
    ]
    assert witness.verify_epochs([second], 2, TRUST)[0] == [
        "epoch 1 has no valid statement from the supervising department"
    ]
    assert witness.verify_epochs([], 0, TRUST) == ([], [])
    other = statement(reason="另一种说法")  # the supervising department said two things of epoch 1
    assert witness.verify_epochs([first, other], 1, TRUST)[0] == [
        "epoch 1 has 2 different valid statements, not one"
    ]
    assert witness.verify_epochs([first, first], 1, TRUST) == ([], breaks[:1])  # the same one twice


# --- consistency from the empty tree ----------------------------------------------------------------
def test_a_consistency_proof_from_the_empty_tree_checks_the_old_root() -> None:
    tree = merkle.MemoryTree()
    for i in range(5):
        tree.append(merkle.leaf_hash(b"%d" % i))
    assert merkle.verify_consistency(0, 5, [], merkle.empty_root(), tree.root())
    assert not merkle.verify_consistency(0, 5, [], tree.root(3), tree.root())  # a non-empty "old" root
    assert not merkle.verify_consistency(0, 5, [], bytes(32), tree.root())
    assert not merkle.verify_consistency(0, 5, [tree.root(3)], merkle.empty_root(), tree.root())
    assert merkle.verify_consistency(0, 0, [], merkle.empty_root(), merkle.empty_root())
