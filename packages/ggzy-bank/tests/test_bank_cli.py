"""`ggzy-bank` as its operators run it: init, key, trust, configure, statement and serve each in a
process of its own (serve on the system clock: port 0, the "serving on" line, SIGTERM) — and the bank
killed (kill -9, or exiting as the acknowledgement arrives) while a notification is unacknowledged:
restarted, it sends it again, and the day's statement still adds up to the notifications."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bank_world import (
    ITERATIONS,
    PASSPHRASE,
    PLATFORM,
    Receiver,
    call,
    open_account,
    payment,
    request,
    verify,
    wait_for,
)
from ggzy_bank import records, service, state
from ggzy_bank.cli import main
from ggzy_sm.sm2 import Sm2PublicKey

ENV = {**os.environ, "GGZY_BANK_PASSPHRASE": PASSPHRASE}


def bank(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ggzy_bank", *argv],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False, env=ENV,
    )  # fmt: skip


def _init(folder: Path, name: str) -> str:
    made = bank("init", "--dir", str(folder), "--name", name, "--iterations", str(ITERATIONS))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


@contextmanager
def served(folder: Path, *, test_controls: bool = True) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    argv = [sys.executable, "-m", "ggzy_bank", "serve", "--dir", str(folder), "--port", "0"]
    process = subprocess.Popen(
        argv + (["--test-controls"] if test_controls else []),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=ENV,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the bank did not start"
        line = process.stdout.readline()
        assert "ggzy-bank serving on http://127.0.0.1:" in line, line or (
            process.stderr and process.stderr.read()
        )
        yield line.split("serving on ", 1)[1].strip(), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_init_key_trust_configure_and_serve(tmp_path: Path) -> None:
    key = _init(tmp_path / "bank", "示例银行（模拟）")
    assert json.loads((tmp_path / "bank" / "public.json").read_text("utf-8")) == {
        "format": "ggzy-bank-public-v1",
        "name": "示例银行（模拟）",
        "key": key,
    }
    assert (tmp_path / "bank" / "bank.key").stat().st_mode & 0o077 == 0
    assert bank("key", "--dir", str(tmp_path / "bank")).stdout.strip() == key
    assert (
        bank("init", "--dir", str(tmp_path / "bank"), "--name", "x", "--iterations", "1000").returncode == 1
    )
    trust = tmp_path / "trust.json"
    assert bank("trust", "--out", str(trust), f"icbc={tmp_path / 'bank'}").returncode == 0
    assert json.loads(trust.read_text("utf-8")) == {
        "format": "ggzy-bank-trust-v1",
        "banks": {"icbc": {"name": "示例银行（模拟）", "key": key}},
    }

    folder = str(tmp_path / "bank")
    assert bank("configure", "--dir", folder, "--platform-key", "04abcd").returncode == 2
    assert bank("configure", "--dir", folder, "--rate-percent", "0.05%").returncode == 1
    assert bank("configure", "--dir", folder, "--day-count", "364").returncode == 1
    made = bank(
        "configure", "--dir", folder, "--platform-key", PLATFORM.public_key.hex(), "--rate-percent", "0.35",
        "--day-count", "365", "--callback", "http://127.0.0.1:9/cb",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    settings = json.loads(made.stdout)
    assert (settings["annual_rate_percent"], settings["day_count"]) == ("0.35", 365)
    assert settings["platform_key"] == PLATFORM.public_key.hex()
    assert bank("configure", "--dir", folder, "--no-callback").returncode == 0
    assert state.load_settings(tmp_path / "bank").callback is None
    assert state.load_settings(tmp_path / "bank").day_count == 365  # what was not given is kept

    with served(tmp_path / "bank", test_controls=False) as (url, _process):
        second = bank("serve", "--dir", folder, "--port", "0")
        assert second.returncode == 2
        assert "in use" in second.stderr
        assert bank("configure", "--dir", folder, "--rate-percent", "1").returncode == 1  # while served
        assert call(url, service.PAY_PATH, {})[0] == 404
        number = open_account(url, Sm2PublicKey.from_hex(key))
        assert records.is_account_number(number)
        health = call(url, "/health")[1]
        assert (health["sub_accounts"], health["platform_pinned"]) == (1, True)

    today = records.business_day(dt.datetime.now(dt.UTC)).isoformat()
    printed = bank("statement", "--dir", folder, "--date", today)
    assert printed.returncode == 0, printed.stderr
    statement = verify(json.loads(printed.stdout), Sm2PublicKey.from_hex(key), service.STATEMENT, "statement")
    assert (statement["date"], statement["nonce"], statement["entries"]) == (today, None, [])
    assert bank("statement", "--dir", folder, "--date", "2026-02-30").returncode == 2


def test_serve_refuses_to_start_without_a_folder_or_with_a_wrong_passphrase(tmp_path: Path) -> None:
    assert bank("serve", "--dir", str(tmp_path / "nowhere"), "--port", "0").returncode == 2
    _init(tmp_path / "bank", "银行")
    wrong = subprocess.run(
        [sys.executable, "-m", "ggzy_bank", "serve", "--dir", str(tmp_path / "bank"), "--port", "0"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        env={**os.environ, "GGZY_BANK_PASSPHRASE": "another passphrase"},
    )  # fmt: skip
    assert wrong.returncode == 2
    assert "refusing to start" in wrong.stderr


def _bank_with_callback(tmp_path: Path, receiver: Receiver) -> tuple[Path, Sm2PublicKey]:
    key = Sm2PublicKey.from_hex(_init(tmp_path / "bank", "示例银行（模拟）"))
    state.configure(
        tmp_path / "bank",
        platform_key=PLATFORM.public_key,
        callback=receiver.url,
        retry_first_ms=50,
        retry_most_ms=500,
    )
    return tmp_path / "bank", key


def _statement_adds_up(url: str, key: Sm2PublicKey, receiver: Receiver) -> None:
    """The day's statement lists each credit the platform was notified of once, however often it was
    sent, and its total is theirs."""
    today = records.business_day(dt.datetime.now(dt.UTC)).isoformat()
    reply = call(url, service.STATEMENT_PATH, request("statement", date=today))[1]
    statement = verify(reply, key, service.STATEMENT, "statement")
    notified = receiver.accepted()  # by sequence: a notification sent twice counts once
    assert sorted(e["sequence"] for e in statement["entries"]) == sorted(notified)
    assert statement["totals"]["credited_fen"] == sum(n["amount_fen"] for n in notified.values())


def test_a_bank_killed_while_its_callback_is_in_flight_sends_it_again(tmp_path: Path) -> None:
    receiver = Receiver()
    try:
        folder, key = _bank_with_callback(tmp_path, receiver)
        with served(folder) as (url, process):
            number = open_account(url, key)
            assert call(url, service.PAY_PATH, payment(number, 5_000_000))[0] == 200
            wait_for(lambda: receiver.sequences() == [1])
            receiver.gate.clear()  # the next callback waits in the platform
            receiver.arrived.clear()
            assert call(url, service.PAY_PATH, payment(number, 1_234))[0] == 200
            assert receiver.arrived.wait(timeout=15)
            process.kill()  # kill -9 while notification 2 is in flight
            assert process.wait(timeout=10) == -signal.SIGKILL
        receiver.gate.set()  # the platform takes it, and answers a bank that is gone
        wait_for(lambda: receiver.sequences() == [1, 2])
        ledger = state.load_ledger(folder)
        assert [entry["sequence"] for entry in ledger.pending()] == [2]  # not acknowledged
        with served(folder) as (url, _process):
            wait_for(lambda: receiver.sequences() == [1, 2, 2])  # sent again: the same sequence
            assert receiver.received[1][0] == receiver.received[2][0]
            wait_for(lambda: not state.load_ledger(folder).pending())
            _statement_adds_up(url, key, receiver)
    finally:
        receiver.close()


def test_a_bank_that_exits_as_the_acknowledgement_arrives_sends_it_again(tmp_path: Path) -> None:
    receiver = Receiver()
    try:
        folder, key = _bank_with_callback(tmp_path, receiver)
        with served(folder) as (url, process):
            number = open_account(url, key)
            assert call(url, service.CRASH_PATH, {}) == (200, {"crash_next_delivery": True})
            # the payment is written before its answer leaves; the bank may exit before that answer does
            with contextlib.suppress(OSError, http.client.HTTPException):
                call(url, service.PAY_PATH, payment(number, 700))
            assert process.wait(timeout=15) == service.CRASH_EXIT
        assert receiver.sequences() == [1]
        assert [entry["sequence"] for entry in state.load_ledger(folder).pending()] == [1]
        with served(folder) as (url, _process):
            wait_for(lambda: receiver.sequences() == [1, 1])
            wait_for(lambda: not state.load_ledger(folder).pending())
            _statement_adds_up(url, key, receiver)
    finally:
        receiver.close()


def test_configure_and_statement_need_a_bank(tmp_path: Path) -> None:
    assert main(["configure", "--dir", str(tmp_path / "nowhere"), "--rate-percent", "1"]) == 2
    assert main(["statement", "--dir", str(tmp_path / "nowhere"), "--date", "2026-03-02"]) == 2
