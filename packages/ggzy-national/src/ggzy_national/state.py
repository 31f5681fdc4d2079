"""A simulated national platform's folder: its own key, its public key for the trading systems that push
to it, and every notice it has received.

    state.json      {"name", "created_at", "key" (its public key, hex)}: written last by `init`, so a
                    folder with it is complete
    national.key    its SM2 key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    public.json     {"format": "ggzy-national-public-v1", "name", "key"}: what a trading system pins
                    (`ggzy-national trust` gathers several into one trust file)
    notices.json    {"sequence": the last receipt's number, "notices": {uid: {"notice": the request as
                    received, "reply": the signed receipt given}}}: written whole to a temporary name,
                    fsynced, then renamed over the old one, before the receipt leaves
    requests.jsonl  one line per request and its outcome, fsynced
    lock            locked (flock) by the one process serving the folder
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy_sm import canonical
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.jsonservice import FolderLock
from ggzy_sm.keys import DEFAULT_ITERATIONS, load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

STATE = "state.json"
KEY = "national.key"
PUBLIC = "public.json"
NOTICES = "notices.json"
REQUESTS = "requests.jsonl"
LOCK = "lock"
PUBLIC_FORMAT = "ggzy-national-public-v1"
TRUST_FORMAT = "ggzy-national-trust-v1"


class StateError(Exception):
    """The folder cannot be used (or made); the message says why."""


@dataclass(frozen=True)
class Config:
    """Who this receiver is (state.json; no secret)."""

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
        raise StateError(f"{folder} is not a national platform's folder (run `ggzy-national init`)") from exc
    except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
        raise StateError(f"{folder}: the state cannot be read ({type(exc).__name__})") from exc


def load_key(config: Config, passphrase: str) -> Sm2PrivateKey:
    """The receiver's key, checked against the public key state.json names."""
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
    """Make a receiver in `folder`: a fresh SM2 key under `passphrase`, state.json and public.json.
    Refuses a folder that holds one already (its key and its receipts are never replaced)."""
    folder = Path(folder)
    name = name.strip()
    if not name:
        raise StateError("give the platform's name (--name)")
    if any((folder / f).exists() for f in (STATE, KEY, NOTICES)):
        raise StateError(
            f"{folder} holds a national platform already: its key and receipts are never replaced"
        )
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
        raise StateError(f"{path}: not a national platform's public key file ({type(exc).__name__})") from exc


def trust_document(receivers: dict[str, tuple[str, Sm2PublicKey]]) -> dict[str, Any]:
    """The trust file a trading system pins: {"format", "receivers": {code: {"name", "key"}}}."""
    return {
        "format": TRUST_FORMAT,
        "receivers": {code: {"name": name, "key": key.hex()} for code, (name, key) in receivers.items()},
    }


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a JSON object has the same key twice")
    return dict(pairs)


def parse_json(raw: bytes | str) -> Any:
    """JSON with duplicate keys refused (a signed object must read one way only); ValueError otherwise."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


# --- notices.json ---------------------------------------------------------------------------------------
@dataclass
class Store:
    """What notices.json holds: the last sequence number and, by notice uid, the request and its receipt."""

    sequence: int = 0
    notices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"sequence": self.sequence, "notices": self.notices}


def load_store(folder: Path) -> Store:
    try:
        raw = (folder / NOTICES).read_text(encoding="utf-8")
    except FileNotFoundError:
        return Store()
    except OSError as exc:
        raise StateError(f"{folder / NOTICES} cannot be read: {exc}") from exc
    try:
        data = json.loads(raw)
        sequence, notices = data["sequence"], data["notices"]
    except (ValueError, KeyError, TypeError) as exc:
        raise StateError(f"{folder / NOTICES} is not a notices file ({type(exc).__name__})") from exc
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not isinstance(notices, dict):
        raise StateError(f"{folder / NOTICES} is not a notices file")
    return Store(sequence, notices)


def save_store(folder: Path, store: Store) -> None:
    """Write notices.json whole: to a temporary name beside it, fsynced, then renamed over it."""
    data = json.dumps(store.to_json(), ensure_ascii=False, sort_keys=True, indent=1)
    write_atomic(folder / NOTICES, data, 0o640)


class Lock(FolderLock):
    """An exclusive lock on the folder: two processes writing one notices.json would lose receipts."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            folder / LOCK,
            lambda: StateError(f"{folder} is in use by another ggzy-national process (stop `serve` first)"),
        )
