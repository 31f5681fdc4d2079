"""What the ggzy-bank tests share (a unique module name: the suite has other conftest modules): the
bank's folder, the platform's key and its signed requests, a bank served in this process, and a small
HTTP receiver standing for the platform's callback."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ggzy_bank import service, state
from ggzy_sm import simulator, simulator_testing
from ggzy_sm.simulator import Config
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

PASSPHRASE = "bank test passphrase"  # noqa: S105  (a test key file's passphrase)
ITERATIONS = 1000
NAME = "示例银行沈阳分行（模拟）"
PLATFORM = Sm2PrivateKey.generate()  # the platform's key, pinned by the bank
SECTION = "E2101000001000001001001"
BIDDER = "91210100MA0Y123456"
DEADLINE = "2026-03-20T01:30:00.000000Z"

Clock = simulator_testing.Clock
call = simulator_testing.call


def make_folder(folder: Path, name: str = NAME, **settings: Any) -> Config:
    """A bank's folder, the platform's key pinned (and `settings` written)."""
    config = state.KIND.init(folder, name, PASSPHRASE, iterations=ITERATIONS)
    state.configure(folder, platform_key=PLATFORM.public_key, **settings)
    return config


def request(action: str, **fields: Any) -> dict[str, Any]:
    """A platform request for `action`, signed by the platform's key, with a fresh nonce."""
    return signed_by(PLATFORM, action, **fields)


def signed_by(key: Sm2PrivateKey, action: str, **fields: Any) -> dict[str, Any]:
    """A request for `action` signed by `key`, with a fresh nonce."""
    body = {"action": action, "nonce": secrets.token_hex(16), **fields}
    return simulator.signed(key, service.REQUEST, "request", body)


def opening(section: str = SECTION, bidder: str = BIDDER, required_fen: int = 5_000_000) -> dict[str, Any]:
    return request("open", section=section, bidder=bidder, required_fen=required_fen, deadline=DEADLINE)


def refund(
    refund_id: str, sub_account: str, principal_fen: int, interest_fen: int = 0, **more: Any
) -> dict[str, Any]:
    fields = {
        "refund": refund_id,
        "sub_account": sub_account,
        "to_account": "6222020200012345678",
        "to_name": "沈阳示例建设工程有限公司",
        "principal_fen": principal_fen,
        "interest_fen": interest_fen,
        "reason": "未中标，退还投标保证金",
        **more,
    }
    return request("refund", **fields)


def payment(sub_account: str, amount_fen: Any, **more: Any) -> dict[str, Any]:
    return {
        "sub_account": sub_account,
        "payer_name": "沈阳示例建设工程有限公司",
        "payer_account": "6222020200012345678",
        "amount_fen": amount_fen,
        **more,
    }


def verify(
    reply: dict[str, Any], key: Sm2PublicKey, purpose: str = service.ANSWER, wrapper: str = "answer"
) -> dict[str, Any]:
    """The signed body, after its signature checks out with `key` (raises otherwise)."""
    return simulator_testing.signed_body(reply, key, purpose, wrapper)


@contextmanager
def serving(
    folder: Path, clock: Clock | None = None, *, test_controls: bool = True
) -> Iterator[tuple[str, service.Bank]]:
    bank = service.Bank.open(folder, PASSPHRASE, test_controls=test_controls)
    clock = clock or Clock()
    bank.clock = clock
    server = service.BankServer(bank, port=0, clock=clock)
    server.start()
    try:
        yield server.url, bank
    finally:
        server.shutdown()
        server.server_close()
        bank.close()


def open_account(url: str, key: Sm2PublicKey, **overrides: Any) -> str:
    status, reply = call(url, service.OPEN_PATH, opening(**overrides))
    assert status == 200, reply
    number: str = verify(reply, key)["sub_account"]
    return number


class Receiver:
    """The platform's callback in a test: records each notification it is sent (the signed document and
    the status it answered), answering the statuses of `script` in turn and 200 once it is used up;
    while `gate` is clear, a request waits for it (a callback in flight)."""

    def __init__(self, script: list[int] | None = None) -> None:
        self.script = list(script or [])
        self.received: list[tuple[dict[str, Any], int]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = threading.Event()
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:
                document = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.arrived.set()
                receiver.gate.wait(timeout=30)
                with lock:
                    status = receiver.script.pop(0) if receiver.script else 200
                    receiver.received.append((document, status))
                data = b'{"ok": true}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/bank/notifications"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()

    def sequences(self, *, accepted_only: bool = False) -> list[int]:
        return [
            doc["notification"]["sequence"]
            for doc, status in list(self.received)
            if not accepted_only or 200 <= status < 300
        ]

    def accepted(self) -> dict[int, dict[str, Any]]:
        """The notifications answered 2xx, by sequence (a replay is the same one again)."""
        return {
            doc["notification"]["sequence"]: doc["notification"]
            for doc, status in list(self.received)
            if 200 <= status < 300
        }


def wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.02)
