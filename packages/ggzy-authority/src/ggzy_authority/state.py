"""A simulated authority's folder (`ggzy_sm.simulator`: state.json, public.json, requests.jsonl and lock
as every simulator's): its own key, its public key for the trading systems that look up at it, and the
records it answers for.

    authority.key   its SM2 key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    public.json     {"format": "ggzy-authority-public-v1", "name", "key"}: what a trading system pins
                    (`ggzy-authority trust` gathers several into one trust file)
    records.json    {"format": "ggzy-authority-records-v1", "licences": {key: record},
                     "qualifications": {…}, "professionals": {…}}, each keyed by the record's normalised
                    key (ggzy_authority.records): written whole to a temporary name, fsynced, then renamed
                    over the old one, under records.lock
    records.lock    locked (flock) for the moment of a merge into records.json — by `ggzy-authority
                    load` and by the server's POST /v1/admin/records — so that two merges never lose one
                    another's records; `load` works while the folder is served: the server reads
                    records.json again whenever it was replaced
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy_authority import records
from ggzy_sm import simulator
from ggzy_sm.simulator import Stamp, read_state, state_stamp, write_state

KIND = simulator.Kind(
    program="ggzy-authority",
    noun="authority",
    key_file="authority.key",
    store="records.json",
    kept="records",
    entries="authorities",
)
RECORDS = KIND.store
RECORDS_LOCK = "records.lock"
REQUESTS = simulator.REQUESTS
StateError = simulator.StateError
RECORDS_FORMAT = "ggzy-authority-records-v1"


# --- records.json ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """What records.json holds — by list name, by normalised key, the record — and the stamp of the file
    it was read from (None: there was none)."""

    tables: records.Batch = field(default_factory=lambda: {name: {} for name in records.LISTS.values()})
    stamp: Stamp | None = None

    def find(self, kind: str, number: str) -> dict[str, Any] | None:
        """The record of `kind` whose key is `number` (compared normalised), or None."""
        return self.tables[records.LISTS[kind]].get(records.normalise(number))

    def counts(self) -> dict[str, int]:
        return records.counts(self.tables)

    def to_json(self) -> dict[str, Any]:
        return {"format": RECORDS_FORMAT, **self.tables}


def records_stamp(folder: Path) -> Stamp | None:
    """The stamp of records.json now (None: there is none); compared with a Store's to see a change."""
    return state_stamp(folder / RECORDS)


def _tables(data: Any) -> records.Batch:
    """The tables of records.json's content, every record checked again; ValueError (a RecordError),
    KeyError or TypeError if it is not such a file."""
    if not isinstance(data, dict) or data.get("format") != RECORDS_FORMAT:
        raise ValueError(f"not a {RECORDS_FORMAT} file")
    tables: records.Batch = {}
    for kind, name in records.LISTS.items():
        table = data[name]
        if not isinstance(table, dict):
            raise TypeError(f"{name} is not an object")
        checked = {}
        for key, record in table.items():
            entry = records.check(kind, record)
            if records.normalise(entry[records.KEY_FIELDS[kind]]) != key:
                raise ValueError(f"{name}: a record is filed under another key than its own ({key!r})")
            checked[key] = entry
        tables[name] = checked
    return tables


def load_store(folder: Path) -> Store:
    """records.json, every record checked again; StateError if it cannot be read or holds a bad one."""
    found = read_state(folder / RECORDS, _tables, "a records file")
    return Store() if found is None else Store(*found)


@contextmanager
def records_lock(folder: Path) -> Iterator[None]:
    """records.lock, held (waiting for it if need be) for the moment of one merge."""
    with (folder / RECORDS_LOCK).open("a", encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def merge(folder: Path, batch: records.Batch) -> Store:
    """Merge a checked batch into records.json (a record with the same key replaces the old one): read,
    merged and written whole — to a temporary name, fsynced, renamed — under records.lock. The store
    as written; StateError (and nothing written) if records.json cannot be read or written."""
    with records_lock(folder):
        current = load_store(folder)
        tables = {name: {**table, **batch.get(name, {})} for name, table in current.tables.items()}
        return Store(tables, write_state(folder / RECORDS, {"format": RECORDS_FORMAT, **tables}))
