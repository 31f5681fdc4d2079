"""Signing in: `ggzy-bid agent` (the local signing agent) and `ggzy-bid login-sign` (the copy-paste
fallback)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from ggzy_bid.agent import (
    AUTO_APPROVE_COUNT,
    AUTO_APPROVE_MINUTES,
    LOGIN_PURPOSE,
    Agent,
    AgentServer,
    Approver,
    AutoApproval,
    check_login_payload,
)
from ggzy_bid.commands.common import UsageError, load_signing_key, read_certificate

_PROMPTING = threading.Lock()  # one question at a time on the terminal


def _prompt(origin: str, purpose: str, payload: dict[str, Any]) -> bool:
    if not sys.stdin.isatty():
        return False  # nobody to ask: decline rather than sign unseen
    with _PROMPTING:
        print(f"\n{origin} asks for a {purpose} signature: {json.dumps(payload)}")  # noqa: T201
        return input("Sign? [y/N] ").strip().lower() in {"y", "yes"}


AUTO_APPROVE_WARNING = (
    "WARNING: --auto-approve: for {minutes} minutes or {count} signatures, whichever ends first, ANY"
    " program running on this computer as this user can obtain sign-in signatures for {origins}"
    " without you seeing it: a program can claim to be one of those pages (the Origin check stops"
    " only other web sites in your browser). Then the agent asks at the terminal again. Use it only"
    " where nothing else runs as this user (kiosks, tests)."
)


def run_agent(args: argparse.Namespace) -> int:
    if not args.origin:
        raise UsageError("give at least one --origin (the platform's address, e.g. https://ggzy.example.cn)")
    if not args.auto_approve and (args.auto_approve_minutes or args.auto_approve_count):
        raise UsageError("--auto-approve-minutes and --auto-approve-count go with --auto-approve")
    key = load_signing_key(args.key)
    certificate = read_certificate(args.certificate)
    approve: Approver = _prompt
    if args.auto_approve:  # the budget starts now, after the passphrase prompt
        approve = AutoApproval(
            fallback=_prompt,
            minutes=args.auto_approve_minutes or AUTO_APPROVE_MINUTES[0],
            count=args.auto_approve_count or AUTO_APPROVE_COUNT[0],
        )
    agent = Agent(key=key, certificate=certificate, origins=frozenset(args.origin), approve=approve)
    server = AgentServer(agent, args.port)
    if isinstance(approve, AutoApproval):
        print(  # noqa: T201
            AUTO_APPROVE_WARNING.format(
                minutes=approve.minutes, count=approve.count, origins=", ".join(sorted(agent.origins))
            ),
            file=sys.stderr,
            flush=True,
        )
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
    print(load_signing_key(args.key).sign(LOGIN_PURPOSE, payload).hex())  # noqa: T201
    return 0
