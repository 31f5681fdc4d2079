"""The demo's bank for bid-security deposits: one `ggzy-bank` simulator — its own folder, key, ledger and
port, as the bank would run it — configured with the platform's request key and the platform's callback,
and the trust file the platform pins. Sandbox only.

    GGZY_DEMO_BANK_DIR    the folder (`make demo`: .bank-demo/, outside var/): the bank in a subfolder named
                          by its code in GGZY_BANKS (demo) and, by default, the trust file
    GGZY_BANKS            demo=http://127.0.0.1:18631 (where the platform asks it)
    GGZY_BANK_TRUST       the trust file written here (`ggzy-bank trust`)
    GGZY_BANK_PASSPHRASE  its key file's passphrase (the demo's: demo-bank-passphrase)

`ggzy serve` makes it if it is missing (`ensure`), pins the platform's current request key in it and points
its notifications at this platform (`ggzy-bank configure`, before it is served: the bank refuses to be
configured while it runs), and runs it beside the web server with its test controls (settings.GGZY_SERVE_ALSO
names `serve_commands`). `running()` runs it (and nothing else) while `demo_load` writes the demo's deposits.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from ggzy.demo.simulators import Tool, processes_start, processes_stop
from ggzy.securities.bank import configured, platform_key_hex

PASSPHRASE = "demo-bank-passphrase"  # noqa: S105  (the demo's; printed in the Makefile)
TOOL = Tool("ggzy-bank", "GGZY_BANK_PASSPHRASE", PASSPHRASE, "The demo bank")
NAMES = {"demo": "示例银行股份有限公司（演示模拟）"}
DEFAULT_PORT = 18631
CALLBACK_PATH = "/api/v1/securities/bank/notifications"


def callback() -> str:
    """Where the bank POSTs its notifications: this platform's `ggzy serve` (GGZY_PORT)."""
    return f"http://127.0.0.1:{settings.PORT}{CALLBACK_PATH}"


def ensure() -> Path | None:
    """Make each configured demo bank (`ggzy-bank init`: its own key) unless it exists, configure it with
    the platform's request key and callback (every time: a database made again has a new key), and write
    the trust file naming them all. The demo folder; None outside the sandbox or without
    GGZY_DEMO_BANK_DIR. Needs the migrated database (the platform's key)."""
    if not settings.GGZY_DEMO_BANK_DIR or not settings.GGZY_SANDBOX:
        return None
    folder = Path(settings.GGZY_DEMO_BANK_DIR)
    codes = list(configured())
    if not codes:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    key = platform_key_hex()
    for code in codes:
        bank = folder / code
        if not (bank / "state.json").exists():
            TOOL.run([TOOL.path(), "init", "--dir", str(bank), "--name", NAMES.get(code, code)], bank)
        TOOL.run(
            [TOOL.path(), "configure", "--dir", str(bank), "--platform-key", key, "--callback", callback()],
            bank,
        )
    trust_file = Path(settings.GGZY_BANK_TRUST or folder / "trust.json")
    TOOL.run([TOOL.path(), "trust", "--out", str(trust_file), *(f"{c}={folder / c}" for c in codes)], folder)
    return folder


def commands() -> list[list[str]]:
    """`ggzy-bank serve --test-controls` of each demo bank (the sandbox's: the demo pays through them), on
    the host and port GGZY_BANKS names."""
    folder = Path(settings.GGZY_DEMO_BANK_DIR)
    found = []
    for code, url in configured().items():
        parts = urlsplit(url)
        found.append(
            [
                TOOL.path(),
                "serve",
                "--dir",
                str(folder / code),
                "--host",
                parts.hostname or "127.0.0.1",
                "--port",
                str(parts.port or DEFAULT_PORT),
                "--test-controls",
            ]
        )
    return found


def serve_commands() -> list[tuple[str, list[str]]]:
    """For `ggzy serve` (settings.GGZY_SERVE_ALSO): the demo banks, made and configured, as named processes
    (their passphrase from GGZY_BANK_PASSPHRASE, which `make demo` exports)."""
    if ensure() is None:
        return []
    return [(f"bank {Path(command[3]).name}", command) for command in commands()]


@contextmanager
def running() -> Iterator[list[subprocess.Popen[str]]]:
    """The demo banks serving (the same command lines as `ggzy serve`'s) for the length of the block, then
    stopped; nothing outside the sandbox or without GGZY_DEMO_BANK_DIR. Notifications the bank sends
    meanwhile find no web server: it keeps them and sends them again once `ggzy serve` runs."""
    processes = processes_start(serve_commands(), TOOL.env())
    try:
        yield processes
    finally:
        processes_stop(processes)
