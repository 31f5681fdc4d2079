"""What every demo simulator shares: the outside parties the demo runs as processes of their own (the bank,
the guarantee issuers, the beacons, the co-signers, the national platform, the certificate authority, the
provincial expert pool — each a console script beside this Python, with its own folder, key and port).

`Tool` runs one of them with its key file's passphrase (the operator's environment variable, else the
demo's), and turns a failure into a refusal that says what to do, not a traceback; `processes_start` starts
named serve commands and waits until each listens (what they print afterwards is read and dropped, so a
simulator never blocks on a full pipe); `processes_stop` stops them. One copy, used by each demo module."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import CommandError

STARTUP = 30.0  # seconds a simulator may take to listen


@dataclass(frozen=True)
class Tool:
    """One simulator's command line tool."""

    script: str  # the console script beside this Python, e.g. "ggzy-bank"
    passphrase_variable: str  # e.g. "GGZY_BANK_PASSPHRASE"
    passphrase: str  # the demo's, when the variable is unset or empty
    what: str  # how a refusal names it, e.g. "The demo bank"
    served: bool = True  # run by `ggzy serve` (the refusal says to stop that first)
    again: str = "start the demo again"  # what to do then
    made: str = "a new one is made"  # what that does

    def path(self) -> str:
        return str(Path(sys.executable).with_name(self.script))

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            self.passphrase_variable: os.environ.get(self.passphrase_variable) or self.passphrase,
        }

    def run(self, command: list[str], folder: Path) -> str:
        """Run the tool (`command` begins with `path()`); its output, stripped."""
        try:
            return subprocess.run(  # noqa: S603
                command, env=self.env(), check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = (getattr(exc, "stderr", "") or str(exc)).strip()
            first = (
                "If it is still served by an earlier `ggzy serve`, stop that first;"
                " otherwise it is only the demo's"
                if self.served
                else "It is only the demo's"
            )
            raise CommandError(
                f"{self.what} {folder} cannot be used ({detail}). {first}: move {folder.parent} aside"
                f" (or delete it) and {self.again}; {self.made}."
            ) from exc


def _drain(process: subprocess.Popen[str]) -> None:
    """Read what a started simulator prints (its request log) so that it never blocks on a full pipe."""
    if process.stdout is not None:
        for _line in process.stdout:
            pass


def _wait_listening(process: subprocess.Popen[str], what: str) -> None:
    out = process.stdout
    deadline = time.monotonic() + STARTUP
    said: list[str] = []
    while time.monotonic() < deadline:
        line = out.readline() if out else ""
        said.append(line)
        if "serving on" in line:
            threading.Thread(target=_drain, args=(process,), daemon=True).start()
            return
        if not line and process.poll() is not None:
            raise CommandError(f"{what} did not start (exit {process.returncode}): {''.join(said[-5:])}")
    raise CommandError(f"{what} did not start in {STARTUP:.0f} s")


def processes_start(
    named: list[tuple[str, list[str]]], env: Mapping[str, str]
) -> list[subprocess.Popen[str]]:
    """Start each (name, command) and wait until it listens; on a failure, stop those started and raise."""
    processes: list[subprocess.Popen[str]] = []
    try:
        for name, command in named:
            process = subprocess.Popen(  # noqa: S603
                command, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            processes.append(process)
            _wait_listening(process, name)
    except BaseException:
        processes_stop(processes)
        raise
    return processes


def processes_stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
