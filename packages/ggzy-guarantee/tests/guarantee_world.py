"""What the ggzy-guarantee tests share (a unique module name: the suite has other conftest modules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ggzy_guarantee import state
from ggzy_guarantee.service import GuaranteeServer, Issuer
from ggzy_guarantee.state import Identity
from ggzy_sm import guarantees, simulator_testing
from ggzy_sm.simulator import Config
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

PASSPHRASE = "guarantee test passphrase"  # noqa: S105  (a test key file's passphrase)
ITERATIONS = 1000
MADE_AT = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)  # before the test clock's 2026-03-02
BANK = ("bank", "示例银行股份有限公司（模拟）", "91110000100000001B")
INSURER = ("insurer", "示例财产保险股份有限公司（模拟）", "91110000100000002I")
GUARANTOR = ("guarantor", "示例融资担保有限公司（模拟）", "91210100100000003G")
BIDDER = {"code": "91210100730000017Q", "name": "辽宁天成建设集团有限公司"}
INITIATOR = {"code": "12210100MB0000001X", "name": "沈阳市示例学校"}
PLATFORM = Sm2PrivateKey.generate()

Clock = simulator_testing.Clock
call = simulator_testing.call


def make_issuer(folder: Path, who: tuple[str, str, str] = BANK, **rules: Any) -> tuple[Config, Identity]:
    kind, name, code = who
    return state.init(
        folder, kind=kind, name=name, code=code, passphrase=PASSPHRASE, iterations=ITERATIONS,
        now=MADE_AT, rules=rules, platforms=(PLATFORM.public_key,),
    )  # fmt: skip


def application(number: str = "APP-1", **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "application": number,
        "section": "E2101000001001",
        "tender_project": "E2101000001",
        "applicant": BIDDER,
        "beneficiary": INITIATOR,
        "amount_fen": 2_000_000,
        "cover_from": "2026-03-10",
        "cover_until": "2026-06-30",
    }
    return {**fields, **overrides}


def request(
    action: str, issuer: str, fields: dict[str, Any], key: Sm2PrivateKey = PLATFORM
) -> dict[str, Any]:
    return guarantees.request_make(key, action, issuer, fields)


def answer(reply: dict[str, Any], key: Sm2PublicKey) -> dict[str, Any]:
    """The answer's body, after its signature checks out with `key` (raises otherwise)."""
    return simulator_testing.signed_body(reply, key, guarantees.ANSWER_PURPOSE, "answer")


@contextmanager
def serving(folder: Path, clock: Clock, *, test_controls: bool = True) -> Iterator[tuple[str, Issuer]]:
    issuer = Issuer.open(folder, PASSPHRASE, test_controls=test_controls)
    server = GuaranteeServer(issuer, port=0, clock=clock)
    server.start()
    try:
        yield server.url, issuer
    finally:
        server.shutdown()
        server.server_close()
        issuer.close()
