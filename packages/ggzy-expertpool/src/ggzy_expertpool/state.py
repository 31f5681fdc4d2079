"""A simulated expert pool's folder (`ggzy_sm.simulator`: state.json, public.json, requests.jsonl and lock
as every simulator's), docs/expert-pool-interface.md:

    expertpool.key  its SM2 key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    public.json     {"format": "ggzy-expertpool-public-v1", "name", "key"}: what the platform pins
    settings.json   {"format": "ggzy-expertpool-settings-v1", "platform_key" (the platform's public key the
                    pool pins: its requests are signed by it; null: none pinned, every request refused),
                    "platform_encryption_key" (the platform's SM2 encryption key every list is encrypted
                    to; null: none, every draw refused)} — written by `ggzy-expertpool configure` (while
                    not served)
    pool.json       {"format": "ggzy-expertpool-store-v1", "experts": {id: expert as kept}, "draws":
                    {draw id: draw}, "requests": {request id: what was asked and answered}, "nonces": [...]}:
                    written whole (temporary name, fsynced, renamed) by the one process holding the
                    folder's lock — `load` and `configure` while not served, the server before the answer
                    that changed it leaves
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ggzy_expertpool import records
from ggzy_sm import simulator
from ggzy_sm.errors import CryptoError
from ggzy_sm.simulator import read_state, write_state
from ggzy_sm.sm2 import Sm2PublicKey

KIND = simulator.Kind(
    program="ggzy-expertpool",
    noun="expert pool",
    key_file="expertpool.key",
    store="pool.json",
    kept="experts and draws",
    entries="pools",
    short="pool",
)
POOL = KIND.store
SETTINGS = "settings.json"
StateError = simulator.StateError
STORE_FORMAT = "ggzy-expertpool-store-v1"
SETTINGS_FORMAT = "ggzy-expertpool-settings-v1"


@dataclass(frozen=True)
class Settings:
    """settings.json: the platform's keys the pool pins (no secret)."""

    platform_key: Sm2PublicKey | None = None
    platform_encryption_key: Sm2PublicKey | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SETTINGS_FORMAT,
            "platform_key": None if self.platform_key is None else self.platform_key.hex(),
            "platform_encryption_key": None
            if self.platform_encryption_key is None
            else self.platform_encryption_key.hex(),
        }


def _key(value: Any, name: str) -> Sm2PublicKey | None:
    try:
        return None if value is None else Sm2PublicKey.from_hex(str(value))
    except (CryptoError, ValueError) as exc:
        raise ValueError(f"{name}: {exc}") from exc


def _settings(data: Any) -> Settings:
    if not isinstance(data, dict) or data.get("format") != SETTINGS_FORMAT:
        raise ValueError(f"not a {SETTINGS_FORMAT} file")
    return Settings(
        platform_key=_key(data["platform_key"], "platform_key"),
        platform_encryption_key=_key(data["platform_encryption_key"], "platform_encryption_key"),
    )


def load_settings(folder: Path) -> Settings:
    """settings.json (nothing pinned when there is none); StateError if it cannot be read."""
    found = read_state(folder / SETTINGS, _settings, "an expert pool's settings file")
    return Settings() if found is None else found[0]


def configure(folder: Path, **changes: Any) -> Settings:
    """The settings with `changes` applied (None values left as they are), written."""
    given = {name: value for name, value in changes.items() if value is not None}
    settings = replace(load_settings(folder), **given)
    write_state(folder / SETTINGS, settings.to_json())
    return settings


# --- pool.json ----------------------------------------------------------------------------------------------


def _empty() -> dict[str, Any]:
    return {"format": STORE_FORMAT, "experts": {}, "draws": {}, "requests": {}, "nonces": []}


@dataclass
class Pool:
    """What pool.json holds, as its JSON (changed on a `copy()`, written, then put in place)."""

    data: dict[str, Any] = field(default_factory=_empty)

    def copy(self) -> Pool:
        return Pool(copy.deepcopy(self.data))

    @property
    def experts(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.data["experts"]
        return found

    @property
    def draws(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.data["draws"]
        return found

    @property
    def requests(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.data["requests"]
        return found

    def seen(self, nonce: str) -> bool:
        return nonce in self.data["nonces"]

    def counts(self) -> dict[str, int]:
        return {**records.counts(self.experts.values()), "draws": len(self.draws)}


def _pool(data: Any) -> Pool:
    if not isinstance(data, dict) or data.get("format") != STORE_FORMAT:
        raise ValueError(f"not a {STORE_FORMAT} file")
    for name, shape in (("experts", dict), ("draws", dict), ("requests", dict), ("nonces", list)):
        if not isinstance(data[name], shape):
            raise TypeError(f"{name} is not a JSON {'object' if shape is dict else 'array'}")
    for key, expert in data["experts"].items():
        if records.expert_check(expert, f"experts.{key}")["id"] != key:
            raise ValueError(f"experts: an expert is filed under another id than its own ({key!r})")
    return Pool(data)


def load_pool(folder: Path) -> Pool:
    """pool.json (an empty pool when there is none), every expert checked again; StateError if it
    cannot be read or holds a bad one."""
    found = read_state(folder / POOL, _pool, "an expert pool's store")
    return Pool() if found is None else found[0]


def write_pool(folder: Path, pool: Pool) -> None:
    """pool.json written whole; StateError (the old file left) if it cannot be."""
    write_state(folder / POOL, pool.data)


def merge(pool: Pool, experts: dict[str, dict[str, Any]]) -> Pool:
    """A copy of `pool` with `experts` (checked) added, an expert already held replaced."""
    merged = pool.copy()
    merged.experts.update(copy.deepcopy(experts))
    return merged


@dataclass
class Store:
    """What the pool holds: its settings and pool.json."""

    settings: Settings
    pool: Pool


def load_store(folder: Path) -> Store:
    return Store(load_settings(folder), load_pool(folder))
