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
* a signature the holder declines at the prompt (``declined``).
"""

from __future__ import annotations

import base64
import json
import sys
import threading
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


@dataclass
class Agent:
    """What the agent signs with and for whom. `approve` asks the holder (a terminal prompt by
    default from the command line; tests and kiosks may approve automatically)."""

    key: SigningKey
    certificate: bytes
    origins: frozenset[str]
    purposes: frozenset[str] = frozenset({LOGIN_PURPOSE})
    approve: Approver = field(default=lambda origin, purpose, payload: True)
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))  # noqa: T201

    def __post_init__(self) -> None:
        self.origins = frozenset(normalise_origin(o) for o in self.origins)

    def info(self) -> dict[str, Any]:
        return {
            "agent": "ggzy-bid",
            "version": __version__,
            "certificate": base64.b64encode(self.certificate).decode(),
            "public_key": self.key.public_key.hex(),
        }

    def sign(self, origin: str, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict) or set(request) != {"purpose", "payload"}:
            raise Refused(HTTPStatus.BAD_REQUEST, "payload_invalid", "send {purpose, payload}")
        purpose, payload = request["purpose"], request["payload"]
        if purpose not in self.purposes:
            raise Refused(
                HTTPStatus.FORBIDDEN, "purpose_not_allowed", f"this agent does not sign {purpose!r}"
            )
        if purpose == LOGIN_PURPOSE:
            check_login_payload(payload, origin)
        if not self.approve(origin, purpose, payload):
            self.log(f"declined: {purpose} for {origin}")
            raise Refused(HTTPStatus.FORBIDDEN, "declined", "the holder declined to sign")
        signature = self.key.sign(purpose, payload)
        self.log(f"signed: {purpose} for {origin}")
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
