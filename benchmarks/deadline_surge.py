#!/usr/bin/env python3
"""The deadline surge: N bidders submitting sealed bids through the real upload endpoint (tus 1.0) in
the last minute before a section's deadline, on PostgreSQL (issue 28). Nothing acknowledged may be lost
and nothing late accepted; we report how fast receipts come and how long an upload takes meanwhile.

    python benchmarks/deadline_surge.py [--quick] [--bidders N] [--span S] [--threads T]

The production web server — granian with `ggzy.asgi` and the flags `ggzy serve` uses, 2 workers,
production settings (GGZY_DEBUG=0, the time authority is PostgreSQL's clock) — over a database of its
own, `ggzy_bench_surge` on 127.0.0.1:5432 (GGZY_BENCH_POSTGRES may name another database on this host
whose name begins with `ggzy_bench`; any other host is refused), made and dropped by this script, and a
var folder in a temporary folder. Prepared first, not timed: tests/registry's centre and registered
project of two sections, a CA the centre accepts, the centre's 2-of-3 custodian set (answering in this
process, as the tests' `Held` custodians), N = 300 bidder organisations (--quick: 30), each with a user,
dual certificates bound to it and an API token, and for each a sealed bid of 1 MiB of documents
(`ggzy_sm.sealedbid.seal`) with its custodians' acknowledgements for the surge section, whose deadline is
set so that the surge starts when the sealing is done; the surge lasts S = 60 s (--quick: 15 s).

The surge: a thread pool of T = 32 clients (ggzy-bid's tus client, `ggzy_bid.tus.Client`, chunks of
512 KiB: a creation and three PATCHes each) takes the uploads at their start times. 95 % of the bidders
start between S and 2 s before the deadline, crowding towards it (start = deadline − 2 s − (S − 2 s)·u²,
u uniform: over a third within the last 10 s of 60); the other 5 % are late on purpose — half create
their upload and send all but its last chunk in the last 1.5 s, then send the last chunk 0.2–0.7 s
after the deadline; half start 0.2–1 s after it. Then every answer is checked against the database:

* `receipts`: uploads whose last answer carried the bid, its instant and its receipt's address;
* `lost`: a receipt given to a client whose bid is not in the database as received for that bidder, at
  that instant, with the very bytes the client sent (SM3 of the stored file), or whose signed receipt
  (fetched afterwards, checked with `ggzy_sm.receipts` against the published keys) does not say so;
* `late_accepted`: bids received at or after the deadline, and receipts for uploads whose last chunk the
  client began to send at or after it (its clock against PostgreSQL's, offset measured);
* `refused_late`: uploads refused as late (creation `upload_deadline_passed`, or the bid refused with
  `deadline_passed`), and `refused_before_deadline` among them: refused although the answer came back
  before the deadline (must be 0 too); `refused_late_on_time_kind` among them: uploads started at least
  2 s before the deadline whose last byte still arrived after it (queued behind the surge, in the pool
  or at the server: the bidder's risk, reported); `other_refusals` any other outcome (must be 0);
* `receipts_per_s` over the surge (first start to last receipt) and the busiest 5 s, the p50 and p99 of
  the accepted on-time uploads' times (creation POST to the last answer; the wait for a thread of the
  pool is not included, its p99 is reported apart).

Baseline, same run, same server: the same kind of upload (1 MiB of documents, same chunks) done one after
another by one client, for the other section (its deadline days away), M = 30 bids (60 without --quick;
the first uploaded before the surge as a warm-up and not counted, the rest after it). ratio = the
baseline's p99 / the surge's p99 (1.0: the surge costs an upload nothing; lower: slower by that factor).
goal_met: lost = 0, late_accepted = 0, refused_before_deadline = 0 and other_refusals = 0. The last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bid_ingest import (
    MIB,
    Bidder,
    Server,
    Upload,
    World,
    build_world,
    django_up,
    filler,
    make_bidder,
    seal,
    upload,
)

DATABASE = "postgres://postgres@127.0.0.1:5432/ggzy_bench_surge"
LOCAL = frozenset({"127.0.0.1", "localhost", "::1"})
CHUNK = 512 * 1024
LEAD = 2.0  # seconds before the deadline the last on-time upload starts
LATE_SHARE = 0.05
WINDOW = 5.0  # seconds: the busiest stretch of receipts


@dataclass
class Job:
    """One bidder's upload: its sealed file (and its SM3), when it starts (wall clock), how it is late."""

    bidder: Bidder
    path: Path
    acks: bytes
    sm3: str
    kind: str  # on_time, cross (the last chunk after the deadline), after (created after it)
    at: float = 0.0
    until: float = 0.0  # a `cross` upload sends its last chunk then
    picked: float = 0.0
    result: Upload | None = None


def database(url: str) -> tuple[str, str]:
    """The URL of the maintenance database beside it and the benchmark's database name; only this host,
    only a name of the benchmarks'."""
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql"} or parts.hostname not in LOCAL:
        raise SystemExit(f"refused: {url!r} is not a PostgreSQL database on this host")
    if not name.startswith("ggzy_bench") or not name.replace("_", "").isalnum():
        raise SystemExit(f"refused: the database {name!r} is not a benchmark's (ggzy_bench…)")
    return urllib.parse.urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")), name


def recreate(admin: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            connection.execute(f"CREATE DATABASE {name}")


def clock_offset() -> tuple[float, float]:
    """PostgreSQL's clock minus this process's (seconds), and the round trip it was read within."""
    from django.db import connection

    best = (math.inf, 0.0)
    with connection.cursor() as cursor:
        for _ in range(20):
            before = time.time()
            cursor.execute("SELECT clock_timestamp()")
            db = cursor.fetchone()[0].timestamp()
            after = time.time()
            best = min(best, (after - before, db - (before + after) / 2))
    return best[1], best[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def plan(jobs: list[Job], deadline: float, span: float, rng: random.Random) -> None:
    """Start times (wall clock, this process's) and kinds: see the docstring."""
    late = max(2, round(LATE_SHARE * len(jobs)))
    for n, job in enumerate(jobs):
        if n < len(jobs) - late:
            job.kind, job.at = "on_time", deadline - LEAD - (span - LEAD) * rng.random() ** 2
        elif n < len(jobs) - late // 2:
            job.kind, job.at = "cross", deadline - 1.5 + rng.random()
            job.until = deadline + 0.2 + 0.5 * rng.random()
        else:
            job.kind, job.at = "after", deadline + 0.2 + 0.8 * rng.random()


def surge(jobs: list[Job], base: str, section: str, threads: int) -> None:
    """Hand each upload to the pool at its start time; wait for all."""

    def run(job: Job) -> None:
        job.picked = time.time()
        wait = (lambda: time.sleep(max(0.0, job.until - time.time()))) if job.kind == "cross" else None
        job.result = upload(
            base, job.bidder.token, job.path, section, job.acks, chunk=CHUNK, before_last=wait
        )

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for job in sorted(jobs, key=lambda j: j.at):
            time.sleep(max(0.0, job.at - time.time()))
            pool.submit(run, job)


def fetch_json(url: str, token: str | None = None) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return json.loads(answer.read())


def check(
    jobs: list[Job], world: World, base: str, *, deadline: dt.datetime, local_deadline: float, tol: float
) -> dict[str, Any]:
    """Every answer against the database and the signed receipts (see the docstring)."""
    from django.conf import settings

    from ggzy.sealing.models import BidState, SealedBid
    from ggzy_sm import receipts
    from ggzy_sm.canonical import format_instant
    from ggzy_sm.sm3 import sm3_file

    keys = receipts.keys_parse(fetch_json(f"{base}/api/v1/sealing/receipt-keys"))
    held = {str(b.uid): b for b in SealedBid.objects.filter(section=world.sections[0])}
    lost, late, given = [], set(), set()
    for job in jobs:
        result = job.result
        if result is None or not result.bid:
            continue
        given.add(result.bid)
        bid = held.get(result.bid)
        ok = (
            bid is not None
            and bid.organisation_id == job.bidder.held.organisation.pk
            and bid.state != BidState.WITHDRAWN
            and format_instant(bid.received_at) == result.received_at
            and sm3_file(Path(settings.MEDIA_ROOT) / bid.file).hex() == job.sm3
        )
        if ok:
            try:
                signed = fetch_json(base + result.receipt, job.bidder.token)
                body = receipts.receipt_check(signed, keys)
            except (OSError, ValueError):
                ok = False
            else:
                ok = (body["bid"], body["received_at"], body["ciphertext_sm3"]) == (
                    result.bid,
                    result.received_at,
                    bid.ciphertext_sm3 if bid else "",
                )
        if not ok:
            lost.append(result.bid)
        if result.last_sent >= local_deadline + tol:
            late.add(result.bid)
    late |= {uid for uid, bid in held.items() if bid.received_at >= deadline}
    refused = [j for j in jobs if j.result is not None and j.result.reason == "deadline_passed"]
    return {
        "bids_in_db": len(held),
        "lost": len(lost),
        "late_accepted": len(late),
        "unacknowledged": len(set(held) - given),  # received, but the client never heard (should be 0)
        "refused_late": len(refused),
        "refused_before_deadline": sum(
            1 for j in refused if j.result and j.result.ended < local_deadline - tol
        ),
        "refused_late_on_time_kind": sum(1 for j in refused if j.kind == "on_time"),
    }


def prepare(world: World, bidders: list[Bidder], section: Any, *, document: Path, tag: str) -> list[Job]:
    """Each bidder's bid of `document` sealed for `section`, its acknowledgements registered, its SM3."""
    from ggzy_sm.sm3 import sm3_file

    folder = world.stage.folder
    jobs = []
    for n, bidder in enumerate(bidders):
        path, acks = seal(world, bidder, f"{tag}-{n}", [document], section=section)
        for docs in folder.glob(f"{tag}-{n}-docs"):
            shutil.rmtree(docs)
        jobs.append(Job(bidder, path, acks, sm3_file(path).hex(), "on_time"))
        if (n + 1) % 50 == 0:
            print(f"  sealed {n + 1} / {len(bidders)} ({tag})")
    return jobs


@dataclass
class Run:
    jobs: list[Job]
    alone: list[Upload]  # the baseline's uploads, one after another
    alone_rate: float
    outcome: dict[str, Any]


def alone(server: Server, world: World, jobs: list[Job]) -> tuple[list[Upload], float]:
    """The baseline: `jobs` uploaded one after another by one client (the other section)."""
    results = []
    started = time.perf_counter()
    for job in jobs:
        result = upload(server.url, job.bidder.token, job.path, world.sections[1].code, job.acks, chunk=CHUNK)
        assert result.bid, result
        results.append(result)
    return results, len(results) / (time.perf_counter() - started)


def bench(url: str, tmp: Path, *, count: int, span: float, sequential: int, threads: int) -> Run:
    """Prepare (not timed), surge, upload the baseline, check; see the docstring."""
    print(f"load average {os.getloadavg()[0]:.1f}")
    began = time.perf_counter()
    env = django_up(tmp / "var", url)
    world = build_world(tmp, days=2, open_first=False)
    print(f"migrated and world built in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    bidders = []
    for n in range(count):
        bidders.append(make_bidder(n))
        if (n + 1) % 50 == 0:
            print(f"  bidder {n + 1} / {count}")
    print(f"{count} bidders with certificates and tokens in {time.perf_counter() - began:.1f} s")
    document = filler(tmp / "投标文件.pdf", MIB)
    began = time.perf_counter()
    baseline = prepare(world, bidders[:sequential], world.sections[1], document=document, tag="base")
    each = (time.perf_counter() - began) / sequential
    print(f"{sequential} baseline bids sealed and registered, {each * 1000:.0f} ms each")
    from ggzy.core import clock
    from ggzy.sealing import services

    with Server(env, tmp / "serve.log", workers=2) as server:
        alone(server, world, baseline[:1])  # a warm-up, not counted
        # the deadline: when the surge bids will have been sealed (at this pace, with room) and the surge
        lead = dt.timedelta(seconds=1.5 * count * each + 5 + span)
        deadline = (clock.now() + lead).replace(microsecond=0)
        services.window_set(actor=world.stage.world.agent_user, section=world.sections[0], deadline=deadline)
        jobs = prepare(world, bidders, world.sections[0], document=document, tag="surge")
        offset, rtt = clock_offset()
        local_deadline = deadline.timestamp() - offset
        plan(jobs, local_deadline, span, random.Random(2026))  # noqa: S311  (a schedule, not a secret)
        ahead = local_deadline - span - time.time()
        print(f"deadline {deadline.isoformat()} (PostgreSQL − our clock {offset * 1000:+.2f} ms)")
        if ahead < -span / 2:
            raise SystemExit("the sealing took too long: less than half the surge is left; run again")
        print(f"the surge starts in {ahead:.1f} s")
        time.sleep(max(0.0, ahead))
        surge(jobs, server.url, world.sections[0].code, threads)
        print(f"surge done {time.time() - local_deadline:.1f} s after the deadline")
        results, rate = alone(server, world, baseline[1:])
        outcome = check(
            jobs, world, server.url, deadline=deadline, local_deadline=local_deadline, tol=rtt + 0.001
        )
    return Run(jobs, results, rate, outcome)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="30 bidders, a 15 s surge")
    parser.add_argument("--bidders", type=int)
    parser.add_argument("--span", type=float, help="seconds the surge lasts before the deadline")
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()
    count = args.bidders or (30 if args.quick else 300)
    span = args.span or (15.0 if args.quick else 60.0)
    sequential = min(count, 30 if args.quick else 60)
    url = os.environ.get("GGZY_BENCH_POSTGRES") or DATABASE
    admin, name = database(url)
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-surge-"))
    print(f"database {name}")
    recreate(admin, name)
    try:
        done = bench(url, tmp, count=count, span=span, sequential=sequential, threads=args.threads)
    finally:
        from django.db import connections

        connections.close_all()
        recreate(admin, name, drop_only=True)
        shutil.rmtree(tmp, ignore_errors=True)
    report(done, count=count, span=span, threads=args.threads)


def report(done: Run, *, count: int, span: float, threads: int) -> None:
    jobs, outcome = done.jobs, done.outcome
    accepted = [j.result for j in jobs if j.result and j.result.bid]
    on_time = [j.result.seconds for j in jobs if j.result and j.result.bid and j.kind == "on_time"]
    queued = [j.picked - j.at for j in jobs]
    others = [j for j in jobs if j.result and not j.result.bid and j.result.reason != "deadline_passed"]
    ends = sorted(r.ended for r in accepted)
    first = min(j.picked for j in jobs)
    rate = len(accepted) / (ends[-1] - first) if ends else 0.0
    busiest = max((sum(1 for e in ends if t <= e < t + WINDOW) for t in ends), default=0) / WINDOW
    p50, p99 = statistics.median(on_time), percentile(on_time, 99)
    times = [r.seconds for r in done.alone]
    base_p50, base_p99 = statistics.median(times), percentile(times, 99)
    creation = statistics.median(r.seconds - sum(r.patches) for r in done.alone)
    middle = statistics.median(p for r in done.alone for p in r.patches[:-1])
    last = statistics.median(r.patches[-1] for r in done.alone)
    for job in others:
        print(f"  other outcome: {job.kind} {job.result}")
    print(
        f"{len(accepted)} receipts of {count} ({outcome['refused_late']} refused as late); "
        f"{rate:.1f} receipts/s over the surge, {busiest:.1f}/s in the busiest {WINDOW:g} s"
    )
    print(
        f"on-time uploads: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
        f"(waiting for a thread of the pool: p99 {percentile(queued, 99) * 1000:.0f} ms)"
    )
    print(
        f"one client alone: p50 {base_p50 * 1000:.0f} ms, p99 {base_p99 * 1000:.0f} ms, "
        f"{done.alone_rate:.1f} receipts/s; medians: creation {creation * 1000:.0f} ms, a chunk "
        f"{middle * 1000:.0f} ms, the last chunk (validation, receipt) {last * 1000:.0f} ms"
    )
    goal = not (outcome["lost"] or outcome["late_accepted"] or outcome["refused_before_deadline"] or others)
    print(
        json.dumps(
            {
                "benchmark": "deadline_surge",
                "bidders": count,
                "threads": threads,
                "span_s": span,
                "bid_kb": MIB // 1024,
                "chunk_kb": CHUNK // 1024,
                "receipts": len(accepted),
                **outcome,
                "other_refusals": len(others),
                "receipts_per_s": round(rate, 2),
                "peak_receipts_per_s": round(busiest, 2),
                "value": round(p99 * 1000, 1),
                "unit": "ms, p99 of an on-time upload (creation to receipt) during the surge",
                "p50_ms": round(p50 * 1000, 1),
                "p99_ms": round(p99 * 1000, 1),
                "pool_wait_p99_ms": round(percentile(queued, 99) * 1000, 1),
                "baseline": "the same uploads one after another by one client (other section), same server",
                "baseline_value": round(base_p99 * 1000, 1),
                "baseline_p50_ms": round(base_p50 * 1000, 1),
                "baseline_receipts_per_s": round(done.alone_rate, 2),
                "alone_creation_ms": round(creation * 1000, 1),
                "alone_chunk_ms": round(middle * 1000, 1),
                "alone_last_chunk_ms": round(last * 1000, 1),
                "ratio": round(base_p99 / p99, 3),
                "server": "granian (ggzy serve's flags), 2 workers, production settings, PostgreSQL",
                "goal_met": goal,
            }
        )
    )


if __name__ == "__main__":
    main()
