"""What the ggzy-national tests share (a unique module name: the suite has other conftest modules)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from ggzy_national import state
from ggzy_sm import canonical
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3

PASSPHRASE = "national test passphrase"  # noqa: S105  (a test key file's passphrase)
ITERATIONS = 1000
NAME = "中国招标投标公共服务平台（模拟）"
PURPOSE = "ggzy-national-receipt-v1"


def make_folder(folder: Path, name: str = NAME) -> state.Config:
    return state.init(folder, name, PASSPHRASE, iterations=ITERATIONS)


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
    body = reply["receipt"]
    key.verify(PURPOSE, body, bytes.fromhex(reply["signature"]))
    return body


def call(url: str, path: str, body: Any = None, *, raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
    request = urllib.request.Request(url + path, data=data, method="GET" if data is None else "POST")  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (a test's own server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now
