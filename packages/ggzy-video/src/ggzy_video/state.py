"""A video platform's folder (`ggzy_sm.simulator`: state.json, public.json, requests.jsonl and lock as
every simulator's): its own key, its public key for the trading systems that link to it, and its cameras.

    video.key       its SM2 key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    public.json     {"format": "ggzy-video-public-v1", "name", "key"}: what a trading system pins
    cameras.json    {"cameras": {camera: {"name", "place", "since"}}}: each camera by its GB/T 28181
                    device code (20 digits), what it is called, where it looks, and the instant its
                    recording begins (…Z); written whole to a temporary name, fsynced, then renamed

Reading cameras.json checks every record again: a store altered by hand is not served."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy_sm import simulator
from ggzy_sm.simulator import StateError, read_state, write_state

KIND = simulator.Kind(
    program="ggzy-video",
    noun="video platform",
    key_file="video.key",
    store="cameras.json",
    kept="cameras",
    entries="platforms",
)
CAMERAS = KIND.store
#: A GB/T 28181 device code: 20 digits (centre code, industry, type, serial).
DEVICE = re.compile(r"[0-9]{20}")
INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
TEXT_LENGTH = 100
RECORD_FIELDS = frozenset({"name", "place", "since"})


def is_camera(value: Any) -> bool:
    return isinstance(value, str) and DEVICE.fullmatch(value) is not None


def is_text(value: Any) -> bool:
    """A name or a place: 1–100 characters, not only whitespace."""
    return isinstance(value, str) and bool(value.strip()) and len(value) <= TEXT_LENGTH


def instant(value: Any) -> dt.datetime | None:
    """The moment of "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (aware, UTC); None if it is not one."""
    if not isinstance(value, str) or not INSTANT.fullmatch(value):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Store:
    cameras: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"cameras": self.cameras}


def _record(camera: str, record: Any) -> dict[str, Any]:
    if not is_camera(camera):
        raise ValueError(f"{camera[:30]!r} is not a camera's device code (20 digits)")
    if not isinstance(record, dict) or set(record) != RECORD_FIELDS:
        raise ValueError(f"camera {camera}: a record has exactly {sorted(RECORD_FIELDS)}")
    if not is_text(record["name"]) or not is_text(record["place"]):
        raise ValueError(f"camera {camera}: name and place are texts of 1 to {TEXT_LENGTH} characters")
    if instant(record["since"]) is None:
        raise ValueError(f"camera {camera}: since is not an instant")
    return record


def load_store(folder: Path) -> Store:
    """cameras.json, every record checked; StateError if it cannot be read or holds one that is not."""

    def parse(data: Any) -> Store:
        if not isinstance(data, dict) or set(data) != {"cameras"} or not isinstance(data["cameras"], dict):
            raise TypeError('a cameras file is {"cameras": {camera: record}}')
        return Store({camera: _record(camera, record) for camera, record in data["cameras"].items()})

    found = read_state(folder / CAMERAS, parse, "a cameras file")
    return Store() if found is None else found[0]


def save_store(folder: Path, store: Store) -> None:
    """Write cameras.json whole (temporary name, fsync, rename); StateError, nothing changed, if not."""
    try:
        write_state(folder / CAMERAS, store.to_json())
    except StateError as exc:
        raise StateError(f"the video platform cannot write cameras.json ({exc}): nothing done") from exc
