"""`ggzy serve` as a test runs it: a fresh var folder, `ggzy.settings` (not the test settings), a free port.

    with Served(tmp_path, env={"GGZY_TASK_LEASE_SECONDS": "5"}) as served:
        urllib.request.urlopen(served.url + "/api/v1/health")
        served.processes()          # the supervisor, the granian master and workers, db_worker, tick
        served.run_ggzy("witness", "audit")
    # leaving the block stops it (SIGINT) and kills whatever it left behind

Every process started for a `Served` inherits its own `GGZY_VAR_DIR`, so `processes()` finds them all
— those the supervisor lost track of too (`stray`), wherever they were re-parented.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

from ggzy.core import supervisor
from tests.outside import free_port

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def port_free(port: int, host: str = HOST) -> bool:
    """Nothing accepts connections on (host, port) — the supervisor's own check."""
    return supervisor.port_free(host, port)


@dataclass(frozen=True)
class Proc:
    """One process of a served instance. `role`: serve, granian master, granian worker, db_worker,
    tick or other; `stray`: not (any longer) a descendant of the supervisor."""

    pid: int
    ppid: int
    pgid: int
    args: str
    role: str
    stray: bool = False


def _environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return b""


class Served:
    """A running `ggzy serve` over its own var folder (and database, given `database_url`)."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        database_url: str = "",
        env: Mapping[str, str] | None = None,
        workers: int = 2,
        debug: bool = True,
        setup: Sequence[Sequence[str]] = (),
        health_timeout: float = 60.0,
    ) -> None:
        """`env` is added last (it may override any of the above); `setup`: management commands run
        after `migrate`, before the start; `debug` (GGZY_DEBUG=1): no `collectstatic` needed."""
        self.var_dir = tmp_path / "var"
        self.outbox_dir = self.var_dir / "outbox"
        self.log_path = tmp_path / "serve.log"
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.workers = workers
        self.setup = list(setup)
        self.health_timeout = health_timeout
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "ggzy.settings",
                "GGZY_VAR_DIR": str(self.var_dir),
                "GGZY_OUTBOX_DIR": str(self.outbox_dir),
                "GGZY_DEBUG": "1" if debug else "0",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if database_url:
            self.env["GGZY_DATABASE_URL"] = database_url
        self.env.update(env or {})
        self._marker = f"GGZY_VAR_DIR={self.env['GGZY_VAR_DIR']}".encode()
        self.proc: subprocess.Popen[bytes] | None = None

    # --- lifecycle ----------------------------------------------------------------------------------
    def __enter__(self) -> Served:
        self.prepare(*self.setup)
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop(check=kind is None)
        self.kill_leftovers()

    def prepare(self, *commands: Sequence[str]) -> None:
        """Create the var folder and migrate; then run `commands` (management commands)."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.run_ggzy("migrate", "-v0")
        for command in commands:
            self.run_ggzy(*command)

    def start(self) -> None:
        """Start `ggzy serve` and wait until the health check answers."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ggzy",
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not self.wait_healthy(self.health_timeout):
            raise AssertionError(
                f"ggzy serve did not answer within {self.health_timeout:g} s:\n{self.log_text()}"
            )

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def stop(self, timeout: float = 30.0, *, check: bool = True) -> int:
        """SIGINT, as Ctrl-C; wait for the exit; kill what is left. With `check`: it exited 0 in time
        and left nothing running."""
        assert self.proc is not None, "not started"
        self.proc.send_signal(signal.SIGINT)
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait(timeout=10)
            if check:
                self.kill_leftovers()
                raise AssertionError(
                    f"ggzy serve did not stop within {timeout:g} s:\n{self.log_text()}"
                ) from None
        left = self.kill_leftovers()
        if check:
            assert status == 0, f"ggzy serve exited with {status}:\n{self.log_text()}"
            assert not left, f"processes outlived ggzy serve: {left}"
        return status

    def kill_leftovers(self) -> list[Proc]:
        """SIGKILL every process of this instance still running; returns them."""
        left = self.processes()
        for p in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p.pid, signal.SIGKILL)
        return left

    # --- looking at it ------------------------------------------------------------------------------
    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def health(self, timeout: float = 2.0) -> dict[str, object] | None:
        """The health check's answer, or None when it does not answer 200."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=timeout) as r:  # noqa: S310
                answer: dict[str, object] = json.loads(r.read())
                return answer
        except (OSError, ValueError):
            return None

    def wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            answer = self.health()
            if answer is not None and answer.get("status") == "ok":
                return True
            time.sleep(0.2)
        return False

    def port_free(self) -> bool:
        return port_free(self.port)

    def processes(self) -> list[Proc]:
        """The supervisor and its tree (named by their place and command line), and any other process
        that inherited this instance's environment (`stray`: an orphan the supervisor lost). Zombies
        (exited, not yet reaped) are left out."""
        out = subprocess.run(
            ["ps", "-e", "-o", "pid=,ppid=,pgid=,stat=,args="], capture_output=True, text=True, check=True
        ).stdout
        rows: dict[int, tuple[int, int, str]] = {}
        for line in out.splitlines():
            fields = line.split(None, 4)
            if not fields[3].startswith("Z"):  # a zombie is gone, its parent has not reaped it yet
                rows[int(fields[0])] = (int(fields[1]), int(fields[2]), fields[4] if len(fields) > 4 else "")
        root = self.proc.pid if self.proc is not None else None
        tree: set[int] = set()
        if root is not None and root in rows:
            tree.add(root)
            grew = True
            while grew:
                new = {pid for pid, (ppid, _, _) in rows.items() if ppid in tree and pid not in tree}
                tree |= new
                grew = bool(new)
        ours = [pid for pid in rows if pid in tree or self._marker in _environ(pid).split(b"\0")]
        masters = {pid for pid in ours if rows[pid][0] == root and "granian" in rows[pid][2]}
        found = []
        for pid in sorted(ours):
            ppid, pgid, args = rows[pid]
            if pid == root:
                role = "serve"
            elif pid in masters:
                role = "granian master"
            elif ppid in masters:
                role = "granian worker"
            elif " db_worker" in args:
                role = "db_worker"
            elif args.endswith(" tick") or " tick " in args:
                role = "tick"
            elif "granian" in args:
                role = "granian worker"  # a worker whose master is gone
            else:
                role = "other"
            found.append(Proc(pid, ppid, pgid, args, role, stray=pid not in tree))
        return found

    def role(self, name: str) -> list[Proc]:
        return [p for p in self.processes() if p.role == name and not p.stray]

    # --- commands in the same environment -----------------------------------------------------------
    def run_ggzy(
        self, *args: str, check: bool = True, timeout: float = 120.0
    ) -> subprocess.CompletedProcess[str]:
        """`python -m ggzy ARGS` in this instance's environment; with `check`, a failure raises with its
        output."""
        done = subprocess.run(
            [sys.executable, "-m", "ggzy", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"ggzy {' '.join(args)} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def python(self, code: str) -> str:
        """Run `code` in `ggzy shell` (Django set up, this instance's database); returns its stdout."""
        return self.run_ggzy("shell", "-v0", "-c", code).stdout


@contextlib.contextmanager
def scratch_postgres(raw: str, prefix: str) -> Iterator[str]:
    """The URL of a fresh PostgreSQL database `<prefix>_<hex>` on the server GGZY_TEST_POSTGRES names (`raw`:
    `1` for the local one, or a URL), for processes a test starts; dropped afterwards, whoever still
    holds a connection."""
    import psycopg
    from psycopg import sql

    server = urlsplit(raw if "://" in raw else "postgres://postgres@127.0.0.1:5432/test")
    name = f"{prefix}_{secrets.token_hex(4)}"
    maintenance = urlunsplit(server._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(server._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
