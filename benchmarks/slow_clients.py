#!/usr/bin/env python3
"""Slow clients against the production web server: GET /api/v1/health while 50 connections send a
byte a second (half dribbling their headers, half their bodies), against the same requests with no
slow client (goal: every loaded request within 100 ms; the old two sync workers took 31.7 s).

    python benchmarks/slow_clients.py [--quick]

granian with `ggzy.asgi` and the flags `ggzy serve` uses, 2 workers, a fresh SQLite database in a
temporary folder. Prints one JSON object last: value = the slowest health answer (ms) under load,
baseline_value = the slowest with no slow client, ratio = baseline / value (1.0: no slowdown),
goal_met = value <= 100.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SLOW = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def health_ms(port: int) -> float:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/api/v1/health")
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 200, response.status
    return (time.perf_counter() - start) * 1000


def sample(port: int, n: int) -> list[float]:
    out = []
    for _ in range(n):
        out.append(health_ms(port))
        time.sleep(0.05)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 20 if args.quick else 100
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env.update({"GGZY_VAR_DIR": str(tmp), "GGZY_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "ggzy.settings"})
    python = sys.executable
    subprocess.run([python, "-m", "ggzy", "migrate", "-v0"], env=env, cwd=REPO, check=True)  # noqa: S603
    sys.path.insert(0, str(REPO))
    os.environ.update(env)
    import django

    django.setup()
    from ggzy.core.management.commands.serve import web_command

    port = free_port()
    command = [a if a != "--access-log" else "--no-access-log" for a in web_command("127.0.0.1", port, 2)]
    quiet = subprocess.DEVNULL
    server = subprocess.Popen(command, env=env, cwd=REPO, stdout=quiet, stderr=quiet)  # noqa: S603
    sockets: list[socket.socket] = []
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health_ms(port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        sample(port, 5)  # warm up
        idle = sample(port, n)

        half = SLOW // 2
        for i in range(SLOW):
            s = socket.create_connection(("127.0.0.1", port))
            if i >= half:  # complete headers, then a body that never finishes
                s.sendall(b"POST /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
            sockets.append(s)
        head = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000

        def dribble() -> None:
            offset = 0
            while not stop.wait(1.0):
                for i, s in enumerate(sockets):
                    with contextlib.suppress(OSError):
                        s.send(head[offset : offset + 1] if i < half else b"x")
                offset += 1

        thread = threading.Thread(target=dribble, daemon=True)
        thread.start()
        time.sleep(2.5)  # every slow connection has sent a few bytes
        loaded = sample(port, n)
    finally:
        stop.set()
        for s in sockets:
            s.close()
        server.terminate()
        server.wait(timeout=15)
    worst_idle, worst_loaded = max(idle), max(loaded)
    print(
        f"idle: median {statistics.median(idle):.1f} ms, max {worst_idle:.1f} ms; "
        f"with {SLOW} slow connections: median {statistics.median(loaded):.1f} ms, max {worst_loaded:.1f} ms"
    )
    print(
        json.dumps(
            {
                "benchmark": "slow_clients",
                "value": round(worst_loaded, 1),
                "unit": "ms (slowest GET /api/v1/health with 50 connections sending a byte a second)",
                "baseline": "the same requests with no slow connection",
                "baseline_value": round(worst_idle, 1),
                "ratio": round(worst_idle / worst_loaded, 3),
                "goal_met": worst_loaded <= 100,
            }
        )
    )


if __name__ == "__main__":
    main()
