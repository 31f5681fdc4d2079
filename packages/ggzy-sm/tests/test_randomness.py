"""Verifiable randomness: a published draw (`ggzy-random-draw-v1`) is recomputed offline by
`randomness_check.check_draw` and `ggzy-verify random` — the beacons' signed commitments and reveals under
pinned keys, the secrets against their commitments, the fallback for exactly the parties that did not
reveal, the seed, the result, and the commitments' positions before the moment; and the values derived
from a seed are uniform (chi-square over fixed seeds, with a biased chooser shown to fail)."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import http.server
import io
import itertools
import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import canonical, merkle, witness
from ggzy_sm.randomness import (
    BEACON_COMMITMENT,
    BEACON_REVEAL,
    FORMAT,
    RandomnessError,
    choose,
    commitment,
    commitments_hash,
    derived,
    permutation,
    seed,
    slots,
    uniform,
)
from ggzy_sm.randomness_check import BEACON_TRUST_FORMAT, check, check_draw, load_beacon_trust
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.sm3 import sm3
from ggzy_sm.verify import main
from ggzy_sm.witness import WitnessTrust

DRAW = "7d7c1f0e-4a51-4a43-9d55-2f1f0c3e9b10"
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
ALPHA, BRAVO, STRANGER = (Sm2PrivateKey.generate() for _ in range(3))
NAMES = {ALPHA.public_key.hex(): "alpha", BRAVO.public_key.hex(): "bravo"}
BEACON_TRUST = {
    "format": BEACON_TRUST_FORMAT,
    "beacons": {
        "A": {"name": "alpha", "key": ALPHA.public_key.hex()},
        "B": {"name": "bravo", "key": BRAVO.public_key.hex()},
    },
}
PINNED = load_beacon_trust(BEACON_TRUST)
OPERATOR, COSIGNER = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
WITNESS_TRUST = WitnessTrust((OPERATOR.public_key,), (("notary", COSIGNER.public_key),), 1)
CHOOSE = {"kind": "choose", "options": ["expert-1", "expert-2", "expert-3", "expert-4"], "label": "experts"}
HEAD_SIZE, MOMENT_LEAF = 5, 6  # the parties' commitments at leaves 0 … 3


def secret_of(name: str) -> str:
    return sm3(b"secret " + name.encode()).hex()


def signed(key: Sm2PrivateKey, purpose: str, wrapper: str, body: dict[str, Any]) -> dict[str, Any]:
    """A beacon's answer, as `ggzy_sm.simulator.signed` makes it."""
    content = {"format": purpose, **body}
    return {wrapper: content, "key": key.public_key.hex(), "signature": key.sign(purpose, content).hex()}


def statement(key: Sm2PrivateKey, committed: str) -> dict[str, Any]:
    party = key.public_key.hex()
    body = {"beacon": NAMES.get(party, "?"), "draw": DRAW, "party": party, "commitment": committed}
    return signed(key, BEACON_COMMITMENT, "commitment", body)


def reveal(key: Sm2PrivateKey, committed: str, secret: str, set_hash: str) -> dict[str, Any]:
    party = key.public_key.hex()
    body = {
        "beacon": NAMES.get(party, "?"),
        "draw": DRAW,
        "party": party,
        "commitment": committed,
        "secret": secret,
        "commitments_hash": set_hash,
    }
    return signed(key, BEACON_REVEAL, "reveal", body)


def fake_head(size: int) -> dict[str, Any]:
    """A head of the right shape only: positions are checked without a witness trust."""
    sth = witness.sth_make(size, "00" * 32, T0)
    return {"sth": sth, "signature": "", "key_id": "", "cosignatures": [], "epoch_statements": []}


def make_draw(
    beacons: Sequence[Sm2PrivateKey] = (ALPHA, BRAVO),
    aborted: Sequence[Sm2PrivateKey] = (),
    derive: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A drawn record, as the platform would publish it: the platform, the beacons, the fallback
    (revealed when a beacon did not), each commitment in the log before the sealing head."""
    names = ["platform", *(b.public_key.hex() for b in beacons), "fallback"]
    commits = {name: commitment(DRAW, name, secret_of(name)) for name in names}
    set_hash = commitments_hash(list(commits.values()))
    parties = []
    for index, name in enumerate(names):
        entry: dict[str, Any] = {
            "party": name,
            "kind": name if name in {"platform", "fallback"} else "beacon",
            "commitment": commits[name],
            "event": f"event-{index}",
            "leaf_index": index,
            "statement": None,
            "reveal": None,
            "secret": secret_of(name) if name == "platform" or (name == "fallback" and aborted) else None,
        }
        key = next((b for b in beacons if b.public_key.hex() == name), None)
        if key is not None:
            entry["statement"] = statement(key, commits[name])
            if key not in aborted:
                entry["reveal"] = reveal(key, commits[name], secret_of(name), set_hash)
                entry["secret"] = secret_of(name)
        parties.append(entry)
    record = {
        "format": FORMAT,
        "draw": DRAW,
        "purpose": "expert selection",
        "subject": "E3301000000000000001",
        "derive": derive or CHOOSE,
        "parties": parties,
        "moment": {"event": "event-moment", "leaf_index": MOMENT_LEAF, "label": "experts listed"},
        "sealing_head": fake_head(HEAD_SIZE),
        "proofs": {},
        "state": "drawn",
    }
    return finish(record)


def finish(record: dict[str, Any]) -> dict[str, Any]:
    """The aborted list, seed and result the record's secrets give (what a platform that cheats
    elsewhere would still publish consistently)."""
    order = [e for e in record["parties"] if e["kind"] != "fallback"]
    fallback = next(e for e in record["parties"] if e["kind"] == "fallback")["secret"]
    revealed = {e["party"]: e["secret"] for e in order if e["secret"] is not None}
    record["aborted"] = [e["party"] for e in order if e["secret"] is None]
    record["seed"] = seed(DRAW, slots([e["party"] for e in order], revealed, fallback))
    record["result"] = derived(record["seed"], record["derive"])
    return record


def party(record: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in record["parties"] if e["party"] == name)


def problems_of(record: dict[str, Any], trust: WitnessTrust | None = None) -> list[str]:
    return check_draw(record, PINNED, trust)[0]


# --- check_draw ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "derive",
    [CHOOSE, {"kind": "seed"}, {"kind": "permutation", "n": 6, "label": "order"}],
    ids=["choose", "seed", "permutation"],
)
def test_a_drawn_record_verifies_and_its_result_is_recomputed(derive: dict[str, Any]) -> None:
    record = make_draw(derive=derive)
    problems, notes, result = check_draw(record, PINNED, None)
    assert problems == []
    assert result == record["result"] == derived(record["seed"], derive)
    assert any("taken from the record unchecked" in note for note in notes)
    assert check(record, PINNED).seed == record["seed"]


def test_a_platform_that_changed_its_commitment_after_a_beacon_revealed_is_caught() -> None:
    record = make_draw()
    platform = party(record, "platform")
    platform["secret"] = sm3(b"chosen after seeing alpha's secret").hex()
    platform["commitment"] = commitment(DRAW, "platform", platform["secret"])
    problems = problems_of(finish(record))
    assert any("beacon alpha revealed against another set of commitments" in p for p in problems)
    assert any("beacon bravo revealed against another set of commitments" in p for p in problems)


def test_a_reveal_signed_by_an_unpinned_key_is_refused() -> None:
    record = make_draw()
    beacon = party(record, ALPHA.public_key.hex())
    body = {k: v for k, v in beacon["reveal"]["reveal"].items() if k != "format"}
    beacon["reveal"] = signed(STRANGER, BEACON_REVEAL, "reveal", body)
    assert any("beacon alpha: its reveal is signed by another key" in p for p in problems_of(record))
    beacon["reveal"]["key"] = ALPHA.public_key.hex()  # claiming alpha's key: the signature is not alpha's
    assert any("beacon alpha: the signature of its reveal does not verify" in p for p in problems_of(record))


def test_a_beacon_whose_key_is_not_pinned_does_not_count() -> None:
    record = make_draw(beacons=(ALPHA, STRANGER))
    problems = problems_of(record)
    assert any("its key is not pinned in the beacon trust" in p for p in problems)
    only_stranger = make_draw(beacons=(STRANGER,))
    assert any("not pinned" in p for p in problems_of(only_stranger))


@pytest.mark.parametrize("who", ["platform", "fallback", "beacon"])
def test_a_secret_that_does_not_open_its_commitment_is_a_problem(who: str) -> None:
    record = make_draw(aborted=(BRAVO,))
    wrong = sm3(b"wrong").hex()
    if who == "beacon":
        name = ALPHA.public_key.hex()
        entry = party(record, name)
        entry["reveal"] = reveal(
            ALPHA, entry["commitment"], wrong, entry["reveal"]["reveal"]["commitments_hash"]
        )
        entry["secret"] = wrong
        expected = "beacon alpha: its revealed secret does not open its commitment"
    else:
        party(record, who)["secret"] = wrong
        expected = f"the {who}: its secret does not open its commitment"
    assert expected in problems_of(finish(record))


def test_the_fallback_used_for_a_beacon_that_revealed_is_a_problem() -> None:
    record = make_draw()
    alpha, bravo = ALPHA.public_key.hex(), BRAVO.public_key.hex()
    party(record, "fallback")["secret"] = secret_of("fallback")
    record["aborted"] = [bravo]  # bravo's secret was not to the platform's liking
    fallback = secret_of("fallback")
    revealed = {"platform": secret_of("platform"), alpha: secret_of(alpha)}
    record["seed"] = seed(DRAW, slots(["platform", alpha, bravo], revealed, fallback))
    record["result"] = derived(record["seed"], record["derive"])
    problems = problems_of(record)
    assert any("aborted parties recorded" in p for p in problems)
    assert any("fallback's secret is revealed though every party revealed" in p for p in problems)
    assert any("recorded seed" in p for p in problems)


def test_an_aborted_beacon_takes_the_fallbacks_secret_and_the_draw_verifies() -> None:
    record = make_draw(aborted=(BRAVO,))
    alpha, bravo = ALPHA.public_key.hex(), BRAVO.public_key.hex()
    problems, notes, _result = check_draw(record, PINNED, None)
    assert problems == []
    assert record["aborted"] == [bravo]
    expected_slots = [
        {"party": "platform", "secret": secret_of("platform")},
        {"party": alpha, "secret": secret_of(alpha)},
        {"party": bravo, "fallback": secret_of("fallback")},
    ]
    assert record["seed"] == seed(DRAW, expected_slots)
    assert any("beacon bravo did not reveal" in note for note in notes)


def test_an_abort_without_the_fallback_has_no_value() -> None:
    record = make_draw(aborted=(BRAVO,))
    party(record, "fallback")["secret"] = None
    problems, _notes, result = check_draw(record, PINNED, None)
    assert any("the draw has no value" in p for p in problems)
    assert result is None


def test_no_beacon_at_all_is_a_problem() -> None:
    record = make_draw()
    record["parties"] = [e for e in record["parties"] if e["kind"] != "beacon"]
    assert any("a value needs a party the platform does not control" in p for p in problems_of(record))


def test_a_party_listed_twice_is_a_problem() -> None:
    record = make_draw()
    record["parties"].append(copy.deepcopy(record["parties"][1]))
    assert any("listed twice" in p for p in problems_of(record))


@pytest.mark.parametrize("leaf", [HEAD_SIZE, HEAD_SIZE + 3])
def test_a_commitment_at_or_after_the_sealing_head_is_a_problem(leaf: int) -> None:
    record = make_draw()
    party(record, BRAVO.public_key.hex())["leaf_index"] = leaf
    assert any(
        f"beacon bravo's commitment (leaf {leaf}) is not below the sealing head's size" in p
        for p in problems_of(record)
    )


def test_a_moment_before_the_sealing_head_is_a_problem() -> None:
    record = make_draw()
    record["moment"]["leaf_index"] = HEAD_SIZE - 1
    assert any("the moment (leaf 4) is before the sealing head" in p for p in problems_of(record))
    record["moment"]["leaf_index"] = None  # not yet in the log: after every head
    assert problems_of(record) == []


def test_a_drawn_record_without_positions_is_a_problem_an_open_one_a_note() -> None:
    record = make_draw()
    record["sealing_head"] = None
    assert any("not shown to be in the co-signed log before the moment" in p for p in problems_of(record))
    record = make_draw()
    party(record, "platform")["leaf_index"] = None
    assert any("the platform's commitment has no leaf" in p for p in problems_of(record))
    record.update(state="open", seed=None, result=None, sealing_head=None)
    problems, notes, result = check_draw(record, PINNED, None)
    assert problems == []
    assert result is None
    assert any("not shown to be in the co-signed log" in note for note in notes)


def test_a_result_that_the_seed_does_not_give_is_a_problem() -> None:
    record = make_draw()
    others = [o for o in CHOOSE["options"] if o != record["result"]]
    record["result"] = others[0]
    problems, _notes, result = check_draw(record, PINNED, None)
    assert any("the recorded result" in p for p in problems)
    assert result == derived(record["seed"], CHOOSE)


def test_a_refused_draw_carries_no_seed() -> None:
    record = make_draw()
    record["state"] = "refused"
    assert any("has no seed and no result yet" in p for p in problems_of(record))


# --- under the witness trust ---------------------------------------------------------------------------
def logged(record: dict[str, Any]) -> tuple[merkle.MemoryTree, dict[str, tuple[str, str]]]:
    """The witness log the record's positions describe: each party's commitment event, two more
    events, then the moment's event; {event uid: (document, salt)}."""
    events: list[tuple[str, dict[str, Any]]] = [
        (e["event"], {"party": e["party"], "commitment": e["commitment"]}) for e in record["parties"]
    ]
    events += [("other-1", {}), ("other-2", {}), (record["moment"]["event"], {"label": "experts listed"})]
    tree, documents = merkle.MemoryTree(), {}
    for index, (uid, data) in enumerate(events):
        document = canonical.dumps({"profile": canonical.PROFILE, "uid": uid, "data": data}).decode()
        salt = f"{index:02x}" * 16
        documents[uid] = (document, salt)
        tree.append(merkle.leaf_hash(bytes.fromhex(salt) + document.encode("utf-8")))
    return tree, documents


def cosigned(
    tree: merkle.MemoryTree, size: int, signers: Sequence[Sm2PrivateKey] = (COSIGNER,)
) -> dict[str, Any]:
    sth = witness.sth_make(size, tree.root(size).hex(), T0)
    return {
        "sth": sth,
        "signature": OPERATOR.sign(witness.STH_PURPOSE, sth).hex(),
        "key_id": "witness-1",
        "cosignatures": [witness.cosignature_make(key, sth, None, T0) for key in signers],
        "epoch_statements": [],
    }


def with_proofs(record: dict[str, Any]) -> dict[str, Any]:
    tree, documents = logged(record)
    record["sealing_head"] = cosigned(tree, HEAD_SIZE)
    head = cosigned(tree, tree.size)
    record["proofs"] = {}
    for index, (uid, (document, salt)) in enumerate(documents.items()):
        if uid.startswith("other"):
            continue
        record["proofs"][uid] = {
            "format": "ggzy-inclusion-v1",
            "hash": "sm3",
            "leaf_index": index,
            "tree_size": tree.size,
            "leaf_hash": merkle.leaf_hash(bytes.fromhex(salt) + document.encode("utf-8")).hex(),
            "audit_path": [p.hex() for p in merkle.inclusion_proof(index, tree.size, tree.get)],
            "salt": salt,
            "document": document,
            "tree_head": head,
        }
    return record


def test_under_the_witness_trust_the_head_and_the_proofs_are_checked() -> None:
    record = with_proofs(make_draw())
    problems, notes, _result = check_draw(record, PINNED, WITNESS_TRUST)
    assert problems == []
    assert not any("unchecked" in note or "no inclusion proof" in note for note in notes)

    uncosigned = copy.deepcopy(record)
    uncosigned["sealing_head"]["cosignatures"] = []
    assert any(
        p.startswith("the sealing head: only 0 of the 1") for p in problems_of(uncosigned, WITNESS_TRUST)
    )

    elsewhere = copy.deepcopy(record)
    party(elsewhere, "platform")["leaf_index"] = 4  # the record's word against the proof's
    assert any(
        "not at leaf 4 as recorded for the platform" in p for p in problems_of(elsewhere, WITNESS_TRUST)
    )

    swapped = copy.deepcopy(record)
    swapped["proofs"]["event-0"] = swapped["proofs"]["event-1"]  # a proof of another event
    problems = problems_of(swapped, WITNESS_TRUST)
    assert any("event-0 is of another event's document" in p for p in problems)
    assert any("event event-0 does not carry the platform's commitment" in p for p in problems)

    unproven = copy.deepcopy(record)
    del unproven["proofs"]["event-moment"]
    problems, notes, _result = check_draw(unproven, PINNED, WITNESS_TRUST)
    assert problems == []
    assert any("event event-moment (the moment) is the record's: no inclusion proof" in n for n in notes)


# --- ggzy-verify random --------------------------------------------------------------------------------
def ggzy_verify(tmp_path: Path, record: Any, draw: str = DRAW) -> subprocess.CompletedProcess[str]:
    (tmp_path / "draw.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "beacons.json").write_text(json.dumps(BEACON_TRUST), encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ggzy_sm.verify",
            "random",
            draw,
            "--file",
            str(tmp_path / "draw.json"),
            "--beacon-trust",
            str(tmp_path / "beacons.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_command_verifies_a_draw_file(tmp_path: Path) -> None:
    record = make_draw(aborted=(BRAVO,))
    ran = ggzy_verify(tmp_path, record)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0].startswith(f"随机抽取 {DRAW} 验证通过")
    assert lines[1].startswith(f"OK: draw {DRAW} verifies")
    assert f"seed: {record['seed']}" in lines
    assert f"result: {json.dumps(record['result'])}" in lines
    assert any(line.startswith("NOTE: beacon bravo did not reveal") for line in lines)


def test_the_command_fails_on_a_tampered_draw_or_another_id(tmp_path: Path) -> None:
    record = make_draw()
    record["result"] = next(o for o in CHOOSE["options"] if o != record["result"])
    ran = ggzy_verify(tmp_path, record)
    assert ran.returncode == 1
    assert ran.stdout.splitlines()[0].startswith(f"随机抽取 {DRAW} 验证未通过")
    assert any(line.startswith("FAILED: the recorded result") for line in ran.stdout.splitlines())
    ran = ggzy_verify(tmp_path, make_draw(), draw="another-draw")
    assert ran.returncode == 1
    assert f"FAILED: the record is of draw '{DRAW}', not of another-draw" in ran.stdout.splitlines()


def test_the_command_checks_the_positions_under_a_witness_trust(tmp_path: Path) -> None:
    record = with_proofs(make_draw())
    (tmp_path / "draw.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "beacons.json").write_text(json.dumps(BEACON_TRUST), encoding="utf-8")
    (tmp_path / "trust.json").write_text(json.dumps(WITNESS_TRUST.to_json()), encoding="utf-8")
    argv = [
        "random",
        DRAW,
        "--file",
        str(tmp_path / "draw.json"),
        "--beacon-trust",
        str(tmp_path / "beacons.json"),
    ]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--trust", str(tmp_path / "trust.json")]) == 0, out.getvalue()
    assert "NOTE:" not in out.getvalue()
    record["sealing_head"]["cosignatures"] = []
    (tmp_path / "draw.json").write_text(json.dumps(record), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--trust", str(tmp_path / "trust.json")]) == 1
    assert "FAILED: the sealing head: only 0 of the 1 pinned co-signatures" in out.getvalue()


def test_the_command_fetches_a_draw_from_the_platform(tmp_path: Path) -> None:
    record = make_draw()
    asked: list[str] = []

    class Platform(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = json.dumps(record).encode()
            self.send_response(200 if self.path == f"/api/v1/randomness/draws/{DRAW}" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    (tmp_path / "beacons.json").write_text(json.dumps(BEACON_TRUST), encoding="utf-8")
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main(["random", DRAW, "--url", base, "--beacon-trust", str(tmp_path / "beacons.json")])
        assert status == 0, out.getvalue()
        assert asked == [f"/api/v1/randomness/draws/{DRAW}"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main(["random", "nope", "--url", base, "--beacon-trust", str(tmp_path / "beacons.json")])
        assert status == 1
        assert "FAILED: cannot fetch draw nope" in out.getvalue()
    finally:
        server.shutdown()
        server.server_close()


def test_the_command_refuses_without_a_beacon_trust_it_can_read(tmp_path: Path) -> None:
    (tmp_path / "draw.json").write_text(json.dumps(make_draw()), encoding="utf-8")
    (tmp_path / "beacons.json").write_text(json.dumps({"format": "something else"}), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(
            [
                "random",
                DRAW,
                "--file",
                str(tmp_path / "draw.json"),
                "--beacon-trust",
                str(tmp_path / "beacons.json"),
            ]
        )
    assert status == 2
    assert "not a ggzy-beacon-trust-v1 file" in err.getvalue()


@pytest.mark.parametrize(
    "trust",
    [
        {"format": BEACON_TRUST_FORMAT},
        {"format": BEACON_TRUST_FORMAT, "beacons": {"A": {"name": "alpha", "key": "04" + "00" * 64}}},
        {"format": BEACON_TRUST_FORMAT, "beacons": {"A": {"key": ALPHA.public_key.hex()}}},
        {
            "format": BEACON_TRUST_FORMAT,
            "beacons": {
                "A": {"name": "alpha", "key": ALPHA.public_key.hex()},
                "B": {"name": "again", "key": ALPHA.public_key.hex()},
            },
        },
    ],
    ids=["no-beacons", "off-curve", "no-name", "twice"],
)
def test_a_malformed_beacon_trust_is_refused(trust: dict[str, Any]) -> None:
    with pytest.raises(RandomnessError):
        load_beacon_trust(trust)


# --- uniformity ----------------------------------------------------------------------------------------
# Critical values of the chi-square distribution at p = 0.001 (the 0.999 quantile), for the degrees of
# freedom used below: the standard table values (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.4),
# cross-checked once with a pure-Python regularized incomplete gamma function (scipy is not in the venv).
CHI2_999 = {4: 18.467, 6: 22.458, 9: 27.877, 23: 49.728}
N = 20_000
SEEDS = [sm3(b"uniformity" + i.to_bytes(4, "big")).hex() for i in range(N)]


def chi_square(values: Sequence[Any], categories: Sequence[Any]) -> float:
    """Pearson's statistic of `values` against the uniform distribution over `categories`."""
    counts = Counter(values)
    assert set(counts) <= set(categories)
    expected = len(values) / len(categories)
    return sum((counts[c] - expected) ** 2 / expected for c in categories)


def uniform_enough(draw: Callable[[str], Any], categories: Sequence[Any]) -> tuple[bool, float]:
    statistic = chi_square([draw(s) for s in SEEDS], categories)
    return statistic < CHI2_999[len(categories) - 1], statistic


def test_uniform_is_uniform() -> None:
    ok, statistic = uniform_enough(lambda s: uniform(s, 7), range(7))
    assert ok, statistic


def test_choose_is_uniform() -> None:
    options = [f"option-{i}" for i in range(10)]
    ok, statistic = uniform_enough(lambda s: choose(s, options, "experts"), options)
    assert ok, statistic


def test_permutation_is_uniform() -> None:
    ok, statistic = uniform_enough(lambda s: tuple(permutation(s, 4)), list(itertools.permutations(range(4))))
    assert ok, statistic


def test_the_first_elements_position_in_a_permutation_is_uniform() -> None:
    ok, statistic = uniform_enough(lambda s: permutation(s, 5, "order").index(0), range(5))
    assert ok, statistic


def naive_shuffle(seed_hex: str, n: int) -> tuple[int, ...]:
    """The classic mistake: each position swapped with *any* position (n^n paths onto n! orders)."""
    order = list(range(n))
    for i in range(n):
        j = uniform(seed_hex, n, f"naive/{i}")
        order[i], order[j] = order[j], order[i]
    return tuple(order)


def test_the_tests_catch_a_biased_chooser() -> None:
    """The same tests on biased choosers fail: the statistic is far above the critical value."""
    modulo = uniform_enough(lambda s: int(s[0], 16) % 7, range(7))  # 16 = 2·7 + 2: 0 and 1 take 3/16
    assert not modulo[0], modulo[1]
    shuffled = uniform_enough(lambda s: naive_shuffle(s, 4), list(itertools.permutations(range(4))))
    assert not shuffled[0], shuffled[1]


def test_the_lazy_ordering_is_a_permutation_whose_prefix_does_not_depend_on_how_far_it_is_walked() -> None:
    from itertools import islice

    from ggzy_sm.randomness import ordering

    seed = "ab" * 32
    for n in (0, 1, 2, 7, 50):
        walked = list(ordering(seed, n, "experts.A08"))
        assert sorted(walked) == list(range(n))
        assert list(islice(ordering(seed, n, "experts.A08"), 3)) == walked[:3]
    assert list(ordering(seed, 50, "experts.A08")) != list(ordering(seed, 50, "experts.B01"))
    # every one of 3 elements comes first about equally often over 3,000 seeds (a fixed set: never flaky)
    firsts = [0, 0, 0]
    for k in range(3000):
        firsts[next(ordering(f"{k:064x}", 3, "x"))] += 1
    assert all(900 < count < 1100 for count in firsts), firsts
