"""The demo's electronic-guarantee issuers: three `ggzy-guarantee` simulators — a bank (示例银行), an insurer
(示例保险) and a guarantee company (示例融资担保) — each with its own folder, CA root, issuing key and port,
as three outside issuers would run them, and the trust file of their roots the platform accepts. None is
designated (standard 11.2.6 forbids 强制担保): a bidder applies to the one it chooses. Sandbox only.

    GGZY_DEMO_GUARANTEE_DIR    the folder (`make demo`: .guarantee-demo/, outside var/): each issuer in a
                               subfolder named by its credit code and, by default, the trust file
    GGZY_GUARANTEE_ISSUERS     CODE=http://127.0.0.1:18641,… (the codes of `ISSUERS`)
    GGZY_GUARANTEE_TRUST       the trust file written here (`ggzy-guarantee trust --out`)
    GGZY_GUARANTEE_PASSPHRASE  their key files' passphrase (the demo's: demo-guarantee-passphrase)

`ggzy serve` makes them if they are missing (`ensure`: `init --platform KEY --review-after 0`, so an
application is approved at once and the demo only pays the premium), pins the platform's current request
key in each (`trust --dir --platform`: a database made again has a new key), and runs them beside the web
server with their test controls (settings.GGZY_SERVE_ALSO names `serve_commands`). `running()` runs them
while `demo_load` writes the demo's guarantees."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import CommandError

from ggzy.demo.simulators import Tool, processes_start, processes_stop
from ggzy.securities.bank import platform_key_hex

PASSPHRASE = "demo-guarantee-passphrase"  # noqa: S105  (the demo's; printed in the Makefile)
TOOL = Tool(
    "ggzy-guarantee",
    "GGZY_GUARANTEE_PASSPHRASE",
    PASSPHRASE,
    "The demo guarantee issuer",
    served=False,
    made="new ones are made",
)
#: code (unified social credit code, check digits valid) → (kind, name)
ISSUERS = {
    "91210100MA0A0B1C0Q": ("bank", "示例银行股份有限公司（演示模拟）"),
    "91210100MA0A0B2D5Y": ("insurer", "示例财产保险股份有限公司（演示模拟）"),
    "91210100MA0A0B3EX0": ("guarantor", "示例融资担保有限公司（演示模拟）"),
}
DEFAULT_PORT = 18641
REVIEW_AFTER_SECONDS = 0


def configured() -> dict[str, str]:
    """{code: URL} of GGZY_GUARANTEE_ISSUERS, in order."""
    out: dict[str, str] = {}
    for part in str(settings.GGZY_GUARANTEE_ISSUERS or "").split(","):
        code, _eq, url = part.strip().partition("=")
        if code.strip() and url.strip():
            out[code.strip()] = url.strip().rstrip("/")
    return out


def ensure() -> Path | None:
    """Make each configured demo issuer (`ggzy-guarantee init`: its own CA and issuing key) unless it
    exists, pin the platform's request key in it, and write the trust file naming them all. The demo
    folder; None outside the sandbox or without GGZY_DEMO_GUARANTEE_DIR. Needs the migrated database."""
    if not settings.GGZY_DEMO_GUARANTEE_DIR or not settings.GGZY_SANDBOX:
        return None
    codes = list(configured())
    if not codes:
        return None
    folder = Path(settings.GGZY_DEMO_GUARANTEE_DIR)
    unknown = [code for code in codes if code not in ISSUERS]
    if unknown:
        raise CommandError(
            f"GGZY_GUARANTEE_ISSUERS names {', '.join(unknown)}, which the demo does not simulate: the demo's"
            f" issuers are {', '.join(ISSUERS)}."
        )
    folder.mkdir(parents=True, exist_ok=True)
    key = platform_key_hex()
    for code in codes:
        kind, name = ISSUERS[code]
        issuer = folder / code
        if not (issuer / "state.json").exists():
            TOOL.run(
                [
                    TOOL.path(), "init", "--dir", str(issuer), "--kind", kind, "--name", name, "--code", code,
                    "--platform", key, "--review-after", str(REVIEW_AFTER_SECONDS),
                ],
                issuer,
            )  # fmt: skip
        else:
            TOOL.run([TOOL.path(), "trust", "--dir", str(issuer), "--platform", key], issuer)
    trust_file = Path(settings.GGZY_GUARANTEE_TRUST or folder / "trust.json")
    TOOL.run([TOOL.path(), "trust", "--out", str(trust_file), *(str(folder / c) for c in codes)], folder)
    return folder


def commands() -> list[list[str]]:
    """`ggzy-guarantee serve --test-controls` of each demo issuer, on the port GGZY_GUARANTEE_ISSUERS
    names."""
    folder = Path(settings.GGZY_DEMO_GUARANTEE_DIR)
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
    """For `ggzy serve` (settings.GGZY_SERVE_ALSO): the demo issuers, made, as named processes (their
    passphrase from GGZY_GUARANTEE_PASSPHRASE, which `make demo` exports)."""
    if ensure() is None:
        return []
    return [(f"guarantee issuer {ISSUERS[Path(command[3]).name][0]}", command) for command in commands()]


@contextmanager
def running() -> Iterator[list[subprocess.Popen[str]]]:
    """The demo issuers serving (the same command lines as `ggzy serve`'s) for the length of the block,
    then stopped; nothing outside the sandbox or without GGZY_DEMO_GUARANTEE_DIR."""
    processes = processes_start(serve_commands(), TOOL.env())
    try:
        yield processes
    finally:
        processes_stop(processes)
