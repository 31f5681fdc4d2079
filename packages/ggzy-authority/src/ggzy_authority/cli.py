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
usage or `serve` refusing to start. init, serve, key and trust are every simulator's
(`ggzy_sm.simulator.Program`); `load` is the authority's own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ggzy_authority import __version__, records, state
from ggzy_authority.service import Authority, AuthorityServer
from ggzy_sm.jsonservice import Refused, UsageError, say
from ggzy_sm.simulator import Command, Program, parse_json


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in counts.items())


def run_load(args: argparse.Namespace) -> int:
    try:
        config = state.KIND.load_config(args.dir)
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc
    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"{args.file} cannot be read: {exc}") from exc
    try:
        data = parse_json(raw)
    except ValueError as exc:
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


def _load_arguments(load: argparse.ArgumentParser) -> None:
    load.add_argument("--dir", required=True)
    load.add_argument("file", help='{"licences": [...], "qualifications": [...], "professionals": [...]}')


PROGRAM = Program(
    simulator=Authority,
    server=AuthorityServer,
    version=__version__,
    description="A simulated outside authority (business licences, qualifications, registered "
    "professionals): answers lookups, each answer signed by its own SM2 key.",
    serves="answer lookups over HTTP",
    signs="answers",
    entry="authority",
    controls="add POST /v1/admin/records and /v1/admin/fail-next",
    controls_note="POST /v1/admin/records loads records, POST /v1/admin/fail-next makes the next lookups"
    " fail (503)",
    commands=(
        Command("load", "merge records from a JSON file into records.json", _load_arguments, run_load),
    ),
)


def main(argv: list[str] | None = None) -> int:
    return PROGRAM.main(argv)


if __name__ == "__main__":
    sys.exit(main())
