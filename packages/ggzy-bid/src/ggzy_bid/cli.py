"""`ggzy-bid`: the bidder's client.

    ggzy-bid agent --key KEY.json --certificate SIGN.cer --origin https://ggzy.example.cn
        Run the local signing agent on 127.0.0.1 (port 18480) for the given platform origins. Asks
        on the terminal before each signature unless --auto-approve.
    ggzy-bid login-sign --key KEY.json [CHALLENGE]
        The copy-paste fallback: sign the login challenge the page shows (argument or standard
        input) and print the signature to paste back into the page.

The key file's passphrase comes from GGZY_BID_PASSPHRASE or a prompt. Sealing, inspecting and
releasing bids come with the sealed-bid format.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from ggzy_bid.agent import DEFAULT_PORT, LOGIN_PURPOSE, Agent, AgentServer, Refused, check_login_payload
from ggzy_sm import x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import load_key_file
from ggzy_sm.sm2 import Sm2PrivateKey


class UsageError(Exception):
    pass


def read_certificate(path: str) -> bytes:
    """A certificate file in DER or PEM."""
    return x509.der_blocks(Path(path).read_bytes())[0]


def _key(path: str) -> Sm2PrivateKey:
    passphrase = os.environ.get("GGZY_BID_PASSPHRASE") or getpass.getpass(f"Passphrase for {path}: ")
    return load_key_file(path, passphrase)


def _prompt(origin: str, purpose: str, payload: dict[str, Any]) -> bool:
    if not sys.stdin.isatty():
        return False  # nobody to ask: decline rather than sign unseen
    print(f"\n{origin} asks for a {purpose} signature: {json.dumps(payload, ensure_ascii=False)}")  # noqa: T201
    return input("Sign? [y/N] ").strip().lower() in {"y", "yes"}


def run_agent(args: argparse.Namespace) -> int:
    if not args.origin:
        raise UsageError("give at least one --origin (the platform's address, e.g. https://ggzy.example.cn)")
    agent = Agent(
        key=_key(args.key),
        certificate=read_certificate(args.certificate),
        origins=frozenset(args.origin),
        approve=(lambda *_: True) if args.auto_approve else _prompt,
    )
    server = AgentServer(agent, args.port)
    print(  # noqa: T201
        f"ggzy-bid agent on http://127.0.0.1:{server.server_port} for {', '.join(sorted(agent.origins))}"
        f" (key {agent.key.public_key.fingerprint()}); Ctrl-C stops it",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def login_sign(args: argparse.Namespace) -> int:
    text = args.challenge if args.challenge is not None else sys.stdin.read()
    try:
        challenge = json.loads(text)
    except ValueError as exc:
        raise UsageError("paste the challenge exactly as the page shows it (JSON)") from exc
    if not isinstance(challenge, dict) or challenge.get("purpose") != LOGIN_PURPOSE:
        raise UsageError(f"not a {LOGIN_PURPOSE} challenge: refusing to sign it")
    payload = challenge.get("payload")
    origin = payload.get("origin", "") if isinstance(payload, dict) else ""
    check_login_payload(payload, origin)
    if args.origin and origin.rstrip("/") != args.origin.rstrip("/"):
        raise UsageError(f"the challenge is for {origin}, not {args.origin}: refusing to sign it")
    print(f"Signing in to {origin}", file=sys.stderr)  # noqa: T201
    print(_key(args.key).sign(LOGIN_PURPOSE, payload).hex())  # noqa: T201
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ggzy-bid", description="ggzy's bidder client")
    commands = top.add_subparsers(dest="command", required=True)
    agent = commands.add_parser("agent", help="run the local signing agent on 127.0.0.1")
    agent.add_argument("--key", required=True, help="the signing key file")
    agent.add_argument("--certificate", required=True, help="the signing certificate (DER or PEM)")
    agent.add_argument("--origin", action="append", default=[], help="a platform origin to serve")
    agent.add_argument("--port", type=int, default=DEFAULT_PORT)
    agent.add_argument("--auto-approve", action="store_true", help="sign without asking (kiosks, tests)")
    agent.set_defaults(run=run_agent)
    sign = commands.add_parser("login-sign", help="sign a login challenge copied from the page")
    sign.add_argument("--key", required=True, help="the signing key file")
    sign.add_argument("--origin", help="refuse a challenge for any other platform")
    sign.add_argument("challenge", nargs="?", help="the challenge JSON (default: standard input)")
    sign.set_defaults(run=login_sign)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (UsageError, Refused, CryptoError, OSError) as exc:
        print(f"ggzy-bid: {getattr(exc, 'message', None) or exc}", file=sys.stderr)  # noqa: T201
        return 2


if __name__ == "__main__":
    sys.exit(main())
