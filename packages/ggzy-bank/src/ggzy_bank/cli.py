"""`ggzy-bank`: a simulated bank for bid security (docs/bank-interface.md), and the commands that
configure it and make the trust file the platform pins.

    ggzy-bank init --dir DIR --name NAME [--iterations N]
        Make the bank: its own SM2 key (bank.key, a key file under a passphrase), state.json and
        public.json ({"format": "ggzy-bank-public-v1", "name", "key"}: what the platform pins). Prints the
        public key (hex).
    ggzy-bank configure --dir DIR [--platform-key HEX] [--callback URL | --no-callback]
                        [--rate-percent 0.05] [--day-count 360|365] [--account-prefix 62170]
                        [--retry-first-ms 500] [--retry-most-ms 60000]
        Write settings.json (what is not given is kept): the platform's public key the bank pins (its
        requests are signed by it), the platform's callback URL for notifications, the demand-deposit
        rate in percent a year and the day count, the sub-accounts' 5-digit prefix, the notifier's
        backoff. Not while the folder is served (exit 1). Prints the settings.
    ggzy-bank statement --dir DIR --date YYYY-MM-DD
        Print the signed statement of a business day (Asia/Shanghai) from ledger.json, as POST
        /v1/statement answers it (without a nonce); works while the folder is served. Needs the
        passphrase (it signs).
    ggzy-bank serve --dir DIR [--host 127.0.0.1] [--port 18631] [--test-controls]
        Answer the platform over HTTP (ggzy_bank.service) by this machine's clock, and send it the
        notifications of credits. Prints "ggzy-bank serving on http://HOST:PORT" once listening (--port
        0: a free port); SIGTERM or Ctrl-C stops it. --test-controls adds POST /v1/admin/pay, /callback,
        /resend, /crash-next-delivery and /fail-next.
    ggzy-bank key --dir DIR
        Print the bank's public key (hex); no passphrase.
    ggzy-bank trust --out FILE CODE=DIR_OR_PUBLIC_JSON …
        Write the ggzy-bank-trust-v1 file the platform pins: {"format", "banks": {CODE: {"name", "key"}}}.

The passphrase comes from GGZY_BANK_PASSPHRASE or a prompt. Exit status: 0 done, 1 refused, 2 wrong usage
or `serve` refusing to start. init, serve, key and trust are every simulator's
(`ggzy_sm.simulator.Program`); configure and statement are the bank's own.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys

from ggzy_bank import __version__, records, service, state
from ggzy_sm.jsonservice import Refused, UsageError, passphrase, public_key, say
from ggzy_sm.simulator import Command, Program


def run_configure(args: argparse.Namespace) -> int:
    try:
        config = state.KIND.load_config(args.dir)
    except state.StateError as exc:
        raise UsageError(str(exc)) from exc
    try:
        lock = state.KIND.lock(config.folder)
    except state.StateError as exc:
        raise Refused(str(exc)) from exc
    try:
        settings = state.configure(
            config.folder,
            platform_key=None
            if args.platform_key is None
            else public_key(args.platform_key, "--platform-key"),
            callback=args.callback,
            annual_rate_percent=args.rate_percent,
            day_count=args.day_count,
            account_prefix=args.account_prefix,
            retry_first_ms=args.retry_first_ms,
            retry_most_ms=args.retry_most_ms,
        )
        if args.no_callback:
            settings = state.write_settings(config.folder, dataclasses.replace(settings, callback=None))
    except state.StateError as exc:
        raise Refused(f"{exc}; nothing changed") from exc
    finally:
        lock.release()
    say(json.dumps(settings.to_json(), ensure_ascii=False, indent=1))
    return 0


def _configure_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", required=True)
    parser.add_argument(
        "--platform-key", help="the platform's SM2 public key (hex) its requests are signed by"
    )
    callback = parser.add_mutually_exclusive_group()
    callback.add_argument("--callback", help="the platform's URL notifications are POSTed to")
    callback.add_argument("--no-callback", action="store_true", help="send no notifications")
    parser.add_argument("--rate-percent", help='the demand-deposit rate in percent a year ("0.05")')
    parser.add_argument("--day-count", type=int, help="360 (actual/360, the default) or 365")
    parser.add_argument("--account-prefix", help="the sub-accounts' 5-digit prefix")
    parser.add_argument("--retry-first-ms", type=int, help="the notifier's first retry delay")
    parser.add_argument("--retry-most-ms", type=int, help="the notifier's longest retry delay")


def run_statement(args: argparse.Namespace) -> int:
    try:
        config = state.KIND.load_config(args.dir)
        day = records.date(args.date, "--date")
        ledger = state.load_ledger(config.folder)
        key = state.KIND.load_key(config, passphrase(state.KIND.passphrase_env, "Bank's"))
    except (state.StateError, records.RecordError) as exc:
        raise UsageError(str(exc)) from exc
    now = dt.datetime.now(dt.UTC)
    body = {
        **service.statement_body(config.name, ledger, day, now),
        "action": "statement",
        "nonce": None,
        "answered_at": records.stamp(now),
    }
    say(json.dumps(service.sign_statement(key, body), ensure_ascii=False, indent=1))
    return 0


def _statement_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", required=True)
    parser.add_argument("--date", required=True, help="the business day, YYYY-MM-DD (Asia/Shanghai)")


PROGRAM = Program(
    simulator=service.Bank,
    server=service.BankServer,
    version=__version__,
    description="A simulated bank for bid security: virtual sub-accounts, signed notifications of credits, "
    "refunds with interest and the day's statement, each answer signed by its own SM2 key.",
    serves="answer the platform over HTTP and notify it of credits",
    signs="answers, notifications and statements",
    entry="bank",
    controls="add POST /v1/admin/pay, /v1/admin/callback, /v1/admin/resend, /v1/admin/crash-next-delivery"
    " and /v1/admin/fail-next",
    controls_note="POST /v1/admin/pay credits a sub-account (the bidder's transfer), /callback sets the"
    " platform's URL, /resend replays a notification, /crash-next-delivery exits as the next"
    " acknowledgement arrives, /fail-next makes the next platform requests fail (503)",
    commands=(
        Command(
            "configure",
            "write settings.json (platform key, callback, rate …)",
            _configure_arguments,
            run_configure,
        ),
        Command(
            "statement", "print the signed statement of a business day", _statement_arguments, run_statement
        ),
    ),
)


def main(argv: list[str] | None = None) -> int:
    return PROGRAM.main(argv)


if __name__ == "__main__":
    sys.exit(main())
