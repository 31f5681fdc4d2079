"""`ggzy_bid.custodian_client`: the three calls over HTTP — a custodian's {"reason", "message"} refusal
read as such, an unreachable one as OSError, only http(s) addresses, no redirects followed, answers that
are not JSON objects refused — fresh nonces for every time request, and only valid notices kept."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from bid_world import ANNOUNCED, BEFORE, CSET, FORGER, SECTION, World, notice
from ggzy_bid import custodian_client
from ggzy_bid.custodian_client import HttpTransport
from ggzy_sm.custodians import Custodian, CustodianError

HTTP = HttpTransport(timeout=5)


def first(url: str | None = None) -> Custodian:
    custodian = CSET.custodians[0]
    return custodian if url is None else dataclasses.replace(custodian, url=url)


def test_a_refusal_is_the_custodians_reason_and_message(world: World) -> None:
    world.modes("unavailable", "ok", "ok")
    with pytest.raises(CustodianError) as refused:
        HTTP.time(first(), custodian_client.custodians.time_nonce())
    assert (refused.value.reason, str(refused.value)) == (
        "unavailable",
        "the custodian is down for maintenance",
    )
    assert refused.value.detail == {"status": 503}
    with pytest.raises(CustodianError) as refused:
        HTTP.time(CSET.custodians[1], "not a nonce")
    assert refused.value.reason == "malformed"


def test_no_notice_is_none_and_an_offline_custodian_is_unreachable(world: World) -> None:
    world.fakes[0].notices = []
    assert HTTP.latest_notice(first(), SECTION) is None
    assert HTTP.latest_notice(CSET.custodians[1], SECTION) == ANNOUNCED
    world.modes("offline", "ok", "ok")
    with pytest.raises(OSError):  # noqa: PT011  (any way of not answering)
        HTTP.latest_notice(first(), SECTION)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://custodian.example.cn", "custodian.example.cn"])
def test_only_http_addresses_are_asked(url: str) -> None:
    with pytest.raises(CustodianError) as refused:
        HTTP.latest_notice(first(url), SECTION)
    assert refused.value.reason == "address"


class Odd(BaseHTTPRequestHandler):
    """A server that answers what a custodian never should."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/notice":
            self._send(200, b"<html>not json</html>")
        elif path == "/time":
            self._send(302, b"", Location="http://127.0.0.1:9/time")
        elif path == "/big/notice":
            self._send(200, b"[" + b"1," * (custodian_client.MAX_ANSWER // 2) + b"1]")
        else:
            self._send(200, b"[1, 2]")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self._send(500, b"oops", **{"Content-Type": "text/plain"})


@pytest.fixture
def odd() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Odd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_answers_a_custodian_never_gives_are_refused(odd: str) -> None:
    with pytest.raises(CustodianError) as refused:
        HTTP.latest_notice(first(odd), SECTION)
    assert refused.value.reason == "bad_answer"
    with pytest.raises(CustodianError) as refused:
        HTTP.time(first(odd + "/"), "00" * 16)
    assert refused.value.reason == "http_302"  # not followed
    with pytest.raises(CustodianError) as refused:
        HTTP.ack(first(odd), {"format": "ggzy-ack-request-v1"})
    assert (refused.value.reason, refused.value.detail) == ("http_500", {"status": 500})
    with pytest.raises(CustodianError) as refused:
        HTTP.latest_notice(first(odd + "/big"), SECTION)
    assert refused.value.reason == "bad_answer"
    with pytest.raises(CustodianError) as refused:
        HTTP.latest_notice(first(odd + "/list"), SECTION)
    assert "not a JSON object" in str(refused.value)


def test_every_time_request_has_a_fresh_nonce_of_its_own(world: World) -> None:
    for _ in range(2):
        time = custodian_client.establish_time(CSET)
        assert time.now == BEFORE
        assert not time.fallback
    nonces = [
        dict(parse_qsl(urlsplit(path).query))["nonce"]
        for fake in world.fakes
        for _method, path in fake.requests
        if path.startswith("/time")
    ]
    assert len(nonces) == 6
    assert len(set(nonces)) == 6


class Stub:
    """Custodians 1 … 3 give these notices (an exception is raised)."""

    def __init__(self, *given: Any) -> None:
        self.given = given

    def latest_notice(self, custodian: Custodian, section: str) -> dict[str, Any] | None:
        given = self.given[custodian.index - 1]
        if isinstance(given, Exception):
            raise given
        return given

    def time(self, custodian: Custodian, nonce: str) -> dict[str, Any]:
        raise NotImplementedError

    def ack(self, custodian: Custodian, request: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


def test_only_valid_notices_are_kept_each_once() -> None:
    forged = notice(key=FORGER)
    notices, outcomes = custodian_client.fetch_notices(CSET, SECTION, Stub(ANNOUNCED, ANNOUNCED, forged))
    assert notices == [ANNOUNCED]
    assert [o.problem for o in outcomes] == [None, None, "invalid: its notice is not valid for this set"]
    failing = Stub(None, ConnectionRefusedError("refused"), CustodianError("malformed", "bad section"))
    notices, outcomes = custodian_client.fetch_notices(CSET, SECTION, failing)
    assert notices == []
    assert [o.problem for o in outcomes] == [
        "holds no notice for the section",
        "unreachable: refused",
        "refused (malformed): bad section",
    ]
