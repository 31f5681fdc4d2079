"""The local signing agent: a small HTTP service on 127.0.0.1 that holds the holder's signing key
(a key file here; a UKey behind GM/T 0016 SKF in the same place) and signs what a page of a
configured platform asks for — the way real CA drivers let a browser without SM2 sign. The private
key never reaches the page.

Protocol (JSON over HTTP, version 1):

    GET  /v1/info   -> {"agent": "ggzy-bid", "version", "certificate": base64 DER, "public_key": hex}
    POST /v1/sign   {"purpose": "ggzy-login-v1", "payload": {"origin", "nonce", "time"}}
                    -> {"signature": hex r || s, "certificate": base64 DER}

Every refusal is {"error": <code>, "message": <English>} with a 4xx status. The agent refuses:

* a request whose `Origin` is not one of the configured platform origins (``origin_not_allowed``):
  another web site cannot use the holder's key, and CORS answers only configured origins;
* a `Host` other than 127.0.0.1 / localhost (``bad_host``): no DNS rebinding;
* a purpose it was not started for (``purpose_not_allowed``; by default only ``ggzy-login-v1``);
* a login payload that is not exactly {origin, nonce, time}, or whose origin is not the page's own
  (``payload_invalid``): a page of platform A cannot obtain a login for platform B;
* a login challenge whose `time` (RFC 3339 UTC, as ``ggzy_sm.canonical.format_instant`` writes it)
  is more than 2 minutes from this computer's clock (``challenge_stale``; the platform's challenges
  live 2 minutes), or whose nonce it has signed before (``challenge_replayed``; it remembers the
  last 4096 nonces it signed);
* a signature the holder declines at the prompt (``declined``).

Every signature is logged (standard error from the command line) with its purpose, origin, nonce and
whether it was approved automatically.

What the agent protects, and what it does not
---------------------------------------------

It protects the key from web pages: the key never reaches page JavaScript, a page only obtains a
signature. It protects against other web sites in the holder's browser (browsers send `Origin`
truthfully, and CORS lets only configured origins read an answer), against DNS rebinding (`Host`),
against cross-platform replay (the payload's origin must be the asking page's own) and against
harvesting signatures for later (a fresh `time` and a one-time nonce).

It does NOT protect against other programs running on this computer as the same user: a program
can send any `Origin` header it likes (and could read a key file anyway). Against them the prompt —
the holder seeing and confirming each signature — is the only guard, which is why ``--auto-approve``
is bounded (:class:`AutoApproval`: a few minutes and a number of signatures, then the prompt again).
The real protection is a UKey with a PIN and a physical button, which no program can press.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ggzy_bid import __version__
from ggzy_sm.keys import SigningKey

DEFAULT_PORT = 18480
LOGIN_PURPOSE = "ggzy-login-v1"
MAX_BODY = 16 * 1024
LOCAL_HOSTS = ("127.0.0.1", "localhost")
#: How far a login challenge's time may be from the agent's clock (the platform's challenges live 2 minutes).
CHALLENGE_WINDOW = dt.timedelta(minutes=2)
#: How many signed nonces the agent remembers (oldest forgotten first).
NONCE_MEMORY = 4096
#: --auto-approve's budget: (default, maximum) minutes and signatures.
AUTO_APPROVE_MINUTES = (10, 480)
AUTO_APPROVE_COUNT = (20, 1000)
INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # ggzy_sm.canonical.format_instant

Approver = Callable[[str, str, dict[str, Any]], bool]  # (origin, purpose, payload) -> approved?


class Refused(Exception):  # noqa: N818 (a refusal, not a programming error)
    def __init__(self, status: HTTPStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def normalise_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def check_login_payload(payload: Any, origin: str) -> None:
    """A login challenge is exactly {origin, nonce, time}, and for the page that asks."""
    if not isinstance(payload, dict) or set(payload) != {"origin", "nonce", "time"}:
        raise Refused(HTTPStatus.BAD_REQUEST, "payload_invalid", "a login payload is {origin, nonce, time}")
    if not all(isinstance(v, str) for v in payload.values()):
        raise Refused(HTTPStatus.BAD_REQUEST, "payload_invalid", "login payload values are strings")
    if normalise_origin(payload["origin"]) != normalise_origin(origin):
        raise Refused(
            HTTPStatus.FORBIDDEN,
            "payload_invalid",
            f"the challenge is for {payload['origin']}, but the page asking is {origin}",
        )


def parse_instant(text: str) -> dt.datetime:
    """An instant as the platform writes it (``format_instant``: "2026-12-05T10:00:00.000000Z")."""
    try:
        return dt.datetime.strptime(text, INSTANT_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise Refused(
            HTTPStatus.BAD_REQUEST,
            "payload_invalid",
            "the challenge's time is not an RFC 3339 UTC instant like 2026-12-05T10:00:00.000000Z",
        ) from exc


def check_fresh(payload: dict[str, Any], now: dt.datetime) -> None:
    """The challenge was issued within CHALLENGE_WINDOW of `now`, either way."""
    issued = parse_instant(payload["time"])
    if abs(now - issued) > CHALLENGE_WINDOW:
        raise Refused(
            HTTPStatus.FORBIDDEN,
            "challenge_stale",
            f"the challenge's time {payload['time']} is more than 2 minutes from this computer's clock"
            f" ({now.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}): ask the page for a new challenge,"
            " or set this computer's clock",
        )


def _shown(text: str, limit: int = 80) -> str:
    """A value from the request, safe for a terminal (escaped, cut short)."""
    shown = json.dumps(text)  # escapes control characters and everything outside ASCII
    return shown if len(shown) <= limit else shown[: limit - 2] + '…"'


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # noqa: T201


def _decline(origin: str, purpose: str, payload: dict[str, Any]) -> bool:
    return False  # nobody configured to ask: decline rather than sign unseen


@dataclass
class AutoApproval:
    """Approve without asking for at most `minutes` from now and at most `count` signatures, then ask
    `fallback` (the terminal prompt from the command line) as if there had been no auto-approval.
    Thread-safe: the agent answers requests in parallel threads. `clock` is monotonic seconds."""

    fallback: Approver
    minutes: int = AUTO_APPROVE_MINUTES[0]
    count: int = AUTO_APPROVE_COUNT[0]
    clock: Callable[[], float] = time.monotonic
    log: Callable[[str], None] = _stderr
    started: float = field(init=False)
    used: int = field(init=False, default=0)
    ended: str = field(init=False, default="")  # why it ended ("" while it lasts)
    _lock: threading.Lock = field(init=False, repr=False, compare=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not 1 <= self.minutes <= AUTO_APPROVE_MINUTES[1]:
            raise ValueError(f"auto-approval lasts 1 to {AUTO_APPROVE_MINUTES[1]} minutes")
        if not 1 <= self.count <= AUTO_APPROVE_COUNT[1]:
            raise ValueError(f"auto-approval covers 1 to {AUTO_APPROVE_COUNT[1]} signatures")
        self.started = self.clock()

    def take(self) -> bool:
        """Spend one automatic approval, if any is left; False once the time or the count is up."""
        with self._lock:
            if not self.ended:
                if self.used >= self.count:
                    self.ended = f"after {self.used} signatures"
                elif self.clock() - self.started >= self.minutes * 60:
                    self.ended = f"after {self.minutes} minutes"
                else:
                    self.used += 1
                    return True
                self.log(f"auto-approval has ended ({self.ended}): each signature is asked for from now on")
            return False

    def __call__(self, origin: str, purpose: str, payload: dict[str, Any]) -> bool:
        return self.take() or self.fallback(origin, purpose, payload)


@dataclass
class Agent:
    """What the agent signs with and for whom. `approve` asks the holder (a terminal prompt by
    default from the command line; an :class:`AutoApproval` for a bounded time and count). Without
    one it declines everything. `clock` is the wall clock login challenges must be fresh against."""

    key: SigningKey
    certificate: bytes
    origins: frozenset[str]
    purposes: frozenset[str] = frozenset({LOGIN_PURPOSE})
    approve: Approver = _decline
    log: Callable[[str], None] = _stderr
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    nonce_memory: int = NONCE_MEMORY
    _signed: OrderedDict[str, None] = field(init=False, repr=False, default_factory=OrderedDict)
    _lock: threading.Lock = field(init=False, repr=False, compare=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.origins = frozenset(normalise_origin(o) for o in self.origins)

    def info(self) -> dict[str, Any]:
        return {
            "agent": "ggzy-bid",
            "version": __version__,
            "certificate": base64.b64encode(self.certificate).decode(),
            "public_key": self.key.public_key.hex(),
        }

    def _reserve(self, nonce: str) -> None:
        """Claim the nonce before asking (a second request for it, even meanwhile, is a replay)."""
        with self._lock:
            if nonce in self._signed:
                raise Refused(
                    HTTPStatus.FORBIDDEN, "challenge_replayed", "this agent has signed this challenge before"
                )
            self._signed[nonce] = None
            while len(self._signed) > self.nonce_memory:
                self._signed.popitem(last=False)

    def _release(self, nonce: str) -> None:
        with self._lock:
            self._signed.pop(nonce, None)

    def _approved(self, origin: str, purpose: str, payload: dict[str, Any]) -> tuple[bool, bool]:
        """(approved, automatically)."""
        if isinstance(self.approve, AutoApproval):
            if self.approve.take():
                return True, True
            return self.approve.fallback(origin, purpose, payload), False
        return self.approve(origin, purpose, payload), False

    def sign(self, origin: str, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or set(request) != {"purpose", "payload"}:
            raise Refused(HTTPStatus.BAD_REQUEST, "payload_invalid", "send {purpose, payload}")
        purpose, payload = request["purpose"], request["payload"]
        if purpose not in self.purposes:
            raise Refused(
                HTTPStatus.FORBIDDEN, "purpose_not_allowed", f"this agent does not sign {purpose!r}"
            )
        nonce = ""
        if purpose == LOGIN_PURPOSE:
            check_login_payload(payload, origin)
            nonce = payload["nonce"]
            try:
                check_fresh(payload, self.clock())
                self._reserve(nonce)
            except Refused as refused:
                self.log(f"refused ({refused.code}): {purpose} for {origin}, nonce {_shown(nonce)}")
                raise
        what = f"{purpose} for {origin}" + (f", nonce {_shown(nonce)}" if nonce else "")
        signature: bytes | None = None
        try:
            approved, automatically = self._approved(origin, purpose, payload)
            if approved:
                if purpose == LOGIN_PURPOSE:
                    check_fresh(payload, self.clock())  # still fresh after the prompt
                signature = self.key.sign(purpose, payload)
        except Refused as refused:
            self.log(f"refused ({refused.code}): {what}")
            raise
        finally:
            if signature is None and nonce:
                self._release(nonce)  # not signed: the page may try this challenge again
        if signature is None:
            self.log(f"declined: {what}")
            raise Refused(HTTPStatus.FORBIDDEN, "declined", "the holder declined to sign")
        self.log(f"signed: {what}, " + ("auto-approved" if automatically else "approved by the holder"))
        return {"signature": signature.hex(), "certificate": base64.b64encode(self.certificate).decode()}


class _Handler(BaseHTTPRequestHandler):
    server: AgentServer
    server_version = f"ggzy-bid-agent/{__version__}"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        return  # the agent logs what it signs, not every request

    def _origin(self) -> str:
        origin = normalise_origin(self.headers.get("Origin", ""))
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        if host not in LOCAL_HOSTS:
            raise Refused(HTTPStatus.FORBIDDEN, "bad_host", "the agent answers on 127.0.0.1 only")
        if origin not in self.server.agent.origins:
            raise Refused(
                HTTPStatus.FORBIDDEN, "origin_not_allowed", f"{origin or 'no origin'} is not allowed"
            )
        return origin

    def _send(self, status: HTTPStatus, body: dict[str, Any] | None, origin: str | None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        self.send_response(status)
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, refused: Refused) -> None:
        origin = normalise_origin(self.headers.get("Origin", ""))
        allowed = origin if origin in self.server.agent.origins else None  # let the page read why
        self._send(refused.status, {"error": refused.code, "message": refused.message}, allowed)

    def do_OPTIONS(self) -> None:
        try:
            origin = self._origin()
        except Refused as refused:
            self._refuse(refused)
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Vary", "Origin")
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        if self.headers.get("Access-Control-Request-Private-Network") == "true":
            self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _answer(self, route: Callable[[str], dict[str, Any]]) -> None:
        try:
            origin = self._origin()
            self._send(HTTPStatus.OK, route(origin), origin)
        except Refused as refused:
            self._refuse(refused)

    def _info(self, origin: str) -> dict[str, Any]:
        if self.path != "/v1/info":
            raise Refused(HTTPStatus.NOT_FOUND, "not_found", "GET /v1/info or POST /v1/sign")
        return self.server.agent.info()

    def _sign(self, origin: str) -> dict[str, Any]:
        if self.path != "/v1/sign":
            raise Refused(HTTPStatus.NOT_FOUND, "not_found", "GET /v1/info or POST /v1/sign")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            raise Refused(HTTPStatus.BAD_REQUEST, "payload_invalid", "a JSON body of at most 16 KiB")
        try:
            request = json.loads(self.rfile.read(length))
        except ValueError as exc:
            raise Refused(HTTPStatus.BAD_REQUEST, "payload_invalid", "the body is not JSON") from exc
        return self.server.agent.sign(origin, request)

    def do_GET(self) -> None:
        self._answer(self._info)

    def do_POST(self) -> None:
        self._answer(self._sign)


class AgentServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, agent: Agent, port: int = DEFAULT_PORT) -> None:
        self.agent = agent
        super().__init__(("127.0.0.1", port), _Handler)

    def start(self) -> threading.Thread:
        """Serve in a background thread (for tests and embedding); `shutdown()` stops it."""
        thread = threading.Thread(target=self.serve_forever, name="ggzy-bid-agent", daemon=True)
        thread.start()
        return thread
