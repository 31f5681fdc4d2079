"""`ggzy-authority`: a simulated outside authority a trading system looks market entities up at — the
electronic business licence (电子营业执照), enterprise qualifications and registered professionals
(住建部四库一平台) — and the command that makes the trust file the trading system pins.

    ggzy-authority init --dir DIR --name NAME [--iterations N]
        Make the authority: its own SM2 key (authority.key, a key file under a passphrase), state.json
        and public.json ({"format": "ggzy-authority-public-v1", "name", "key"}: what a trading system
        pins). Prints the public key (hex).
    ggzy-authority load --dir DIR FILE
        Merge the records of FILE — {"licences": [...], "qualifications": [...], "professionals": [...]},
        each list optional, the shapes of ggzy_authority.records — into records.json (a record with the
        same key replaces the old one; written to a temporary name, fsynced, renamed). A FILE with one
        bad record is refused whole (exit 1, nothing written), saying which record and why. No
        passphrase; works while the folder is served (the server reads records.json again).
    ggzy-authority serve --dir DIR [--host 127.0.0.1] [--port 18621] [--test-controls]
        Answer lookups over HTTP (ggzy_authority.service), by this machine's clock. Prints
        "ggzy-authority serving on http://HOST:PORT" once listening (--port 0: a free port); SIGTERM or
        Ctrl-C stops it. --test-controls adds POST /v1/admin/records (load records over HTTP) and
        POST /v1/admin/fail-next (the next lookups answer 503).
    ggzy-authority key --dir DIR
        Print the authority's public key (hex); no passphrase.
    ggzy-authority trust --out FILE CODE=DIR_OR_PUBLIC_JSON …
        Write the ggzy-authority-trust-v1 file a trading system pins:
        {"format", "authorities": {CODE: {"name", "key"}}}, CODE being the name the trading system gives
        the authority.

The passphrase comes from GGZY_AUTHORITY_PASSPHRASE or a prompt. Exit status: 0 done, 1 refused, 2 wrong
usage or `serve` refusing to start.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ggzy_authority import __version__, records, state
from ggzy_authority.service import DEFAULT_PORT, Authority, AuthorityServer
from ggzy_sm.files import write_atomic
from ggzy_sm.jsonservice import Refused, StartupError, UsageError, passphrase, run_command, say, serve
from ggzy_sm.keys import DEFAULT_ITERATIONS
from ggzy_sm.sm2 import Sm2PublicKey

PASSPHRASE_ENV = "GGZY_AUTHORITY_PASSPHRASE"  # noqa: S105  (the variable's name, not a secret)


def _passphrase(confirm: bool = False) -> str:
    return passphrase(PASSPHRASE_ENV, "Authority's", confirm=confirm)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in counts.items())


def run_init(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    if (folder / state.STATE).exists():
        raise Refused(f"{folder} holds an authority already: its key and records are never replaced")
    try:
        config = state.init(folder, args.name, _passphrase(confirm=True), iterations=args.iterations)
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    say(config.key.hex())
    say(
        f"authority {config.name!r} made in {folder}; its public key is in {folder / state.PUBLIC}"
        f" (SM3 {config.key.fingerprint()}): gather it into a trust file with `ggzy-authority trust`",
        err=True,
    )
    return 0


def run_load(args: argparse.Namespace) -> int:
    try:
        config = state.load_config(args.dir)
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc
    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"{args.file} cannot be read: {exc}") from exc
    try:
        data = state.parse_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"{args.file} is not JSON ({exc}); nothing loaded") from exc
    try:
        batch = records.parse_batch(data)
    except records.RecordError as exc:
        raise Refused(f"{args.file}: {exc}; nothing loaded") from exc
    try:
        store = state.merge(config.folder, batch)
    except state.StateError as exc:
        raise UsageError(f"{exc}; nothing loaded") from exc
    holds = _counts(store.counts())
    say(f"loaded {_counts(records.counts(batch))}; {config.folder / state.RECORDS} holds {holds}")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    try:
        authority = Authority.open(args.dir, _passphrase, test_controls=args.test_controls)
    except StartupError as exc:
        raise UsageError(str(exc)) from exc
    try:
        server = AuthorityServer(authority, args.host, args.port)
    except OSError as exc:
        authority.close()
        raise UsageError(str(exc)) from exc
    notes = [
        (
            f"authority {authority.config.name} (key SM3 {authority.config.key.fingerprint()});"
            f" records: {_counts(authority.store.counts())}; Ctrl-C stops it"
        )
    ]
    if args.test_controls:
        notes.append(
            "test controls on: POST /v1/admin/records loads records, POST /v1/admin/fail-next makes the"
            " next lookups fail (503)"
        )
    return serve(server, "ggzy-authority", notes, close=authority.close)


def run_key(args: argparse.Namespace) -> int:
    try:
        say(state.load_config(args.dir).key.hex())
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc
    return 0


def _authority(item: str) -> tuple[str, tuple[str, Sm2PublicKey]]:
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
    authorities: dict[str, tuple[str, Sm2PublicKey]] = {}
    for item in args.authority:
        code, found = _authority(item)
        if code in authorities:
            raise Refused(f"{code} is given twice; nothing written")
        authorities[code] = found
    write_atomic(args.out, json.dumps(state.trust_document(authorities), ensure_ascii=False, indent=1) + "\n")
    say(f"{args.out}: {', '.join(f'{c} ({n})' for c, (n, _k) in authorities.items())}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ggzy-authority",
        description="A simulated outside authority (business licences, qualifications, registered "
        "professionals): answers lookups, each answer signed by its own SM2 key.",
    )
    parser.add_argument("--version", action="version", version=f"ggzy-authority {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="make an authority: its own key and public key file")
    init.add_argument("--dir", required=True, help="the authority's own folder")
    init.add_argument("--name", required=True, help="the authority's name (named in its answers)")
    init.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS, help=argparse.SUPPRESS)

    load = commands.add_parser("load", help="merge records from a JSON file into records.json")
    load.add_argument("--dir", required=True)
    load.add_argument("file", help='{"licences": [...], "qualifications": [...], "professionals": [...]}')

    served = commands.add_parser("serve", help="answer lookups over HTTP")
    served.add_argument("--dir", required=True)
    served.add_argument("--host", default="127.0.0.1")
    served.add_argument("--port", type=int, default=DEFAULT_PORT)
    served.add_argument(
        "--test-controls", action="store_true", help="add POST /v1/admin/records and /v1/admin/fail-next"
    )

    key = commands.add_parser("key", help="print the authority's public key")
    key.add_argument("--dir", required=True)

    trust = commands.add_parser("trust", help="write the trust file a trading system pins")
    trust.add_argument("--out", required=True)
    trust.add_argument("authority", nargs="+", help="CODE=DIR or CODE=PUBLIC.json")
    return parser


COMMANDS = {"init": run_init, "load": run_load, "serve": run_serve, "key": run_key, "trust": run_trust}


def main(argv: list[str] | None = None) -> int:
    return run_command("ggzy-authority", COMMANDS, build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
