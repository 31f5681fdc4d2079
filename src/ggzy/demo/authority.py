"""The demo's authority registry: one `ggzy-authority` simulator standing in for the housing ministry's
enterprise qualifications and registered professionals (四库一平台) and market regulation's electronic
business licence — its own folder, key and port, as the outside party would run it — and the trust file
the platform pins. Sandbox only.

    GGZY_DEMO_AUTHORITY_DIR    the folder (`make demo`: .authority-demo/, outside var/): the authority in
                               a subfolder named by GGZY_AUTHORITY_CODE (moha), the records it was last
                               given (demo-records.json) and, by default, the trust file
    GGZY_AUTHORITY_URL         http://127.0.0.1:18621 (where the platform asks it)
    GGZY_AUTHORITY_TRUST       the trust file written here (`ggzy-authority trust`)
    GGZY_AUTHORITY_PASSPHRASE  its key file's passphrase (the demo's: demo-authority-passphrase)

`ggzy serve` makes it if it is missing (`ensure`), gives it the demo's records (`library.AUTHORITY_RECORDS`:
what the demo bidders' libraries hold, counted from the day they were loaded, with one level that differs
and one professional registered elsewhere) and runs it beside the web server (settings.GGZY_SERVE_ALSO
names `serve_commands`): a bidder's "verify" on a library entry then asks it. `demo_load` does not need
it: nothing is verified while the demo loads."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from ggzy.demo.simulators import Tool
from ggzy_sm.files import write_atomic

PASSPHRASE = "demo-authority-passphrase"  # noqa: S105  (the demo's; printed in the Makefile)
TOOL = Tool("ggzy-authority", "GGZY_AUTHORITY_PASSPHRASE", PASSPHRASE, "The demo authority", served=False)
NAME = "住房和城乡建设部及市场监管电子营业执照（演示模拟）"
DEFAULT_PORT = 18621
RECORDS_FILE = "demo-records.json"


def code() -> str:
    """The name the platform gives the authority (its entry in the trust file)."""
    return str(settings.GGZY_AUTHORITY_CODE or "moha")


def ensure() -> Path | None:
    """Make the demo authority (`ggzy-authority init`: its own key) unless it exists, write the trust file
    naming it, and give it the demo's records (`ggzy-authority load`: merged, each record replacing its
    earlier version, so running this again changes nothing). The authority's folder; None outside the
    sandbox or without GGZY_DEMO_AUTHORITY_DIR."""
    if not settings.GGZY_DEMO_AUTHORITY_DIR or not settings.GGZY_SANDBOX:
        return None
    from ggzy.demo import library

    folder = Path(settings.GGZY_DEMO_AUTHORITY_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    authority = folder / code()
    if not (authority / "state.json").exists():
        TOOL.run([TOOL.path(), "init", "--dir", str(authority), "--name", NAME], authority)
    trust_file = Path(settings.GGZY_AUTHORITY_TRUST or folder / "trust.json")
    TOOL.run([TOOL.path(), "trust", "--out", str(trust_file), f"{code()}={authority}"], folder)
    records = folder / RECORDS_FILE
    write_atomic(records, json.dumps(library.AUTHORITY_RECORDS(), ensure_ascii=False, indent=1) + "\n")
    TOOL.run([TOOL.path(), "load", "--dir", str(authority), str(records)], authority)
    return authority


def command(authority: Path) -> list[str]:
    """`ggzy-authority serve` of the demo authority, on the host and port GGZY_AUTHORITY_URL names."""
    parts = urlsplit(str(settings.GGZY_AUTHORITY_URL))
    return [
        TOOL.path(),
        "serve",
        "--dir",
        str(authority),
        "--host",
        parts.hostname or "127.0.0.1",
        "--port",
        str(parts.port or DEFAULT_PORT),
    ]


def serve_commands() -> list[tuple[str, list[str]]]:
    """For `ggzy serve` (settings.GGZY_SERVE_ALSO): the demo authority, made and given its records, as a
    named process (its passphrase from GGZY_AUTHORITY_PASSPHRASE, which `make demo` exports). Nothing
    without GGZY_AUTHORITY_URL: the platform would not ask it."""
    if not settings.GGZY_AUTHORITY_URL:
        return []
    authority = ensure()
    if authority is None:
        return []
    return [(f"authority {authority.name}", command(authority))]
