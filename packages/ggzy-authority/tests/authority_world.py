"""What the ggzy-authority tests share (a unique module name: the suite has other conftest modules)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from ggzy_authority import state
from ggzy_sm import simulator_testing
from ggzy_sm.simulator import Config
from ggzy_sm.sm2 import Sm2PublicKey

PASSPHRASE = "authority test passphrase"  # noqa: S105  (a test key file's passphrase)
ITERATIONS = 1000
NAME = "住房和城乡建设部（模拟）"
PURPOSE = "ggzy-authority-answer-v1"
USCC = "91210100MA0Y123456"

Clock = simulator_testing.Clock
call = simulator_testing.call


def make_folder(folder: Path, name: str = NAME) -> Config:
    return state.KIND.init(folder, name, PASSPHRASE, iterations=ITERATIONS)


def licence(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "code": USCC,
        "name": "沈阳示例建设工程有限公司",
        "legal_representative": "王建国",
        "entity_type": "有限责任公司",
        "registered_capital_fen": 5_000_000_000,
        "established": "2012-05-18",
        "address": "辽宁省沈阳市和平区南京北街 1 号",
        "scope": "房屋建筑工程、市政公用工程施工",
        "status": "active",
        "registrar": "沈阳市市场监督管理局",
    }
    return {**record, **overrides}


def qualification(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "certificate": "D221012345",
        "holder_code": USCC,
        "holder_name": "沈阳示例建设工程有限公司",
        "type": "construction.general.municipal",
        "level": "一级",
        "issuer": "辽宁省住房和城乡建设厅",
        "valid_from": "2022-01-01",
        "valid_to": "2026-12-31",
        "status": "valid",
    }
    return {**record, **overrides}


def professional(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "certificate": "辽121120123456",
        "name": "李明",
        "kind": "一级注册建造师",
        "specialty": "市政公用工程",
        "registered_to": USCC,
        "registered_to_name": "沈阳示例建设工程有限公司",
        "registered_since": "2020-03-01",
        "valid_to": "2027-02-28",
        "status": "valid",
    }
    return {**record, **overrides}


def batch() -> dict[str, Any]:
    return {"licences": [licence()], "qualifications": [qualification()], "professionals": [professional()]}


def lookup(kind: str, number: str, **overrides: Any) -> dict[str, Any]:
    return {"kind": kind, "number": number, "nonce": secrets.token_hex(16), **overrides}


def verify(reply: dict[str, Any], key: Sm2PublicKey) -> dict[str, Any]:
    """The answer's body, after its signature checks out with `key` (raises otherwise)."""
    return simulator_testing.signed_body(reply, key, PURPOSE, "answer")
