"""Keep a set of child processes running: the supervisor behind `ggzy serve`.

Each child runs in its own process group (its own session), so whatever it started — the web
server's workers above all — can be stopped with it: when a child dies, the supervisor kills what is
left of its group (orphaned workers would otherwise go on answering, holding the port), waits until
its port is free, and starts it again after a back-off (1 s, doubling to 30 s; back to 1 s once it
has run for a minute). A child that keeps dying within seconds of its start (`give_up_after` times
in a row) is a configuration error, not a fault: everything is stopped and the supervisor exits 1.
Each child is told by the kernel to stop when the supervisor dies (`PR_SET_PDEATHSIG`), so a
`kill -9` of the supervisor leaves nothing behind for the init system's restart to trip over. The
supervisor must run as a single thread: the kernel hands the children of a dying thread to another
live thread of its process first, and sends the parent-death signal again at each hand-over (`run`
says so when it finds threads).

No Django here: the same code supervises whatever the command line names.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """In the child before exec: the kernel sends SIGTERM when the supervisor dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def describe_exit(returncode: int) -> str:
    """'exited with 3' or 'was killed by SIGKILL'."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with {returncode}"


def port_free(host: str, port: int) -> bool:
    """Nothing accepts connections on (host, port) any more."""
    with socket.socket() as s:
        s.settimeout(0.5)
        try:
            s.connect((host, port))
        except OSError:
            return True
    return False


@dataclass
class Child:
    """One supervised process: a name for the messages, its command, and (for a server) the port it
    must have released before it is started again."""

    name: str
    argv: Sequence[str]
    port: tuple[str, int] | None = None
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_failures: int = 0  # deaths in a row within seconds of the start: give up at a limit
    short_runs: int = 0  # deaths in a row before it ran a minute: the back-off doubles
    restarts: int = 0
    restart_at: float | None = None
    history: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None


class Supervisor:
    def __init__(
        self,
        children: Sequence[Child],
        *,
        log: TextIO | None = None,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        healthy_after: float = 60.0,
        quick_failure: float = 10.0,
        give_up_after: int = 5,
        stop_timeout: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = list(children)
        self.log = log or sys.stderr
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.healthy_after = healthy_after
        self.quick_failure = quick_failure
        self.give_up_after = give_up_after
        self.stop_timeout = stop_timeout
        self.monotonic = monotonic
        self.stopping = False

    # --- messages -------------------------------------------------------------------------------
    def say(self, child: Child | None, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        line = f"{stamp} ggzy serve: {child.name + ': ' if child else ''}{text}"
        if child is not None:
            child.history.append(text)
        print(line, file=self.log, flush=True)

    # --- one child --------------------------------------------------------------------------------
    def start(self, child: Child) -> None:
        child.proc = subprocess.Popen(  # noqa: S603  (our own interpreter and tools)
            list(child.argv),
            start_new_session=True,  # its own process group: it and everything it starts
            preexec_fn=_die_with_parent,  # noqa: PLW1509  (single-threaded supervisor)
            env=child.env,
        )
        child.started_at = self.monotonic()
        child.restart_at = None
        if child.restarts:
            self.say(child, f"started again (pid {child.proc.pid}, restart {child.restarts})")

    def clear_group(self, child: Child, sig: signal.Signals = signal.SIGKILL) -> None:
        """Signal the child's whole process group (its workers too); ignore what is gone."""
        if child.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.proc.pid, sig)

    def wait_port(self, child: Child, timeout: float = 10.0) -> bool:
        if child.port is None:
            return True
        deadline = self.monotonic() + timeout
        while self.monotonic() < deadline:
            if port_free(*child.port):
                return True
            time.sleep(0.1)
        return False

    def on_exit(self, child: Child, proc: subprocess.Popen[bytes], returncode: int) -> bool:
        """A child died by itself: clear its group, schedule its restart. False: give up."""
        ran = self.monotonic() - child.started_at
        self.clear_group(child)  # its workers must not go on serving without it
        left = "" if self.wait_port(child) else f"; port {child.port} is still taken"
        child.quick_failures = child.quick_failures + 1 if ran < self.quick_failure else 0
        if child.quick_failures >= self.give_up_after:
            self.say(
                child,
                f"pid {proc.pid} {describe_exit(returncode)} after {ran:.1f} s, "
                f"the {child.quick_failures}th time in a row within {self.quick_failure:.0f} s "
                f"of its start; giving up{left}",
            )
            return False
        child.short_runs = child.short_runs + 1 if ran < self.healthy_after else 1
        delay = min(self.backoff_max, self.backoff_initial * 2 ** (child.short_runs - 1))
        child.restarts += 1
        child.restart_at = self.monotonic() + delay
        self.say(
            child,
            f"pid {proc.pid} {describe_exit(returncode)} after {ran:.1f} s; "
            f"stopped what it left (process group {proc.pid}){left}; "
            f"starting it again in {delay:g} s",
        )
        return True

    # --- all of them ----------------------------------------------------------------------------
    def request_stop(self, signum: int = 0, frame: object = None) -> None:
        self.stopping = True

    def run(self, *, poll: float = 0.2, install_signals: bool = True) -> int:
        """Start every child and keep them running until SIGINT/SIGTERM (→ 0) or a child gives up
        (→ 1)."""
        if threading.active_count() > 1:
            self.say(
                None, f"warning: {threading.active_count()} threads; a kill -9 may signal the children twice"
            )
        if install_signals:
            signal.signal(signal.SIGINT, self.request_stop)
            signal.signal(signal.SIGTERM, self.request_stop)
        status = 0
        try:
            for child in self.children:
                self.start(child)
            while not self.stopping:
                now = self.monotonic()
                for child in self.children:
                    if child.restart_at is not None:
                        if now >= child.restart_at:
                            self.start(child)
                        continue
                    proc = child.proc
                    returncode = proc.poll() if proc is not None else None
                    if proc is None or returncode is None or self.stopping:
                        continue
                    if not self.on_exit(child, proc, returncode):
                        status = 1
                        self.stopping = True
                        break
                time.sleep(poll)
        finally:
            self.stop_all()
        return status

    def stop_all(self) -> None:
        """SIGTERM every group, SIGKILL what is still there after `stop_timeout`."""
        running = [(c, c.proc) for c in self.children if c.proc is not None and c.restart_at is None]
        for child, _ in running:
            self.clear_group(child, signal.SIGTERM)
        deadline = self.monotonic() + self.stop_timeout
        for child, proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - self.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(child, f"did not stop within {self.stop_timeout:g} s; killed")
        for child, proc in running:
            self.clear_group(child, signal.SIGKILL)  # workers that outlived their master
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=2)
