"""`ggzy-expertpool`: a simulated provincial comprehensive evaluation-expert pool (综合评标专家库,
docs/expert-pool-interface.md), and the commands that configure it, load its experts and make the trust
file the platform pins.

    ggzy-expertpool init --dir DIR --name NAME [--iterations N]
        Make the pool: its own SM2 key (expertpool.key, a key file under a passphrase), state.json and
        public.json ({"format": "ggzy-expertpool-public-v1", "name", "key"}: what the platform pins).
        Prints the public key (hex).
    ggzy-expertpool configure --dir DIR [--platform-key HEX] [--platform-encryption-key HEX]
        Write settings.json (what is not given is kept): the platform's public key the pool pins (its
        requests are signed by it) and the platform's SM2 encryption key every list is encrypted to. Not
        while the folder is served (exit 1). Prints the settings.
    ggzy-expertpool load --dir DIR FILE
        Merge the experts of FILE — {"experts": [...]}, the shape of ggzy_expertpool.records — into
        pool.json (an expert with the same id replaces the old record; kept masked and hashed, never with
        the identity number). A FILE with one bad expert is refused whole (exit 1, nothing written), saying
        which and why. No passphrase; not while the folder is served (exit 1: POST /v1/admin/experts
        loads experts into a served pool with test controls).
    ggzy-expertpool serve --dir DIR [--host 127.0.0.1] [--port 18661] [--test-controls]
        Answer the platform over HTTP (ggzy_expertpool.service) by this machine's clock. Prints
        "ggzy-expertpool serving on http://HOST:PORT" once listening (--port 0: a free port); SIGTERM or
        Ctrl-C stops it. --test-controls adds POST /v1/admin/experts, /v1/admin/answers and
        /v1/admin/fail-next.
    ggzy-expertpool key --dir DIR
        Print the pool's public key (hex); no passphrase.
    ggzy-expertpool trust --out FILE CODE=DIR_OR_PUBLIC_JSON …
        Write the ggzy-expertpool-trust-v1 file the platform pins: {"format", "pools": {CODE: {"name",
        "key"}}}.

The passphrase comes from GGZY_EXPERTPOOL_PASSPHRASE or a prompt. Exit status: 0 done, 1 refused, 2 wrong
usage or `serve` refusing to start. init, serve, key and trust are every simulator's
(`ggzy_sm.simulator.Program`); configure and load are the pool's own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from ggzy_expertpool import __version__, records, service, state
from ggzy_sm.jsonservice import Refused, UsageError, parse_json, public_key, say
from ggzy_sm.simulator import Command, Config, Program

T = TypeVar("T")


@contextmanager
def _unserved(folder: str) -> Iterator[Config]:
    """The pool's folder, locked for the moment of a change (Refused while it is served)."""
    try:
        config = state.KIND.load_config(folder)
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc
    try:
        lock = state.KIND.lock(config.folder)
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    try:
        yield config
    finally:
        lock.release()


def _guarded(change: Callable[[], T]) -> T:
    """What `change` returns; Refused if the folder cannot be read or written."""
    try:
        return change()
    except state.StateError as exc:
        raise Refused(f"{exc}; nothing changed") from exc


def run_configure(args: argparse.Namespace) -> int:
    signing = None if args.platform_key is None else public_key(args.platform_key, "--platform-key")
    encryption = (
        None
        if args.platform_encryption_key is None
        else public_key(args.platform_encryption_key, "--platform-encryption-key")
    )
    with _unserved(args.dir) as config:
        settings = _guarded(
            lambda: state.configure(config.folder, platform_key=signing, platform_encryption_key=encryption)
        )
    say(json.dumps(settings.to_json(), ensure_ascii=False, indent=1))
    return 0


def _configure_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", required=True)
    parser.add_argument(
        "--platform-key", help="the platform's SM2 public key (hex) its requests are signed by"
    )
    parser.add_argument(
        "--platform-encryption-key", help="the platform's SM2 encryption key (hex) lists are encrypted to"
    )


def run_load(args: argparse.Namespace) -> int:
    try:
        raw = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"{args.file} cannot be read: {exc}") from exc
    try:
        experts = records.batch_parse(parse_json(raw))
    except records.RecordError as exc:
        raise Refused(f"{args.file}: {exc}; nothing loaded") from exc
    except ValueError as exc:
        raise Refused(f"{args.file} is not JSON ({exc}); nothing loaded") from exc
    with _unserved(args.dir) as config:

        def change() -> state.Pool:
            pool = state.merge(state.load_pool(config.folder), experts)
            state.write_pool(config.folder, pool)
            return pool

        pool = _guarded(change)
    counts = pool.counts()
    say(
        f"loaded {len(experts)} experts; {config.folder / state.POOL} holds {counts['experts']}"
        f" ({counts['active']} active)"
    )
    return 0


def _load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", required=True)
    parser.add_argument("file", help='{"experts": [...]}')


PROGRAM = Program(
    simulator=service.ExpertPool,
    server=service.ExpertPoolServer,
    version=__version__,
    description="A simulated provincial comprehensive evaluation-expert pool: draws experts for the "
    "platform with the avoidance rules applied, answers the list signed by its own SM2 key and encrypted "
    "to the platform's, takes the experts' answers and replaces down its own order.",
    serves="answer the platform's draws, replacements and state reads over HTTP",
    signs="answers",
    entry="pool",
    controls="add POST /v1/admin/experts, /v1/admin/answers and /v1/admin/fail-next",
    controls_note="POST /v1/admin/experts loads experts, /answers records an expert's own reply to the"
    " call or SMS, /fail-next makes the next platform requests fail (503)",
    commands=(
        Command(
            "configure",
            "write settings.json (the platform's signing and encryption keys)",
            _configure_arguments,
            run_configure,
        ),
        Command("load", "merge experts from a JSON file into pool.json", _load_arguments, run_load),
    ),
)


def main(argv: list[str] | None = None) -> int:
    return PROGRAM.main(argv)


if __name__ == "__main__":
    sys.exit(main())
