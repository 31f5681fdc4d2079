"""The library references a bid carries (docs/entities.md §3 of the platform): a ggzy-library-snapshot-v1
document, downloaded from the bidder's own library on the platform (it names no section), sealed inside
the bid as `documents/library.json`. At the opening the platform resolves each entry to its revision
valid at the deadline; evaluation reads that.

`check` reads a snapshot and refuses one that is not such a document or whose entries' bodies do not
hash (SM3 over ggzy-canonical-v1) to the SM3 they name — before anything is sealed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ggzy_sm import canonical
from ggzy_sm.sm3 import sm3

FORMAT = "ggzy-library-snapshot-v1"
NAME = "library.json"  # its name among the bid's documents


class LibraryError(ValueError):
    """The snapshot cannot be sealed; the message says why (in Chinese, then English)."""


def check(path: Path) -> dict[str, Any]:
    """The snapshot at `path`, checked; LibraryError otherwise."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise LibraryError(f"主体库引用文件 {path} 无法读取或不是 JSON ({type(exc).__name__})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise LibraryError(f"{path} 不是主体库引用文件 (not a {FORMAT} document)")
    items = document.get("items")
    if not isinstance(items, list) or not items:
        raise LibraryError(f"{path} 没有引用任何条目 (no items)")
    for entry in items:
        if not isinstance(entry, dict) or not isinstance(entry.get("body"), dict):
            raise LibraryError(f"{path} 的条目格式不对 (an item without its body)")
        if sm3(canonical.dumps(entry["body"])).hex() != entry.get("sm3"):
            raise LibraryError(
                f"{path} 的条目 {str(entry.get('item'))[:36]} 与其 SM3 不符，可能被改动过"
                " (an item's body does not hash to its SM3)"
            )
    return document
