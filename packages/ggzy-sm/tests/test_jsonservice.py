"""The outside services' plumbing (`ggzy_sm.jsonservice`) with a tiny application over real HTTP: routing
by exact path, the JSON answers' headers, each POST transport refusal (logged by the application, the
body left unread), the clock, port 0, the URL, the request log and the command-line helpers."""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import signal
import socket
import threading
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import jsonservice
from ggzy_sm.jsonservice import (
    GetRoute,
    JsonHandler,
    JsonServer,
    PostRoute,
    Refused,
    Reply,
    RequestLog,
    UsageError,
    not_found,
)
from ggzy_sm.sm2 import Sm2PrivateKey

T0 = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


class Echo:
    """A tiny application: GET /time, POST /echo, and POST /extra while `extra` is set."""

    def __init__(self) -> None:
        self.extra = False
        self.posts: list[tuple[bytes, dt.datetime, str]] = []
        self.log: list[tuple[int, str, str]] = []
        self.broken_log = False

    def get_routes(self) -> Mapping[str, GetRoute]:
        return {"/time": lambda now: Reply(HTTPStatus.OK, {"time": now.isoformat()})}

    def post_routes(self) -> Mapping[str, PostRoute]:
        routes: dict[str, PostRoute] = {"/echo": self.echo}
        if self.extra:
            routes["/extra"] = self.echo
        return routes

    def echo(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        self.posts.append((raw, now, remote))
        return Reply(HTTPStatus.OK, {"raw": raw.decode("utf-8"), "remote": remote, "time": now.isoformat()})

    def refused(self, reply: Reply, *, now: dt.datetime, remote: str) -> Reply:
        if self.broken_log:
            return Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "log", "message": "no log"})
        self.log.append((int(reply.status), reply.body["reason"], remote))
        return reply


class EchoHandler(JsonHandler):
    server_version = "ggzy-echo/1"
    get_elsewhere = "GET /time or POST /echo"
    post_elsewhere = "POST /echo or GET /time"
    too_large = "an echo is at most 8 bytes"
    max_body = 8


class EchoServer(JsonServer):
    handler = EchoHandler
    name = "ggzy-echo"
    owner = "the echo"


@pytest.fixture
def served() -> Iterator[tuple[EchoServer, Echo]]:
    app = Echo()
    server = EchoServer(app, "127.0.0.1", 0, clock=lambda: T0)
    thread = server.start()
    try:
        yield server, app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def call(
    server: JsonServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[http.client.HTTPResponse, Any]:
    """One request with exactly these headers (http.client adds no Content-Length here)."""
    connection = http.client.HTTPConnection(str(server.server_address[0]), server.server_port, timeout=5)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return response, json.loads(data.decode("utf-8")) if data else None


def post(server: JsonServer, path: str, body: bytes, media_type: str = "application/json") -> Any:
    headers = {"Content-Type": media_type, "Content-Length": str(len(body))}
    return call(server, "POST", path, body, headers)


def test_routes_by_exact_path_and_answers_json_with_its_headers(served: tuple[EchoServer, Echo]) -> None:
    server, app = served
    response, body = call(server, "GET", "/time?x=1")
    assert (response.status, response.reason, body) == (200, "OK", {"time": T0.isoformat()})
    assert response.getheader("Content-Type") == "application/json; charset=utf-8"
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Content-Length") == str(len(json.dumps(body, ensure_ascii=False)))
    assert (response.getheader("Server") or "").startswith("ggzy-echo/1 ")

    response, body = call(server, "GET", "/time/")
    assert (response.status, response.reason) == (404, "Not Found")
    assert body == {"reason": "not_found", "message": "GET /time or POST /echo"}
    assert app.log == []  # a GET is not the application's to log

    response, body = post(server, "/echo", '["é"]'.encode())
    assert (response.status, body["raw"], body["remote"]) == (200, '["é"]', "127.0.0.1")
    assert body["time"] == T0.isoformat()

    response, body = post(server, "/time", b"{}")  # a GET route is not a POST route
    assert (response.status, body) == (404, {"reason": "not_found", "message": "POST /echo or GET /time"})
    assert app.log == [(404, "not_found", "127.0.0.1")]


def test_routes_are_asked_for_each_request(served: tuple[EchoServer, Echo]) -> None:
    server, app = served
    assert post(server, "/extra", b"{}")[0].status == 404
    app.extra = True
    assert post(server, "/extra", b"{}")[0].status == 200


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({"Content-Type": "application/json"}, 411, "send the request with a Content-Length"),
        (
            {"Content-Type": "application/json", "Content-Length": "2", "Transfer-Encoding": "chunked"},
            411,
            "send the request with a Content-Length",
        ),
        (
            {"Content-Type": "application/json", "Content-Length": "-2"},
            411,
            "send the request with a Content-Length",
        ),
        (
            {"Content-Type": "application/json", "Content-Length": "\u00b2"},
            411,
            "send the request with a Content-Length",
        ),
        ({"Content-Type": "application/json", "Content-Length": "9"}, 413, "an echo is at most 8 bytes"),
        ({"Content-Type": "text/plain", "Content-Length": "2"}, 415, "send the request as application/json"),
        ({"Content-Length": "2"}, 415, "send the request as application/json"),
    ],
)
def test_each_transport_refusal_is_logged_and_leaves_the_body_unread(
    served: tuple[EchoServer, Echo], headers: dict[str, str], status: int, message: str
) -> None:
    server, app = served
    response, body = call(server, "POST", "/echo", None, headers)
    assert (response.status, response.reason) == (status, HTTPStatus(status).phrase)
    assert body == {"reason": "malformed", "message": message}
    assert response.getheader("Content-Type") == "application/json; charset=utf-8"
    assert app.log == [(status, "malformed", "127.0.0.1")]
    assert app.posts == []  # the route never saw it


def test_a_body_within_the_limit_is_read_whole(served: tuple[EchoServer, Echo]) -> None:
    server, app = served
    response, body = post(server, "/echo", b'["1234"]', "Application/JSON; charset=utf-8")
    assert (response.status, body["raw"]) == (200, '["1234"]')
    response, body = post(server, "/echo", b"")  # Content-Length: 0 — the application judges it
    assert (response.status, body["raw"]) == (200, "")
    assert [raw for raw, _, _ in app.posts] == [b'["1234"]', b""]


def test_what_the_application_returns_for_a_refusal_is_sent(served: tuple[EchoServer, Echo]) -> None:
    server, app = served
    app.broken_log = True
    response, body = post(server, "/echo", b"{}", "text/plain")
    assert (response.status, body) == (500, {"reason": "log", "message": "no log"})


def test_the_clock_must_give_aware_datetimes() -> None:
    app = Echo()
    naive = dt.datetime(2026, 12, 5, 10, 0)  # noqa: DTZ001  (the mistake under test)
    server = EchoServer(app, "127.0.0.1", 0, clock=lambda: naive)
    try:
        with pytest.raises(ValueError, match="the echo's clock must give aware datetimes"):
            server.now()
        eight = dt.timezone(dt.timedelta(hours=8))
        server.clock = lambda: T0.astimezone(eight)
        assert server.now() == T0
    finally:
        server.server_close()
    now = jsonservice.system_clock()
    assert now.tzinfo is dt.UTC
    assert abs((now - dt.datetime.now(dt.UTC)).total_seconds()) < 5


def test_port_0_takes_a_free_port_and_the_url_names_it(served: tuple[EchoServer, Echo]) -> None:
    server, _app = served
    assert server.server_port != 0
    assert server.url == f"http://127.0.0.1:{server.server_port}"
    assert server.daemon_threads


def test_an_ipv6_host_is_served_and_bracketed_in_the_url() -> None:
    try:
        server = EchoServer(Echo(), "::1", 0, clock=lambda: T0)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert server.address_family == socket.AF_INET6
        assert server.url == f"http://[::1]:{server.server_port}"
        thread = server.start()
        assert (thread.name, thread.daemon) == ("ggzy-echo", True)
        assert call(server, "GET", "/time")[0].status == 200
    finally:
        server.shutdown()
        server.server_close()


# --- the command line ------------------------------------------------------------------------------------


def test_run_command_maps_refusals_and_usage_errors_to_exit_statuses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def refuses(args: argparse.Namespace) -> int:
        raise Refused("not today")

    def misused(args: argparse.Namespace) -> int:
        raise UsageError("no such file")

    commands = {"ok": lambda args: 0, "init": refuses, "serve": misused, "key": misused}
    run = jsonservice.run_command
    assert run("ggzy-echo", commands, argparse.Namespace(command="ok")) == 0
    assert run("ggzy-echo", commands, argparse.Namespace(command="init")) == 1
    assert run("ggzy-echo", commands, argparse.Namespace(command="serve")) == 2
    assert run("ggzy-echo", commands, argparse.Namespace(command="key")) == 2
    assert capsys.readouterr().err.splitlines() == [
        "ggzy-echo init: refused: not today",
        "ggzy-echo serve: refusing to start: no such file",
        "ggzy-echo key: error: no such file",
    ]


def test_the_passphrase_comes_from_the_environment_or_a_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_ECHO_PASSPHRASE", "from-env")
    assert jsonservice.passphrase("GGZY_ECHO_PASSPHRASE", "Echo", confirm=True) == "from-env"
    monkeypatch.delenv("GGZY_ECHO_PASSPHRASE")
    prompts: list[str] = []
    answers = iter(["first", "second"])

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(jsonservice.getpass, "getpass", ask)
    with pytest.raises(UsageError, match="the two passphrases differ"):
        jsonservice.passphrase("GGZY_ECHO_PASSPHRASE", "Echo", confirm=True)
    assert prompts == ["Echo key passphrase: ", "Again: "]


def test_a_public_key_option_is_checked() -> None:
    key = Sm2PrivateKey.generate().public_key
    assert jsonservice.public_key(f" {key.hex()}\n", "--key") == key
    with pytest.raises(UsageError, match=r"^--key: not an SM2 public key in hex"):
        jsonservice.public_key("00ff", "--key")


def test_serve_announces_the_url_and_stops_on_sigterm(capsys: pytest.CaptureFixture[str]) -> None:
    server = EchoServer(Echo(), "127.0.0.1", 0, clock=lambda: T0)
    closed: list[bool] = []
    answered: list[int] = []

    def stop_once_serving() -> None:
        answered.append(call(server, "GET", "/time")[0].status)  # answered only once it serves
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    stopper = threading.Thread(target=stop_once_serving)
    try:
        stopper.start()
        status = jsonservice.serve(
            server, "ggzy-echo 1", ["a note", "another"], close=lambda: closed.append(True)
        )
    finally:
        stopper.join(5)
        signal.signal(signal.SIGTERM, previous)
    assert (status, answered, closed) == (0, [200], [True])
    out, err = capsys.readouterr()
    assert out == f"ggzy-echo 1 serving on {server.url}\n"
    assert err == "a note\nanother\n"
    assert server.socket.fileno() == -1  # the server's socket is closed


def test_the_request_log_appends_a_sorted_line_with_the_status(tmp_path: Path) -> None:
    failure = Reply(HTTPStatus.INTERNAL_SERVER_ERROR, {"reason": "log", "message": "no log"})
    log = RequestLog(tmp_path / "requests.jsonl", failure)
    ok = Reply(HTTPStatus.OK, {"ok": True})
    assert log.logged({"remote": "::1", "outcome": "é"}, ok) is ok
    assert log.logged({"remote": "127.0.0.1"}, not_found("nowhere")).status == 404
    assert (tmp_path / "requests.jsonl").read_text(encoding="utf-8").splitlines() == [
        '{"outcome": "é", "remote": "::1", "status": 200}',
        '{"remote": "127.0.0.1", "status": 404}',
    ]
    unwritable = RequestLog(tmp_path / "missing" / "requests.jsonl", failure)
    assert unwritable.logged({"remote": "::1"}, ok) is failure
