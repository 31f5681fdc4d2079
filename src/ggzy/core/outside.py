"""What the platform's clients of outside parties share (the bank, `securities.bank`; the guarantee issuers,
`securities.issuers`; the randomness beacons, `randomness.beacons`): reading a pinned trust file, and one JSON
exchange over HTTP. Each client turns `OutsideError` into its own error."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


class OutsideError(Exception):
    """`kind` is `config` (a trust file missing or not of its format) or `unavailable` (no answer)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def trust_document(path: str, fmt: str, setting: str) -> dict[str, Any]:
    """The trust file at `path` (named by the setting `setting`), checked to be a `fmt` document."""
    if not path:
        raise OutsideError("config", f"{setting} names no trust file: no signature can be checked")
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutsideError("config", f"the trust file {path} cannot be read ({type(exc).__name__})") from exc
    if not isinstance(document, dict) or document.get("format") != fmt:
        raise OutsideError("config", f"{path} is not a {fmt} document")
    return document


def exchange(request: urllib.request.Request, *, timeout: float, most: int) -> tuple[int, Any]:
    """(status, JSON answer or None) of `request`, reading at most `most` bytes; an error status is answered,
    not raised; no answer at all is OutsideError `unavailable`."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  (a configured service)
            return response.status, json.loads(response.read(most + 1))
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read(most + 1))
        except ValueError:
            return exc.code, None
    except (OSError, ValueError) as exc:
        raise OutsideError("unavailable", f"{request.full_url}: {type(exc).__name__}") from exc


def get_json(url: str, *, timeout: float, most: int) -> tuple[int, Any]:
    """`exchange` of a GET."""
    return exchange(urllib.request.Request(url, method="GET"), timeout=timeout, most=most)  # noqa: S310


def post_json(url: str, body: dict[str, Any], *, timeout: float, most: int) -> tuple[int, Any]:
    """`exchange` of a POST of `body` as JSON."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310  (a configured service)
    request.add_header("Content-Type", "application/json")
    return exchange(request, timeout=timeout, most=most)
