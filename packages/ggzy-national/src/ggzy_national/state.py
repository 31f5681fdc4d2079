"""A simulated national platform's folder (`ggzy_sm.simulator`: state.json, public.json, requests.jsonl
and lock as every simulator's): its own key, its public key for the trading systems that push to it, and
every notice it has received.

    national.key    its SM2 key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    public.json     {"format": "ggzy-national-public-v1", "name", "key"}: what a trading system pins
                    (`ggzy-national trust` gathers several into one trust file)
    notices.json    {"sequence": the last receipt's number, "notices": {uid: {"notice": the request as
                    received, "reply": the signed receipt given}}}: written whole to a temporary name,
                    fsynced, then renamed over the old one, before the receipt leaves
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy_sm import simulator
from ggzy_sm.simulator import StateError, read_state, write_state

KIND = simulator.Kind(
    program="ggzy-national",
    noun="national platform",
    short="platform",
    key_file="national.key",
    store="notices.json",
    kept="receipts",
    entries="receivers",
)
NOTICES = KIND.store
REQUESTS = simulator.REQUESTS


@dataclass
class Store:
    """What notices.json holds: the last sequence number and, by notice uid, the request and its receipt."""

    sequence: int = 0
    notices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "notices": self.notices}


def _store(data: Any) -> Store:
    sequence, notices = data["sequence"], data["notices"]
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not isinstance(notices, dict):
        raise TypeError("a notices file has a whole sequence number and an object of notices")
    return Store(sequence, notices)


def load_store(folder: Path) -> Store:
    found = read_state(folder / NOTICES, _store, "a notices file")
    return Store() if found is None else found[0]


def save_store(folder: Path, store: Store) -> None:
    """Write notices.json whole: to a temporary name beside it, fsynced, then renamed over it; StateError
    (and nothing changed) if it cannot be written."""
    try:
        write_state(folder / NOTICES, store.to_json())
    except StateError as exc:
        raise StateError("the platform cannot write notices.json: nothing received") from exc
