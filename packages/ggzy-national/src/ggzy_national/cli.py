"""`ggzy-national`: a simulated national public service platform, receiving a trading system's pushed
notices (standard 6.4.2 同步推送), and the command that makes the trust file the trading system pins.

    ggzy-national init --dir DIR --name NAME [--iterations N]
        Make the platform: its own SM2 key (a key file under a passphrase), state.json and public.json
        ({"format": "ggzy-national-public-v1", "name", "key"}: what a trading system pins). Prints the
        public key (hex).
    ggzy-national serve --dir DIR [--host 127.0.0.1] [--port 18611] [--test-controls]
        Receive notices over HTTP (ggzy_national.service), by this machine's clock. Prints
        "ggzy-national serving on http://HOST:PORT" once listening (--port 0: a free port); SIGTERM or
        Ctrl-C stops it. --test-controls adds POST /v1/admin/fail-next (tests of a sender's retries).
    ggzy-national key --dir DIR
        Print the platform's public key (hex); no passphrase.
    ggzy-national trust --out FILE CODE=DIR_OR_PUBLIC_JSON …
        Write the ggzy-national-trust-v1 file a trading system pins (GGZY_NATIONAL_TRUST):
        {"format", "receivers": {CODE: {"name", "key"}}}, CODE being the name the trading system gives
        the platform (GGZY_NATIONAL_PLATFORMS, e.g. ebid, ccgp).

The passphrase comes from GGZY_NATIONAL_PASSPHRASE or a prompt. Exit status: 0 done, 1 refused, 2 wrong
usage or `serve` refusing to start.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ggzy_national import __version__, state
from ggzy_national.service import DEFAULT_PORT, NationalServer, Receiver
from ggzy_sm.files import write_atomic
from ggzy_sm.jsonservice import Refused, StartupError, UsageError, passphrase, run_command, say, serve
from ggzy_sm.keys import DEFAULT_ITERATIONS
from ggzy_sm.sm2 import Sm2PublicKey

PASSPHRASE_ENV = "GGZY_NATIONAL_PASSPHRASE"  # noqa: S105  (the variable's name, not a secret)


def _passphrase(confirm: bool = False) -> str:
    return passphrase(PASSPHRASE_ENV, "National platform's", confirm=confirm)


def run_init(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    if (folder / state.STATE).exists():
        raise Refused(f"{folder} holds a national platform already: its key and receipts are never replaced")
    try:
        config = state.init(folder, args.name, _passphrase(confirm=True), iterations=args.iterations)
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    say(config.key.hex())
    say(
        f"national platform {config.name!r} made in {folder}; its public key is in {folder / state.PUBLIC}"
        f" (SM3 {config.key.fingerprint()}): gather it into a trust file with `ggzy-national trust`",
        err=True,
    )
    return 0


def run_serve(args: argparse.Namespace) -> int:
    try:
        receiver = Receiver.open(args.dir, _passphrase, test_controls=args.test_controls)
    except StartupError as exc:
        raise UsageError(str(exc)) from exc
    try:
        server = NationalServer(receiver, args.host, args.port)
    except OSError as exc:
        receiver.close()
        raise UsageError(str(exc)) from exc
    notes = [
        (
            f"national platform {receiver.config.name} (key SM3 {receiver.config.key.fingerprint()});"
            f" {len(receiver.store.notices)} notices received so far; Ctrl-C stops it"
        )
    ]
    if args.test_controls:
        notes.append("test controls on: POST /v1/admin/fail-next makes the next pushes fail (503)")
    return serve(server, "ggzy-national", notes, close=receiver.close)


def run_key(args: argparse.Namespace) -> int:
    try:
        say(state.load_config(args.dir).key.hex())
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc
    return 0


def _receiver(item: str) -> tuple[str, tuple[str, Sm2PublicKey]]:
    code, sep, where = item.partition("=")
    if not sep or not code.strip() or not where.strip():
        raise UsageError(f"{item!r}: give CODE=DIR or CODE=PUBLIC.json")
    path = Path(where.strip())
    if path.is_dir():
        path = path / state.PUBLIC
    try:
        return code.strip(), state.read_public(path)
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc


def run_trust(args: argparse.Namespace) -> int:
    receivers: dict[str, tuple[str, Sm2PublicKey]] = {}
    for item in args.receiver:
        code, found = _receiver(item)
        if code in receivers:
            raise Refused(f"{code} is given twice; nothing written")
        receivers[code] = found
    write_atomic(args.out, json.dumps(state.trust_document(receivers), ensure_ascii=False, indent=1) + "\n")
    say(f"{args.out}: {', '.join(f'{c} ({n})' for c, (n, _k) in receivers.items())}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ggzy-national",
        description="A simulated national public service platform: receives pushed notices and answers "
        "each with a receipt signed by its own SM2 key.",
    )
    parser.add_argument("--version", action="version", version=f"ggzy-national {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="make a platform: its own key and public key file")
    init.add_argument("--dir", required=True, help="the platform's own folder")
    init.add_argument("--name", required=True, help="the platform's name (named in its receipts)")
    init.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS, help=argparse.SUPPRESS)

    served = commands.add_parser("serve", help="receive notices over HTTP")
    served.add_argument("--dir", required=True)
    served.add_argument("--host", default="127.0.0.1")
    served.add_argument("--port", type=int, default=DEFAULT_PORT)
    served.add_argument("--test-controls", action="store_true", help="add POST /v1/admin/fail-next")

    key = commands.add_parser("key", help="print the platform's public key")
    key.add_argument("--dir", required=True)

    trust = commands.add_parser("trust", help="write the trust file a trading system pins")
    trust.add_argument("--out", required=True)
    trust.add_argument("receiver", nargs="+", help="CODE=DIR or CODE=PUBLIC.json")
    return parser


COMMANDS = {"init": run_init, "serve": run_serve, "key": run_key, "trust": run_trust}


def main(argv: list[str] | None = None) -> int:
    return run_command("ggzy-national", COMMANDS, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
