"""`ggzy-guarantee`: a simulated electronic-guarantee issuer (a bank, an insurer or a guarantee company),
answering a trading platform's signed applications, status queries and claims, and the commands that
make the trust document the platform adds to the issuers it accepts.

    ggzy-guarantee init --dir DIR --kind bank|insurer|guarantor --name NAME --code USCC
                        [--platform KEY …] [--amount-limit FEN] [--refuse CODE …]
                        [--review-after SECONDS] [--premium-bp N] [--iterations N]
        Make the issuer: its own small CA root (ca.key) and its issuing key (issuer.key), certified by
        that root (both key files under one passphrase), the platform keys it answers (--platform,
        hex), its review rules, public.json and state.json. Prints the issuing key (hex).
    ggzy-guarantee serve --dir DIR [--host 127.0.0.1] [--port 18641] [--test-controls]
        Answer over HTTP (ggzy_guarantee.service), by this machine's clock. Prints
        "ggzy-guarantee serving on http://HOST:PORT" once listening (--port 0: a free port); SIGTERM or
        Ctrl-C stops it. --test-controls adds POST /v1/admin/review, /v1/admin/pay (the premium paid:
        the guarantee issued), /v1/admin/rules and /v1/admin/fail-next.
    ggzy-guarantee key --dir DIR
        Print the issuing key (hex); no passphrase.
    ggzy-guarantee trust [--out FILE] DIR …
        Print (or write to FILE) the ggzy-guarantee-trust-v1 document of the issuers of the DIRs:
        {"format", "issuers": {CODE: {"kind", "name", "key", "root", "certificate"}}}.
    ggzy-guarantee trust --dir DIR --platform KEY …
        Pin the platform's key(s) (hex) in DIR's platforms.json; works while the folder is served (the
        server reads platforms.json again). No passphrase.

The passphrase comes from GGZY_GUARANTEE_PASSPHRASE or a prompt. Exit status: 0 done, 1 refused, 2 wrong
usage or `serve` refusing to start. serve and key are every simulator's (`ggzy_sm.simulator.Program`);
init and trust say more here: an issuer has a kind, a credit code and a certificate.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ggzy_guarantee import __version__, state
from ggzy_guarantee.service import GuaranteeServer, Issuer
from ggzy_sm.files import write_atomic
from ggzy_sm.guarantees import KINDS, TRUST_FORMAT
from ggzy_sm.jsonservice import Refused, UsageError, public_key, say
from ggzy_sm.keys import DEFAULT_ITERATIONS
from ggzy_sm.simulator import STATE, Program, StateError


class GuaranteeProgram(Program):
    """The issuer's command line: every simulator's, with its own init and trust."""

    def run_init(self, args: argparse.Namespace) -> int:
        folder = Path(args.dir)
        if (folder / STATE).exists():
            raise Refused(state.KIND.already(folder))
        platforms = tuple(public_key(k, "--platform") for k in args.platform)
        rules: dict[str, Any] = {"refused_applicants": args.refuse}
        for name, value in (
            ("amount_limit_fen", args.amount_limit),
            ("review_after_seconds", args.review_after),
            ("premium_rate_bp", args.premium_bp),
        ):
            if value is not None:
                rules[name] = value
        try:
            config, identity = state.init(
                folder, kind=args.kind, name=args.name, code=args.code,
                passphrase=self.passphrase(confirm=True), iterations=args.iterations, rules=rules,
                platforms=platforms,
            )  # fmt: skip
        except StateError as exc:
            raise Refused(str(exc)) from exc
        say(config.key.hex())
        say(
            f"{identity.kind} {config.name!r} ({identity.code}) made in {folder}, its issuing key certified"
            f" by its own CA; {len(platforms)} platform keys pinned: gather the trust document with"
            " `ggzy-guarantee trust DIR`",
            err=True,
        )
        return 0

    def run_trust(self, args: argparse.Namespace) -> int:
        if args.platform:
            return self._pin(args)
        if args.dir is not None or not args.folders:
            raise UsageError("give the issuers' folders (trust DIR …), or --dir DIR --platform KEY")
        issuers: dict[str, Any] = {}
        for where in args.folders:
            try:
                config = state.KIND.load_config(where)
                identity = state.load_identity(Path(where))
            except StateError as exc:
                raise UsageError(str(exc)) from exc
            if identity.code in issuers:
                raise Refused(f"{identity.code} is given twice; nothing written")
            issuers[identity.code] = identity.trust_entry(config.key)
        text = json.dumps({"format": TRUST_FORMAT, "issuers": issuers}, ensure_ascii=False, indent=1) + "\n"
        if args.out is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            write_atomic(args.out, text)
            named = ", ".join(f"{issuer_code} ({entry['name']})" for issuer_code, entry in issuers.items())
            say(f"{args.out}: {named}")
        return 0

    def _pin(self, args: argparse.Namespace) -> int:
        if args.dir is None or args.folders or args.out is not None:
            raise UsageError("pin with --dir DIR --platform KEY only")
        keys = [public_key(k, "--platform") for k in args.platform]
        try:
            state.KIND.load_config(args.dir)
            for key in keys:
                pinned = state.pin_platform(Path(args.dir), key)
        except StateError as exc:
            raise UsageError(str(exc)) from exc
        say(f"{args.dir}: {len(pinned)} platform keys pinned")
        return 0

    def parser(self) -> argparse.ArgumentParser:
        kind = self.kind
        parser = argparse.ArgumentParser(prog=kind.program, description=self.description)
        parser.add_argument("--version", action="version", version=f"{kind.program} {self.version}")
        commands = parser.add_subparsers(dest="command", required=True)

        init = commands.add_parser("init", help="make an issuer: its CA, its certified issuing key")
        init.add_argument("--dir", required=True, help="the issuer's own folder")
        init.add_argument("--kind", required=True, choices=KINDS)
        init.add_argument(
            "--name", required=True, help="the issuer's name (in its certificate and guarantees)"
        )
        init.add_argument("--code", required=True, help="the issuer's unified social credit code")
        init.add_argument("--platform", action="append", default=[], help="a platform's public key (hex)")
        init.add_argument("--amount-limit", type=int, help="reject applications over this many fen")
        init.add_argument("--refuse", action="append", default=[], help="reject this applicant's code")
        init.add_argument("--review-after", type=int, help="approve after this many seconds under review")
        init.add_argument("--premium-bp", type=int, help="the premium in basis points of the amount")
        init.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS, help=argparse.SUPPRESS)

        served = commands.add_parser("serve", help=self.serves)
        served.add_argument("--dir", required=True)
        served.add_argument("--host", default="127.0.0.1")
        served.add_argument("--port", type=int, default=self.server.default_port)
        served.add_argument("--test-controls", action="store_true", help=self.controls)

        key = commands.add_parser("key", help="print the issuing key")
        key.add_argument("--dir", required=True)

        trust = commands.add_parser(
            "trust", help="print the issuers' trust document, or pin a platform key (--dir, --platform)"
        )
        trust.add_argument("--out", help="write the trust document to this file")
        trust.add_argument("--dir", help="the issuer's folder to pin --platform in")
        trust.add_argument("--platform", action="append", default=[], help="a platform's public key (hex)")
        trust.add_argument("folders", metavar="DIR", nargs="*", help="an issuer's folder")
        return parser


PROGRAM = GuaranteeProgram(
    simulator=Issuer,
    server=GuaranteeServer,
    version=__version__,
    description="A simulated electronic-guarantee issuer (bank, insurer or guarantee company): answers a"
    " trading platform's signed applications and claims, and issues guarantees signed by its certified"
    " SM2 key.",
    serves="answer applications, status queries and claims over HTTP",
    signs="guarantees and answers",
    entry="issuer",
    controls="add POST /v1/admin/review, /v1/admin/pay, /v1/admin/rules and /v1/admin/fail-next",
    controls_note="POST /v1/admin/review decides, /v1/admin/pay pays the premium (issues the guarantee),"
    " /v1/admin/rules sets the review rules, /v1/admin/fail-next makes the next requests fail (503)",
)


def main(argv: list[str] | None = None) -> int:
    return PROGRAM.main(argv)


if __name__ == "__main__":
    sys.exit(main())
