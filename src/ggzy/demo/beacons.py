"""The demo's outside randomness services: two `ggzy-beacon` processes (a, b) — each with its own folder,
key and port, as an outside party would run it — and the trust file the platform pins. Sandbox only.

    GGZY_DEMO_BEACON_DIR    the folder (`make demo`: .beacon-demo/, outside var/): each beacon in a subfolder
                            named by its code in GGZY_BEACONS and, by default, the trust file
    GGZY_BEACONS            a=http://127.0.0.1:18651,b=http://127.0.0.1:18652 (where the platform asks them)
    GGZY_BEACON_TRUST       the trust file written here (`ggzy-beacon trust`)
    GGZY_BEACON_PASSPHRASE  their key files' passphrase (the demo's: demo-beacon-passphrase)

`ggzy serve` makes them if they are missing (`ensure`) and runs them beside the web server with their test
controls (the demo shows a beacon that withholds its reveal); `running()` runs them while `demo_load` makes
the demo's draws (`draws`)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from ggzy.demo.simulators import Tool, processes_start, processes_stop
from ggzy.randomness.beacons import configured

PASSPHRASE = "demo-beacon-passphrase"  # noqa: S105  (the demo's; printed in the Makefile)
TOOL = Tool("ggzy-beacon", "GGZY_BEACON_PASSPHRASE", PASSPHRASE, "The demo beacon")
NAMES = {"a": "省随机数公共服务（演示模拟）", "b": "高校随机数信标（演示模拟）"}
DEFAULT_PORT = 18651


def ensure() -> Path | None:
    """Make each configured demo beacon (`ggzy-beacon init`: its own key) unless it exists, and write the
    trust file naming them all. The demo folder; None outside the sandbox or without GGZY_DEMO_BEACON_DIR."""
    if not settings.GGZY_DEMO_BEACON_DIR or not settings.GGZY_SANDBOX:
        return None
    codes = list(configured())
    if not codes:
        return None
    folder = Path(settings.GGZY_DEMO_BEACON_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    for code in codes:
        beacon = folder / code
        if not (beacon / "state.json").exists():
            TOOL.run([TOOL.path(), "init", "--dir", str(beacon), "--name", NAMES.get(code, code)], beacon)
    trust_file = Path(settings.GGZY_BEACON_TRUST or folder / "trust.json")
    TOOL.run([TOOL.path(), "trust", "--out", str(trust_file), *(f"{c}={folder / c}" for c in codes)], folder)
    return folder


def serve_commands() -> list[tuple[str, list[str]]]:
    """For `ggzy serve` (settings.GGZY_SERVE_ALSO): the demo beacons, made, as named processes with their
    test controls (their passphrase from GGZY_BEACON_PASSPHRASE, which `make demo` exports)."""
    folder = ensure()
    if folder is None:
        return []
    found = []
    for code, url in configured().items():
        parts = urlsplit(url)
        command = [
            TOOL.path(), "serve", "--dir", str(folder / code), "--host", parts.hostname or "127.0.0.1",
            "--port", str(parts.port or DEFAULT_PORT), "--test-controls",
        ]  # fmt: skip
        found.append((f"beacon {code}", command))
    return found


@contextmanager
def running() -> Iterator[list[subprocess.Popen[str]]]:
    """The demo beacons serving for the length of the block (the same command lines as `ggzy serve`'s)."""
    processes = processes_start(serve_commands(), TOOL.env())
    try:
        yield processes
    finally:
        processes_stop(processes)
