"""The one pattern of the platform's outside services — a key custodian (`ggzy_custodian`), a
witness-log co-signer (`ggzy_cosigner`) and the simulators to come (bank, insurer, expert pool, SMS
gateway): no Django, its own keys, state and port, signed answers as JSON over HTTP (TLS is terminated
in front of it by its operator's reverse proxy). This module is the plumbing they share; what each
answers is its own. A simulator's whole shape on top of it (its folder and key, its store written whole,
the test controls, its command line) is `ggzy_sm.simulator`.

**The application** (`JsonApplication`) is the service's own object. It names its routes by exact path
— `get_routes()`: path -> `GetRoute(now)`; `post_routes()`: path -> `PostRoute(raw, now=, remote=)`,
asked again for every request, so a route may come and go with the application's configuration — and
keeps its own log (a `RequestLog`: a JSON line a request, fsynced before the answer leaves): every POST
refused before its body is read is handed to its `refused()`, which logs it and returns what is sent
(its own 500 if the log cannot be written).

**The transport** (`JsonHandler`), in one place for every service: each answer is a `Reply` sent as
JSON (UTF-8, Content-Length, Cache-Control: no-store, X-Content-Type-Options: nosniff); the default
access log is silenced (the application's log is the record). A GET of another path is 404
{"reason": "not_found"}. A POST is refused, its body left unread and the connection closed, when its
path is not a route (404 "not_found"), it has no Content-Length or has a Transfer-Encoding (411), its
body is over `max_body` (1 MiB; 413) or it is not application/json (415) — the last three "malformed".
Only then is the body read and given to the route (which reads it with `parse_json`: JSON, no key
twice).

**The server** (`JsonServer`) answers each request in a daemon thread, on (host, port) — port 0: a free
one; a host with ":" is IPv6 — and judges time by its clock: the system's, in UTC, by default (kept by
NTP by the service's operator); tests inject theirs. A clock that gives a naive datetime is refused.
`start()` serves in a background thread (tests, embedding); `serve()` runs a service's `serve` command
in the foreground until SIGTERM or Ctrl-C.

**The command line** of such a service: `Refused` (exit status 1), `UsageError` (exit status 2, "refusing
to start" for `serve`), `run_command` mapping them to those statuses, `passphrase` (from an environment
variable or a prompt) and `public_key` (an SM2 key in hex given as an option).
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import getpass
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import IO, Any, Protocol

from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey

MAX_BODY = 1024 * 1024  # bytes of a POST body
TIMEOUT = 30  # seconds a client may take to send its request

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """The service's own clock: this machine's, in UTC (kept by NTP by the service's operator)."""
    return dt.datetime.now(dt.UTC)


class StartupError(Exception):
    """The service refuses to start; the message says why."""


@dataclass(frozen=True)
class Reply:
    """An answer: its status and its JSON body."""

    status: HTTPStatus
    body: dict[str, Any]


def not_found(message: str) -> Reply:
    return Reply(HTTPStatus.NOT_FOUND, {"reason": "not_found", "message": message})


class RequestLog:
    """A service's log of the requests it answers, one JSON object a line (keys sorted, the reply's
    status added): appended, flushed and fsynced before the answer leaves. Thread-safe."""

    def __init__(self, path: Path, failure: Reply) -> None:
        self.path = path
        self.failure = failure  # what is sent instead when the line cannot be written
        self._lock = threading.Lock()

    def logged(self, record: dict[str, Any], reply: Reply) -> Reply:
        """Append `record` and return `reply` — or, if the line cannot be written, `failure`."""
        record["status"] = int(reply.status)
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            with self._lock:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                with os.fdopen(fd, "ab") as fh:
                    fh.write(line.encode("utf-8"))
                    fh.flush()
                    os.fsync(fh.fileno())
        except OSError:
            return self.failure
        return reply


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a JSON object has the same key twice")
    return dict(pairs)


def parse_json(raw: bytes | str) -> Any:
    """A request's (or a kept file's) JSON with duplicate keys refused: what is signed or kept must not
    read one way here and another way elsewhere. ValueError otherwise (a UnicodeDecodeError for bytes
    that are not UTF-8)."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


class GetRoute(Protocol):
    def __call__(self, now: dt.datetime, /) -> Reply: ...


class PostRoute(Protocol):
    def __call__(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply: ...


class JsonApplication(Protocol):
    """What a service gives its `JsonServer` (see the module's docstring)."""

    def get_routes(self) -> Mapping[str, GetRoute]: ...

    def post_routes(self) -> Mapping[str, PostRoute]: ...

    def refused(self, reply: Reply, *, now: dt.datetime, remote: str) -> Reply:
        """A POST refused before its body was read (`reply`, 404 or 4xx "malformed"): logged, and what
        is sent instead returned (the reply itself, or a 500 when the log cannot be written)."""
        ...


class JsonHandler(BaseHTTPRequestHandler):
    """The HTTP face of a `JsonServer`'s application. A service's subclass names itself
    (`server_version`) and words its refusals: `get_elsewhere` and `post_elsewhere` (the 404s of GET
    and POST, naming the service's routes) and `too_large` (the 413)."""

    server: JsonServer
    timeout = TIMEOUT
    max_body = MAX_BODY
    get_elsewhere = "no such path"
    post_elsewhere = "no such path"
    too_large = "a request is a JSON body of at most 1 MiB"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        return  # the application keeps its own log

    def send_reply(self, reply: Reply) -> None:
        data = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(data)

    def linger(self, limit: int = 4 * 1024 * 1024, seconds: float = 1.0) -> None:
        """After an answer that left the request's body unread: stop sending, then read and drop what the
        client still sends (at most `limit` bytes for `seconds`) before the connection closes. Closing a
        socket with unread input makes the kernel send a reset, and a client still sending its body then
        gets a broken pipe instead of the answer (a lingering close, as web servers do)."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(seconds)
            deadline, left = time.monotonic() + seconds, limit
            while left > 0 and time.monotonic() < deadline:
                chunk = self.connection.recv(min(64 * 1024, left))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            return  # the client went away or stalled: nothing more to do for it

    def route_path(self) -> str:
        """The request's path, without its query."""
        return self.path.split("?", 1)[0]

    def transport_refusal(self) -> tuple[HTTPStatus, str] | None:
        """Why a POST's body is not read — (status, message) — or None: Content-Length required, no
        Transfer-Encoding, at most `max_body` bytes, application/json only."""
        length = self.headers.get("Content-Length") or ""
        media_type = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if self.headers.get("Transfer-Encoding") or not (length.isascii() and length.isdigit()):
            return HTTPStatus.LENGTH_REQUIRED, "send the request with a Content-Length"
        if int(length) > self.max_body:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, self.too_large
        if media_type != "application/json":
            return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the request as application/json"
        return None

    def do_GET(self) -> None:
        route = self.server.app.get_routes().get(self.route_path())
        self.send_reply(not_found(self.get_elsewhere) if route is None else route(self.server.now()))

    def do_POST(self) -> None:
        app, now, remote = self.server.app, self.server.now(), self.client_address[0]
        route = app.post_routes().get(self.route_path())
        refusal = self.transport_refusal() if route is not None else None
        if route is None or refusal is not None:
            status, message = refusal or (HTTPStatus.NOT_FOUND, self.post_elsewhere)
            reason = "not_found" if status == HTTPStatus.NOT_FOUND else "malformed"
            self.close_connection = True  # the body, if any, is left unread
            refused = Reply(status, {"reason": reason, "message": message})
            self.send_reply(app.refused(refused, now=now, remote=remote))
            self.linger()
            return
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_reply(route(raw, now=now, remote=remote))


class JsonServer(ThreadingHTTPServer):
    """The HTTP service of `app` on (host, port) (port 0: a free one; a host with ":" is IPv6), one
    daemon thread a request. `clock` is the service's own: the system's by default; tests inject
    theirs. A service's subclass gives its `handler` (a `JsonHandler`), its `name` (the background
    thread's) and `owner` (whose clock, named when it gives a naive datetime)."""

    daemon_threads = True
    handler: type[JsonHandler] = JsonHandler
    name = "ggzy-service"
    owner = "the service"

    def __init__(
        self, app: JsonApplication, host: str = "127.0.0.1", port: int = 0, *, clock: Clock = system_clock
    ) -> None:
        self.app = app
        self.clock = clock
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), self.handler)

    def now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"{self.owner}'s clock must give aware datetimes")
        return now

    @property
    def url(self) -> str:
        host = str(self.server_address[0])
        return f"http://[{host}]:{self.server_port}" if ":" in host else f"http://{host}:{self.server_port}"

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, embedding); `shutdown()` stops it."""
        thread = threading.Thread(target=self.serve_forever, name=self.name, daemon=True)
        thread.start()
        return thread


# --- the command line of such a service -----------------------------------------------------------------


class FolderLock:
    """An exclusive lock on a service's state folder (`flock` on `lock_file`): one process serves a folder
    at a time — two appending to one state file would fork its history. `busy` makes the error raised when
    another process holds it."""

    def __init__(self, lock_file: Path, busy: Callable[[], Exception]) -> None:
        self._file: IO[str] | None = lock_file.open("a", encoding="utf-8")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._file.close()
            self._file = None
            raise busy() from exc

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class Refused(Exception):  # noqa: N818  (a refusal, not an error of the tool)
    """The command refuses; exit status 1."""


class UsageError(Exception):
    """The command was given wrong arguments or files; exit status 2."""


def say(text: str, *, err: bool = False) -> None:
    print(text, file=sys.stderr if err else sys.stdout, flush=True)


def passphrase(env: str, what: str, *, confirm: bool = False) -> str:
    """A key's passphrase: the environment variable `env`, or else asked ("`what` key passphrase: ",
    twice with `confirm`; two that differ are a UsageError)."""
    if from_env := os.environ.get(env):
        return from_env
    given = getpass.getpass(f"{what} key passphrase: ")
    if confirm and getpass.getpass("Again: ") != given:
        raise UsageError("the two passphrases differ")
    return given


def public_key(text: str, flag: str) -> Sm2PublicKey:
    """An SM2 public key given in hex as option `flag`; a UsageError naming the flag if it is not one."""
    try:
        return Sm2PublicKey.from_hex(text.strip())
    except (ValueError, CryptoError) as exc:
        raise UsageError(f"{flag}: not an SM2 public key in hex ({exc})") from exc


def run_command(
    prog: str, commands: Mapping[str, Callable[[argparse.Namespace], int]], args: argparse.Namespace
) -> int:
    """Run `args.command`: its exit status, 1 when it refuses (`Refused`), 2 on wrong usage
    (`UsageError`; "refusing to start" for `serve`), each said on standard error."""
    try:
        return commands[args.command](args)
    except Refused as exc:
        say(f"{prog} {args.command}: refused: {exc}", err=True)
        return 1
    except UsageError as exc:
        what = "refusing to start" if args.command == "serve" else "error"
        say(f"{prog} {args.command}: {what}: {exc}", err=True)
        return 2


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(
    server: JsonServer, announce: str, notes: Iterable[str] = (), *, close: Callable[[], None] | None = None
) -> int:
    """A service's `serve` command once its server listens: print "`announce` serving on URL" (standard
    output: whoever started it waits for that line), then `notes` (standard error); serve until SIGTERM
    or Ctrl-C; close the server, and `close()` the application, however it ends. Exit status 0."""
    try:
        signal.signal(signal.SIGTERM, _stop)
        say(f"{announce} serving on {server.url}")
        for note in notes:
            say(note, err=True)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if close is not None:
            close()
    return 0
