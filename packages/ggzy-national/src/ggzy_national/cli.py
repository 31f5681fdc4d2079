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
usage or `serve` refusing to start. init, serve, key and trust are every simulator's
(`ggzy_sm.simulator.Program`).
"""

from __future__ import annotations

import sys

from ggzy_national import __version__
from ggzy_national.service import NationalServer, Receiver
from ggzy_sm.simulator import Program

PROGRAM = Program(
    simulator=Receiver,
    server=NationalServer,
    version=__version__,
    description="A simulated national public service platform: receives pushed notices and answers "
    "each with a receipt signed by its own SM2 key.",
    serves="receive notices over HTTP",
    signs="receipts",
    entry="receiver",
    controls="add POST /v1/admin/fail-next",
    controls_note="POST /v1/admin/fail-next makes the next pushes fail (503)",
)


def main(argv: list[str] | None = None) -> int:
    return PROGRAM.main(argv)


if __name__ == "__main__":
    sys.exit(main())
