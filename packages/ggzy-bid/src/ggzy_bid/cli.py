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
import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from ggzy_bid import __version__
from ggzy_bid.agent import DEFAULT_PORT, LOGIN_PURPOSE, Agent, AgentServer, Refused, check_login_payload
from ggzy_sm import sealedbid, x509
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


def _instant(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise UsageError(f"{text}: give the deadline with its time zone, e.g. 2026-12-20T09:30:00+08:00")
    return value


def seal(args: argparse.Namespace) -> int:
    """Seal the documents and the opening sheet into a ggzy-bid-v1 file (docs/sealed-bid-format.md)."""
    sheet = json.loads(Path(args.opening_sheet).read_text(encoding="utf-8"))
    encryption_certificate = read_certificate(args.encryption_certificate)
    header = sealedbid.seal(
        target=Path(args.out),
        binding=sealedbid.Binding(
            tender_project=args.section[:20],
            section=args.section,
            bidder=args.bidder,
            deadline=_instant(args.deadline),
        ),
        opening_sheet=sheet,
        documents=[Path(d) for d in args.documents],
        signing_key=_key(args.key),
        signing_certificate=read_certificate(args.certificate),
        encryption_certificate=encryption_certificate,
        encryption_key=x509.Certificate.load(encryption_certificate).public_key,
        machine=machine_fingerprint(),
        boq=Path(args.boq) if args.boq else None,
        tool=f"ggzy-bid {__version__}",
    )
    print(f"sealed {args.out}: ciphertext SM3 {header['ciphertext_sm3']}", file=sys.stderr)  # noqa: T201
    return 0


def inspect(args: argparse.Namespace) -> int:
    """Show the header and check the signature (with the certificate's key) and the ciphertext."""
    bid = sealedbid.read(Path(args.bid))
    certificate = x509.Certificate.load(sealedbid.signing_certificate(bid))
    sealedbid.verify(bid, certificate.public_key)
    shown = {
        k: v for k, v in bid.header.items() if k not in ("signing_certificate", "wrapped_key", "signature")
    }
    report = {**shown, "signer": certificate.subject, "verified": True}
    print(json.dumps(report, ensure_ascii=False, indent=1))  # noqa: T201
    return 0


def release(args: argparse.Namespace) -> int:
    """At the opening: unwrap the key with the encryption key file and print the signed release."""
    bid = sealedbid.read(Path(args.bid))
    passphrase = os.environ.get("GGZY_BID_PASSPHRASE") or getpass.getpass("Passphrase: ")
    signed = sealedbid.release(
        bid, load_key_file(args.encryption_key, passphrase), load_key_file(args.key, passphrase)
    )
    print(json.dumps(signed))  # noqa: T201
    return 0


def machine_fingerprint() -> dict[str, str]:
    """What identifies the sealing machine (hashed into the header; national data set 519)."""
    import platform
    import uuid

    return {
        "node": platform.node(),
        "mac": f"{uuid.getnode():012x}",
        "machine": platform.machine(),
        "tool": __version__,
    }


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
    sealing = commands.add_parser("seal", help="seal a bid (ggzy-bid-v1)")
    sealing.add_argument("--section", required=True, help="the 23-character section code")
    sealing.add_argument("--bidder", required=True, help="your credit code or ID number")
    sealing.add_argument("--deadline", required=True, help="the bid deadline, e.g. 2026-12-20T09:30:00+08:00")
    sealing.add_argument("--opening-sheet", required=True, help="the opening sheet (JSON)")
    sealing.add_argument("--key", required=True, help="your signing key file")
    sealing.add_argument("--certificate", required=True, help="your signing certificate")
    sealing.add_argument("--encryption-certificate", required=True, help="your encryption certificate")
    sealing.add_argument("--boq", help="the bill of quantities (XML), if any")
    sealing.add_argument("--out", required=True)
    sealing.add_argument("documents", nargs="+")
    sealing.set_defaults(run=seal)
    inspecting = commands.add_parser("inspect", help="show and check a sealed bid's header")
    inspecting.add_argument("bid")
    inspecting.set_defaults(run=inspect)
    releasing = commands.add_parser("release", help="at the opening: the signed release of your bid's key")
    releasing.add_argument("--key", required=True, help="your signing key file")
    releasing.add_argument("--encryption-key", required=True, help="your encryption key file")
    releasing.add_argument("bid")
    releasing.set_defaults(run=release)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (UsageError, Refused, CryptoError, OSError, ValueError) as exc:
        print(f"ggzy-bid: {getattr(exc, 'message', None) or exc}", file=sys.stderr)  # noqa: T201
        return 2


if __name__ == "__main__":
    sys.exit(main())
