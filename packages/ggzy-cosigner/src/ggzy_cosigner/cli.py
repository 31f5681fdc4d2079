"""`ggzy-cosigner`: a witness-log co-signer's own tool (an independent party: another department, a
notary office, an auditor), and the two commands the supervising department and verifiers' publishers
need around it.

    ggzy-cosigner init --state DIR --name NAME --operator-key HEX [--operator-key HEX …]
                       [--supervisor-key HEX …] [--tolerance 120] [--start HEAD.json] [--iterations N]
        Make the co-signer: its own SM2 key (a key file under a passphrase, escrowed nowhere), the
        pinned platform (operator) and supervising department keys, the clock tolerance, and
        state.json. With --start, a known head signed by the platform becomes its first line (it
        co-signs it): later heads must extend it. Prints the public key (hex) to pin.
    ggzy-cosigner serve --state DIR [--host 127.0.0.1] [--port 18500]
        Co-sign over HTTP (ggzy_cosigner.service), by this machine's clock. Refuses to start (exit 2)
        on a broken chain in heads.jsonl (naming the line), a wrong passphrase or a folder another
        process uses. Prints "ggzy-cosigner serving on http://HOST:PORT" once listening (--port 0: a
        free port); SIGTERM or Ctrl-C stops it.
    ggzy-cosigner key --state DIR
        Print the co-signer's public key (hex); no passphrase.
    ggzy-cosigner resync --state DIR --cosignature FILE
        After `state_rollback` (this co-signer's state was restored from an older copy): adopt FILE, a
        co-signature of this co-signer's own key newer than its last line — typically the one the
        platform showed it, from `rollback.json` or the platform's log — as its last line, and lift
        the stop. Stop `serve` first. No passphrase: nothing is signed.
    ggzy-cosigner add-operator-key --state DIR --key HEX
        Pin another platform key (the platform rotated its witness key); recorded in state.json.
        Restart `serve` to use it.
    ggzy-cosigner epoch-statement --key SUPERVISOR.key --previous-epoch N --last LAST.json
                                  --first FIRST.json --reason TEXT
        For the supervising department, after a restore from backup (docs/witness-cosigner.md §4):
        sign the statement that epoch N ends at LAST (a co-signature, a signed head or a head ref
        {tree_size, root_hash, epoch}: the last head co-signed before the loss) and epoch N + 1 begins
        at FIRST (a head ref {tree_size, root_hash}, or a head: the restored log's head). Prints the
        signed statement (JSON). Passphrase from GGZY_SUPERVISOR_PASSPHRASE or a prompt.
    ggzy-cosigner trust --out FILE --operator-key HEX … --cosigner NAME=HEX … --threshold K
                        [--supervisor-key HEX …]
        Write the ggzy-witness-trust-v1 file verifiers pin (ggzy-verify --trust): refuses a threshold
        below 1 or above the number of co-signers, a co-signer pinned twice, or an operator key pinned
        as a co-signer.

The co-signer's passphrase comes from GGZY_COSIGNER_PASSPHRASE or a prompt. Exit status: 0 done,
1 refused, 2 wrong usage or `serve` refusing to start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from ggzy_cosigner import __version__, state
from ggzy_cosigner.service import DEFAULT_PORT, Cosigner, CosignerServer, StartupError
from ggzy_sm import witness
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.jsonservice import Refused, UsageError, passphrase, public_key, run_command, say, serve
from ggzy_sm.keys import DEFAULT_ITERATIONS, load_key_file
from ggzy_sm.witness import WitnessError, WitnessTrust

PASSPHRASE_ENV = "GGZY_COSIGNER_PASSPHRASE"  # noqa: S105  (the variable's name, not a secret)
SUPERVISOR_PASSPHRASE_ENV = "GGZY_SUPERVISOR_PASSPHRASE"  # noqa: S105  (likewise)


def _passphrase(confirm: bool = False) -> str:
    return passphrase(PASSPHRASE_ENV, "Co-signer", confirm=confirm)


def _read_json(path: str) -> Any:
    try:
        return state.parse_json(Path(path).read_bytes())
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from exc


def _config(folder: str) -> state.Config:
    try:
        return state.load_config(folder)
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc


# --- the co-signer's own commands --------------------------------------------------------------------


def run_init(args: argparse.Namespace) -> int:
    folder = Path(args.state)
    if (folder / state.STATE).exists():
        raise Refused(f"{folder} holds a co-signer already: its key and history are never replaced")
    for flag, values in (("--operator-key", args.operator_key), ("--supervisor-key", args.supervisor_key)):
        for value in values:
            public_key(value, flag)
    start = _read_json(args.start) if args.start else None
    if start is not None and not isinstance(start, dict):
        raise UsageError(f"{args.start} is not a signed tree head")
    passphrase = _passphrase(confirm=True)
    try:
        config = state.init(
            folder,
            args.name,
            passphrase,
            operator_keys=args.operator_key,
            supervisor_keys=args.supervisor_key,
            tolerance=args.tolerance,
            start=start,
            iterations=args.iterations,
        )
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    say(config.key.hex())
    started = ""
    if start is not None:
        sth = start["sth"]
        started = f"; its first line is the start head (epoch {sth['epoch']}, {sth['tree_size']} leaves)"
    say(
        f"co-signer {config.name!r} made in {folder}{started}. Give its public key (above) and its SM3"
        f" {config.key.fingerprint()} (by another channel) to whoever publishes the witness trust file",
        err=True,
    )
    return 0


def run_serve(args: argparse.Namespace) -> int:
    try:
        cosigner = Cosigner.open(args.state, _passphrase)
    except StartupError as exc:
        raise UsageError(str(exc)) from exc
    try:
        server = CosignerServer(cosigner, args.host, args.port)
    except OSError as exc:
        cosigner.close()
        raise UsageError(str(exc)) from exc
    last = cosigner.chain.last
    where = "nothing co-signed yet"
    if last is not None:
        where = f"last co-signed: epoch {last.sth['epoch']}, {last.sth['tree_size']} leaves (line {last.seq})"
    notes = [
        (
            f"co-signer {cosigner.config.name} (key SM3 {cosigner.config.key.fingerprint()}); {where};"
            f" judged by this machine's clock (tolerance {cosigner.config.tolerance} s); Ctrl-C stops it"
        )
    ]
    if cosigner.stopped is not None:
        notes.append(
            "STOPPED by state_rollback: this co-signer's state is older than a co-signature of its own"
            f" (see {Path(args.state) / state.ROLLBACK}); it co-signs nothing until `ggzy-cosigner resync`"
        )
    return serve(server, "ggzy-cosigner", notes, close=cosigner.close)


def run_key(args: argparse.Namespace) -> int:
    say(_config(args.state).key.hex())
    return 0


def run_resync(args: argparse.Namespace) -> int:
    config = _config(args.state)
    cosignature = _read_json(args.cosignature)
    try:
        lock = state.Lock(config.folder)
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    try:
        line = state.resync(config, cosignature)
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    finally:
        lock.release()
    say(
        f"adopted as line {line.seq}: the co-signature of epoch {line.sth['epoch']}, {line.sth['tree_size']}"
        f" leaves; the co-signer continues from it (restart `serve`)"
    )
    return 0


def run_add_operator_key(args: argparse.Namespace) -> int:
    _config(args.state)
    public_key(args.key, "--key")
    try:
        config = state.add_operator_key(args.state, args.key)
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    say(
        f"{len(config.operator_keys)} operator keys pinned; the new one is SM3"
        f" {public_key(args.key, '--key').fingerprint()}. Restart `serve` to use it"
    )
    return 0


# --- the supervising department's statement and the verifiers' trust file ------------------------------


def _last_head(document: Any, path: str) -> dict[str, Any]:
    """LAST.json: a co-signature (its head, after its signature checks out), a signed head or a head
    ref {tree_size, root_hash, epoch}."""
    try:
        if isinstance(document, dict) and "cosigner_key" in document:
            return witness.head_ref(witness.cosignature_check(document)["sth"])
        if isinstance(document, dict) and "sth" in document:
            return witness.head_ref(witness.sth_check(document["sth"]))
        if isinstance(document, dict) and set(document) == witness.STH_KEYS:
            return witness.head_ref(witness.sth_check(document))
    except WitnessError as exc:
        raise Refused(f"{path}: {exc}") from exc
    if isinstance(document, dict) and set(document) == witness.REF_KEYS:
        return document
    raise UsageError(f"{path} is not a co-signature, a head or a head ref {{tree_size, root_hash, epoch}}")


def _first_head(document: Any, path: str) -> dict[str, Any]:
    """FIRST.json: a head ref {tree_size, root_hash}, or a signed head or head of which it is taken."""
    if isinstance(document, dict) and isinstance(document.get("sth"), dict):
        document = document["sth"]
    if isinstance(document, dict) and {"tree_size", "root_hash"} <= set(document):
        return {"tree_size": document["tree_size"], "root_hash": document["root_hash"]}
    raise UsageError(f"{path} is not a head ref {{tree_size, root_hash}} or a head")


def run_epoch_statement(args: argparse.Namespace) -> int:
    last = _last_head(_read_json(args.last), args.last)
    first = _first_head(_read_json(args.first), args.first)
    if not Path(args.key).is_file():
        raise UsageError(f"{args.key}: no such key file")
    try:
        key = load_key_file(args.key, passphrase(SUPERVISOR_PASSPHRASE_ENV, "Supervising department's"))
    except CryptoError as exc:
        raise Refused(f"{args.key}: {exc}") from exc
    try:
        signed = witness.epoch_statement_make(
            key,
            previous_epoch=args.previous_epoch,
            last_head=last,
            first_head=first,
            reason=args.reason,
            declared_at=dt.datetime.now(dt.UTC),
        )
    except WitnessError as exc:
        raise Refused(f"the statement is refused ({exc.reason}): {exc}") from exc
    say(json.dumps(signed, ensure_ascii=False, indent=1))
    statement = signed["statement"]
    say(
        f"epoch {statement['new_epoch']} begins after co-signed head {last['tree_size']} of epoch"
        f" {last['epoch']}, at the restored head of {first['tree_size']} leaves; signed by SM3"
        f" {key.public_key.fingerprint()}",
        err=True,
    )
    return 0


def run_trust(args: argparse.Namespace) -> int:
    operators = tuple(public_key(k, "--operator-key") for k in args.operator_key)
    supervisors = tuple(public_key(k, "--supervisor-key") for k in args.supervisor_key)
    cosigners = []
    for item in args.cosigner:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--cosigner {item!r}: give NAME=HEX")
        cosigners.append((name.strip(), public_key(value, f"--cosigner {name.strip()}")))
    try:
        trust = WitnessTrust(operators, tuple(cosigners), args.threshold, supervisors)
    except WitnessError as exc:
        raise Refused(f"{exc}; nothing written") from exc
    write_atomic(args.out, json.dumps(trust.to_json(), ensure_ascii=False, indent=1) + "\n")
    say(
        f"{args.out}: a head needs {trust.threshold} of {len(trust.cosigners)} co-signatures"
        f" ({', '.join(name for name, _ in trust.cosigners)}); {len(operators)} operator key(s),"
        f" {len(supervisors)} supervisor key(s)"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ggzy-cosigner",
        description="A witness-log co-signer: its own key and state, and its HTTP service that co-signs "
        "the platform's tree heads only when each extends the last one it co-signed.",
    )
    parser.add_argument("--version", action="version", version=f"ggzy-cosigner {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="make a co-signer: its own key and the keys it pins")
    init.add_argument("--state", required=True, help="the co-signer's own state folder")
    init.add_argument("--name", required=True, help="the co-signer's name")
    init.add_argument("--operator-key", action="append", required=True, help="the platform's witness key")
    init.add_argument("--supervisor-key", action="append", default=[], help="a supervising department key")
    init.add_argument("--tolerance", type=int, default=state.DEFAULT_TOLERANCE, help="seconds (120)")
    init.add_argument("--start", help="a known signed head to start from (JSON)")
    init.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS, help=argparse.SUPPRESS)

    serve = commands.add_parser("serve", help="co-sign over HTTP")
    serve.add_argument("--state", required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)

    key = commands.add_parser("key", help="print the co-signer's public key")
    key.add_argument("--state", required=True)

    resync = commands.add_parser("resync", help="adopt a newer co-signature of ours after state_rollback")
    resync.add_argument("--state", required=True)
    resync.add_argument("--cosignature", required=True, help="the co-signature (JSON)")

    add = commands.add_parser("add-operator-key", help="pin another key of the platform")
    add.add_argument("--state", required=True)
    add.add_argument("--key", required=True)

    epoch = commands.add_parser("epoch-statement", help="sign an epoch statement (supervising department)")
    epoch.add_argument("--key", required=True, help="the supervising department's key file")
    epoch.add_argument("--previous-epoch", type=int, required=True)
    epoch.add_argument("--last", required=True, help="the last co-signed head of that epoch (JSON)")
    epoch.add_argument("--first", required=True, help="the restored log's head (JSON)")
    epoch.add_argument("--reason", required=True)

    trust = commands.add_parser("trust", help="write the trust file verifiers pin")
    trust.add_argument("--out", required=True)
    trust.add_argument("--operator-key", action="append", required=True)
    trust.add_argument("--cosigner", action="append", required=True, metavar="NAME=HEX")
    trust.add_argument("--threshold", type=int, required=True)
    trust.add_argument("--supervisor-key", action="append", default=[])
    return parser


COMMANDS = {
    "init": run_init,
    "serve": run_serve,
    "key": run_key,
    "resync": run_resync,
    "add-operator-key": run_add_operator_key,
    "epoch-statement": run_epoch_statement,
    "trust": run_trust,
}


def main(argv: list[str] | None = None) -> int:
    return run_command("ggzy-cosigner", COMMANDS, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
