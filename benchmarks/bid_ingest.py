#!/usr/bin/env python3
"""Receiving a big sealed bid through the real upload endpoint (tus 1.0, docs/submission.md) against one
SM3 pass over the same file (issue 28; goal: ratio ≥ 0.6, and memory that does not grow with the file).

    python benchmarks/bid_ingest.py [--quick]

The production web server — granian with `ggzy.asgi` and the flags `ggzy serve` uses, production
settings (GGZY_DEBUG=0, no sandbox), one worker so that its memory is the request's — over a fresh var
folder and SQLite file database in a temporary folder. The world is built in that database through the
services (tests/registry's centre and registered project, a CA the centre accepts, bidders holding
certificates bound to them and an API token with the scopes sealing:read and sealing:write, the centre's
2-of-3 custodian set with a bid window 20 days away; the custodians answer in this process as the tests'
`Held` custodians do — receiving a bid asks no custodian, the acknowledgements travel with it). A bid of
SIZE MiB of documents is sealed with `ggzy_sm.sealedbid.seal` and its acknowledgements registered (not
timed), then uploaded with ggzy-bid's own tus client (`ggzy_bid.tus.Client`, chunks of 8 MiB — the
default of `ggzy-bid submit` — each with its SM3, read from the file one at a time as `submit` does).
Timed: from the creation POST to the answer to the last chunk carrying the bid and its receipt
(`Ggzy-Bid`, `Ggzy-Received-At`, `Ggzy-Receipt`): the transfer, the server's SM3 of every chunk, the
appends and fsyncs, and the validator's pass over the whole file (`last_chunk_s`: the last PATCH, which
carries that pass; `chunks_mb_s`: the other chunks alone). Baseline: `ggzy_sm.sm3.sm3_file` over the same
sealed file from disk, just before and just after the upload (both warm in the page cache; the faster
of the two). ratio = our MB/s / SM3's MB/s, the big size's: 1 GiB once (--quick: 100 MiB three times,
each a bid of its own against its own SM3 passes, the round of the median ratio reported). The client
runs on the same two cores as the server.

Memory: the worker's VmHWM (/proc/<pid>/status) after a small and after the big uploads, each size on a
fresh server (a tiny warm-up bid first, so that both include the first request's imports): 100 MiB and
1 GiB (--quick: 50 and 100 MiB). `memory_grows` when the big size's peak exceeds the small one's by more
than max(3 chunks, 10 % of the size difference). MB here are MiB (2^20 bytes).
Disk: about three times the big size is needed (free space is checked first); everything is deleted at
the end. The last line is one JSON object.

The helpers below (a served instance, the world, bidders, sealing) are shared with
benchmarks/deadline_surge.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MIB = 1 << 20
CHUNK = 8 * MIB  # ggzy-bid submit's default (--chunk-mb 8)
GOAL = 0.6
HOST = "127.0.0.1"
ROUTE = "/api/v1/sealing/uploads/"
#: set by `build_world`: the custodians the configured transport reaches in this process
TRANSPORT: Any = None


# --- the platform: Django in this process, granian as a process ----------------------------------------


def django_up(var_dir: Path, database_url: str = "") -> dict[str, str]:
    """Production settings over `var_dir` (and `database_url`, else SQLite in it) in this process, the
    database migrated (the platform's keys are made after migrate); returns the environment the server
    is started with."""
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ggzy.settings",
            "GGZY_VAR_DIR": str(var_dir),
            "GGZY_DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if database_url:
        env["GGZY_DATABASE_URL"] = database_url
    for name in [k for k in os.environ if k.startswith("GGZY_")]:
        del os.environ[name]
    os.environ.update(env)
    sys.path[:0] = [str(REPO), str(REPO / "src")]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a walk of /proc)."""
    return sorted(
        int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(int(p.name)) == pid
    )


def hwm_mib(pid: int) -> float:
    """A process's peak resident memory (VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise LookupError(pid)


class Server:
    """The production web server as `ggzy serve` starts it (granian, `ggzy.asgi`, its flags; no access
    log), `workers` workers, over the environment of `django_up`; a context manager."""

    def __init__(self, env: Mapping[str, str], log: Path, workers: int = 2) -> None:
        self.env, self.log, self.workers = dict(env), log, workers
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        from ggzy.core.management.commands.serve import web_command

        command = web_command(HOST, self.port, self.workers)
        command = [a if a != "--access-log" else "--no-access-log" for a in command]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603  (our own server)
                command, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while not self.healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"the server did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.2)
        return self

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=2) as r:  # noqa: S310
                return bool(r.status == 200)
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        return children(self.proc.pid)

    def peak_mib(self) -> float:
        """The largest VmHWM among the workers."""
        return max(hwm_mib(pid) for pid in self.worker_pids())

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        workers = self.worker_pids()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for pid in workers:  # whatever the master left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc = None


# --- the world: a section with an open window, bidders with certificates and tokens ---------------------


@dataclass
class Bidder:
    """A bidder of tests/sealing (user, organisation, keys, bound certificates) and its API token."""

    held: Any  # tests.sealing.conftest.Bidder
    token: str


@dataclass
class World:
    stage: Any  # tests.sealing.conftest.Stage: seal() and register() as the bidder's client does
    sections: list[Any] = field(default_factory=list)


def build_world(folder: Path, days: int = 20, *, open_first: bool = True) -> World:
    """tests/registry's centre with a registered project of two sections, a CA the centre accepts (not a
    test CA: these are production settings), the centre's custodian set (2 of 3, answering in this
    process; the platform's notices reach them), and the sections' windows `days` away (the first
    section's only if `open_first`)."""
    global TRANSPORT  # noqa: PLW0603  (the transport the settings name)
    import datetime as dt

    from django.conf import settings
    from tests.registry.conftest import make_world
    from tests.sealing.conftest import Stage, held_custodians, root

    from ggzy.certs import services as certs_services
    from ggzy.core import clock
    from ggzy.registry.models import Section
    from ggzy.sealing import services

    world = make_world()
    registration = world.file()
    sections = list(Section.objects.filter(tender_project__project=registration.project).order_by("code"))
    certs_services.ca_add(actor=None, name="基准测试 CA", root=root(), intermediates=[], is_test=False)
    TRANSPORT = held_custodians(world.centre.code, folder / "custodians")
    settings.GGZY_CUSTODIAN_TRANSPORT = f"{__name__}.TRANSPORT"
    services.custodian_set_publish(actor=None, centre=world.centre, signed=TRANSPORT.signed)
    deadline = (clock.now() + dt.timedelta(days=days)).replace(microsecond=0)
    for section in sections if open_first else sections[1:]:  # the notices reach the custodians on commit
        services.window_set(actor=world.agent_user, section=section, deadline=deadline)
    bidder_folder = folder / "bidder"
    bidder_folder.mkdir(parents=True, exist_ok=True)
    stage = Stage(world, sections[0], sections[1], deadline, [], bidder_folder, TRANSPORT)
    return World(stage, sections)


def make_bidder(n: int) -> Bidder:
    """Bidder number `n`: a responder of its own organisation, dual certificates bound, and a token."""
    from tests.sealing.conftest import make_bidder as held_bidder

    from ggzy.accounts.services import token_create

    held = held_bidder(f"bench-bidder-{n}", f"基准投标人{n:04d}建设有限公司")
    _row, raw = token_create(user=held.user, name="bench", days=1, scopes=["sealing:read", "sealing:write"])
    return Bidder(held, raw)


def filler(path: Path, size: int) -> Path:
    """`size` bytes of document (one pseudo-random MiB repeated: sealing encrypts it anyway)."""
    block = os.urandom(MIB)
    with path.open("wb") as fh:
        left = size
        while left:
            fh.write(block[: min(left, MIB)])
            left -= min(left, MIB)
    return path


def seal(
    world: World, bidder: Bidder, name: str, documents: list[Path], section: Any = None
) -> tuple[Path, bytes]:
    """A sealed bid of `documents` for the section (the first by default) against its deadline, and its
    custodians' acknowledgements as `ggzy-bid register` writes them (compact JSON, as `submit` sends)."""
    stage = world.stage
    section = section or world.sections[0]
    from ggzy.sealing.models import BidWindow

    deadline = BidWindow.objects.get(section=section).deadline
    path = stage.seal(bidder.held, name, documents=documents, section=section, deadline=deadline)
    acks = stage.register(path)
    return path, json.dumps(acks, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- the client ---------------------------------------------------------------------------------------


@dataclass
class Upload:
    """One upload's outcome: the seconds it took (creation to the last answer), those of each PATCH, the
    receipt headers when accepted, or the refusal (status, code, reason)."""

    seconds: float = 0.0
    patches: list[float] = field(default_factory=list)
    bid: str = ""
    received_at: str = ""
    receipt: str = ""
    status: int = 0
    code: str = ""
    reason: str = ""
    started: float = 0.0  # wall clock (time.time) of the creation POST
    last_sent: float = 0.0  # wall clock when the last chunk began to be sent
    ended: float = 0.0  # wall clock of the last answer


def upload(
    base: str,
    token: str,
    path: Path,
    section: str,
    acks: bytes,
    *,
    chunk: int = CHUNK,
    before_last: Any = None,
) -> Upload:
    """Send the sealed bid at `path` with ggzy-bid's tus client, a chunk at a time; `before_last()` is
    called before the last chunk is sent (deadline_surge uses it to be late on purpose)."""
    from ggzy_bid import tus

    client = _client(base, token)
    size = path.stat().st_size
    out = Upload(started=time.time())
    start = time.perf_counter()
    try:
        url = client.create(
            size, {"section": section.encode(), "filename": path.name.encode(), "acknowledgements": acks}
        )
        offset = 0
        with path.open("rb") as fh:
            while offset < size:
                data = fh.read(chunk)
                last = offset + len(data) == size
                if last and before_last is not None:
                    before_last()
                if last:
                    out.last_sent = time.time()
                began = time.perf_counter()
                offset, headers = client.patch(url, offset, data, last=last)
                out.patches.append(time.perf_counter() - began)
                fh.seek(offset)
        out.bid = (headers.get("Ggzy-Bid") or "").strip()
        out.received_at = (headers.get("Ggzy-Received-At") or "").strip()
        out.receipt = (headers.get("Ggzy-Receipt") or "").strip()
        out.status = 204
    except tus.TusError as exc:
        out.status, out.code = exc.status, exc.code
        out.reason = _reason(client.answer)
    out.seconds = time.perf_counter() - start
    out.ended = time.time()
    return out


def _client(base: str, token: str) -> Any:
    """ggzy-bid's tus client, keeping the last answer (its TusError keeps the code and message only; the
    benchmarks read the refusal's `detail.reason` too)."""
    from ggzy_bid import tus

    class Keeping(tus.Client):
        answer: tus.Answer | None = None

        def request(self, *args: Any, **kwargs: Any) -> tus.Answer:
            self.answer = super().request(*args, **kwargs)
            return self.answer

    return Keeping(base + ROUTE, token)


def _reason(answer: Any) -> str:
    """`detail.reason` of a refusal ("deadline_passed" for a creation after the deadline)."""
    try:
        given = json.loads(answer.body)
    except (AttributeError, TypeError, ValueError):
        return ""
    if not isinstance(given, dict):
        return ""
    if given.get("code") == "upload_deadline_passed":
        return "deadline_passed"
    detail = given.get("detail")
    return str(detail.get("reason", "")) if isinstance(detail, dict) else ""


def df_free(path: Path) -> int:
    return shutil.disk_usage(path).free


# --- the benchmark ------------------------------------------------------------------------------------


def sm3_mb_s(path: Path) -> float:
    from ggzy_sm.sm3 import sm3_file

    start = time.perf_counter()
    sm3_file(path)
    return path.stat().st_size / MIB / (time.perf_counter() - start)


def one_size(
    env: Mapping[str, str], world: World, tmp: Path, size_mb: int, bidders: list[Bidder]
) -> dict[str, Any]:
    """On a fresh server: a tiny warm-up bid, then a bid of `size_mb` MiB of documents by each of the
    other `bidders` in turn (each sealed just before; SM3 passes over it just before and after); the
    round of the median ratio (its upload against the faster of its two SM3 passes), and the worker's
    peak memory."""
    warm, *rounds = bidders
    docs = tmp / f"docs-{size_mb}"
    docs.mkdir()
    warm_path, warm_acks = seal(world, warm, f"warm-{size_mb}", [filler(docs / "warm.pdf", 64 * 1024)])
    section = world.sections[0].code
    results: list[tuple[Upload, float, float]] = []
    with Server(env, tmp / "serve.log", workers=1) as server:
        warmed = upload(server.url, warm.token, warm_path, section, warm_acks)
        assert warmed.bid, f"the warm-up bid was refused: {warmed}"
        idle = server.peak_mib()
        for n, bidder in enumerate(rounds):
            began = time.perf_counter()
            document = filler(docs / "投标文件.pdf", size_mb * MIB)
            path, acks = seal(world, bidder, f"bid-{size_mb}-{n}", [document])
            document.unlink()
            mib = path.stat().st_size / MIB
            print(f"  sealed {mib:.1f} MiB in {time.perf_counter() - began:.1f} s (not timed)")
            before = sm3_mb_s(path)
            result = upload(server.url, bidder.token, path, section, acks)
            after = sm3_mb_s(path)
            assert result.bid, f"the bid was refused: {result}"
            results.append((result, mib, max(before, after)))
            print(
                f"  {mib:.1f} MiB uploaded in {result.seconds:.2f} s = {mib / result.seconds:.1f} MB/s "
                f"({len(result.patches)} chunks; the last, with the validation, {result.patches[-1]:.2f} s); "
                f"SM3 pass {before:.0f} / {after:.0f} MB/s; worker peak {server.peak_mib():.1f} MiB"
            )
            path.unlink()
        peak = server.peak_mib()
    shutil.rmtree(docs)
    warm_path.unlink(missing_ok=True)
    results.sort(key=lambda r: r[1] / r[0].seconds / r[2])  # by ratio: each round against its own SM3
    result, mib, sm3 = results[len(results) // 2]
    rest = result.patches[:-1]
    return {
        "mib": mib,
        "seconds": result.seconds,
        "ours": mib / result.seconds,
        "sm3": sm3,
        "last_chunk_s": result.patches[-1],
        "chunks_mb_s": len(rest) * CHUNK / MIB / sum(rest) if rest else 0.0,  # all but the last chunk
        "peak": peak,
        "idle": idle,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="50 and 100 MiB instead of 100 MiB and 1 GiB")
    args = parser.parse_args()
    small_mb, big_mb, rounds = (50, 100, 3) if args.quick else (100, 1024, 1)
    tmp = Path(tempfile.mkdtemp(prefix="ggzy-bench-ingest-"))
    try:
        need = 3 * big_mb * MIB + 512 * MIB
        if df_free(tmp) < need:
            raise SystemExit(
                f"{need / MIB:.0f} MiB of free disk are needed in {tmp}; {df_free(tmp) / MIB:.0f} free"
            )
        print(f"free disk {df_free(tmp) / MIB / 1024:.1f} GiB; load average {os.getloadavg()[0]:.1f}")
        env = django_up(tmp / "var")
        began = time.perf_counter()
        world = build_world(tmp)
        bidders = [make_bidder(n) for n in range(3 + rounds)]
        print(f"world built in {time.perf_counter() - began:.1f} s (not timed)")
        small = one_size(env, world, tmp, small_mb, bidders[:2])
        big = one_size(env, world, tmp, big_mb, bidders[2:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    growth = big["peak"] - small["peak"]
    allowed = max(3 * CHUNK / MIB, 0.1 * (big["mib"] - small["mib"]))
    print(
        f"peak worker memory: {small['peak']:.1f} MiB at {small['mib']:.0f} MiB, {big['peak']:.1f} MiB at "
        f"{big['mib']:.0f} MiB (growth {growth:+.1f} MiB, allowed {allowed:.0f})"
    )
    print(
        json.dumps(
            {
                "benchmark": "bid_ingest",
                "size_mb": round(big["mib"], 1),
                "value": round(big["ours"], 1),
                "unit": "MB/s (MiB) of a sealed bid through the tus endpoint, creation to receipt",
                "ours_mb_s": round(big["ours"], 1),
                "seconds": round(big["seconds"], 2),
                "last_chunk_s": round(big["last_chunk_s"], 2),
                "chunks_mb_s": round(big["chunks_mb_s"], 1),
                "rounds": rounds,
                "baseline": "one SM3 pass (ggzy_sm.sm3.sm3_file) over the same file, same run",
                "sm3_mb_s": round(big["sm3"], 1),
                "baseline_value": round(big["sm3"], 1),
                "ratio": round(big["ours"] / big["sm3"], 3),
                "goal": GOAL,
                "goal_met": big["ours"] / big["sm3"] >= GOAL and growth <= allowed,
                "chunk_mb": CHUNK // MIB,
                "server": "granian (ggzy serve's flags), 1 worker, production settings, SQLite",
                "small_mb": round(small["mib"], 1),
                "small_ratio": round(small["ours"] / small["sm3"], 3),
                "peak_rss_mb_small": round(small["peak"], 1),
                "peak_rss_mb_big": round(big["peak"], 1),
                "memory_grows": growth > allowed,
            }
        )
    )


if __name__ == "__main__":
    main()
