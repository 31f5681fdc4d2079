"""Issue 23: `kill -9` each process of `ggzy serve` in turn while writes and deliveries go on — the
platform comes back by itself, no port stays taken, no process is orphaned, every acknowledged write is
there, every queued SMS is delivered (at least once; once per idempotency reference), and the witness
log audits clean. On SQLite, and on PostgreSQL when GGZY_TEST_POSTGRES is set.

The writes: a system administrator sets the phone on record of one fresh account after another
(`PUT /api/v1/users/<username>/phone`), each write queuing an SMS to the new phone. The gateway is the
outbox (one `<message uid>.sms.json` file per idempotency reference) that also logs every call, and
holds a send while the test asks it to, so the task worker is killed in the middle of one.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from django.conf import settings

from ggzy.events.gateways import OutboxGateway
from tests.serving import HOST, Proc, Served, scratch_postgres

pytestmark = pytest.mark.slow

T = TypeVar("T")

#: Accounts whose phone the writer sets, one write each (more than a run reaches).
TARGETS = 4000
#: The task lease: a delivery whose worker died is run again this many seconds after it started.
LEASE = 5
#: Seconds the platform may take to answer again after a kill (restart back-off 1 s + start-up).
REVIVE = 30.0
WORKERS = 2


class FaultGateway(OutboxGateway):
    """The outbox gateway, logging each call in `sends.log` (`send <uid>`) and, while the file `hold`
    exists in the outbox folder, holding the send (`held <uid>`) before anything is written."""

    def send_sms(self, *, to: str, text: str, reference: str) -> str:
        folder = Path(settings.GGZY_OUTBOX_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        _log(folder, f"send {reference}")
        if (folder / "hold").exists():
            _log(folder, f"held {reference}")
            deadline = time.monotonic() + 60
            while (folder / "hold").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        return super().send_sms(to=to, text=text, reference=reference)


def _log(folder: Path, line: str) -> None:
    with (folder / "sends.log").open("a", encoding="utf-8") as f:  # one short append: atomic
        f.write(line + "\n")


def _sends(served: Served) -> list[tuple[str, str]]:
    try:
        text = (served.outbox_dir / "sends.log").read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [(kind, uid) for kind, uid in (line.split() for line in text.splitlines() if line)]


# --- the database ---------------------------------------------------------------------------------------
@contextmanager
def database(kind: str) -> Iterator[str]:
    """'' for SQLite (the var folder's file); for PostgreSQL a fresh database, dropped afterwards."""
    if kind == "sqlite":
        yield ""
        return
    raw = os.environ.get("GGZY_TEST_POSTGRES", "").strip()
    if not raw:
        pytest.skip("PostgreSQL: set GGZY_TEST_POSTGRES (1 or a server URL) to run it")
    with scratch_postgres(raw, "ggzy_faults") as url:
        yield url


# --- the writer ---------------------------------------------------------------------------------------
class Writer(threading.Thread):
    """Writes continuously over HTTP, a new connection each time (what a kill breaks is not reused):
    each write sets a fresh account's phone; a 204 is an acknowledged write."""

    def __init__(self, port: int, session: str) -> None:
        super().__init__(name="faults-writer", daemon=True)
        self.port = port
        csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret the cookie and the header share
        self.headers = {
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/json",
            "Connection": "close",
        }
        self.acked: list[tuple[str, str]] = []
        self.answers: Counter[int] = Counter()  # status -> count, every answer
        self.refusals: list[str] = []  # the first few answers other than 204
        self.broken = 0  # connections refused, reset or timed out
        self.stopping = threading.Event()

    def write(self, username: str, phone: str) -> int:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            connection.request(
                "PUT", f"/api/v1/users/{username}/phone", json.dumps({"phone": phone}), self.headers
            )
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 204 and len(self.refusals) < 10:
            self.refusals.append(f"{response.status} {body[:300]!r}")
        return response.status

    def run(self) -> None:
        for n in range(TARGETS):
            if self.stopping.is_set():
                return
            username, phone = f"target{n:05d}", f"139{n:08d}"
            try:
                status = self.write(username, phone)
            except (OSError, http.client.HTTPException):
                self.broken += 1
                time.sleep(0.05)
                continue
            self.answers[status] += 1
            if status == 204:
                self.acked.append((username, phone))
            else:
                time.sleep(0.05)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)
        assert not self.is_alive(), "the writer did not stop"


# --- waiting and looking ------------------------------------------------------------------------------
def wait_for(served: Served, check: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll `check` until it answers something true; fail with the supervisor's log after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what}: not within {timeout:g} s\n--- ggzy serve ---\n{served.log_text()[-6000:]}"
            )
        time.sleep(0.2)


def acknowledged_again(served: Served, writer: Writer, what: str) -> None:
    """The platform answers: the health check says ok and new writes are acknowledged."""
    wait_for(served, lambda: (served.health() or {}).get("status") == "ok", REVIVE, f"health after {what}")
    before = len(writer.acked)
    wait_for(served, lambda: len(writer.acked) >= before + 3, REVIVE, f"writes acknowledged after {what}")


def no_orphans(served: Served) -> list[Proc]:
    """Every process of the instance is in the supervisor's tree, and every granian process is the
    current master or its child."""
    procs = served.processes()
    strays = [p for p in procs if p.stray]
    assert not strays, f"processes outside the supervisor's tree: {strays}"
    masters = [p for p in procs if p.role == "granian master"]
    assert len(masters) == 1, f"granian masters: {masters}"
    (master,) = masters
    for p in procs:
        if "granian" in p.args:
            assert master.pid in (p.pid, p.ppid), f"{p} is not the granian master {master.pid} or its child"
    return procs


def one(served: Served, role: str) -> Proc:
    procs = served.role(role)
    assert len(procs) == 1, f"{role}: {procs}"
    return procs[0]


def restarted(served: Served, role: str, old: Proc) -> Proc:
    """The supervisor started `role` again after `old` was killed, and said so."""

    def new() -> Proc | None:
        procs = [p for p in served.role(role) if p.pid != old.pid]
        return procs[0] if procs else None

    proc = wait_for(served, new, REVIVE, f"the {role} started again")
    log = served.log_text()
    assert f"pid {old.pid} was killed by SIGKILL" in log, log[-3000:]
    assert f"started again (pid {proc.pid}," in log, log[-3000:]
    return proc


def granian_ready(served: Served) -> bool:
    procs = served.processes()
    masters = [p for p in procs if p.role == "granian master"]
    workers = [p for p in procs if p.role == "granian worker"]
    return len(masters) == 1 and len(workers) == WORKERS


# --- what the database says ---------------------------------------------------------------------------
FACTS = """
import json
from collections import Counter
from pathlib import Path
from django.contrib.auth import get_user_model
from django_tasks_db.models import DBTaskResult
from ggzy.accounts import policy
from ggzy.accounts.event_types import AccountsEvents
from ggzy.events.event_types import EventsEvents
from ggzy.events.models import DeliveryAttempt, Event, Message
from ggzy.events.states import DeliveryChannel, DeliveryStatus

acked = json.loads(Path(ACKED).read_text())
users = get_user_model().objects.filter(username__in=[name for name, _ in acked])
phone_changed = Event.objects.filter(type=AccountsEvents.CREDENTIAL_PHONE_CHANGED.type)
changed = {e.data.get("user") for e in phone_changed}
ok = Counter(DeliveryAttempt.objects.filter(ok=True).values_list("message_id", flat=True))
tries = Counter(DeliveryAttempt.objects.values_list("message_id", flat=True))
recovered = [e.data for e in Event.objects.filter(type=EventsEvents.DELIVERIES_RECOVERED.type)]
print(json.dumps({
    "phones": {u.username: policy.phone_on_record(u) for u in users},
    "changed": sorted(u.username for u in users if u.pk in changed),
    "sms": [
        {"uid": str(m.uid), "user": m.recipient.username if m.recipient else "",
         "sent": m.status == DeliveryStatus.SENT, "ok": ok[m.pk], "tries": tries[m.pk]}
        for m in Message.objects.filter(channel=DeliveryChannel.SMS).select_related("recipient")
    ],
    "recovered": recovered,
    "tasks": Counter(DBTaskResult.objects.values_list("status", flat=True)),
    "failures": [
        {"task": r.task_path, "args": r.args_kwargs, "worker": r.worker_ids,
         "exception": r.exception_class_path, "traceback": r.traceback[-3000:]}
        for r in DBTaskResult.objects.exclude(status="SUCCESSFUL")
    ],
}))
"""

#: Messages still to send, and task rows still to run.
UNFINISHED = """
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from ggzy.events.models import Message
from ggzy.events.states import DeliveryChannel, DeliveryStatus
print(
    Message.objects.filter(status=DeliveryStatus.PENDING).exclude(channel=DeliveryChannel.INBOX).count()
    + DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).count()
)
"""

SETUP = f"""
from django.contrib.auth import get_user_model
from django.test import Client
from ggzy.core.roles import Role
from tests.factories import grant_role, signed_in
User = get_user_model()
password = "pw-Faults-{secrets.token_hex(8)}"
admin = User.objects.create_user(username="faults-admin", password=password, is_staff=True)
grant_role(admin, Role.SYSTEM_ADMIN)
User.objects.bulk_create([User(username=f"target{{n:05d}}", password="!") for n in range({TARGETS})])
print("SESSION", signed_in(Client(), admin).cookies["sessionid"].value)
"""


# --- the test -----------------------------------------------------------------------------------------
# each pass of the suite runs the variant of its own database (.ci/run makes one pass for each)
ON_POSTGRES = bool(os.environ.get("GGZY_TEST_POSTGRES", "").strip())


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("sqlite", marks=pytest.mark.skipif(ON_POSTGRES, reason="the SQLite pass runs it")),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ],
)
def test_kill_each_process_in_turn_loses_nothing(kind: str, tmp_path: Path) -> None:
    with database(kind) as url:
        served = Served(
            tmp_path,
            database_url=url,
            workers=WORKERS,
            env={
                "GGZY_TASK_LEASE_SECONDS": str(LEASE),
                "GGZY_SMS_GATEWAY": f"{__name__}.FaultGateway",
            },
        )
        with served:
            (session,) = [
                line.split()[1] for line in served.python(SETUP).splitlines() if line.startswith("SESSION ")
            ]
            writer = Writer(served.port, session)
            writer.start()
            try:
                held = faults(served, writer)
            finally:
                writer.stop()
            check_everything_arrived(served, writer, held, tmp_path)
            served.stop()  # SIGINT: exits 0 and leaves nothing running (Served.stop checks)
        assert served.port_free(), f"port {served.port} still taken after ggzy serve stopped"
        assert served.processes() == [], "processes left after ggzy serve stopped"


def faults(served: Served, writer: Writer) -> str:
    """Kill each process in turn; returns the uid of the message whose send the task worker died in."""
    acknowledged_again(served, writer, "the start")
    assert granian_ready(served)
    no_orphans(served)
    kill_granian_master(served, writer)
    kill_granian_worker(served, writer)
    held = kill_task_worker_mid_send(served, writer)
    kill_tick_loop(served, writer)
    kill_supervisor(served, writer)
    return held


def kill_granian_master(served: Served, writer: Writer) -> None:
    """The supervisor clears the master's group (its workers), waits for the port, starts it again."""
    master = one(served, "granian master")
    old_workers = {w.pid for w in served.role("granian worker")}
    os.kill(master.pid, signal.SIGKILL)
    restarted(served, "granian master", master)
    wait_for(served, lambda: granian_ready(served), REVIVE, "the new master's workers")
    left = {p.pid for p in served.processes()} & old_workers
    assert not left, f"the killed master's workers {left} are still running"
    acknowledged_again(served, writer, "killing the granian master")
    assert "still taken" not in served.log_text()
    no_orphans(served)


def kill_granian_worker(served: Served, writer: Writer) -> None:
    """Granian respawns its worker under the same master; the supervisor has nothing to do."""
    master = one(served, "granian master")
    victim = served.role("granian worker")[0]
    os.kill(victim.pid, signal.SIGKILL)

    def respawned() -> bool:
        workers = served.role("granian worker")
        return (
            len(workers) == WORKERS
            and victim.pid not in {w.pid for w in workers}
            and all(w.ppid == master.pid for w in workers)
        )

    wait_for(served, respawned, REVIVE, "granian respawning its killed worker")
    assert one(served, "granian master").pid == master.pid
    acknowledged_again(served, writer, "killing a granian worker")
    no_orphans(served)


def kill_task_worker_mid_send(served: Served, writer: Writer) -> str:
    """Killed while the gateway holds a send: its task row stays RUNNING until the lease is over, then
    the tick loop queues it again. Returns the message's uid."""
    hold = served.outbox_dir / "hold"
    served.outbox_dir.mkdir(parents=True, exist_ok=True)
    hold.touch()
    try:
        held = wait_for(
            served,
            lambda: next((uid for kind, uid in reversed(_sends(served)) if kind == "held"), None),
            REVIVE,
            "a send the gateway holds",
        )
        worker = one(served, "db_worker")
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        hold.unlink()
    assert not (served.outbox_dir / "sms" / f"{held}.sms.json").exists()
    restarted(served, "db_worker", worker)
    acknowledged_again(served, writer, "killing the task worker")
    no_orphans(served)
    return held


def kill_tick_loop(served: Served, writer: Writer) -> None:
    tick = one(served, "tick")
    os.kill(tick.pid, signal.SIGKILL)
    restarted(served, "tick", tick)
    acknowledged_again(served, writer, "killing the tick loop")
    no_orphans(served)


def kill_supervisor(served: Served, writer: Writer) -> None:
    """Its children are told to stop (PR_SET_PDEATHSIG) and the port is freed; a new `ggzy serve` (the
    init system's restart) starts cleanly on the same port."""
    supervisor = served.proc
    assert supervisor is not None
    # One thread: with more (a PostgreSQL connection pool's), the kernel may pass the children to
    # another thread of the dying supervisor first and send them the parent-death signal twice — the
    # task worker then forces its way out of the delivery it was finishing, recorded as failed.
    threads = list(Path(f"/proc/{supervisor.pid}/task").iterdir())
    assert len(threads) == 1, f"the supervisor runs {len(threads)} threads"
    os.kill(supervisor.pid, signal.SIGKILL)
    assert supervisor.wait(timeout=10) == -signal.SIGKILL
    wait_for(served, lambda: not served.processes(), REVIVE, "every process stopping after the supervisor")
    wait_for(served, served.port_free, REVIVE, "the port freed after the supervisor was killed")
    served.start()
    acknowledged_again(served, writer, "restarting ggzy serve")
    assert granian_ready(served)
    no_orphans(served)


def check_everything_arrived(served: Served, writer: Writer, held: str, tmp_path: Path) -> None:
    refused = {status: n for status, n in writer.answers.items() if status != 204}
    assert not any(400 <= s < 500 for s in refused), f"writes refused: {refused} {writer.refusals}"
    assert writer.acked, "no write was acknowledged"

    wait_for(served, lambda: served.python(UNFINISHED).strip() == "0", 90, "every SMS delivered")
    acked_file = tmp_path / "acked.json"
    acked_file.write_text(json.dumps(writer.acked))
    facts = json.loads(served.python(f"ACKED = {str(acked_file)!r}\n{FACTS}"))

    # every acknowledged write is there
    acked = dict(writer.acked)
    lost = {name: phone for name, phone in acked.items() if facts["phones"].get(name) != phone}
    assert not lost, f"{len(lost)} of {len(acked)} acknowledged writes lost: {sorted(lost.items())[:10]}"
    unrecorded = sorted(set(acked) - set(facts["changed"]))
    assert not unrecorded, f"acknowledged writes without their event: {unrecorded[:10]}"

    # every queued SMS delivered, recorded once, its file there — and each acknowledged write's SMS
    sms = {m["uid"]: m for m in facts["sms"]}
    files = {p.name.removesuffix(".sms.json") for p in (served.outbox_dir / "sms").glob("*.sms.json")}
    unsent = [m for m in sms.values() if not m["sent"]]
    assert not unsent, f"SMS messages never delivered: {unsent[:10]}"
    assert set(sms) == files, (
        f"SMS without its outbox file: {sorted(set(sms) - files)[:10]}; "
        f"outbox files without a message: {sorted(files - set(sms))[:10]}"
    )
    twice = [m for m in sms.values() if m["ok"] != 1]
    assert not twice, f"SMS recorded as sent other than once: {twice[:10]}"
    to = {}
    for uid in files:
        record = json.loads((served.outbox_dir / "sms" / f"{uid}.sms.json").read_text(encoding="utf-8"))
        assert record["reference"] == uid
        to[sms[uid]["user"]] = record["to"]
    missing = {name: phone for name, phone in acked.items() if to.get(name) != phone}
    assert not missing, (
        f"acknowledged writes whose SMS never reached the outbox: {sorted(missing.items())[:10]}"
    )

    # at least once: each message reached the gateway; a repeat only for a delivery recovery re-queued
    # (the gateway drops it by its reference — here the same file, written again)
    calls = Counter(uid for kind, uid in _sends(served) if kind == "send")
    assert set(calls) == set(sms), f"gateway calls for unknown messages: {sorted(set(calls) - set(sms))[:10]}"
    recovered = {uid for event in facts["recovered"] for uid in event["messages"]}
    repeated = {uid for uid, n in calls.items() if n > 1}
    assert repeated <= recovered, (
        f"messages sent more than once without a recovery (at-least-once allows a repeat only after a "
        f"worker died): {sorted(repeated - recovered)}"
    )
    assert held in recovered, f"the delivery killed mid-send ({held}) was not recovered: {facts['recovered']}"
    assert calls[held] >= 2, f"the delivery killed mid-send ({held}) reached the gateway {calls[held]} times"
    assert set(facts["tasks"]) <= {"SUCCESSFUL"}, (
        f"task rows left: {facts['tasks']}: {json.dumps(facts['failures'], indent=1, ensure_ascii=False)}"
    )

    audit = served.run_ggzy("witness", "audit", check=False)
    assert audit.returncode == 0, f"ggzy witness audit failed:\n{audit.stdout}\n{audit.stderr}"
    print(  # noqa: T201  (shown with -s: what the run went through)
        f"{len(acked)} writes acknowledged ({writer.broken} broken connections, "
        f"answers {dict(writer.answers)}); "
        f"{len(sms)} SMS, {sum(calls.values())} gateway calls; recovered: "
        + "; ".join(f"{e['requeued']} re-queued, {e['swept']} swept" for e in facts["recovered"])
    )
