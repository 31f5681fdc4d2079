"""The bank as the securities tests run it: `ggzy-bank` as a real process (its own key, state folder, port and
clock — the machine's), made with the command lines its operator uses (`init`, `configure
--platform-key --callback`, `trust --out`, `serve --test-controls`), and the platform pointed at it
(GGZY_BANKS, GGZY_BANK_TRUST).

The bank's notifications go to a small local HTTP server standing at the platform's callback URL: it keeps
each signed notification as it came and answers 2xx (so the bank's delivery, retry, resend and
crash-mid-callback behave as with the platform); the test then hands each one to the platform's real
endpoint (`deliver`, the Django test client), in the order and as often as it likes. They are real signed
notifications: nothing is mocked on either side.

The bank's clock is the machine's: a payment is booked at the `instant` the test gives (a date in March
2026, before the documents' deadline), while refunds are decided at the bank's now — tests of refunds
move the platform's clock to the machine's now too, so that both count interest to the same day."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from ggzy.securities import bank
from ggzy.securities.models import SubAccount
from ggzy_sm import canonical
from tests.outside import BIN, free_port, serving_on

PASSPHRASE = "bank test passphrase"
CODE = "sybank"
NAME = "示例银行沈阳分行（模拟）"
NOTIFICATIONS = "/api/v1/securities/bank/notifications"
CRASH_EXIT = 86


def _env() -> dict[str, str]:
    return {**os.environ, "GGZY_BANK_PASSPHRASE": PASSPHRASE}


def cli(*args: str | Path) -> str:
    """`ggzy-bank ARGS…`: its output (the test fails on a non-zero exit)."""
    result = subprocess.run(
        [str(BIN / "ggzy-bank"), *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False, env=_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


class Receiver:
    """The platform's callback URL in a test: keeps each notification the bank POSTs (the signed document
    as it came) and answers 200."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()  # while clear, the answer waits (a callback in flight)
        self.gate.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:
                document = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.received.append(document)
                receiver.gate.wait(timeout=30)
                data = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hold(self) -> None:
        """Answers wait from now on until `release` (the bank's callback stays in flight)."""
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()

    def of(self, sequence: int) -> list[dict[str, Any]]:
        """Every notification received with `sequence` (a resend is the same one again)."""
        with self.lock:
            return [d for d in self.received if d["notification"]["sequence"] == sequence]


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.02)


@dataclass
class BankWorld:
    folder: Path
    port: int
    trust_file: Path
    receiver: Receiver
    process: subprocess.Popen[str] | None = None
    url: str = ""
    crashes: list[int] = field(default_factory=list)

    # --- the process -------------------------------------------------------------------------------

    def start(self) -> None:
        process = subprocess.Popen(
            [
                str(BIN / "ggzy-bank"), "serve", "--dir", str(self.folder), "--port", str(self.port),
                "--test-controls",
            ],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            self.url = serving_on(process, "bank")
        except BaseException:
            process.kill()
            process.wait(timeout=10)
            raise
        self.process = process

    def kill(self) -> None:
        """Kill the bank (SIGKILL: no goodbye)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        self.receiver.close()

    def wait_crashed(self) -> int:
        """Wait for the bank to exit by itself (crash-next-delivery): its exit status."""
        assert self.process is not None
        status = self.process.wait(timeout=20)
        self.process = None
        return status

    # --- its test controls ---------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310  (the test's own service)
            self.url + path,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"the bank refused {path} ({exc.code}): {exc.read().decode()}") from exc
        return answer

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/health", timeout=10) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def pay(
        self,
        sub_account: SubAccount | str,
        payer_name: str,
        payer_account: str,
        amount_fen: int,
        instant: dt.datetime | None = None,
        *,
        notified: bool = True,
    ) -> dict[str, Any]:
        """The bidder's transfer arrives (booked at `instant`): {"transaction", "sequence", "balance_fen"};
        waits for its notification to reach the callback unless `notified` is False."""
        body: dict[str, Any] = {
            "sub_account": sub_account if isinstance(sub_account, str) else sub_account.number,
            "payer_name": payer_name,
            "payer_account": payer_account,
            "amount_fen": amount_fen,
        }
        if instant is not None:
            body["instant"] = canonical.format_instant(instant.astimezone(dt.UTC))
        paid = self._post("/v1/admin/pay", body)
        if notified:
            wait_for(lambda: bool(self.receiver.of(paid["sequence"])))
        return paid

    def resend(self, sequence: int) -> dict[str, Any]:
        """The bank sends notification `sequence` once more (a replay); waits until it arrived."""
        before = len(self.receiver.of(sequence))
        self._post("/v1/admin/resend", {"sequence": sequence})
        wait_for(lambda: len(self.receiver.of(sequence)) > before)
        return self.receiver.of(sequence)[-1]

    def resend_only(self, sequence: int) -> None:
        """The bank sends notification `sequence` once more (a replay), wherever its callback points."""
        self._post("/v1/admin/resend", {"sequence": sequence})

    def callback(self, url: str | None) -> None:
        """Where the bank sends its notifications from now on (None: nowhere)."""
        self._post("/v1/admin/callback", {"url": url})

    def settled(self) -> None:
        """Wait until the bank recorded every acknowledgement (nothing left in its outbox)."""
        wait_for(lambda: self.health()["unacknowledged"] == 0)

    def crash_next_delivery(self) -> None:
        """The bank exits as the platform's next acknowledgement arrives (not recorded)."""
        self._post("/v1/admin/crash-next-delivery", {})

    def pay_and_crash(
        self,
        sub_account: SubAccount,
        payer_name: str,
        payer_account: str,
        amount_fen: int,
        instant: dt.datetime,
    ) -> dict[str, Any]:
        """A payment whose notification is acknowledged as the bank dies (before it records that): the
        callback is held until the payment is answered, then let through; the bank exits (status 86)."""
        self.settled()
        self.receiver.hold()
        try:
            self.crash_next_delivery()
            paid = self.pay(sub_account, payer_name, payer_account, amount_fen, instant)
        finally:
            self.receiver.release()
        assert self.wait_crashed() == CRASH_EXIT
        return paid

    def fail_next(self, count: int) -> None:
        self._post("/v1/admin/fail-next", {"count": count})

    def statement(self, date: dt.date) -> dict[str, Any]:
        """The bank's own signed statement of `date`, printed by `ggzy-bank statement` (its body)."""
        document: dict[str, Any] = json.loads(
            cli("statement", "--dir", self.folder, "--date", date.isoformat())
        )
        body: dict[str, Any] = document["statement"]
        return body

    def target(self) -> bank.Bank:
        return bank.bank(CODE)


def bank_start(folder: Path, settings: Any, *, platform_key: str) -> BankWorld:
    """A bank made in `folder` (its folder `folder`/bank), pinning `platform_key`, notifying a Receiver,
    serving with test controls on a port of its own; the platform pointed at it. The caller stops it."""
    receiver = Receiver()
    state = folder / "bank"
    cli("init", "--dir", state, "--name", NAME, "--iterations", "1000")
    cli(
        "configure", "--dir", state, "--platform-key", platform_key, "--callback", receiver.url,
        "--retry-first-ms", "50", "--retry-most-ms", "1000",
    )  # fmt: skip
    trust_file = folder / "bank-trust.json"
    cli("trust", "--out", trust_file, f"{CODE}={state}")
    world = BankWorld(state, free_port(), trust_file, receiver)
    try:
        world.start()
    except BaseException:
        receiver.close()
        raise
    settings.GGZY_BANKS = f"{CODE}={world.url}"
    settings.GGZY_BANK_TRUST = str(trust_file)
    return world


def deliver(document: dict[str, Any] | bytes) -> tuple[int, dict[str, Any]]:
    """POST a notification to the platform's endpoint as the bank does (raw JSON): (status, answer)."""
    data = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
    response = Client().post(NOTIFICATIONS, data=data, content_type="application/json")
    return response.status_code, json.loads(response.content)


@pytest.fixture(name="bank_world")
def bank_world_fixture(issued: Any, tmp_path: Path, settings: Any) -> Iterator[BankWorld]:
    """The issued trade's platform pointed at a bank running as its own process."""
    world = bank_start(tmp_path, settings, platform_key=bank.platform_key_hex())
    try:
        yield world
    finally:
        world.stop()
