"""Issue 23 item 2: the web server (granian, ASGI) cannot be frozen by idle or slow connections; slow
headers and stalled bodies are dropped.

The old server (two sync gunicorn workers) took 31.7 s to answer the health check while two
half-sent requests held its workers. Here 50 connections send a byte a second — half of them their
headers, half their bodies — against ONE worker, and the health check must keep answering. How fast
it answers (goal ≤ 100 ms) is measured by `benchmarks/slow_clients.py`, not asserted here: tests
check outcomes, benchmarks time them."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import HOST, Served

pytestmark = pytest.mark.slow

SLOW = 50


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = {
        "GGZY_HEADER_READ_TIMEOUT_MS": "3000",
        "GGZY_BODY_IDLE_SECONDS": "3",
        "GGZY_BODY_BASE_SECONDS": "3",
    }
    with Served(tmp_path_factory.mktemp("server"), env=env, workers=1) as running:
        yield running


def closed_by_server(s: socket.socket, within: float) -> tuple[bool, bytes]:
    """Wait until the server closes `s` (EOF or reset); returns (closed, what it sent)."""
    s.settimeout(0.5)
    got = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            return True, got
        if not chunk:
            return True, got
        got += chunk
    return False, got


def still_open(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True  # nothing to read and not closed
    except OSError:
        return False
    finally:
        s.setblocking(True)


def test_fifty_slow_connections_do_not_starve_the_health_check(served: Served) -> None:
    half = SLOW // 2
    sockets = [socket.create_connection((HOST, served.port)) for _ in range(SLOW)]
    for s in sockets[half:]:  # complete headers, then a body that arrives a byte a second
        s.sendall(b"POST /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    stop = threading.Event()

    def dribble() -> None:
        offset = 0
        while not stop.wait(1.0):
            for i, s in enumerate(sockets):
                with contextlib.suppress(OSError):
                    s.send(head[offset : offset + 1] if i < half else b"x")
            offset += 1

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    try:
        time.sleep(1.5)  # every slow connection has sent something
        answers = [served.health(timeout=5) for _ in range(10)]
        open_bodies = sum(still_open(s) for s in sockets[half:])
    finally:
        stop.set()
        thread.join(timeout=5)
        for s in sockets:
            s.close()
    assert all(a is not None and a["status"] == "ok" for a in answers), answers
    # the slow connections were really held open while the health check answered
    assert open_bodies == half


def test_headers_not_sent_in_time_are_dropped(served: Served) -> None:
    with socket.create_connection((HOST, served.port)) as s:
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        closed, got = closed_by_server(s, within=20)
    assert closed, "granian's header read timeout closes a connection that never finishes its headers"
    assert b'"status"' not in got


def test_a_stalled_body_is_dropped_and_nothing_runs(served: Served, tmp_path: Path) -> None:
    with socket.create_connection((HOST, served.port)) as s:
        s.sendall(
            b"POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"name": '
        )
        closed, got = closed_by_server(s, within=20)
    assert closed, "a body that stops arriving is dropped (GGZY_BODY_IDLE_SECONDS)"
    assert got.startswith(b"HTTP/1.1 408"), got[:200]
    assert "请求未能及时到达".encode() in got
    assert served.health() is not None  # and the server is as it was


def test_a_declared_body_above_the_limit_is_refused_unread(served: Served) -> None:
    with socket.create_connection((HOST, served.port)) as s:
        s.sendall(
            b"POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n"
        )
        _, got = closed_by_server(s, within=10)
    assert got.startswith(b"HTTP/1.1 413"), got[:200]
    assert b"payload_too_large" in got
