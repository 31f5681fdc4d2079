"""A simulated authority's folder: its own key, its public key for the trading systems that look up at
it, and the records it answers for.

    state.json      {"name", "created_at", "key" (its public key, hex)}: written last by `init`, so a
                    folder with it is complete
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
    requests.jsonl  one line per request and its outcome, fsynced
    lock            locked (flock) by the one process serving the folder
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy_authority import records
from ggzy_sm import canonical
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.jsonservice import FolderLock
from ggzy_sm.keys import DEFAULT_ITERATIONS, load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

STATE = "state.json"
KEY = "authority.key"
PUBLIC = "public.json"
RECORDS = "records.json"
RECORDS_LOCK = "records.lock"
REQUESTS = "requests.jsonl"
LOCK = "lock"
PUBLIC_FORMAT = "ggzy-authority-public-v1"
TRUST_FORMAT = "ggzy-authority-trust-v1"
RECORDS_FORMAT = "ggzy-authority-records-v1"


class StateError(Exception):
    """The folder cannot be used (or made); the message says why."""


@dataclass(frozen=True)
class Config:
    """Who this authority is (state.json; no secret)."""

    folder: Path
    name: str
    created_at: str
    key: Sm2PublicKey

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "created_at": self.created_at, "key": self.key.hex()}

    def public(self) -> dict[str, Any]:
        return {"format": PUBLIC_FORMAT, "name": self.name, "key": self.key.hex()}


def load_config(folder: str | Path) -> Config:
    folder = Path(folder)
    try:
        data = json.loads((folder / STATE).read_text(encoding="utf-8"))
        return Config(
            folder=folder,
            name=str(data["name"]),
            created_at=str(data["created_at"]),
            key=Sm2PublicKey.from_hex(str(data["key"])),
        )
    except FileNotFoundError as exc:
        raise StateError(f"{folder} is not an authority's folder (run `ggzy-authority init`)") from exc
    except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
        raise StateError(f"{folder}: the state cannot be read ({type(exc).__name__})") from exc


def load_key(config: Config, passphrase: str) -> Sm2PrivateKey:
    """The authority's key, checked against the public key state.json names."""
    try:
        key = load_key_file(config.folder / KEY, passphrase)
    except CryptoError as exc:
        raise StateError(f"{config.folder / KEY}: {exc}") from exc
    if key.public_key != config.key:
        raise StateError(f"{config.folder / KEY} is not the key state.json names")
    return key


def init(
    folder: str | Path,
    name: str,
    passphrase: str,
    *,
    iterations: int = DEFAULT_ITERATIONS,
    now: dt.datetime | None = None,
) -> Config:
    """Make an authority in `folder`: a fresh SM2 key under `passphrase`, state.json and public.json.
    Refuses a folder that holds one already (its key and its records are never replaced)."""
    folder = Path(folder)
    name = name.strip()
    if not name:
        raise StateError("give the authority's name (--name)")
    if any((folder / f).exists() for f in (STATE, KEY, RECORDS)):
        raise StateError(f"{folder} holds an authority already: its key and records are never replaced")
    if len(passphrase) < 8:  # noqa: PLR2004  (write_key_file's rule, checked before the folder is made)
        raise StateError("a key-file passphrase has at least 8 characters")
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    key = Sm2PrivateKey.generate()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        write_key_file(key, folder / KEY, passphrase, iterations)
    except CryptoError as exc:
        raise StateError(str(exc)) from exc
    config = Config(
        folder=folder,
        name=name,
        created_at=canonical.format_instant(now.replace(microsecond=0)),
        key=key.public_key,
    )
    write_atomic(folder / PUBLIC, json.dumps(config.public(), ensure_ascii=False, indent=1) + "\n")
    write_atomic(folder / STATE, json.dumps(config.to_json(), ensure_ascii=False, indent=1) + "\n")
    return config


def read_public(path: str | Path) -> tuple[str, Sm2PublicKey]:
    """(name, key) of a public.json; StateError if it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != PUBLIC_FORMAT:
            raise StateError(f"{path} is not a {PUBLIC_FORMAT} file")
        return str(data["name"]), Sm2PublicKey.from_hex(str(data["key"]))
    except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
        raise StateError(f"{path}: not an authority's public key file ({type(exc).__name__})") from exc


def trust_document(authorities: dict[str, tuple[str, Sm2PublicKey]]) -> dict[str, Any]:
    """The trust file a trading system pins: {"format", "authorities": {code: {"name", "key"}}}."""
    return {
        "format": TRUST_FORMAT,
        "authorities": {code: {"name": name, "key": key.hex()} for code, (name, key) in authorities.items()},
    }


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a JSON object has the same key twice")
    return dict(pairs)


def parse_json(raw: bytes | str) -> Any:
    """JSON with duplicate keys refused (a record must read one way only); ValueError otherwise."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


# --- records.json ---------------------------------------------------------------------------------------
Stamp = tuple[int, int, int]  # records.json's (inode, mtime in ns, size): replaced means changed


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


def _stamp(status: os.stat_result) -> Stamp:
    return (status.st_ino, status.st_mtime_ns, status.st_size)


def records_stamp(folder: Path) -> Stamp | None:
    """The stamp of records.json now (None: there is none); compared with a Store's to see a change."""
    try:
        return _stamp((folder / RECORDS).stat())
    except FileNotFoundError:
        return None


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
    path = folder / RECORDS
    try:
        with path.open("rb") as fh:
            stamp = _stamp(os.fstat(fh.fileno()))
            raw = fh.read()
    except FileNotFoundError:
        return Store()
    except OSError as exc:
        raise StateError(f"{path} cannot be read: {exc}") from exc
    try:
        tables = _tables(json.loads(raw))
    except (ValueError, KeyError, TypeError) as exc:
        raise StateError(f"{path} is not a records file: {exc}") from exc
    return Store(tables, stamp)


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
    as written; StateError (and nothing written) if records.json cannot be read."""
    with records_lock(folder):
        current = load_store(folder)
        tables = {name: {**table, **batch.get(name, {})} for name, table in current.tables.items()}
        data = json.dumps({"format": RECORDS_FORMAT, **tables}, ensure_ascii=False, sort_keys=True, indent=1)
        try:
            write_atomic(folder / RECORDS, data + "\n", 0o640)
        except OSError as exc:
            raise StateError(f"{folder / RECORDS} cannot be written: {exc}") from exc
        return Store(tables, records_stamp(folder))


class Lock(FolderLock):
    """An exclusive lock on the folder: one process serves it (and answers from its records)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            folder / LOCK,
            lambda: StateError(f"{folder} is in use by another ggzy-authority process (stop `serve` first)"),
        )
