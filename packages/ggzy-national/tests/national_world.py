"""What the ggzy-national tests share (a unique module name: the suite has other conftest modules)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from ggzy_national import state
from ggzy_sm import canonical, simulator_testing
from ggzy_sm.simulator import Config
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

PASSPHRASE = "national test passphrase"  # noqa: S105  (a test key file's passphrase)
ITERATIONS = 1000
NAME = "中国招标投标公共服务平台（模拟）"
PURPOSE = "ggzy-national-receipt-v1"

Clock = simulator_testing.Clock
call = simulator_testing.call


def make_folder(folder: Path, name: str = NAME) -> Config:
    return state.KIND.init(folder, name, PASSPHRASE, iterations=ITERATIONS)


def notice(**overrides: Any) -> dict[str, Any]:
    uid = str(overrides.pop("uid", uuid.uuid4()))
    text = {
        "profile": "ggzy-notice-v1",
        "notice": uid,
        "type": "tender",
        "title": "沈阳地铁 8 号线车站装修工程施工招标公告",
        "publish_at": "2026-03-02T01:00:00.000000Z",
        "content": {"funds_source": "财政资金"},
    }
    body: dict[str, Any] = {
        "notice": uid,
        "type": "tender",
        "title": text["title"],
        "tender_project": "sy-2026-0001-01",
        "publish_at": text["publish_at"],
        "text_sm3": sm3(canonical.dumps(text)).hex(),
        "centre": "sy",
        "region": "210100",
        "project": "sy-2026-0001",
        "category": "engineering",
        "text": text,
    }
    body.update(overrides)
    return body


def verify(reply: dict[str, Any], key: Sm2PublicKey) -> dict[str, Any]:
    """The receipt's body, after its signature checks out with `key` (raises otherwise)."""
    return simulator_testing.signed_body(reply, key, PURPOSE, "receipt")
