"""Sealed bids submitted to the platform as it runs in production: `ggzy serve` (granian's ASGI workers
under the supervisor, `tests.serving.Served`) on a database of its own, and the key custodians as the
processes their operators run (`ggzy-custodian serve`, tests/outside.py) — so that a `kill -9` is real,
two web processes are two, and a host clock can be wrong in one process and not in another.

The database: a SQLite file (the SQLite pass of the suite) or a fresh PostgreSQL database made for the
test and dropped after it (the PostgreSQL pass, `GGZY_TEST_POSTGRES`). A first `ggzy migrate` in the
served environment makes it; the test builds the world in it through the services, from its own process
(`pointed_at`: the test's thread uses a connection to that database — pytest-django's test database is
not used), with the master key the served processes are given, so both unwrap the same platform keys.

    def test_…(tmp_path, settings, django_db_blocker):
        with served_platform(tmp_path, settings, django_db_blocker) as platform:
            platform.window(3600)                                 # the section's deadline, an hour away
            web = platform.instance("web")
            start_together(web)                                   # `ggzy serve`, its health answered
            bidder = platform.bidders[0]
            sealed = platform.seal(bidder, "bid", size=10 * MiB)
            url = platform.upload(web, bidder, sealed, platform.register(sealed))   # tus creation
            platform.client(web, bidder).patch(url, 0, sealed.read_bytes(), last=True)
            kill_all(web)                                         # kill -9 every process of it
            start_together(web)                                   # and serve again

The world: the registry's engineering project (two sections), a CA the centre accepts (a real one, as
production refuses test CAs: the test holds its key), bidders with dual certificates and API tokens
(`sealing:write`, `sealing:read`), three custodians (k = 2) serving over HTTP whose set the supervising
department and they signed, and a bid window whose signed notice reached them."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.utils import load_backend

from ggzy.accounts.services import token_create
from ggzy.certs import services as certs_services
from ggzy.core import clock, keystore
from ggzy.registry.models import Section
from ggzy.sealing import services
from ggzy.sealing.models import BidWindow, SealedBid, UploadSession
from ggzy.settings import database_config
from ggzy_bid import custodian_client, tus
from ggzy_sm import receipts, sealedbid
from ggzy_sm.sm3 import Sm3
from tests.outside import Custodians, make_custodians
from tests.registry.conftest import World, make_world
from tests.sealing.conftest import CUSTODIAN_NAMES, SHEET, Bidder, make_bidder, member, root, witness_pins
from tests.serving import REPO, Served, scratch_postgres

MiB = 1 << 20
UPLOADS = "/api/v1/sealing/uploads/"
#: Seconds a restarted `ggzy serve` may take to answer (migrations already applied).
REVIVE = 60.0
ON_POSTGRES = bool(os.environ.get("GGZY_TEST_POSTGRES", "").strip())


# --- the database ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def database(folder: Path) -> Iterator[str]:
    """The URL of a database for the served processes and the test: on the PostgreSQL pass a fresh
    PostgreSQL database (dropped afterwards, whoever still holds a connection), else a SQLite file."""
    if not ON_POSTGRES:
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'ggzy.sqlite3'}"
        return
    with scratch_postgres(os.environ["GGZY_TEST_POSTGRES"].strip(), "ggzy_served_bids") as url:
        yield url


@contextlib.contextmanager
def pointed_at(url: str, django_db_blocker: Any) -> Iterator[None]:
    """The test's thread reads and writes the database at `url` — through a connection of its own
    (production's configuration of it, without the pool: the test is one thread) that takes the place of
    `default` until the block ends; the suite's own connection is left as it was (an in-memory SQLite test
    database lives as long as it)."""
    suites = connections["default"]
    wanted = database_config(url)
    wanted["OPTIONS"].pop("pool", None)
    keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    configuration = {**suites.settings_dict, **{key: wanted[key] for key in keys}}
    ours = load_backend(configuration["ENGINE"]).DatabaseWrapper(configuration, "default")
    connections["default"] = ours
    ContentType.objects.clear_cache()  # ids of another database's content types
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        ours.close()
        connections["default"] = suites
        ContentType.objects.clear_cache()


# --- the served processes -------------------------------------------------------------------------------
class Instance(Served):
    """`ggzy serve` (with `serve_args`, e.g. `--no-worker`: the web server alone, without the task worker
    and the tick loop) that counts as started once its health check answers with the database reachable:
    a process whose clocks disagree answers `degraded`, and still serves."""

    def __init__(self, *args: Any, serve_args: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.serve_args = list(serve_args)

    def start(self) -> None:
        """As `Served.start`, with `serve_args`."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "ggzy", "serve", "--port", str(self.port),
                    "--workers", str(self.workers), *self.serve_args,
                ],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        if not self.wait_healthy(self.health_timeout):
            raise AssertionError(
                f"ggzy serve did not answer within {self.health_timeout:g} s:\n{self.log_text()}"
            )

    def wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            answer = self.health()
            if answer is not None and answer.get("database") is True:
                return True
            time.sleep(0.2)
        return False


SITECUSTOMIZE = '''"""A wrong host clock (tests/sealing/served_world.py): every Python process of a served
instance started with SKEWED_HOST_CLOCK_SECONDS reads the host's time that many seconds off — `time.time()`
and Django's `timezone.now()`, which is what a wrong system clock changes for it."""
import datetime
import os
import time

_skew = float(os.environ.get("SKEWED_HOST_CLOCK_SECONDS") or 0)
if _skew:
    from django.utils import timezone

    _time, _now = time.time, timezone.now
    time.time = lambda: _time() + _skew
    timezone.now = lambda: _now() + datetime.timedelta(seconds=_skew)
'''


def kill_all(
    served: Served,
    *,
    when: Callable[[], bool] | None = None,
    frozen: Callable[[], None] | None = None,
    timeout: float = 60.0,
) -> None:
    """`kill -9` the whole instance at one instant — once `when()` is true (polled every millisecond; the
    processes are listed before, so nothing stands between the moment and the kill): every process is
    stopped (SIGSTOP; granian's workers first, where requests run), `frozen()` looks at what they left
    while none of them runs, then each is killed (SIGKILL). Returns once none is left and the port is
    free."""
    procs = sorted(served.processes(), key=lambda p: p.role != "granian worker")
    if when is not None:
        wait_for(when, timeout, "the moment to kill")
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGSTOP)
    try:
        if frozen is not None:
            frozen()
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
    if served.proc is not None:
        served.proc.wait(timeout=10)
    deadline = time.monotonic() + 30
    while served.processes() or not served.port_free():
        assert time.monotonic() < deadline, f"processes or the port outlived kill -9: {served.processes()}"
        time.sleep(0.05)


def start_together(*instances: Served) -> None:
    """Start the instances at once (each on a thread of its own: their start-ups overlap), every one
    answering before this returns; the first failure is raised."""
    for started in [in_background(instance.start) for instance in instances]:
        joined(started, REVIVE + 30)


# --- the world ------------------------------------------------------------------------------------------
@dataclass
class Platform:
    """The served platform's world (see the module) and the instances started on it."""

    folder: Path
    url: str
    env: dict[str, str]
    world: World
    sections: list[Section]
    bidders: list[Bidder]
    tokens: dict[str, str]
    live: Custodians
    media: Path
    instances: list[Instance] = field(default_factory=list)

    @property
    def section(self) -> Section:
        return self.sections[0]

    def instance(
        self,
        name: str,
        *,
        env: Mapping[str, str] | None = None,
        database_url: str = "",
        serve_args: Sequence[str] = (),
    ) -> Instance:
        """A `ggzy serve` of its own (var folder `name`, one granian worker), not started yet, on the
        platform's database (or `database_url`) and media folder; `env` added to its environment."""
        instance = Instance(
            self.folder / name,
            database_url=database_url or self.url,
            env={**self.env, **(env or {})},
            workers=1,
            serve_args=serve_args,
        )
        instance.var_dir.mkdir(parents=True, exist_ok=True)
        self.instances.append(instance)
        return instance

    def window(self, seconds: float, section: Section | None = None) -> dt.datetime:
        """The section's bid deadline (and opening) `seconds` from now, a whole second; its signed notice
        delivered to the custodians on commit, as the platform does."""
        section = section or self.section
        soon = clock.now() + dt.timedelta(seconds=seconds)
        deadline = soon.replace(microsecond=0) + dt.timedelta(seconds=1)
        services.window_set(actor=self.world.agent_user, section=section, deadline=deadline)
        return deadline

    def deadline(self, section: Section | None = None) -> dt.datetime:
        return BidWindow.objects.get(section=section or self.section).deadline

    def seal(self, bidder: Bidder, name: str, *, size: int = 0, section: Section | None = None) -> Path:
        """A bid sealed by `bidder` against the section's deadline: two short documents and, with `size`,
        one of `size` bytes (1 MiB of random bytes, repeated)."""
        section = section or self.section
        folder = self.folder / "bidder" / name
        folder.mkdir(parents=True, exist_ok=True)
        documents = []
        for doc, text in (("技术标.pdf", "technical"), ("商务标.pdf", "commercial")):
            path = folder / doc
            path.write_bytes(b"%PDF-1.7 " + f"{name} {text} ".encode() * 2000)
            documents.append(path)
        if size:
            big = folder / "施工组织设计.pdf"
            block = os.urandom(MiB)
            with big.open("wb") as out:
                for start in range(0, size, MiB):
                    out.write(block[: min(MiB, size - start)])
            documents.append(big)
        target = self.folder / "bidder" / f"{name}.ggzybid"
        sealedbid.seal(
            target=target,
            binding=sealedbid.Binding(
                tender_project=section.tender_project.code,
                section=section.code,
                bidder=bidder.organisation.uscc,
                deadline=self.deadline(section),
            ),
            opening_sheet=SHEET,
            documents=documents,
            signing_key=bidder.sign,
            signing_certificate=bidder.sign_cert,
            release_key=bidder.release_key,
            custodians=self.live.cset,
            machine={"mac": "00:16:3e:00:00:01", "cpu": "BFEBFBFF000906EA"},
        )
        for path in documents:
            path.unlink()
        return target

    def register(self, path: Path) -> list[dict[str, Any]]:
        """`ggzy-bid register`: the custodians' acknowledgements of the bid, over HTTP, by their clocks."""
        return custodian_client.register(path, self.live.cset)

    def client(self, served: Served, bidder: Bidder) -> tus.Client:
        """The bidder's tus client (ggzy-bid's) of `served`, with the bidder's token."""
        return tus.Client(served.url + UPLOADS, self.tokens[bidder.user.username])

    def upload(self, served: Served, bidder: Bidder, path: Path, acks: list[dict[str, Any]]) -> str:
        """A new upload of the sealed file at `path`: its absolute address."""
        return self.client(served, bidder).create(
            path.stat().st_size,
            {
                "section": sealedbid.read(path).header["section"].encode(),
                "filename": path.name.encode(),
                "acknowledgements": json.dumps(acks).encode(),
            },
        )

    def receipt(self, served: Served, bidder: Bidder, bid_uid: str) -> dict[str, Any]:
        """The bid's signed receipt as the platform serves it, checked against the published receipt
        keys (ggzy_sm.receipts: as `ggzy-verify receipt` checks it offline); its body."""
        token = self.tokens[bidder.user.username]
        request = urllib.request.Request(  # noqa: S310  (the test's own server)
            f"{served.url}/api/v1/sealing/bids/{bid_uid}/receipt",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            receipt = json.loads(answer.read())
        with urllib.request.urlopen(f"{served.url}/api/v1/sealing/receipt-keys", timeout=30) as answer:  # noqa: S310
            keys = receipts.keys_parse(json.loads(answer.read()))
        body: dict[str, Any] = receipts.receipt_check(receipt, keys)
        return body

    def stop_all(self) -> None:
        """Stop every instance at once (SIGINT, as Ctrl-C), kill what is left after 30 s."""
        running = [i for i in self.instances if i.proc is not None and i.proc.poll() is None]
        for instance in running:
            assert instance.proc is not None
            instance.proc.send_signal(signal.SIGINT)
        for instance in running:
            assert instance.proc is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                instance.proc.wait(timeout=30)
        for instance in self.instances:
            if instance.proc is not None and instance.proc.poll() is None:
                instance.proc.kill()
                instance.proc.wait(timeout=10)
            instance.kill_leftovers()


def build_world(
    folder: Path, settings: Any, bidders: int
) -> tuple[World, list[Section], list[Bidder], Custodians]:
    """The world (see the module), written through the services into the database the test's connection
    points at; the custodians serving. The caller stops them."""
    world = make_world()
    registration = world.file()
    sections = list(Section.objects.filter(tender_project__project=registration.project).order_by("code"))
    certs_services.ca_add(actor=None, name="测试 CA", root=root(), intermediates=[], is_test=False)
    names = ["天成建设有限公司", "北方路桥有限公司", "东方建设有限公司", "辽河工程有限公司"]
    made = [make_bidder(f"bidder-{n}", names[n]) for n in range(bidders)]
    supervisor = member("沈阳市住房和城乡建设局")
    live = make_custodians(
        folder / "custodians",
        centre=world.centre.code,
        names=list(CUSTODIAN_NAMES),
        supervisor=(supervisor.name, supervisor.sign_cert, supervisor.sign),
        root=root(),
        witness_trust=witness_pins(),
    )
    try:
        for index in (1, 2, 3):
            live.start(index)
        settings.GGZY_CUSTODIAN_TRANSPORT = "ggzy.sealing.transport.HTTP"
        services.custodian_set_publish(actor=None, centre=world.centre, signed=live.signed)
    except BaseException:
        live.stop_all()
        raise
    return world, sections, made, live


@contextlib.contextmanager
def served_platform(
    tmp_path: Path,
    settings: Any,
    django_db_blocker: Any,
    *,
    bidders: int = 2,
    sitecustomize: bool = False,
) -> Iterator[Platform]:
    """A database migrated in the served environment, the world in it (`bidders` bidders), its custodians
    serving; the instances the test makes (`Platform.instance`) share the database, the master key and
    the media folder, and are stopped at the end, what they left killed. `sitecustomize`: an instance
    can be given a wrong host clock (SKEWED_HOST_CLOCK_SECONDS in its `env`)."""
    shared = {"GGZY_MASTER_KEY": keystore.master_key().hex(), "GGZY_MEDIA_ROOT": str(tmp_path / "media")}
    if sitecustomize:
        site = tmp_path / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        shared["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))
    with database(tmp_path / "db") as url:
        migrator = Served(tmp_path / "migrate", database_url=url, env=shared)
        migrator.prepare()  # migrate: tables, seeds, platform keys (under the shared master key)
        with pointed_at(url, django_db_blocker):
            world, sections, made, live = build_world(tmp_path, settings, bidders)
            platform = Platform(tmp_path, url, shared, world, sections, made, {}, live, tmp_path / "media")
            try:
                for bidder in made:
                    platform.tokens[bidder.user.username] = token_create(
                        user=bidder.user, name="ggzy-bid", days=1, scopes=["sealing:read", "sealing:write"]
                    )[1]
                yield platform
            finally:
                platform.stop_all()
                live.stop_all()
        # passed: the bulky files go (a failure keeps them to look at)
        for bulky in (platform.media, tmp_path / "bidder"):
            shutil.rmtree(bulky, ignore_errors=True)


# --- sending and looking -----------------------------------------------------------------------------------
def patch_in_pieces(
    upload_url: str, token: str, offset: int, chunk: bytes, pieces: list[tuple[int, Callable[[], None]]]
) -> tuple[int, dict[str, str], bytes]:
    """PATCH `chunk` at `offset` (with its SM3) on one connection, the body sent in pieces: for each
    (end, then) the bytes up to `end` are sent and `then()` is called (a sleep: a slow body); then the
    rest. The answer's status, headers and body."""
    parts = urlsplit(upload_url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=120)
    try:
        connection.putrequest("PATCH", parts.path, skip_accept_encoding=True)
        for name, value in {
            "Tus-Resumable": tus.VERSION,
            "Authorization": f"Bearer {token}",
            "Content-Type": tus.OFFSET_CONTENT,
            "Content-Length": str(len(chunk)),
            "Upload-Offset": str(offset),
            "Upload-Checksum": tus.checksum(chunk),
        }.items():
            connection.putheader(name, value)
        connection.endheaders()
        sent = 0
        for end, then in pieces:
            connection.send(chunk[sent:end])
            sent = end
            then()
        connection.send(chunk[sent:])
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


def at(served: Served, url: str) -> str:
    """An upload's address on another process of the platform (the same upload: one database)."""
    return served.url + urlsplit(url).path


def in_background(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run `call` on a thread; its result (or the exception it raised) lands in the list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001  (handed to the test)
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def joined(background: tuple[threading.Thread, list[Any]], timeout: float) -> Any:
    """What a call `in_background` returned, once it did; what it raised is raised here."""
    thread, outcome = background
    thread.join(timeout=timeout)
    assert outcome, f"not done within {timeout:g} s"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def wait_for(check: Callable[[], bool], timeout: float, what: str, step: float = 0.001) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s"
        time.sleep(step)


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return -1


def part_of(platform: Platform, upload_url: str) -> Path:
    return platform.media / "sealing" / "uploads" / f"{upload_url.rstrip('/').rsplit('/', 1)[1]}.part"


def stray_files(platform: Platform) -> list[Path]:
    """Files under sealing/bids that are no bid's (a temporary file among them), and temporary files
    anywhere under sealing/."""
    named = {bid.file for bid in SealedBid.objects.all()}
    sealing = platform.media / "sealing"
    found = sealing.rglob("*") if sealing.exists() else iter(())
    return sorted(
        path
        for path in found
        if path.is_file()
        and (
            path.name.endswith(".tmp")
            or (path.is_relative_to(sealing / "bids") and str(path.relative_to(platform.media)) not in named)
        )
    )


def no_half_state(platform: Platform) -> list[SealedBid]:
    """What a crash may never leave, checked in the database and the media folder: every bid has its
    receipt and its file; no file among the bids is no bid's, no temporary file is left; no upload is
    complete without its bid, and none that is not open keeps its bytes. Returns the bids."""
    bids = list(SealedBid.objects.all())
    for bid in bids:
        assert bid.receipt, f"bid {bid.uid} without its receipt"
        assert (platform.media / bid.file).is_file(), f"bid {bid.uid} without its file"
    assert not (left := stray_files(platform)), f"files no bid names, or temporary files, left: {left}"
    for session in UploadSession.objects.all():
        if session.state == "complete":
            assert session.bid_id is not None, f"upload {session.uid} complete without a bid"
        part = platform.media / "sealing" / "uploads" / f"{session.uid}.part"
        if session.state != "open":
            assert not part.exists(), f"upload {session.uid} ({session.state}) still holds bytes"
    return bids


def file_sm3(path: Path) -> str:
    digest = Sm3()
    with path.open("rb") as fh:
        while block := fh.read(8 * MiB):
            digest.update(block)
    return digest.digest().hex()
