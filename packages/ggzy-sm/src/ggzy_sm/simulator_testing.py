"""What the tests of a simulator (`ggzy_sm.simulator`) share: calling it over HTTP as a client does, the
clock a test sets, and a signed answer's body once its signature checks out. No pytest here: a
simulator's test helpers (its `*_world.py`) import these and add its own records and requests."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from typing import Any

from ggzy_sm.sm2 import Sm2PublicKey


def call(url: str, path: str, body: Any = None, *, raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
    """(status, JSON answer) of GET `url``path` — or, given a `body` (sent as JSON) or `raw` bytes, a POST
    of it as application/json. An error status is answered, not raised."""
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
    """A simulator's clock in a test: 2026-03-02T02:00Z until the test sets `now`."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def signed_body(reply: dict[str, Any], key: Sm2PublicKey, purpose: str, wrapper: str) -> dict[str, Any]:
    """The body of a signed answer (`simulator.signed`: {wrapper: body, "key", "signature"}), after its
    signature checks out with `key` for `purpose` (CryptoError otherwise)."""
    body: dict[str, Any] = reply[wrapper]
    key.verify(purpose, body, bytes.fromhex(reply["signature"]))
    return body
