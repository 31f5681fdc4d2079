"""The demo's national public service platforms: two `ggzy-national` simulators — 中国招标投标公共服务平台
(`ebid`, engineering) and 中国政府采购网 (`ccgp`, procurement) — each with its own folder, key and port,
as the outside parties would run them, and the trust file the platform pins. Sandbox only.

    GGZY_DEMO_NATIONAL_DIR    the folder (`make demo`: .national-demo/, outside var/)
    GGZY_NATIONAL_PLATFORMS   ebid=http://127.0.0.1:18611,ccgp=http://127.0.0.1:18612
    GGZY_NATIONAL_TRUST       the trust file written here (`ggzy-national trust`)
    GGZY_NATIONAL_PASSPHRASE  their key files' passphrase (the demo's: demo-national-passphrase)

`ggzy serve` makes them if they are missing (`ensure`) and runs them beside the web server
(settings.GGZY_SERVE_ALSO names `serve_commands`); the tick's `notices.push_national` pushes to them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from ggzy.demo.simulators import Tool
from ggzy.notices.push import configured_platforms

PASSPHRASE = "demo-national-passphrase"  # noqa: S105  (the demo's; printed in the README)
TOOL = Tool(
    "ggzy-national",
    "GGZY_NATIONAL_PASSPHRASE",
    PASSPHRASE,
    "The demo national platform",
    served=False,
    made="new ones are made",
)
NAMES = {
    "ebid": "中国招标投标公共服务平台（演示模拟）",
    "ccgp": "中国政府采购网（演示模拟）",
}
DEFAULT_PORT = 18611


def ensure() -> Path | None:
    """Make each configured demo platform (`ggzy-national init`: its own key) unless it exists, and write
    the trust file naming them all. None outside the sandbox or without GGZY_DEMO_NATIONAL_DIR."""
    if not settings.GGZY_DEMO_NATIONAL_DIR or not settings.GGZY_SANDBOX:
        return None
    folder = Path(settings.GGZY_DEMO_NATIONAL_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    codes = list(configured_platforms())
    for code in codes:
        if not (folder / code / "state.json").exists():
            TOOL.run(
                [TOOL.path(), "init", "--dir", str(folder / code), "--name", NAMES.get(code, code)],
                folder / code,
            )
    if codes:
        trust_file = Path(settings.GGZY_NATIONAL_TRUST or folder / "trust.json")
        TOOL.run(
            [TOOL.path(), "trust", "--out", str(trust_file), *(f"{c}={folder / c}" for c in codes)], folder
        )
    return folder


def commands() -> list[list[str]]:
    """`ggzy-national serve` of each demo platform, on the port GGZY_NATIONAL_PLATFORMS names."""
    folder = Path(settings.GGZY_DEMO_NATIONAL_DIR)
    found = []
    for code, url in configured_platforms().items():
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
            ]
        )
    return found


def serve_commands() -> list[tuple[str, list[str]]]:
    """For `ggzy serve` (settings.GGZY_SERVE_ALSO): the demo platforms, made if missing, as named
    processes (their passphrase from GGZY_NATIONAL_PASSPHRASE, which `make demo` exports)."""
    if ensure() is None:
        return []
    return [(f"national platform {Path(command[3]).name}", command) for command in commands()]
