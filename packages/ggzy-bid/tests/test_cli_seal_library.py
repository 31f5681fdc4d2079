"""`ggzy-bid seal --library`: the library snapshot goes inside the bid as documents/library.json, after
its entries are checked against their SM3 — a tampered snapshot or a document that takes its name is
refused before anything is asked, fetched or written (issue 27)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bid_world import RELEASE, Bidder, World, no_prompt
from ggzy_bid import library
from ggzy_bid.cli import main
from ggzy_sm import canonical, sealedbid
from ggzy_sm.sm3 import sm3


def snapshot(**body_changes: Any) -> dict[str, Any]:
    body = {
        "format": "ggzy-library-item-v1", "item": "6f1c1e4e-8a8e-4a51-9b7e-0d1c2b3a4f5e",
        "organisation": "91210100MA0TEST001", "kind": "qualification", "revision": 2,
        "fields": {"type": "construction.general.municipal", "level": "一级", "certificate": "D221060801"},
        "files": [], "personal": None, "account": None, "state": "active", "retired_reason": None,
        "verification": None,
    }  # fmt: skip
    digest = sm3(canonical.dumps(body)).hex()
    body.update(body_changes)
    return {
        "format": library.FORMAT,
        "organisation": "91210100MA0TEST001",
        "organisation_name": "天成建设有限公司",
        "taken_at": "2026-03-01T01:00:00.000000Z",
        "items": [{"item": body["item"], "kind": "qualification", "title": "D221060801", "revision": 2,
                   "sm3": digest, "body": body}],
    }  # fmt: skip


def write(bidder: Bidder, document: dict[str, Any]) -> Path:
    path = bidder / "snapshot.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_snapshot_is_sealed_inside_as_documents_library_json(
    bidder: Bidder, world: World, tmp_path: Path
) -> None:
    path = write(bidder, snapshot())
    assert main(bidder.seal_command("--library", str(path))) == 0
    opened = tmp_path / "opened"
    bid = sealedbid.read(bidder.bid)
    manifest = sealedbid.open_bid(bid, sealedbid.unwrap(bid, RELEASE), opened)
    assert "documents/library.json" in manifest["documents"]
    assert json.loads((opened / "documents" / "library.json").read_text(encoding="utf-8")) == snapshot()


@pytest.mark.parametrize(
    "document",
    [snapshot(fields={"level": "特级"}), {"format": "something-else"}, {**snapshot(), "items": []}],
)
def test_a_tampered_or_foreign_snapshot_is_refused_before_anything_is_written(
    document: dict[str, Any],
    bidder: Bidder,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    no_prompt(monkeypatch)
    path = write(bidder, document)
    before = bidder.files()
    assert main(bidder.seal_command("--library", str(path))) == 2
    err = capsys.readouterr().err
    assert "未封装" in err
    assert "Traceback" not in err
    assert not bidder.bid.exists()
    assert bidder.files() == before
    assert all(fake.requests == [] for fake in world.fakes)
