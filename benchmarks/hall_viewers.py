#!/usr/bin/env python3
"""The opening hall's viewers: N watchers of one live channel over server-sent events (`GET
/live/<channel>/`, ggzy.core.live: one LISTEN connection per server process fanning out), against the
same N watchers polling a JSON endpoint every 2 s, on PostgreSQL (issue 30).

    python benchmarks/hall_viewers.py [--viewers N] [--steps K] [--gap S] [--workers W]

The production web server — granian with `ggzy.asgi` and the flags `ggzy serve` uses, W = 2 workers,
production settings (GGZY_DEBUG=0) — over a database of its own, `ggzy_bench_hall` on 127.0.0.1:5432
(GGZY_BENCH_POSTGRES may name another database on this host whose name begins with `ggzy_bench`), made
and dropped by this script, and a var folder in a temporary folder. The server runs `ggzy.settings` with
a benchmark overlay (written to that folder, enabled only there): a public channel type `bench:` and two
endpoints — `POST /bench/publish/` publishes a step through `ggzy.core.live.publish` in a transaction
(as a service does; the step carries the server's time just before the commit), `GET /bench/latest/`
answers the channel's latest step from the database (what a polling page would ask).

SSE: N = 500 viewers (asyncio, raw sockets, HTTP/1.1) subscribe to `bench:hall`; then K = 20 steps are
published S = 3 s apart. A viewer's latency for a step = when its event arrived − the step's publish
time (one machine, one clock). Polling baseline, same run, same server, same steps: N viewers, each on
its own keep-alive connection, GET `/bench/latest/` every 2 s (phases spread over the 2 s); a viewer's
staleness for a step = when it first saw it − the publish time. For each step the *last* viewer counts
(the hall is live when everybody has it): value = p99 over the steps of the last viewer's latency (SSE),
baseline_value = the same for polling, ratio = baseline_value / value (above 1: SSE is fresher). The
p99 over every (viewer, step) is reported too. PostgreSQL connections to the benchmark's database
(pg_stat_activity, this script's own excluded) are counted with 10 SSE viewers connected and with N,
and with N pollers. goal_met: SSE p99 (last viewer) < 1 s, every viewer got every step, and the
connections with N viewers are no more than with 10. The last line is one JSON object. HALL_DEBUG=1
prints the first SSE viewer's raw stream and the server's log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bid_ingest import HOST, Server, django_up
from deadline_surge import database, recreate

DATABASE = "postgres://postgres@127.0.0.1:5432/ggzy_bench_hall"
CHANNEL = "bench:hall"
POLL_SECONDS = 2.0
DATA = re.compile(rb'data: (\{"n": [^\n]*\})\n')

OVERLAY = '''
"""ggzy.settings with the hall benchmark's channel type and endpoints (this benchmark's server only)."""
from django.apps import AppConfig

from ggzy.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "ggzy_bench_hall.BenchHall"]  # noqa: F405
ROOT_URLCONF = "ggzy_bench_hall_urls"
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "ggzy.E001"]


class BenchHall(AppConfig):
    name = "ggzy_bench_hall"
    label = "ggzy_bench_hall"

    def ready(self):
        from ggzy.core import live

        live.register_channel("bench:", lambda viewer, channel: True)
'''
URLS = """
import json
import time

from django.db import transaction
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from ggzy.core import live
from ggzy.core.access import public
from ggzy.core.models import LiveMessage


@public
@csrf_exempt
def publish(request):
    body = json.loads(request.body)
    with transaction.atomic():
        live.publish(body["channel"], "step", {"n": body["n"], "t": time.time()})
    return JsonResponse({"ok": True})


@public
def latest(request):
    row = LiveMessage.objects.filter(channel=request.GET["channel"]).order_by("-id").values("data").first()
    return JsonResponse(row["data"] if row else {})


urlpatterns = [
    path("bench/publish/", publish, name="bench-publish"),
    path("bench/latest/", latest, name="bench-latest"),
    path("", include("ggzy.urls")),
]
"""


@dataclass
class Viewer:
    seen: dict[int, float] = field(default_factory=dict)  # step → when this viewer had it (time.time)
    failed: str = ""
    raw: bytes = b""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def pg_connections(admin: str, name: str) -> int:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchone()
    return int(row[0]) if row else 0


def publish(url: str, n: int) -> None:
    body = json.dumps({"channel": CHANNEL, "n": n}).encode()
    request = urllib.request.Request(  # noqa: S310  (our own server)
        url + "/bench/publish/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310  (our own server)
        answer.read()


async def sse_viewer(port: int, viewer: Viewer, connected: asyncio.Event, stop: asyncio.Event) -> None:
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError as exc:
        viewer.failed = f"connect: {exc}"
        connected.set()
        return
    writer.write(
        f"GET /live/{CHANNEL}/ HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n\r\n".encode()
    )
    await writer.drain()
    buffer = b""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            viewer.failed = head.split(b"\r\n", 1)[0].decode(errors="replace")
            return
        connected.set()
        while not stop.is_set():
            chunk = await reader.read(65536)
            if not chunk:
                viewer.failed = viewer.failed or "closed by the server"
                return
            at = time.time()
            if os.environ.get("HALL_DEBUG") and len(viewer.raw) < 4000:
                viewer.raw += chunk
            buffer += chunk
            end = 0
            for match in DATA.finditer(buffer):
                step = json.loads(match.group(1))
                viewer.seen.setdefault(int(step["n"]), at)
                end = match.end()
            buffer = buffer[end:][-65536:]
    except (OSError, asyncio.IncompleteReadError) as exc:
        viewer.failed = f"{type(exc).__name__}: {exc}"
    finally:
        connected.set()
        writer.close()


async def poll_viewer(port: int, viewer: Viewer, stop: asyncio.Event, phase: float) -> None:
    await asyncio.sleep(phase)
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError as exc:
        viewer.failed = f"connect: {exc}"
        return
    request = f"GET /bench/latest/?channel={CHANNEL} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode()
    try:
        while not stop.is_set():
            began = time.monotonic()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
            body = json.loads(await reader.readexactly(length))
            if "n" in body:
                viewer.seen.setdefault(int(body["n"]), time.time())
            await asyncio.sleep(max(0.0, POLL_SECONDS - (time.monotonic() - began)))
    except (OSError, asyncio.IncompleteReadError, ValueError, AttributeError) as exc:
        viewer.failed = f"{type(exc).__name__}: {exc}"
    finally:
        writer.close()


async def publish_steps(url: str, first: int, steps: int, gap: float) -> None:
    for n in range(first, first + steps):
        await asyncio.to_thread(publish, url, n)
        await asyncio.sleep(gap)


async def run_sse(
    server: Server, admin: str, name: str, *, viewers: int, steps: int, gap: float
) -> dict[str, object]:
    stop = asyncio.Event()
    watchers = [Viewer() for _ in range(viewers)]
    tasks: list[asyncio.Task[None]] = []

    async def connect(group: list[Viewer]) -> None:
        events = [asyncio.Event() for _ in group]
        for viewer, event in zip(group, events, strict=True):
            tasks.append(asyncio.create_task(sse_viewer(server.port, viewer, event, stop)))
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), timeout=60)
        await asyncio.sleep(2.0)  # the subscriptions are in place, the connections settle

    await connect(watchers[: min(10, viewers)])
    at_10 = await asyncio.to_thread(pg_connections, admin, name)
    await connect(watchers[min(10, viewers) :])
    at_n = await asyncio.to_thread(pg_connections, admin, name)
    print(f"SSE: {viewers} viewers connected; PostgreSQL connections {at_10} at 10, {at_n} at {viewers}")
    await publish_steps(server.url, 1, steps, gap)
    await asyncio.sleep(2.0)
    during = await asyncio.to_thread(pg_connections, admin, name)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"viewers": watchers, "at_10": at_10, "at_n": at_n, "after_steps": during}


async def run_polling(
    server: Server, admin: str, name: str, *, viewers: int, first: int, steps: int, gap: float
) -> dict[str, object]:
    stop = asyncio.Event()
    watchers = [Viewer() for _ in range(viewers)]
    rng = random.Random(2026)  # noqa: S311  (phases, not secrets)
    tasks = [
        asyncio.create_task(poll_viewer(server.port, v, stop, rng.uniform(0, POLL_SECONDS))) for v in watchers
    ]
    await asyncio.sleep(POLL_SECONDS + 2.0)
    at_n = await asyncio.to_thread(pg_connections, admin, name)
    print(f"polling: {viewers} viewers; PostgreSQL connections {at_n}")
    await publish_steps(server.url, first, steps, gap)
    await asyncio.sleep(POLL_SECONDS + 1.0)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"viewers": watchers, "at_n": at_n}


def measure(watchers: list[Viewer], published: dict[int, float]) -> dict[str, float | int]:
    """Per step: the last viewer's latency; over all: every viewer's; and what was missed."""
    every, last, missed = [], [], 0
    for n, t in published.items():
        got = [v.seen[n] - t for v in watchers if n in v.seen]
        missed += len(watchers) - len(got)
        every += got
        if got:
            last.append(max(got))
    return {
        "last_p99_ms": round(percentile(last, 99) * 1000, 1),
        "last_p50_ms": round(percentile(last, 50) * 1000, 1),
        "all_p99_ms": round(percentile(every, 99) * 1000, 1),
        "all_p50_ms": round(percentile(every, 50) * 1000, 1),
        "missed": missed,
        "failed_viewers": sum(1 for v in watchers if v.failed),
    }


def published_times(first: int, steps: int) -> dict[int, float]:
    """Each step's publish time (the server's, just before the commit), read back from the stored
    messages through the benchmark's database."""
    from ggzy.core.models import LiveMessage

    rows = LiveMessage.objects.filter(channel=CHANNEL).values_list("data", flat=True)
    times = {int(d["n"]): float(d["t"]) for d in rows}
    return {n: times[n] for n in range(first, first + steps) if n in times}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between published steps")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 2 * args.viewers + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # the server inherits it too
    url = os.environ.get("GGZY_BENCH_POSTGRES") or DATABASE
    admin, name = database(url)
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-hall-"))
    print(f"database {name}; load average {os.getloadavg()[0]:.1f}")
    recreate(admin, name)
    try:
        env = django_up(tmp / "var", url)
        (tmp / "ggzy_bench_hall.py").write_text(OVERLAY, encoding="utf-8")
        (tmp / "ggzy_bench_hall_urls.py").write_text(URLS, encoding="utf-8")
        env["DJANGO_SETTINGS_MODULE"] = "ggzy_bench_hall"
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(tmp), env.get("PYTHONPATH", "")) if p)
        from django.db import connections

        connections.close_all()
        idle_before = pg_connections(admin, name)
        with Server(env, tmp / "serve.log", workers=args.workers) as server:
            idle = pg_connections(admin, name)
            sse = asyncio.run(
                run_sse(server, admin, name, viewers=args.viewers, steps=args.steps, gap=args.gap)
            )
            first = args.steps + 1
            polling = asyncio.run(
                run_polling(
                    server, admin, name, viewers=args.viewers, first=first, steps=args.steps, gap=args.gap
                )
            )
        sse_viewers = sse["viewers"]
        poll_viewers = polling["viewers"]
        assert isinstance(sse_viewers, list)
        assert isinstance(poll_viewers, list)
        ours = measure(sse_viewers, published_times(1, args.steps))
        theirs = measure(poll_viewers, published_times(first, args.steps))
        connections.close_all()
        failures = sorted({v.failed for v in sse_viewers + poll_viewers if v.failed})[:5]
    finally:
        from django.db import connections

        connections.close_all()
        recreate(admin, name, drop_only=True)
        if os.environ.get("HALL_DEBUG"):
            print((tmp / "serve.log").read_text(errors="replace")[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    if os.environ.get("HALL_DEBUG"):
        print(sse_viewers[0].raw[:2000])
    for failure in failures:
        print(f"  a viewer failed: {failure}")
    print(
        f"SSE: last viewer p99 {ours['last_p99_ms']} ms (p50 {ours['last_p50_ms']}), every viewer p99 "
        f"{ours['all_p99_ms']} ms, missed {ours['missed']}; polling every {POLL_SECONDS:g} s: "
        f"last viewer p99 {theirs['last_p99_ms']} ms, every viewer p99 {theirs['all_p99_ms']} ms, "
        f"missed {theirs['missed']}"
    )
    value, base = float(ours["last_p99_ms"]), float(theirs["last_p99_ms"])
    goal = value < 1000 and ours["missed"] == 0 and int(str(sse["at_n"])) <= int(str(sse["at_10"]))
    print(
        json.dumps(
            {
                "benchmark": "hall_viewers",
                "viewers": args.viewers,
                "steps": args.steps,
                "gap_s": args.gap,
                "value": value,
                "unit": "ms, p99 over the steps of the last SSE viewer's latency (publish to receipt)",
                "sse_last_p50_ms": ours["last_p50_ms"],
                "sse_all_p99_ms": ours["all_p99_ms"],
                "sse_all_p50_ms": ours["all_p50_ms"],
                "sse_missed": ours["missed"],
                "sse_failed_viewers": ours["failed_viewers"],
                "baseline": f"the same viewers polling a JSON endpoint every {POLL_SECONDS:g} s, same steps, "
                "same server",
                "baseline_value": base,
                "polling_all_p99_ms": theirs["all_p99_ms"],
                "polling_missed": theirs["missed"],
                "polling_failed_viewers": theirs["failed_viewers"],
                "ratio": round(base / value, 3) if value > 0 else None,
                "pg_connections_idle_before_server": idle_before,
                "pg_connections_server_idle": idle,
                "pg_connections_sse_10": sse["at_10"],
                "pg_connections_sse_n": sse["at_n"],
                "pg_connections_sse_after_steps": sse["after_steps"],
                "pg_connections_polling_n": polling["at_n"],
                "server": f"granian (ggzy serve's flags), {args.workers} workers, production settings, "
                "PostgreSQL",
                "goal_met": goal,
            }
        )
    )


if __name__ == "__main__":
    main()
