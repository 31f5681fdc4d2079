"""`ggzy-verify`: check a witness-log proof or a signed document offline, with nothing but the files
and the public keys or CA certificates.

    ggzy-verify proof.json --trust TRUST.json
    ggzy-verify proof.json --operator-key HEX [--operator-key …] --cosigner-key [NAME=]HEX […]
                [--cosigners K] [--supervisor-key HEX …]
    ggzy-verify fork old-head.json new-head.json consistency.json --trust TRUST.json   (or the keys)
    ggzy-verify document FILE SIGNATURE.json --root ROOT.der|pem [--root ...] [--crl CRL.der|pem ...]
    ggzy-verify receipt RECEIPT.json --keys KEYS.json
    ggzy-verify random ID (--file DRAW.json | --url BASE) --beacon-trust BEACONS.json
                [--trust WITNESS-TRUST.json] [--ask-beacon URL …]

A proof file is what `/api/v1/witness/events/<uid>/proof` answers: the event's canonical document
and salt, the leaf index and audit path, and the signed tree head `{"sth", "signature", "key_id",
"cosignatures", "epoch_statements"}`. The head counts only with the co-signatures of `threshold`
pinned co-signers (`ggzy_sm.witness.verify_head`; docs/witness-cosigner.md) — never with the
platform's signature alone, so without a pinned co-signer key (`--trust`, the ggzy-witness-trust-v1
file, or `--cosigner-key`) the command refuses. `--cosigners K` defaults to every `--cosigner-key`
given. A head of a later epoch needs the supervising department's statement for each epoch; each
break is shown as a NOTE line. Exit status 0 only when everything verifies; each failure is named.

`fork` takes two signed heads and the consistency proof between them ({"path": [hex…]}): the
platform signed both, so when no proof joins them the platform forked its log, and each pinned
co-signer that co-signed both heads is named — it equivocated. Heads of different epochs are a break,
not a fork, when valid statements of the supervising department join them (they are shown).

A document signature (`ggzy-docsig-v1`, see `ggzy_sm.document`) is checked against the CA root
certificates given with `--root` (several CAs: mutual recognition) and their revocation lists; a
refusal prints its machine reason (hash_mismatch, bad_signature, untrusted_root, expired, key_usage,
revoked, malformed, …).

A bid receipt (`ggzy-bid-receipt-v1`, see `ggzy_sm.receipts`) is checked against the platform's receipt
keys as `/api/v1/sealing/receipt-keys` publishes them (KEYS.json): the signature by the key its `key_id`
names, made while that key was active. The summary is printed in Chinese, then in English.

A draw of verifiable randomness (`ggzy-random-draw-v1`, see `ggzy_sm.randomness` and
`ggzy_sm.randomness_check`) is read from a file or fetched from BASE/api/v1/randomness/draws/ID, and
recomputed: the beacons' signed commitments and reveals under the keys BEACONS.json pins
(`ggzy-beacon-trust-v1`), the secrets against their commitments, the fallback's use, the seed and the
result, and the commitments' positions in the witness log before the moment — checked under
WITNESS-TRUST.json when given, taken from the record otherwise (a NOTE says so). `--ask-beacon URL` also
asks each beacon itself for its signed status of the draw: a beacon the record has as not revealing that
says it revealed is a reveal the platform suppressed. It prints a summary in Chinese, then in English,
each problem, the NOTE lines, and the recomputed seed and result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from asn1crypto import pem

from ggzy_sm import merkle, randomness_check, receipts, witness
from ggzy_sm.document import DocumentError, verify_document
from ggzy_sm.errors import CryptoError, IntegrityError
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.witness import WitnessError, WitnessTrust
from ggzy_sm.witness_proof import check_tree_head, verify_inclusion_bundle

NO_COSIGNER = "a head is accepted only with pinned co-signatures; give --trust or --cosigner-key"


def _statements(head: dict[str, Any]) -> list[Any]:
    statements = head.get("epoch_statements") or []
    return statements if isinstance(statements, list) else [statements]


def check_head(head: Any, trust: WitnessTrust) -> tuple[list[str], list[str]]:
    """(problems, notes) of a signed head under `trust`: `ggzy_sm.witness_proof.check_tree_head` (its
    form, the platform's signature, the pinned co-signatures, a statement for each later epoch)."""
    return check_tree_head(head, trust)


def check_proof_report(bundle: Any, trust: WitnessTrust) -> tuple[list[str], list[str]]:
    """(problems, notes) of a proof bundle: `ggzy_sm.witness_proof.verify_inclusion_bundle` (the tree
    head and the event's inclusion) — one implementation for ggzy-verify, ggzy-bid and the custodians."""
    if not isinstance(trust, WitnessTrust):  # the v1 signature took the operator's key alone
        raise TypeError(f"a proof is checked under a WitnessTrust, not {type(trust).__name__}: {NO_COSIGNER}")
    return verify_inclusion_bundle(bundle, trust)


def check_proof(bundle: Any, trust: WitnessTrust) -> list[str]:
    """What is wrong with a proof bundle under `trust` ([] when it verifies)."""
    return check_proof_report(bundle, trust)[0]


def _cosigned_by(head: dict[str, Any], trust: WitnessTrust) -> set[str]:
    """The pinned co-signers whose valid co-signature over this very head the head carries."""
    names = set()
    cosignatures = head.get("cosignatures") or []
    for cosignature in cosignatures if isinstance(cosignatures, list) else []:
        try:
            key = Sm2PublicKey.from_hex(str(cosignature.get("cosigner_key")))
            name = trust.cosigner_name(key)
            if name is not None and witness.cosignature_check(cosignature, key)["sth"] == head["sth"]:
                names.add(name)
        except (CryptoError, ValueError, AttributeError):
            continue
    return names


def _break(statement: dict[str, Any]) -> str:
    last, first = statement["last_head"], statement["first_head"]
    return (
        f"epoch {statement['new_epoch']} began {statement['declared_at']} after co-signed head"
        f" {last['tree_size']} of epoch {last['epoch']}; the new epoch's first head has"
        f" {first['tree_size']} leaves: {statement['reason']}"
    )


def _epoch_join(
    a: dict[str, Any], b: dict[str, Any], statements: list[Any], trust: WitnessTrust
) -> tuple[list[str], list[str]]:
    """(why the statements do not join head `a` to head `b` of a later epoch, the breaks they show):
    each epoch after a's up to b's has exactly one valid statement, `a` is at or before the last head
    the first of them names, and `b` at or after the first head of its own epoch."""
    valid: dict[int, list[dict[str, Any]]] = {}
    for signed in statements:
        try:
            statement = witness.epoch_statement_check(signed, trust.supervisor_keys)
        except WitnessError:
            continue
        if statement not in (same := valid.setdefault(statement["new_epoch"], [])):
            same.append(statement)
    why: list[str] = []
    for n in range(a["epoch"] + 1, b["epoch"] + 1):
        found = len(valid.get(n, []))
        if found != 1:
            why.append(f"epoch {n} has {found or 'no'} valid statement{'' if found == 1 else 's'}, not one")
    if why:
        return why, []
    chain = [valid[n][0] for n in range(a["epoch"] + 1, b["epoch"] + 1)]
    last, first = chain[0]["last_head"], chain[-1]["first_head"]
    if a["tree_size"] > last["tree_size"] or (
        a["tree_size"] == last["tree_size"] and a["root_hash"] != last["root_hash"]
    ):
        why.append(
            f"the older head ({a['tree_size']} leaves) is not at or before the last co-signed head the"
            f" statement names ({last['tree_size']} leaves)"
        )
    if b["tree_size"] < first["tree_size"] or (
        b["tree_size"] == first["tree_size"] and b["root_hash"] != first["root_hash"]
    ):
        why.append(
            f"the newer head ({b['tree_size']} leaves) is not at or after its epoch's first head"
            f" ({first['tree_size']} leaves)"
        )
    return why, [_break(statement) for statement in chain]


def check_fork(old: Any, new: Any, path_hex: Any, trust: WitnessTrust) -> tuple[list[str], list[str]]:
    """(findings, notes) for two signed heads and the consistency proof between them. Findings: a
    fork (no proof joins heads of one epoch; no valid statements join heads of two), then each pinned
    co-signer that co-signed both heads of the fork (it equivocated); or a head the platform did not
    sign (nothing is shown against the platform then). Notes: heads short of co-signatures, and the
    epoch breaks that join heads of two epochs (a break, not a fork)."""
    heads = {"old": old, "new": new}
    for which, head in heads.items():
        try:
            witness.operator_signature_check(head, trust.operator_keys)
        except WitnessError as exc:
            return [f"the {which} head: {exc}"], []
    notes = [
        f"the {which} head: {problem}"
        for which, head in heads.items()
        for problem in witness.verify_head(head, trust)
    ]
    a, b = old["sth"], new["sth"]
    if (a["epoch"], a["tree_size"]) > (b["epoch"], b["tree_size"]):
        a, b = b, a
    if a["epoch"] != b["epoch"]:
        why, breaks = _epoch_join(a, b, [*_statements(old), *_statements(new)], trust)
        if not why:
            return [], [*notes, *breaks]
        findings = [
            (
                f"fork: the heads are of epochs {a['epoch']} and {b['epoch']} and no valid statement of"
                f" the supervising department joins them ({'; '.join(why)})"
            )
        ]
    else:
        try:
            path = [bytes.fromhex(p) for p in path_hex]
        except (TypeError, ValueError):
            return ["the consistency file's path is not a list of hex hashes"], notes
        if a["hash"] == b["hash"] and merkle.verify_consistency(
            a["tree_size"],
            b["tree_size"],
            path,
            bytes.fromhex(a["root_hash"]),
            bytes.fromhex(b["root_hash"]),
            alg=a["hash"],
        ):
            return [], notes
        findings = [f"fork: tree head {b['tree_size']} is not consistent with tree head {a['tree_size']}"]
    both = _cosigned_by(old, trust) & _cosigned_by(new, trust)
    findings += [f"co-signer {name} co-signed both heads: it equivocated" for name in sorted(both)]
    return findings, notes


def _read_der(path: str) -> bytes:
    """A certificate or CRL file, DER or PEM."""
    data = Path(path).read_bytes()
    if pem.detect(data):
        _kind, _headers, data = pem.unarmor(data)
    return bytes(data)


def main_document(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ggzy-verify document")
    parser.add_argument("file", help="the signed document")
    parser.add_argument("signature", help="its ggzy-docsig-v1 signature (JSON)")
    parser.add_argument("--root", action="append", required=True, help="a trusted CA root (DER or PEM)")
    parser.add_argument("--crl", action="append", default=[], help="a revocation list (DER or PEM)")
    args = parser.parse_args(argv)
    try:
        roots = [_read_der(p) for p in args.root]
        crls = [_read_der(p) for p in args.crl]
        signature = json.loads(Path(args.signature).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"FAILED (malformed): cannot read the inputs ({type(exc).__name__}: {exc})")  # noqa: T201
        return 1
    try:
        verified = verify_document(Path(args.file), signature, roots=roots, crls=crls)
    except DocumentError as exc:
        print(f"FAILED ({exc.reason}): {exc}")  # noqa: T201
        return 1
    except OSError as exc:
        print(f"FAILED (malformed): cannot read the document ({exc})")  # noqa: T201
        return 1
    print(  # noqa: T201
        f"OK: {verified.name} (SM3 {verified.sm3}, {verified.size} bytes) was signed by "
        f"{verified.signer} [{verified.holder_id or '-'}], certificate {verified.serial} "
        f"of {verified.issuer}, at {verified.signed_at:%Y-%m-%dT%H:%M:%SZ}"
    )
    return 0


def main_receipt(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ggzy-verify receipt")
    parser.add_argument("receipt", help="the receipt (JSON), as /api/v1/sealing/bids/<uid>/receipt answers")
    parser.add_argument(
        "--keys", required=True, help="the receipt keys, as /api/v1/sealing/receipt-keys answers"
    )
    args = parser.parse_args(argv)
    try:
        signed = json.loads(Path(args.receipt).read_text(encoding="utf-8"))
        keys = receipts.keys_parse(json.loads(Path(args.keys).read_text(encoding="utf-8")))
        body = receipts.receipt_check(signed, keys)
    except (OSError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, receipts.ReceiptError) else "malformed"
        print(f"回执无效（{reason}）：{exc}")  # noqa: T201
        print(f"FAILED ({reason}): {exc}")  # noqa: T201
        return 1
    for line in receipts.summary(body):
        print(line)  # noqa: T201
    return 0


def main_random(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ggzy-verify random")
    parser.add_argument("draw", metavar="ID", help="the draw's uid")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--file", metavar="DRAW.json", help="the draw (JSON), as /api/v1/randomness/draws/<uid> answers"
    )
    source.add_argument("--url", metavar="BASE", help="the platform: fetch BASE/api/v1/randomness/draws/ID")
    parser.add_argument(
        "--beacon-trust", required=True, metavar="BEACONS.json", help="the ggzy-beacon-trust-v1 file to pin"
    )
    parser.add_argument(
        "--trust",
        metavar="WITNESS-TRUST.json",
        help="the ggzy-witness-trust-v1 file: check the head and the proofs",
    )
    parser.add_argument(
        "--ask-beacon",
        action="append",
        default=[],
        metavar="URL",
        help="also ask the beacon at URL (repeatable) what it did: a reveal the platform suppressed shows",
    )
    args = parser.parse_args(argv)
    try:
        beacons = randomness_check.load_beacon_trust(_load(args.beacon_trust))
        trust = WitnessTrust.load(args.trust) if args.trust else None
        record = _load(args.file) if args.file else None
    except (_Usage, ValueError) as exc:  # RandomnessError and WitnessError are ValueErrors
        print(f"ggzy-verify: refused: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    if args.url:
        try:
            record = randomness_check.fetch_draw(args.url, args.draw)
        except (OSError, ValueError) as exc:
            print(f"无法获取随机抽取 {args.draw}：{exc}")  # noqa: T201
            print(f"FAILED: cannot fetch draw {args.draw} ({type(exc).__name__}: {exc})")  # noqa: T201
            return 1
    checked = randomness_check.check(record, beacons, trust)
    if args.ask_beacon:
        asked = randomness_check.ask_beacons(record, args.ask_beacon, beacons)
        checked.problems.extend(asked[0])
        checked.notes.extend(asked[1])
    if isinstance(record, dict) and record.get("draw") != args.draw:
        checked.problems.insert(0, f"the record is of draw {record.get('draw')!r}, not of {args.draw}")
    for line in randomness_check.summary(record, checked):
        print(line)  # noqa: T201
    for problem in checked.problems:
        print(f"FAILED: {problem}")  # noqa: T201
    for note in checked.notes:
        print(f"NOTE: {note}")  # noqa: T201
    print(f"seed: {checked.seed or '-'}")  # noqa: T201
    print(f"result: {json.dumps(checked.result, ensure_ascii=False)}")  # noqa: T201
    return 1 if checked.problems else 0


class _Usage(Exception):  # noqa: N818  (a wrong command line: exit status 2)
    pass


def _key(text: str, flag: str) -> Sm2PublicKey:
    try:
        return Sm2PublicKey.from_hex(text.strip())
    except (ValueError, CryptoError) as exc:
        raise _Usage(f"{flag}: not an SM2 public key in hex") from exc


def trust_from_args(args: argparse.Namespace) -> WitnessTrust:
    """The trust a verification pins: --trust, or the keys on the command line. Never none."""
    keys_given = args.operator_key or args.cosigner_key or args.supervisor_key or args.cosigners
    if args.trust:
        if keys_given:
            raise _Usage("give either --trust or the keys, not both")
        try:
            return WitnessTrust.load(args.trust)
        except WitnessError as exc:
            raise _Usage(f"--trust: {exc}") from exc
    if not args.cosigner_key:
        raise _Usage(NO_COSIGNER)
    if not args.operator_key:
        raise _Usage("give the platform's witness key (--operator-key)")
    cosigners = []
    for number, item in enumerate(args.cosigner_key, start=1):
        name, sep, value = item.rpartition("=")
        cosigners.append((name.strip() if sep else f"co-signer-{number}", _key(value, "--cosigner-key")))
    try:
        return WitnessTrust(
            tuple(_key(k, "--operator-key") for k in args.operator_key),
            tuple(cosigners),
            len(cosigners) if args.cosigners is None else args.cosigners,
            tuple(_key(k, "--supervisor-key") for k in args.supervisor_key),
        )
    except WitnessError as exc:
        raise _Usage(str(exc)) from exc


def _load(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise _Usage(f"{path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise _Usage(f"{path} is not JSON: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["document"]:
        return main_document(arguments[1:])
    if arguments[:1] == ["receipt"]:
        return main_receipt(arguments[1:])
    if arguments[:1] == ["random"]:
        return main_random(arguments[1:])
    parser = argparse.ArgumentParser(prog="ggzy-verify")
    parser.add_argument("files", nargs="+", help="proof.json, or: fork OLD.json NEW.json CONSISTENCY.json")
    parser.add_argument("--trust", help="the ggzy-witness-trust-v1 file to pin (the normal way)")
    parser.add_argument("--operator-key", action="append", default=[], help="the platform's witness key")
    parser.add_argument("--cosigner-key", action="append", default=[], metavar="[NAME=]HEX")
    parser.add_argument("--cosigners", type=int, help="co-signatures a head needs (all given: default)")
    parser.add_argument("--supervisor-key", action="append", default=[])
    args = parser.parse_args(arguments)
    forking = args.files[0] == "fork"
    if len(args.files) != (4 if forking else 1):
        parser.error("give proof.json, or: fork OLD.json NEW.json CONSISTENCY.json")
    try:
        trust = trust_from_args(args)
        loaded = [_load(f) for f in args.files[1:]] if forking else [_load(args.files[0])]
    except _Usage as exc:
        print(f"ggzy-verify: refused: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    if forking:
        consistency = loaded[2]
        path = consistency.get("path") if isinstance(consistency, dict) else consistency
        problems, notes = check_fork(loaded[0], loaded[1], path, trust)
        ok = "OK: the heads are consistent: no fork"
    else:
        problems, notes = check_proof_report(loaded[0], trust)
        ok = "OK: the proof verifies"
    for note in notes:
        print(f"NOTE: {note}")  # noqa: T201
    for problem in problems:
        print(f"FAILED: {problem}")  # noqa: T201
    if not problems:
        print(ok)  # noqa: T201
    return 1 if problems else 0


def check_promise(
    promise: dict[str, Any],
    operator: Sm2PublicKey,
    proof: dict[str, Any] | None,
    now_unix: float,
    trust: WitnessTrust | None = None,
) -> list[str]:
    """A signed promise is kept when a proof, checked under `trust` (its co-signed head), includes its
    leaf; it is broken when no proof comes within the maximum merge delay."""
    problems = []
    body = promise.get("promise", {})
    try:
        operator.verify("ggzy-promise-v1", body, bytes.fromhex(promise.get("signature", "")))
    except (IntegrityError, ValueError):
        problems.append("the promise's signature does not verify")
    try:
        promised_at = dt.datetime.fromisoformat(body["timestamp"]).timestamp()
        delay = int(body["max_merge_delay_seconds"])
    except (KeyError, TypeError, ValueError):
        return [*problems, "the promise is malformed (timestamp, max_merge_delay_seconds)"]
    if proof is None:
        if now_unix - promised_at > delay:
            problems.append("the promised event is still not integrated after the maximum merge delay")
        return problems
    if proof.get("leaf_hash") != body.get("leaf_hash"):
        problems.append("the proof is for another leaf than the promise")
    if trust is None:
        return [*problems, f"the proof's head cannot be checked: {NO_COSIGNER}"]
    return problems + check_proof(proof, trust)


if __name__ == "__main__":
    sys.exit(main())
