"""The shape of a simulator: an outside party the platform talks to — an authority's registry
(`ggzy_authority`), the national platforms (`ggzy_national`), and next a bank and an electronic-guarantee
issuer — run as a process of its own on `ggzy_sm.jsonservice` (no Django; its own SM2 key, state folder,
port and clock; signed JSON answers over HTTP). A simulator writes only its own records and routes; this
module is the rest, the same for every one.

**Its folder**, named by its `Kind` (the words and file names that are its own):

    state.json      {"name", "created_at", "key" (its public key, hex)}: written last by `init`, so a
                    folder with it is complete (`Config`)
    <kind>.key      its SM2 key (`Kind.key_file`; a ggzy key file: SM4-GCM under a passphrase; mode 0600)
    public.json     {"format": "<program>-public-v1", "name", "key"}: what a trading system pins
    <store>         what it holds (`Kind.store`: records, receipts, accounts …), one JSON file of its own
                    shape: read with `read_state` (missing: nothing held yet; a file that is not one: a
                    `StateError`), written whole with `write_state` — to a temporary name, fsynced, renamed
                    over the old one (`ggzy_sm.files.write_atomic`) — before the answer that changed it
                    leaves, by the one process that holds the folder's lock
    requests.jsonl  one line per request and its outcome, fsynced before the answer leaves
                    (`jsonservice.RequestLog`)
    lock            locked (flock, `jsonservice.FolderLock`) by the one process serving the folder

`Kind.init` makes the folder (one holding a key, a state or a store already is refused: a key is never
replaced), `Kind.load_config` and `Kind.load_key` read it, and `Kind.read_public` and
`Kind.trust_document` gather public keys into the trust file a trading system pins:
{"format": "<program>-trust-v1", <Kind.entries>: {CODE: {"name", "key"}}}.

**Its service** is a `Simulator` subclass (a `jsonservice.JsonApplication`) served by a
`SimulatorServer` subclass, whose `handler` (a `SimulatorHandler`) words its 404s and its 413 and whose
`default_port` is its own:

    class Bank(Simulator[state.Store]):
        kind = state.KIND
        @classmethod
        def load_store(cls, folder): ...               # its store, read at start (StateError: no start)
        def routes(self): {"/v1/pay": self.pay}        # its POST routes
        def test_routes(self): {}                      # its own admin routes (only with test controls)
        def get_items(self): {"/v1/payments": ...}     # GET /v1/payments/<item>, if any
        def holds(self): {"accounts": n}               # what GET /health adds
        def summary(self): "3 accounts"                # what `serve` says it holds
        def pay(self, raw, *, now, remote):
            return self.answered(raw, now=now, remote=remote, action="pay", answer=self._pay)
        def _pay(self, request, now, record):          # under the simulator's lock
            ...                                        # check it (Malformed: 400), record.update(...)
            if (down := self.unavailable(record)) is not None:
                return down                            # the test controls asked it to fail
            ...                                        # answer, write_state, Reply(200, signed(...))

What every simulator answers alike:

    GET  /health                {"ok": true, "name", "key", "time"} and what `holds()` adds
    POST /v1/admin/fail-next    {"count": n}: the next n requests whose answer asks `unavailable()`
                                answer 503 {"reason": "unavailable"} — only with test controls
                                (otherwise 404), for testing a client's handling of a party that is down
    a POST body that is not JSON (or names a key twice) or that the route refuses (`Malformed`): 400
    {"reason": "malformed", "message"}, unsigned; a `StateError` while answering: 500 "store"; any
    other exception: 500 "internal" — nothing signed; every request, and every POST refused before its
    body is read, logged with its outcome before the answer leaves.

**Its answers** are signed by its own key: `signed(key, purpose, wrapper, body)` is {wrapper:
{"format": purpose, **body}, "key": the public key (hex), "signature": SM2 over that body for `purpose`
(hex)}. The body names the simulator (its name from state.json) and, where the asker gives one, the
request's nonce (`nonce()`: 16–64 lower-case hex digits, echoed, so that an answer cannot be replayed to
another question). The purpose ("<program>-answer-v1", "<program>-receipt-v1" …) is registered in
`ggzy_sm.sm2.PURPOSES` (a key signs for no purpose it does not list), and the client that checks the
answer pins the same string.

**Its command line** is a `Program`'s `main`:

    <program> init --dir DIR --name NAME [--iterations N]
        the folder, its key under a passphrase; prints the public key (hex)
    <program> serve --dir DIR [--host 127.0.0.1] [--port DEFAULT] [--test-controls]
        prints "<program> serving on URL" once listening (--port 0: a free port); SIGTERM or Ctrl-C
        stops it
    <program> key --dir DIR
        prints the public key (hex); no passphrase
    <program> trust --out FILE CODE=DIR_OR_PUBLIC_JSON …
        writes the trust file

and its own commands (`Command`, e.g. `ggzy-authority load`). The passphrase comes from
<PROGRAM>_PASSPHRASE (e.g. GGZY_BANK_PASSPHRASE) or a prompt. Exit status: 0 done, 1 refused, 2 wrong
usage or `serve` refusing to start.

A simulator's tests share `ggzy_sm.simulator_testing` (calling it over HTTP, a clock they set, a signed
answer checked).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar

from ggzy_sm import canonical
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.jsonservice import (
    Clock,
    FolderLock,
    GetRoute,
    JsonHandler,
    JsonServer,
    PostRoute,
    Refused,
    Reply,
    RequestLog,
    StartupError,
    UsageError,
    parse_json,
    passphrase,
    run_command,
    say,
    serve,
    system_clock,
)
from ggzy_sm.keys import DEFAULT_ITERATIONS, SigningKey, load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

STATE = "state.json"
PUBLIC = "public.json"
REQUESTS = "requests.jsonl"
LOCK = "lock"
FAIL_PATH = "/v1/admin/fail-next"
MAX_FAILURES = 1000
NONCE = re.compile(r"[0-9a-f]{16,64}")

T = TypeVar("T")
S = TypeVar("S")  # what a simulator holds (its store)
Stamp = tuple[int, int, int]  # a state file's (inode, mtime in ns, size): replaced means changed
#: a route's answer to a request read as JSON: (request, now, the log record to fill) -> the reply
Answer = Callable[[Any, dt.datetime, dict[str, Any]], Reply]
#: a GET of PREFIX/<item>: (item, now) -> the reply
ItemRoute = Callable[[str, dt.datetime], Reply]


class StateError(Exception):
    """The folder cannot be used (or made), or its store read or written; the message says why."""


class Malformed(ValueError):  # noqa: N818  (a refusal, named as the answer's reason)
    """The request is not what the route takes; the message says why (answered 400, unsigned)."""


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


# --- the folder ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Who a simulator is (state.json; no secret)."""

    folder: Path
    name: str
    created_at: str
    key: Sm2PublicKey

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "created_at": self.created_at, "key": self.key.hex()}


@dataclass(frozen=True)
class Kind:
    """What is a simulator's own in its folder and its words.

    program   its command and its process ("ggzy-authority"); its formats are <program>-public-v1 and
              <program>-trust-v1, its passphrase variable <PROGRAM>_PASSPHRASE
    noun      what it is, where it is named ("authority", "national platform": "an authority's folder")
    key_file  its key file in the folder ("authority.key")
    store     the file of what it holds ("records.json"): a folder with it is not made again
    kept      what `init` never replaces besides the key ("records", "receipts")
    entries   the trust file's object of such parties ("authorities", "receivers")
    short     what it calls itself ("the platform is unavailable"); `noun` if not given
    """

    program: str
    noun: str
    key_file: str
    store: str
    kept: str
    entries: str
    short: str = ""

    def __post_init__(self) -> None:
        if not self.short:
            object.__setattr__(self, "short", self.noun)

    @property
    def public_format(self) -> str:
        return f"{self.program}-public-v1"

    @property
    def trust_format(self) -> str:
        return f"{self.program}-trust-v1"

    @property
    def passphrase_env(self) -> str:
        return self.program.upper().replace("-", "_") + "_PASSPHRASE"

    def already(self, folder: Path) -> str:
        """Why `init` refuses a folder that holds one."""
        return f"{folder} holds {_a(self.noun)} already: its key and {self.kept} are never replaced"

    def public(self, config: Config) -> dict[str, Any]:
        """public.json: {"format", "name", "key"}."""
        return {"format": self.public_format, "name": config.name, "key": config.key.hex()}

    def load_config(self, folder: str | Path) -> Config:
        """state.json of `folder`; StateError if it is not such a simulator's folder."""
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
            raise StateError(f"{folder} is not {_a(self.noun)}'s folder (run `{self.program} init`)") from exc
        except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
            raise StateError(f"{folder}: the state cannot be read ({type(exc).__name__})") from exc

    def load_key(self, config: Config, passphrase: str) -> Sm2PrivateKey:
        """The simulator's key, checked against the public key state.json names."""
        path = config.folder / self.key_file
        try:
            key = load_key_file(path, passphrase)
        except CryptoError as exc:
            raise StateError(f"{path}: {exc}") from exc
        if key.public_key != config.key:
            raise StateError(f"{path} is not the key state.json names")
        return key

    def init(
        self,
        folder: str | Path,
        name: str,
        passphrase: str,
        *,
        iterations: int = DEFAULT_ITERATIONS,
        now: dt.datetime | None = None,
    ) -> Config:
        """Make a simulator in `folder`: a fresh SM2 key under `passphrase`, then public.json, then
        state.json. Refuses a folder that holds one already (its key and its store are never replaced)."""
        folder = Path(folder)
        name = name.strip()
        if not name:
            raise StateError(f"give the {self.short}'s name (--name)")
        if any((folder / f).exists() for f in (STATE, self.key_file, self.store)):
            raise StateError(self.already(folder))
        if len(passphrase) < 8:  # noqa: PLR2004  (write_key_file's rule, checked before the folder is made)
            raise StateError("a key-file passphrase has at least 8 characters")
        now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        key = Sm2PrivateKey.generate()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            write_key_file(key, folder / self.key_file, passphrase, iterations)
        except CryptoError as exc:
            raise StateError(str(exc)) from exc
        config = Config(
            folder=folder,
            name=name,
            created_at=canonical.format_instant(now.replace(microsecond=0)),
            key=key.public_key,
        )
        write_atomic(folder / PUBLIC, json.dumps(self.public(config), ensure_ascii=False, indent=1) + "\n")
        write_atomic(folder / STATE, json.dumps(config.to_json(), ensure_ascii=False, indent=1) + "\n")
        return config

    def read_public(self, path: str | Path) -> tuple[str, Sm2PublicKey]:
        """(name, key) of a public.json; StateError if it is not one of this kind."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != self.public_format:
                raise StateError(f"{path} is not a {self.public_format} file")
            return str(data["name"]), Sm2PublicKey.from_hex(str(data["key"]))
        except (OSError, ValueError, KeyError, TypeError, CryptoError) as exc:
            what = f"{_a(self.noun)}'s public key file"
            raise StateError(f"{path}: not {what} ({type(exc).__name__})") from exc

    def trust_document(self, entries: Mapping[str, tuple[str, Sm2PublicKey]]) -> dict[str, Any]:
        """The trust file a trading system pins: {"format", <entries>: {code: {"name", "key"}}}."""
        return {
            "format": self.trust_format,
            self.entries: {code: {"name": name, "key": key.hex()} for code, (name, key) in entries.items()},
        }

    def lock(self, folder: Path) -> FolderLock:
        """The folder's lock, held by the one process that serves it (StateError if another holds it)."""
        return FolderLock(
            folder / LOCK,
            lambda: StateError(f"{folder} is in use by another {self.program} process (stop `serve` first)"),
        )


# --- the store: one JSON file, written whole -------------------------------------------------------------


def _stamp(status: os.stat_result) -> Stamp:
    return (status.st_ino, status.st_mtime_ns, status.st_size)


def state_stamp(path: Path) -> Stamp | None:
    """The stamp of the state file `path` now (None: there is none); compared with an earlier one to see
    that another process replaced it."""
    try:
        return _stamp(path.stat())
    except FileNotFoundError:
        return None


def read_state(path: Path, parse: Callable[[Any], T], what: str) -> tuple[T, Stamp] | None:
    """`parse` of the JSON in the state file `path`, and the stamp of the file read; None if there is
    none. StateError if it cannot be read, or is not JSON, or `parse` refuses it (ValueError, KeyError or
    TypeError): "PATH is not `what`: why"."""
    try:
        with path.open("rb") as fh:
            stamp = _stamp(os.fstat(fh.fileno()))
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"{path} cannot be read: {exc}") from exc
    try:
        return parse(json.loads(raw)), stamp
    except (ValueError, KeyError, TypeError) as exc:
        raise StateError(f"{path} is not {what}: {exc}") from exc


def write_state(path: Path, content: Any) -> Stamp | None:
    """Write `content` to the state file `path` whole (JSON, keys sorted; mode 0640): to a temporary name
    beside it, fsynced, renamed over it — after a crash it holds the old content or the new, whole. The
    new file's stamp; StateError (and the old file left) if it cannot be written."""
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    try:
        write_atomic(path, data, 0o640)
    except OSError as exc:
        raise StateError(f"{path} cannot be written: {exc}") from exc
    return state_stamp(path)


# --- requests and answers --------------------------------------------------------------------------------


def nonce(value: Any, what: str = "nonce") -> str:
    """The asker's nonce (16–64 lower-case hex digits), to be echoed in the signed answer; Malformed
    otherwise."""
    if not isinstance(value, str) or not NONCE.fullmatch(value):
        raise Malformed(f"{what} is 16 to 64 lower-case hex digits")
    return value


def signed(key: SigningKey, purpose: str, wrapper: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A signed answer: {wrapper: {"format": purpose, **body}, "key": the signer's public key (hex),
    "signature": SM2 over that body for `purpose` (hex; `Sm2PublicKey.verify(purpose, body, signature)`)}."""
    content = {"format": purpose, **body}
    return {wrapper: content, "key": key.public_key.hex(), "signature": key.sign(purpose, content).hex()}


def malformed(message: str) -> Reply:
    return Reply(HTTPStatus.BAD_REQUEST, {"reason": "malformed", "message": message})


# --- the service -----------------------------------------------------------------------------------------


class Simulator(Generic[S]):
    """A simulator with its key and its store (`S`), answering requests and keeping requests.jsonl in its
    folder (see the module's docstring for what a subclass gives). Thread-safe: its answers run under one
    lock (`answered`)."""

    kind: ClassVar[Kind]

    def __init__(
        self,
        *,
        config: Config,
        key: SigningKey,
        store: S,
        lock: FolderLock | None = None,
        test_controls: bool = False,
    ) -> None:
        if key.public_key != config.key:
            raise StartupError("the signing key is not the key state.json names")
        self.config = config
        self.folder = config.folder
        self.key = key
        self.store = store
        self.test_controls = test_controls
        self.fail_next = 0
        self._lock = threading.Lock()
        self._requests = RequestLog(
            self.folder / REQUESTS,
            Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {"reason": "log", "message": "the request log cannot be written"},
            ),
        )
        self._folder_lock = lock

    @classmethod
    def load_store(cls, folder: Path) -> S:
        """What the simulator holds, read at start; StateError if it cannot be."""
        raise NotImplementedError

    @classmethod
    def open(
        cls, folder: str | Path, passphrase: str | Callable[[], str], *, test_controls: bool = False
    ) -> Self:
        """The simulator of `folder`; StartupError if it cannot be used. Locks the folder until `close()`.
        The passphrase (or the function that asks for it) is used once the store has been read."""
        try:
            config = cls.kind.load_config(folder)
            lock = cls.kind.lock(config.folder)
        except StateError as exc:
            raise StartupError(str(exc)) from exc
        try:
            store = cls.load_store(config.folder)
            key = cls.kind.load_key(config, passphrase() if callable(passphrase) else passphrase)
            return cls(config=config, key=key, store=store, lock=lock, test_controls=test_controls)
        except StateError as exc:
            lock.release()
            raise StartupError(str(exc)) from exc
        except BaseException:
            lock.release()
            raise

    def close(self) -> None:
        if self._folder_lock is not None:
            self._folder_lock.release()
            self._folder_lock = None

    # --- what a simulator gives ---------------------------------------------------------------------

    def routes(self) -> Mapping[str, PostRoute]:
        """Its POST routes: path -> route (most answer through `answered`)."""
        raise NotImplementedError

    def test_routes(self) -> Mapping[str, PostRoute]:
        """Its own admin routes, served only with test controls (POST /v1/admin/fail-next is everyone's)."""
        return {}

    def get_items(self) -> Mapping[str, ItemRoute]:
        """Its GET routes of one item: PREFIX -> route, answering GET PREFIX/<item>."""
        return {}

    def holds(self) -> dict[str, Any]:
        """What GET /health says besides "ok", "name", "key" and "time" (may set "ok" false)."""
        return {}

    def summary(self) -> str:
        """What `serve` says the simulator holds as it starts ("" for nothing)."""
        return ""

    # --- answering ----------------------------------------------------------------------------------

    def answered(self, raw: bytes, *, now: dt.datetime, remote: str, action: str, answer: Answer) -> Reply:
        """The reply to a POST body at `now` (the simulator's clock), logged with its outcome: the body
        read as JSON (duplicate keys refused) and given to `answer(request, now, record)` under the
        simulator's lock. 400 "malformed" (unsigned) for a body that is not JSON or a `Malformed`; 500
        "store" for a `StateError`; 500 "internal" for any other exception — nothing signed."""
        record = self._record(now, remote, action)
        try:
            request = parse_json(raw)
        except ValueError as exc:
            record.update(outcome="refused", reason="malformed")
            return self._requests.logged(record, malformed(f"the body is not JSON: {exc}"))
        try:
            with self._lock:
                reply = answer(request, now, record)
        except Malformed as exc:
            record.update(outcome="refused", reason="malformed")
            reply = malformed(str(exc))
        except StateError as exc:
            record.update(outcome="error", reason="store")
            reply = Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "store", "message": str(exc)})
        except Exception as exc:  # noqa: BLE001  (a failure nobody foresaw is logged, and nothing signed)
            record.update(outcome="error", reason="internal", error=type(exc).__name__)
            reply = Reply(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                {
                    "reason": "internal",
                    "message": f"the {self.kind.short} could not answer ({type(exc).__name__})",
                },
            )
        return self._requests.logged(record, reply)

    def unavailable(self, record: dict[str, Any]) -> Reply | None:
        """A 503 while the test controls ask requests to fail (POST /v1/admin/fail-next), counted down and
        recorded; None otherwise. Asked by an answer once it has read its request, under the lock."""
        if self.fail_next <= 0:
            return None
        self.fail_next -= 1
        record.update(outcome="unavailable", reason="test_control")
        return Reply(
            HTTPStatus.SERVICE_UNAVAILABLE,
            {"reason": "unavailable", "message": f"the {self.kind.short} is unavailable (a test control)"},
        )

    def fail(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        """POST /v1/admin/fail-next {"count": n} (only with test controls)."""
        record = self._record(now, remote, "fail-next")
        try:
            request = parse_json(raw)
        except ValueError:
            request = None
        count = request.get("count") if isinstance(request, dict) else None
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_FAILURES:
            record.update(outcome="refused", reason="malformed")
            return self._requests.logged(
                record, malformed(f'give {{"count": n}}, a whole number from 0 to {MAX_FAILURES}')
            )
        with self._lock:
            self.fail_next = count
        record.update(outcome="set", count=count)
        return self._requests.logged(record, Reply(HTTPStatus.OK, {"fail_next": count}))

    def refused(self, reply: Reply, *, now: dt.datetime, remote: str) -> Reply:
        """A POST refused before its body is read (path, length, media type): logged all the same."""
        record = {**self._record(now, remote, "post"), "outcome": "refused", "reason": reply.body["reason"]}
        return self._requests.logged(record, reply)

    @staticmethod
    def _record(now: dt.datetime, remote: str, action: str) -> dict[str, Any]:
        return {
            "time": canonical.format_instant(now),
            "remote": remote,
            "action": action,
            "outcome": None,
            "reason": None,
        }

    def health(self, now: dt.datetime) -> dict[str, Any]:
        """GET /health: {"ok": true, "name", "key", "time"} and what `holds()` says."""
        return {
            "ok": True,
            "name": self.config.name,
            "key": self.config.key.hex(),
            "time": canonical.format_instant(now),
            **self.holds(),
        }

    def get_routes(self) -> dict[str, GetRoute]:
        return {"/health": lambda now: Reply(HTTPStatus.OK, self.health(now))}

    def post_routes(self) -> dict[str, PostRoute]:
        routes = dict(self.routes())
        if self.test_controls:
            routes.update(self.test_routes())
            routes[FAIL_PATH] = self.fail
        return routes


A = TypeVar("A", bound=Simulator[Any])


class SimulatorHandler(JsonHandler):
    """The HTTP face of a simulator: `jsonservice.JsonHandler`, and GET PREFIX/<item> for each of its
    `get_items()`. A simulator's subclass names itself (`server_version`) and words its refusals."""

    server: SimulatorServer[Any]

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        path = self.route_path()
        for prefix, route in self.server.simulator.get_items().items():
            if path.startswith(prefix + "/"):
                self.send_reply(route(path[len(prefix) + 1 :], self.server.now()))
                return
        super().do_GET()


class SimulatorServer(JsonServer, Generic[A]):
    """The HTTP service of `simulator` on (host, port) (port 0: a free one; none: `default_port`), by
    `ggzy_sm.jsonservice`. `clock` is the simulator's own: the system's by default; tests inject theirs.
    A simulator's subclass gives its `handler` (a `SimulatorHandler`) and its `default_port`."""

    handler: type[JsonHandler] = SimulatorHandler
    default_port: ClassVar[int] = 0

    def __init__(
        self, simulator: A, host: str = "127.0.0.1", port: int | None = None, *, clock: Clock = system_clock
    ) -> None:
        self.simulator = simulator
        self.name = simulator.kind.program
        self.owner = f"the {simulator.kind.noun}"
        super().__init__(simulator, host, self.default_port if port is None else port, clock=clock)


# --- the command line ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A simulator's own command besides init, serve, key and trust: its name, its help, the arguments
    it adds to its parser, and what runs it (its exit status; `Refused`, `UsageError`)."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Program:
    """A simulator's command line (see the module's docstring): `main(argv)` is its entry point.

    simulator, server   its `Simulator` and `SimulatorServer` classes
    version             its package's version (`--version`)
    description         what `--help` says it is
    serves              `serve`'s help ("answer lookups over HTTP")
    signs               what its name is named in ("answers", "receipts": `--name`'s help)
    entry               the name of `trust`'s CODE=DIR arguments ("authority", "receiver")
    controls            what --test-controls adds ("add POST /v1/admin/fail-next"), in `serve`'s help
    controls_note       what `serve` says when they are on ("POST /v1/admin/fail-next makes …")
    commands            its own commands, listed after `init`
    """

    simulator: type[Simulator[Any]]
    server: type[SimulatorServer[Any]]
    version: str
    description: str
    serves: str
    signs: str
    entry: str
    controls: str
    controls_note: str
    commands: Sequence[Command] = ()

    @property
    def kind(self) -> Kind:
        return self.simulator.kind

    def passphrase(self, confirm: bool = False) -> str:
        noun = self.kind.noun
        return passphrase(self.kind.passphrase_env, f"{noun[:1].upper()}{noun[1:]}'s", confirm=confirm)

    def run_init(self, args: argparse.Namespace) -> int:
        kind, folder = self.kind, Path(args.dir)
        if (folder / STATE).exists():
            raise Refused(kind.already(folder))
        try:
            config = kind.init(folder, args.name, self.passphrase(confirm=True), iterations=args.iterations)
        except StateError as exc:
            raise Refused(str(exc)) from exc
        say(config.key.hex())
        say(
            f"{kind.noun} {config.name!r} made in {folder}; its public key is in {folder / PUBLIC}"
            f" (SM3 {config.key.fingerprint()}): gather it into a trust file with `{kind.program} trust`",
            err=True,
        )
        return 0

    def run_serve(self, args: argparse.Namespace) -> int:
        try:
            simulator = self.simulator.open(args.dir, self.passphrase, test_controls=args.test_controls)
        except StartupError as exc:
            raise UsageError(str(exc)) from exc
        try:
            server = self.server(simulator, args.host, args.port)
        except OSError as exc:
            simulator.close()
            raise UsageError(str(exc)) from exc
        config, held = simulator.config, simulator.summary()
        notes = [
            f"{self.kind.noun} {config.name} (key SM3 {config.key.fingerprint()});"
            + (f" {held};" if held else "")
            + " Ctrl-C stops it"
        ]
        if args.test_controls:
            notes.append(f"test controls on: {self.controls_note}")
        return serve(server, self.kind.program, notes, close=simulator.close)

    def run_key(self, args: argparse.Namespace) -> int:
        try:
            say(self.kind.load_config(args.dir).key.hex())
        except StateError as exc:
            raise UsageError(str(exc)) from exc
        return 0

    def _entry(self, item: str) -> tuple[str, tuple[str, Sm2PublicKey]]:
        code, sep, where = item.partition("=")
        if not sep or not code.strip() or not where.strip():
            raise UsageError(f"{item!r}: give CODE=DIR or CODE=PUBLIC.json")
        path = Path(where.strip())
        if path.is_dir():
            path = path / PUBLIC
        try:
            return code.strip(), self.kind.read_public(path)
        except StateError as exc:
            raise UsageError(str(exc)) from exc

    def run_trust(self, args: argparse.Namespace) -> int:
        entries: dict[str, tuple[str, Sm2PublicKey]] = {}
        for item in args.entries:
            code, found = self._entry(item)
            if code in entries:
                raise Refused(f"{code} is given twice; nothing written")
            entries[code] = found
        document = self.kind.trust_document(entries)
        write_atomic(args.out, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        say(f"{args.out}: {', '.join(f'{c} ({n})' for c, (n, _k) in entries.items())}")
        return 0

    def parser(self) -> argparse.ArgumentParser:
        kind = self.kind
        parser = argparse.ArgumentParser(prog=kind.program, description=self.description)
        parser.add_argument("--version", action="version", version=f"{kind.program} {self.version}")
        commands = parser.add_subparsers(dest="command", required=True)

        init = commands.add_parser("init", help=f"make {_a(kind.short)}: its own key and public key file")
        init.add_argument("--dir", required=True, help=f"the {kind.short}'s own folder")
        init.add_argument(
            "--name", required=True, help=f"the {kind.short}'s name (named in its {self.signs})"
        )
        init.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS, help=argparse.SUPPRESS)

        for command in self.commands:
            command.arguments(commands.add_parser(command.name, help=command.help))

        served = commands.add_parser("serve", help=self.serves)
        served.add_argument("--dir", required=True)
        served.add_argument("--host", default="127.0.0.1")
        served.add_argument("--port", type=int, default=self.server.default_port)
        served.add_argument("--test-controls", action="store_true", help=self.controls)

        key = commands.add_parser("key", help=f"print the {kind.short}'s public key")
        key.add_argument("--dir", required=True)

        trust = commands.add_parser("trust", help="write the trust file a trading system pins")
        trust.add_argument("--out", required=True)
        trust.add_argument("entries", metavar=self.entry, nargs="+", help="CODE=DIR or CODE=PUBLIC.json")
        return parser

    def main(self, argv: list[str] | None = None) -> int:
        commands: dict[str, Callable[[argparse.Namespace], int]] = {
            "init": self.run_init,
            "serve": self.run_serve,
            "key": self.run_key,
            "trust": self.run_trust,
        }
        commands.update((command.name, command.run) for command in self.commands)
        return run_command(self.kind.program, commands, self.parser().parse_args(argv))
