"""A co-signer's state folder: its own key, the keys it pins, and every head it has co-signed.

Everything a co-signer holds lives in one folder of its own, on its own machine — never in the
platform's database or `var/`, and its key is escrowed nowhere:

    state.json       {"name", "created_at", "key" (its public key, hex), "operator_keys" [hex],
                      "supervisor_keys" [hex], "tolerance_seconds", "history"}: written last by `init`,
                      so a folder with it is complete; `add-operator-key` adds a key and a history entry
    cosigner.key     its SM2 key (a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    heads.jsonl      one line per co-signature given, appended, flushed and fsynced before the answer
                     leaves (`serve`), each line
                         {"seq": 1, 2, …, "prev": SM3 hex of the line before (its bytes without the
                          newline; 64 zeros for the first), "cosignature": {…}, "epoch_statement": the
                          statement that began the head's epoch, or null}
                     and, on a line not written by `serve`, "start": true (the head `init --start`
                     was given) or "resync": true (a co-signature adopted by `resync`)
    requests.jsonl   one line per POST and its outcome (`serve`), fsynced
    rollback.json    present while the co-signer refuses everything with `state_rollback`: the newer
                     co-signature of its own a caller showed it; removed by `resync`
    lock             locked (flock) by the one process that may append to heads.jsonl

**The chain is checked whole at every start** (`load_chain`): each line's `prev` is the SM3 of the
line before it, its co-signature verifies with this co-signer's key and names the head of the line
before it as `previous`, heads never go back in time, in epoch or, within an epoch, in size, a size
repeats only with the same root, and a new epoch is entered only with a valid statement of the
supervising department that names the line before it. A line edited, removed or inserted in the
middle breaks it, and the co-signer refuses to start, naming the line. `successor_problem` is that
rule, and `serve` applies it to each line before appending it, so it never writes a chain it would
refuse to load.

**What a chain check cannot see** is the whole file put back to an older copy (a restore from
backup): every line in it is still valid. That is detected from outside — see `newer` and
`ggzy_cosigner.service`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ggzy_sm import canonical, merkle, witness
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import fsync_folder, write_atomic
from ggzy_sm.jsonservice import FolderLock, parse_json
from ggzy_sm.keys import DEFAULT_ITERATIONS, load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import sm3
from ggzy_sm.witness import WitnessError

STATE = "state.json"
KEY = "cosigner.key"
HEADS = "heads.jsonl"
REQUESTS = "requests.jsonl"
ROLLBACK = "rollback.json"
LOCK = "lock"
ZERO = "0" * 64
DEFAULT_TOLERANCE = 120  # seconds between a head's timestamp and the co-signer's clock
MAX_TOLERANCE = 86_400
LINE_KEYS = frozenset({"seq", "prev", "cosignature", "epoch_statement"})
MARKS = ("start", "resync")


class StateError(Exception):
    """The state folder cannot be used (or made, or changed); the message says why."""


class ChainError(StateError):
    """heads.jsonl is broken at line `line` (1-based); the co-signer refuses to start."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{HEADS} line {line}: {message}")
        self.line = line


def _public_keys(values: Iterable[Any], what: str) -> tuple[Sm2PublicKey, ...]:
    keys: list[Sm2PublicKey] = []
    for value in values:
        try:
            key = Sm2PublicKey.from_hex(str(value).strip())
        except (ValueError, CryptoError) as exc:
            raise StateError(f"{what}: {str(value)[:20]}… is not an SM2 public key in hex") from exc
        if key not in keys:
            keys.append(key)
    return tuple(keys)


@dataclass(frozen=True)
class Config:
    """Who this co-signer is and what it pins (state.json; no secret)."""

    folder: Path
    name: str
    created_at: str
    key: Sm2PublicKey
    operator_keys: tuple[Sm2PublicKey, ...]
    supervisor_keys: tuple[Sm2PublicKey, ...]
    tolerance: int
    history: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "created_at": self.created_at,
            "key": self.key.hex(),
            "operator_keys": [k.hex() for k in self.operator_keys],
            "supervisor_keys": [k.hex() for k in self.supervisor_keys],
            "tolerance_seconds": self.tolerance,
            "history": list(self.history),
        }


def _tolerance(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOLERANCE:
        raise StateError(f"the clock tolerance is a whole number of seconds from 1 to {MAX_TOLERANCE}")
    return value


def _write_config(config: Config) -> None:
    write_atomic(config.folder / STATE, json.dumps(config.to_json(), ensure_ascii=False, indent=1) + "\n")


def load_config(folder: str | Path) -> Config:
    folder = Path(folder)
    try:
        data = json.loads((folder / STATE).read_text(encoding="utf-8"))
        config = Config(
            folder=folder,
            name=str(data["name"]),
            created_at=str(data["created_at"]),
            key=Sm2PublicKey.from_hex(str(data["key"])),
            operator_keys=_public_keys(data["operator_keys"], "operator_keys"),
            supervisor_keys=_public_keys(data.get("supervisor_keys", []), "supervisor_keys"),
            tolerance=_tolerance(data.get("tolerance_seconds", DEFAULT_TOLERANCE)),
            history=tuple(data.get("history", [])),
        )
    except FileNotFoundError as exc:
        raise StateError(f"{folder} is not a co-signer's state folder (run `ggzy-cosigner init`)") from exc
    except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
        raise StateError(f"{folder}: the co-signer's state cannot be read ({type(exc).__name__})") from exc
    if not config.operator_keys:
        raise StateError(f"{folder}: the state pins no operator key")
    return config


def load_key(config: Config, passphrase: str) -> Sm2PrivateKey:
    """The co-signer's key, checked against the public key state.json names."""
    try:
        key = load_key_file(config.folder / KEY, passphrase)
    except CryptoError as exc:
        raise StateError(f"{config.folder / KEY}: {exc}") from exc
    if key.public_key != config.key:
        raise StateError(f"{config.folder / KEY} is not the key state.json names")
    return key


# --- heads.jsonl -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One line of heads.jsonl, as written (`data`, without its newline)."""

    seq: int
    prev: str
    cosignature: dict[str, Any]
    epoch_statement: dict[str, Any] | None
    mark: str | None  # "start", "resync" or None (a line `serve` wrote)
    data: bytes

    @property
    def sth(self) -> dict[str, Any]:
        sth: dict[str, Any] = self.cosignature["body"]["sth"]
        return sth

    @property
    def ref(self) -> dict[str, Any]:
        return witness.head_ref(self.sth)

    @property
    def digest(self) -> str:
        """SM3 of the line's bytes: the next line's `prev`."""
        return sm3(self.data).hex()


def make_line(
    last: Line | None,
    cosignature: dict[str, Any],
    epoch_statement: dict[str, Any] | None = None,
    mark: str | None = None,
) -> Line:
    """The line that follows `last` (None: the first) with `cosignature`."""
    seq, prev = (1, ZERO) if last is None else (last.seq + 1, last.digest)
    record: dict[str, Any] = {
        "seq": seq,
        "prev": prev,
        "cosignature": cosignature,
        "epoch_statement": epoch_statement,
    }
    if mark is not None:
        record[mark] = True
    data = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return Line(seq, prev, cosignature, epoch_statement, mark, data)


def _parse_line(data: bytes, number: int) -> Line:
    try:
        record = parse_json(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ChainError(number, f"is not JSON ({exc})") from exc
    if not isinstance(record, dict):
        raise ChainError(number, "is not a JSON object")
    marks = [mark for mark in MARKS if mark in record]
    if set(record) - set(marks) != LINE_KEYS or len(marks) > 1 or any(record[m] is not True for m in marks):
        raise ChainError(number, f"has not exactly the fields {sorted(LINE_KEYS)} (and one mark at most)")
    seq, prev, cosignature, statement = (record[k] for k in ("seq", "prev", "cosignature", "epoch_statement"))
    if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(prev, str):
        raise ChainError(number, "its seq or prev is of the wrong type")
    if not isinstance(cosignature, dict) or not (statement is None or isinstance(statement, dict)):
        raise ChainError(number, "its co-signature or epoch statement is not an object")
    return Line(seq, prev, cosignature, statement, marks[0] if marks else None, data)


def newer(sth_or_ref: dict[str, Any], last: Line | None) -> bool:
    """Whether a head (a full head or a ref) comes after the head of `last` in a co-signer's history:
    a later epoch; or the same epoch and more leaves; or the same size with another root (the
    co-signer could only have signed it after losing `last`); or, for a full head, the same tree with
    a later timestamp. Anything comes after no line at all."""
    if last is None:
        return True
    mine = last.sth
    if sth_or_ref["epoch"] != mine["epoch"]:
        return bool(sth_or_ref["epoch"] > mine["epoch"])
    if sth_or_ref["tree_size"] != mine["tree_size"]:
        return bool(sth_or_ref["tree_size"] > mine["tree_size"])
    if sth_or_ref["root_hash"] != mine["root_hash"]:
        return True
    timestamp = sth_or_ref.get("timestamp")
    return timestamp is not None and witness.parse_instant(timestamp) > witness.parse_instant(
        mine["timestamp"]
    )


def epoch_problem(  # noqa: PLR0911  (one return per rule of docs/witness-cosigner.md §4)
    signed: Any, last: Line, sth: dict[str, Any], supervisor_keys: Sequence[Sm2PublicKey]
) -> str | None:
    """Why `signed` does not carry a co-signer from its last head (`last`) to `sth` of the next epoch
    (None: it does) — docs/witness-cosigner.md §4."""
    if signed is None:
        return (
            f"a head of epoch {sth['epoch']} after a head of epoch {last.sth['epoch']} needs the"
            " supervising department's epoch statement"
        )
    try:
        statement = witness.epoch_statement_check(signed, supervisor_keys)
    except WitnessError as exc:
        return f"the epoch statement is refused: {exc}"
    if statement["previous_epoch"] != last.sth["epoch"]:
        return f"the statement leaves epoch {statement['previous_epoch']}, not {last.sth['epoch']}"
    if statement["new_epoch"] != sth["epoch"]:
        return f"the statement begins epoch {statement['new_epoch']}, not the head's {sth['epoch']}"
    if statement["last_head"] != last.ref:
        return (
            f"the statement's last_head is not the last head this co-signer co-signed"
            f" ({last.sth['tree_size']} leaves, root {last.sth['root_hash'][:16]}…)"
        )
    if statement["first_head"] != {"tree_size": sth["tree_size"], "root_hash": sth["root_hash"]}:
        return "the head offered is not the statement's first_head"
    return None


def refusal(  # noqa: PLR0911  (one return per rule, in the order of docs §3)
    last: Line | None,
    sth: dict[str, Any],
    *,
    statement: Any,
    path: list[bytes] | None,
    supervisor_keys: Sequence[Sm2PublicKey],
) -> tuple[str, str] | None:
    """(reason, message) if head `sth` may not follow `last` in one co-signer's history, None if it
    may: a smaller epoch or size is a `rollback`; the same size with another root, another hash, or
    (when `path` is given) no consistency proof from the last head is a `fork`; a later epoch needs
    the statement (`epoch`). Without `path` (checking a stored chain, whose proofs are not kept) the
    consistency is not checked."""
    if last is None:
        if sth["epoch"] != 0:
            return (
                "epoch",
                (
                    f"this co-signer has co-signed nothing: it begins at epoch 0, not {sth['epoch']}"
                    " (a co-signer joining later is given a known head: `ggzy-cosigner init --start`)"
                ),
            )
        return None
    mine = last.sth
    if sth["epoch"] < mine["epoch"]:
        return "rollback", f"epoch {sth['epoch']} is before epoch {mine['epoch']}, co-signed already"
    if sth["epoch"] > mine["epoch"]:
        problem = epoch_problem(statement, last, sth, supervisor_keys)
        return None if problem is None else ("epoch", problem)
    if sth["hash"] != mine["hash"]:
        return "fork", f"the head is a {sth['hash']} tree, the co-signed one of epoch {mine['epoch']} is not"
    size, last_size = sth["tree_size"], mine["tree_size"]
    if size < last_size:
        return "rollback", f"tree size {size} is smaller than the {last_size} co-signed already"
    if size == last_size:
        if sth["root_hash"] != mine["root_hash"]:
            return "fork", f"a head of {size} leaves with another root than the one co-signed"
        return None
    if path is not None and not merkle.verify_consistency(
        last_size,
        size,
        path,
        bytes.fromhex(mine["root_hash"]),
        bytes.fromhex(sth["root_hash"]),
        alg=sth["hash"],
    ):
        return "fork", f"no consistency proof leads from the co-signed head {last_size} to tree head {size}"
    return None


def successor_problem(  # noqa: PLR0911  (one return per rule)
    last: Line | None, line: Line, config: Config
) -> str | None:
    """Why `line` may not follow `last` in heads.jsonl (None: it may). `load_chain` applies it to every
    line, `serve` and `resync` to each line before appending it."""
    expected = 1 if last is None else last.seq + 1
    if line.seq != expected:
        return f"its seq is {line.seq}, not {expected}"
    if line.prev != (ZERO if last is None else last.digest):
        return "its prev is not the SM3 of the line before it: a line was edited, removed or inserted"
    try:
        body = witness.cosignature_check(line.cosignature, config.key)
    except WitnessError as exc:
        return f"its co-signature does not verify with this co-signer's key ({exc})"
    sth = body["sth"]
    if line.mark == "start":
        if last is not None or body["previous"] is not None or line.epoch_statement is not None:
            return "only the first line, naming no previous head, is the head `init --start` was given"
        return None
    if line.mark == "resync":
        if line.epoch_statement is not None or not newer(sth, last):
            return "a co-signature adopted by `resync` is newer than the line before it"
        return None
    if body["previous"] != (None if last is None else last.ref):
        return "its co-signature does not name the head of the line before it as previous"
    if last is not None and witness.parse_instant(sth["timestamp"]) < witness.parse_instant(
        last.sth["timestamp"]
    ):
        return "its head is older than the head of the line before it"
    changes_epoch = last is not None and sth["epoch"] > last.sth["epoch"]
    if line.epoch_statement is not None and not changes_epoch:
        return "it carries an epoch statement but does not begin an epoch"
    found = refusal(
        last, sth, statement=line.epoch_statement, path=None, supervisor_keys=config.supervisor_keys
    )
    return None if found is None else f"{found[0]}: {found[1]}"


@dataclass
class Chain:
    """What the service needs of heads.jsonl once it is checked: its last line (None before any)."""

    last: Line | None = None

    @property
    def size(self) -> int:
        return 0 if self.last is None else self.last.seq


def load_chain(config: Config) -> Chain:
    """heads.jsonl, checked line by line (`successor_problem`); ChainError naming the first broken line."""
    try:
        raw = (config.folder / HEADS).read_bytes()
    except FileNotFoundError:
        return Chain()
    except OSError as exc:
        raise StateError(f"{config.folder / HEADS} cannot be read: {exc}") from exc
    parts = raw.split(b"\n")
    if parts[-1]:
        raise ChainError(
            len(parts),
            "is incomplete (the write was cut short, so its answer never left: cut the line off, after"
            " keeping a copy)",
        )
    chain = Chain()
    for number, data in enumerate(parts[:-1], start=1):
        if not data:
            raise ChainError(number, "is empty")
        line = _parse_line(data, number)
        problem = successor_problem(chain.last, line, config)
        if problem is not None:
            raise ChainError(number, problem)
        chain.last = line
    return chain


class HeadsDamagedError(OSError):
    """A write to heads.jsonl failed and could not be undone: the file may end in half a line."""


def append_line(folder: Path, line: Line) -> None:
    """Append `line` to heads.jsonl, flushed and fsynced; OSError if it could not be — then the file is
    cut back to where it was, so no half line stays (HeadsDamagedError if even that failed)."""
    path = folder / HEADS
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "ab") as fh:
        if created:  # the new file's name is durable before anything is written into it
            fsync_folder(folder)
        before = os.fstat(fh.fileno()).st_size
        try:
            fh.write(line.data + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        except OSError as exc:
            try:
                os.ftruncate(fh.fileno(), before)
            except OSError as undo:
                message = f"{path}: a write failed ({exc}) and could not be undone ({undo})"
                raise HeadsDamagedError(message) from exc
            raise


# --- the state_rollback stop ----------------------------------------------------------------------------
def rollback_evidence(folder: Path) -> dict[str, Any] | None:
    """What rollback.json holds (the co-signer is stopped), or None. An unreadable file still stops it."""
    try:
        text = (folder / ROLLBACK).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        return {"unreadable": str(exc)}
    try:
        evidence = json.loads(text)
    except ValueError:
        return {"unreadable": "not JSON"}
    return evidence if isinstance(evidence, dict) else {"unreadable": "not an object"}


def rollback_remember(folder: Path, evidence: dict[str, Any]) -> None:
    """Write rollback.json (fsynced): the stop survives a restart until `resync`."""
    write_atomic(folder / ROLLBACK, json.dumps(evidence, ensure_ascii=False, indent=1), 0o640)


# --- one process at a time --------------------------------------------------------------------------
class Lock(FolderLock):
    """An exclusive lock on the state folder: two processes appending to one heads.jsonl would fork
    the co-signer's own history."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            folder / LOCK,
            lambda: StateError(f"{folder} is in use by another ggzy-cosigner process (stop `serve` first)"),
        )


# --- the commands that change the folder -------------------------------------------------------------
def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def init(
    folder: str | Path,
    name: str,
    passphrase: str,
    *,
    operator_keys: Sequence[str],
    supervisor_keys: Sequence[str] = (),
    tolerance: int = DEFAULT_TOLERANCE,
    start: dict[str, Any] | None = None,
    iterations: int = DEFAULT_ITERATIONS,
    now: dt.datetime | None = None,
) -> Config:
    """Make a new co-signer in `folder`: a fresh SM2 key under `passphrase`, the pinned keys and, with
    `start`, its first line: the co-signature of that operator-signed head. Refuses a folder that
    holds a co-signer (or its key, or heads) already; checks everything before writing anything."""
    folder = Path(folder)
    name = name.strip()
    if not name:
        raise StateError("give the co-signer's name (--name)")
    operators = _public_keys(operator_keys, "--operator-key")
    supervisors = _public_keys(supervisor_keys, "--supervisor-key")
    if not operators:
        raise StateError("give the platform's witness key (--operator-key)")
    _tolerance(tolerance)
    if start is not None:
        try:
            witness.operator_signature_check(start, operators)
        except WitnessError as exc:
            raise StateError(f"the start head is refused ({exc.reason}): {exc}") from exc
    if any((folder / f).exists() for f in (STATE, KEY, HEADS)):
        raise StateError(f"{folder} holds a co-signer already: its key and history are never replaced")
    now = _now(now)
    key = Sm2PrivateKey.generate()
    if len(passphrase) < 8:  # noqa: PLR2004  (write_key_file's rule, checked before the folder is made)
        raise StateError("a key-file passphrase has at least 8 characters")
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
        operator_keys=operators,
        supervisor_keys=supervisors,
        tolerance=tolerance,
    )
    if start is not None:
        line = make_line(None, witness.cosignature_make(key, start["sth"], None, now), mark="start")
        append_line(folder, line)
    _write_config(config)
    return config


def add_operator_key(folder: str | Path, key_hex: str, *, now: dt.datetime | None = None) -> Config:
    """Pin another key of the platform (it rotated its witness key); recorded in state.json's history.
    A running service reads it at its next start."""
    config = load_config(folder)
    (key,) = _public_keys([key_hex], "--key")
    if key in config.operator_keys:
        raise StateError("that operator key is pinned already")
    if key == config.key:
        raise StateError("that is this co-signer's own key, not the platform's")
    entry = {
        "at": canonical.format_instant(_now(now)),
        "action": "add-operator-key",
        "key": key.hex(),
    }
    updated = Config(
        folder=config.folder,
        name=config.name,
        created_at=config.created_at,
        key=config.key,
        operator_keys=(*config.operator_keys, key),
        supervisor_keys=config.supervisor_keys,
        tolerance=config.tolerance,
        history=(*config.history, entry),
    )
    _write_config(updated)
    return updated


def resync(config: Config, cosignature: Any) -> Line:
    """Adopt `cosignature` — one of ours, newer than our last line — as our last line ("resync": true)
    and end the state_rollback stop. The caller holds the folder's Lock."""
    try:
        body = witness.cosignature_check(cosignature, config.key)
    except WitnessError as exc:
        raise StateError(f"not a co-signature of this co-signer's key ({exc.reason}): {exc}") from exc
    chain = load_chain(config)
    if not newer(body["sth"], chain.last):
        last = chain.last.sth if chain.last else {}
        raise StateError(
            f"the co-signature (epoch {body['sth']['epoch']}, {body['sth']['tree_size']} leaves) is not"
            f" newer than this co-signer's last line (epoch {last.get('epoch')},"
            f" {last.get('tree_size')} leaves): nothing to adopt"
        )
    line = make_line(chain.last, cosignature, None, mark="resync")
    problem = successor_problem(chain.last, line, config)
    if problem is not None:  # pragma: no cover  (newer() and cosignature_check() above are the rule)
        raise StateError(problem)
    append_line(config.folder, line)
    (config.folder / ROLLBACK).unlink(missing_ok=True)
    return line
