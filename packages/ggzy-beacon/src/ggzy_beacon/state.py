"""A beacon's folder (`ggzy_sm.simulator`: state.json, public.json, requests.jsonl and lock as every
simulator's): its own key, its public key for the trading systems whose draws it takes part in, and the
draws it has committed to.

    beacon.key      its SM2 key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    public.json     {"format": "ggzy-beacon-public-v1", "name", "key"}: what a trading system pins
                    (`ggzy-beacon trust` gathers several into one trust file)
    draws.json      {"draws": {draw: record}}, a record being

                        {"subject": what the draw is for, "reveal_after": instant (…Z) or null,
                         "secret": 64 lower-case hex digits, "commitment": its commitment (hex),
                         "committed_at": instant, "revealed_at": instant or null,
                         "commitments_hash": the set revealed against (hex) or null}

                    written whole to a temporary name, fsynced, then renamed over the old one, before the
                    answer that changed it leaves (mode 0640: the secrets of draws not yet revealed are in
                    it — the folder is the beacon's own)

A draw is committed to once: its secret is made once and never replaced, and it is revealed against one
set of commitments only. Reading draws.json checks every record again, its commitment recomputed from its
secret under the beacon's key (`ggzy_sm.randomness.commitment`): a store altered by hand is not served.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy_sm import simulator
from ggzy_sm.randomness import RandomnessError, commitment, secret_hex
from ggzy_sm.simulator import StateError, read_state, write_state

KIND = simulator.Kind(
    program="ggzy-beacon",
    noun="beacon",
    key_file="beacon.key",
    store="draws.json",
    kept="draws",
    entries="beacons",
)
DRAWS = KIND.store
REQUESTS = simulator.REQUESTS
SUBJECT_LENGTH = 200
DRAW = re.compile(r"[A-Za-z0-9._:-]{1,64}")
HEX64 = re.compile(r"[0-9a-f]{64}")
INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
RECORD_FIELDS = frozenset(
    {"subject", "reveal_after", "secret", "commitment", "committed_at", "revealed_at", "commitments_hash"}
)


# --- the words of a draw, checked alike in a request and in draws.json -----------------------------------


def is_draw(value: Any) -> bool:
    """A draw's id: 1–64 characters of A–Z, a–z, 0–9 and . _ : -"""
    return isinstance(value, str) and DRAW.fullmatch(value) is not None


def is_subject(value: Any) -> bool:
    """What a draw is for: a text of 1–200 characters, not only whitespace, valid Unicode."""
    if not isinstance(value, str) or not value.strip() or len(value) > SUBJECT_LENGTH:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_hex64(value: Any) -> bool:
    """A commitment, a secret or a set's hash: 64 lower-case hex digits."""
    return isinstance(value, str) and HEX64.fullmatch(value) is not None


def instant(value: Any) -> dt.datetime | None:
    """The moment of an instant "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (aware, UTC); None if it is not one."""
    if not isinstance(value, str) or not INSTANT.fullmatch(value):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


# --- draws.json -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """What draws.json holds: by draw id, its record (the shape in the module's docstring)."""

    draws: dict[str, dict[str, Any]] = field(default_factory=dict)

    def revealed(self) -> int:
        return sum(1 for record in self.draws.values() if record["revealed_at"] is not None)

    def to_json(self) -> dict[str, Any]:
        return {"draws": self.draws}


def _optional(value: Any, check: Callable[[Any], object], what: str) -> None:
    if value is not None and not check(value):
        raise ValueError(f"{what} is not what a record holds")


def _record(draw: str, record: Any, party: str) -> dict[str, Any]:
    """A record of draws.json, checked: its fields and, recomputed, its commitment."""
    if not is_draw(draw):
        raise ValueError(f"{draw[:70]!r} is not a draw's id")
    if not isinstance(record, dict) or set(record) != RECORD_FIELDS:
        raise ValueError(f"draw {draw}: a record has exactly {sorted(RECORD_FIELDS)}")
    if not is_subject(record["subject"]):
        raise ValueError(f"draw {draw}: subject is not a draw's subject")
    if instant(record["committed_at"]) is None:
        raise ValueError(f"draw {draw}: committed_at is not an instant")
    _optional(record["reveal_after"], instant, f"draw {draw}: reveal_after")
    _optional(record["revealed_at"], instant, f"draw {draw}: revealed_at")
    _optional(record["commitments_hash"], is_hex64, f"draw {draw}: commitments_hash")
    if (record["revealed_at"] is None) != (record["commitments_hash"] is None):
        raise ValueError(f"draw {draw}: revealed_at and commitments_hash are given together or not at all")
    try:
        secret = secret_hex(record["secret"])
    except RandomnessError as exc:
        raise ValueError(f"draw {draw}: {exc}") from exc
    if record["commitment"] != commitment(draw, party, secret):
        raise ValueError(f"draw {draw}: the commitment is not the secret's under this beacon's key")
    return record


def load_store(folder: Path, party: str) -> Store:
    """draws.json, every record checked again (`party`: the beacon's public key, hex, which its
    commitments bind); StateError if it cannot be read or holds a record that is not one."""

    def parse(data: Any) -> Store:
        if not isinstance(data, dict) or set(data) != {"draws"} or not isinstance(data["draws"], dict):
            raise TypeError('a draws file is {"draws": {draw: record}}')
        return Store({draw: _record(draw, record, party) for draw, record in data["draws"].items()})

    found = read_state(folder / DRAWS, parse, "a draws file")
    return Store() if found is None else found[0]


def save_store(folder: Path, store: Store) -> None:
    """Write draws.json whole: to a temporary name beside it, fsynced, then renamed over it; StateError
    (and nothing changed) if it cannot be written."""
    try:
        write_state(folder / DRAWS, store.to_json())
    except StateError as exc:
        raise StateError(f"the beacon cannot write draws.json ({exc}): nothing done") from exc
