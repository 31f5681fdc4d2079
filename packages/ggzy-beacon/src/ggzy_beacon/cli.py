"""`ggzy-beacon`: an outside randomness service taking part in a trading system's verifiable draws — it
commits to a secret for a draw and reveals it only against the draw's whole set of commitments — and the
command that makes the trust file the trading system pins.

    ggzy-beacon init --dir DIR --name NAME [--iterations N]
        Make the beacon: its own SM2 key (beacon.key, a key file under a passphrase), state.json and
        public.json ({"format": "ggzy-beacon-public-v1", "name", "key"}: what a trading system pins).
        Prints the public key (hex).
    ggzy-beacon show --dir DIR DRAW
        Print what the beacon holds of DRAW as JSON — {"beacon", "draw", "subject", "party",
        "commitment", "committed_at", "reveal_after", "revealed_at", "commitments_hash", "secret"}, the
        body GET /v1/draws/<draw> signs, the secret only once revealed (null before). No passphrase;
        works while the folder is served. A draw it does not hold: exit 1.
    ggzy-beacon serve --dir DIR [--host 127.0.0.1] [--port 18651] [--test-controls]
        Commit and reveal over HTTP (ggzy_beacon.service), by this machine's clock. Prints
        "ggzy-beacon serving on http://HOST:PORT" once listening (--port 0: a free port); SIGTERM or
        Ctrl-C stops it. --test-controls adds POST /v1/admin/withhold (a draw this beacon never reveals)
        and POST /v1/admin/fail-next (the next commits and reveals answer 503).
    ggzy-beacon key --dir DIR
        Print the beacon's public key (hex); no passphrase.
    ggzy-beacon trust --out FILE CODE=DIR_OR_PUBLIC_JSON …
        Write the ggzy-beacon-trust-v1 file a trading system pins:
        {"format", "beacons": {CODE: {"name", "key"}}}, CODE being the name the trading system gives the
        beacon.

The passphrase comes from GGZY_BEACON_PASSPHRASE or a prompt. Exit status: 0 done, 1 refused, 2 wrong
usage or `serve` refusing to start. init, serve, key and trust are every simulator's
(`ggzy_sm.simulator.Program`); `show` is the beacon's own.
"""

from __future__ import annotations

import argparse
import json
import sys

from ggzy_beacon import __version__, state
from ggzy_beacon.service import Beacon, BeaconServer, status_body
from ggzy_sm.jsonservice import Refused, UsageError, say
from ggzy_sm.simulator import Command, Program


def run_show(args: argparse.Namespace) -> int:
    try:
        config = state.KIND.load_config(args.dir)
        store = state.load_store(config.folder, config.key.hex())
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc
    entry = store.draws.get(args.draw)
    if entry is None:
        raise Refused(f"the beacon {config.name} holds no draw {args.draw[:64]!r}")
    body = status_body(config.name, config.key.hex(), args.draw, entry)
    say(json.dumps(body, ensure_ascii=False, indent=1))
    return 0


def _show_arguments(show: argparse.ArgumentParser) -> None:
    show.add_argument("--dir", required=True)
    show.add_argument("draw", help="the draw's id")


PROGRAM = Program(
    simulator=Beacon,
    server=BeaconServer,
    version=__version__,
    description="An outside randomness service (a beacon) in a trading system's verifiable draws: commits "
    "to a secret for a draw and reveals it against the draw's whole set of commitments, each answer signed "
    "by its own SM2 key.",
    serves="commit and reveal over HTTP",
    signs="commitments and reveals",
    entry="beacon",
    controls="add POST /v1/admin/withhold and /v1/admin/fail-next",
    controls_note="POST /v1/admin/withhold makes every reveal of a draw fail (503), POST /v1/admin/fail-next"
    " makes the next commits and reveals fail (503)",
    commands=(Command("show", "print what the beacon holds of a draw (JSON)", _show_arguments, run_show),),
)


def main(argv: list[str] | None = None) -> int:
    return PROGRAM.main(argv)


if __name__ == "__main__":
    sys.exit(main())
