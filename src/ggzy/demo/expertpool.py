"""The demo's provincial comprehensive evaluation-expert pool (issue 33, docs/expert-pool-interface.md): one
`ggzy-expertpool` simulator — its own folder, key, experts and port, as the province would run it —
pinning the platform's two keys, and the trust file the platform pins. Sandbox only.

    GGZY_DEMO_EXPERTPOOL_DIR    the folder (`make demo`: .expertpool-demo/, outside var/): the pool in a
                                subfolder named by its code in GGZY_EXPERT_POOL (ln), its experts' file and,
                                by default, the trust file
    GGZY_EXPERT_POOL            ln=http://127.0.0.1:18661 (where the platform asks it)
    GGZY_EXPERT_POOL_CENTRES    the one demo centre whose draws it makes (`make demo`: sy; ln keeps its own)
    GGZY_EXPERT_POOL_TRUST      the trust file written here (`ggzy-expertpool trust`)
    GGZY_EXPERTPOOL_PASSPHRASE  its key file's passphrase (the demo's: demo-expertpool-passphrase)

`ggzy serve` makes it if it is missing (`ensure`), pins the platform's current keys in it
(`ggzy-expertpool configure`: a database made again has new keys), loads the demo's provincial experts
(again every time: their available dates run from the present day; the pool refuses both while it is
served) and runs it beside the web server with its test controls (settings.GGZY_SERVE_ALSO names
`serve_commands`): an expert's own reply to the pool's call is POSTed to /v1/admin/answers, and the tick
job reads it (`provincial_refresh_all`). `running()` runs it (and nothing else) while `demo_load` makes the
provincial draw (`ggzy.demo.experts`).

**The experts** are the pool's, not the centre's: twenty-four persons none of the demo's users are, with
valid identity numbers (GB 11643), Liaoning regions, a title, a current employer (and for some a past one)
and the pool's own demo specialty codes. The pool takes a code of an upper-case letter and up to 15
letters or digits: the platform's `Z9A01`-style demo codes (`ggzy.demo.experts.SPECIALTIES`) are of that
form, so the pool uses the same codes (`CODES`), equally
unverified against the national classification (发改法规〔2018〕316号)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import CommandError

from ggzy.accounts.identifiers import resident_id_check_char
from ggzy.core import clock
from ggzy.demo.accounts import uscc
from ggzy.demo.simulators import Tool, processes_start, processes_stop
from ggzy.experts.services import platform_keys, pool_configured

PASSPHRASE = "demo-expertpool-passphrase"  # noqa: S105  (the demo's; printed in the Makefile)
TOOL = Tool("ggzy-expertpool", "GGZY_EXPERTPOOL_PASSPHRASE", PASSPHRASE, "The demo expert pool")
NAME = "辽宁省综合评标专家库（演示模拟）"
DEFAULT_PORT = 18661
#: The platform's demo specialty code → the pool's (its codes have no hyphen: see the module).
CODES = {
    "Z9A01": "Z9A01",
    "Z9A02": "Z9A02",
    "Z9A03": "Z9A03",
    "Z9A04": "Z9A04",
    "Z9B01": "Z9B01",
}
EXPERTS = 24
#: Days before and after the present day (Asia/Shanghai) each expert is available on.
AVAILABLE_BEFORE, AVAILABLE_AFTER = 7, 120
FAMILY = "张王李赵陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ("志强", "秀英", "建军", "丽娟", "海涛", "春梅", "国庆", "晓东", "玉兰", "德明", "红霞", "文斌")
TITLES = ("高级工程师", "正高级工程师", "高级经济师", "高级工程师")
#: Employers of the pool's experts that are no party to the demo's trades: (credit-code serial, region,
#: kind, name). Serials of their own (71… to 76… are the demo's other organisations').
EMPLOYERS = (
    (77000001, "210100", "91", "辽宁省城乡建设规划设计院有限责任公司"),
    (77000002, "210200", "91", "大连市建筑设计研究院有限公司"),
    (77000003, "210300", "91", "鞍山市政设计研究院有限公司"),
    (77000004, "210100", "12", "沈阳工业大学"),
    (77000005, "210400", "91", "抚顺市工程造价咨询有限公司"),
    (77000006, "210700", "91", "锦州市水利勘测设计院有限公司"),
)
#: Liaoning regions (GB/T 2260) they live and work in.
REGIONS = (
    "210102", "210104", "210106", "210202", "210211", "210302", "210402", "210502", "210603", "210702",
    "210802", "210902", "211002", "211102", "211202", "211302", "211402",
)  # fmt: skip


def _id_number(n: int, region: str) -> str:
    """A valid identity number (GB 11643) of the pool's n-th expert, born 1962–1986."""
    first17 = f"{region}{1962 + n % 25}{n % 12 + 1:02d}{n % 27 + 1:02d}{600 + n:03d}"
    return first17 + resident_id_check_char(first17)


def experts(today: dt.date) -> list[dict[str, Any]]:
    """The pool's demo experts as `ggzy-expertpool load` takes them (docs: ggzy_expertpool.records)."""
    available = [
        (today + dt.timedelta(days=d)).isoformat() for d in range(-AVAILABLE_BEFORE, AVAILABLE_AFTER + 1)
    ]
    found = []
    for n in range(EXPERTS):
        region = REGIONS[n % len(REGIONS)]
        codes = ["Z9A01"] if n % 2 == 0 else ["Z9A04"] if n % 4 == 1 else ["Z9A02"]
        if n % 6 == 3:  # noqa: PLR2004
            codes.append("Z9A03")
        serial, where, kind, employer = EMPLOYERS[n % len(EMPLOYERS)]
        born = 1962 + n % 25
        history = []
        if n % 5 == 2:  # noqa: PLR2004  (a past employer, with its dates)
            past_serial, past_where, past_kind, past = EMPLOYERS[(n + 1) % len(EMPLOYERS)]
            history.append(
                {
                    "uscc": uscc(past_serial, past_where, past_kind),
                    "name": past,
                    "from": f"{born + 24}-07-01",
                    "to": "2012-06-30",
                }
            )
        found.append(
            {
                "id": f"LN{n + 1:05d}",
                "name": FAMILY[n % len(FAMILY)] + GIVEN[n % len(GIVEN)],
                "id_number": _id_number(n, region),
                "phone": f"137{52000000 + n * 7919:08d}",
                "specialties": codes,
                "region": region,
                "title": TITLES[n % len(TITLES)],
                "employer": {
                    "uscc": uscc(serial, where, kind),
                    "name": employer,
                    "from": "2012-07-01" if history else f"{born + 24}-07-01",
                },
                "history": history,
                "status": "suspended" if n == EXPERTS - 1 else "active",
                "available": available,
            }
        )
    return found


def ensure() -> Path | None:
    """Make the demo pool (`ggzy-expertpool init`: its own key) unless it exists, configure it with the
    platform's two keys (every time: a database made again has new keys), load the demo experts, and
    write the trust file. The demo folder; None outside the sandbox, without GGZY_DEMO_EXPERTPOOL_DIR or
    without GGZY_EXPERT_POOL. Needs the migrated database (the platform's keys)."""
    found = pool_configured()
    if not settings.GGZY_DEMO_EXPERTPOOL_DIR or not settings.GGZY_SANDBOX or found is None:
        return None
    code, _url = found
    folder = Path(settings.GGZY_DEMO_EXPERTPOOL_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    pool = folder / code
    if not (pool / "state.json").exists():
        TOOL.run([TOOL.path(), "init", "--dir", str(pool), "--name", NAME], pool)
    keys = platform_keys()
    TOOL.run(
        [
            TOOL.path(),
            "configure",
            "--dir",
            str(pool),
            "--platform-key",
            keys["platform_key"],
            "--platform-encryption-key",
            keys["platform_encryption_key"],
        ],
        pool,
    )
    batch = folder / "experts.json"
    batch.write_text(
        json.dumps({"experts": experts(clock.local_now().date())}, ensure_ascii=False, indent=1), "utf-8"
    )
    TOOL.run([TOOL.path(), "load", "--dir", str(pool), str(batch)], pool)
    trust_file = Path(settings.GGZY_EXPERT_POOL_TRUST or folder / "trust.json")
    TOOL.run([TOOL.path(), "trust", "--out", str(trust_file), f"{code}={pool}"], folder)
    return folder


def serve_commands() -> list[tuple[str, list[str]]]:
    """For `ggzy serve` (settings.GGZY_SERVE_ALSO): the demo pool, made, configured and loaded, as a named
    process with its test controls (its passphrase from GGZY_EXPERTPOOL_PASSPHRASE, which `make demo`
    exports), on the host and port GGZY_EXPERT_POOL names."""
    folder = ensure()
    found = pool_configured()
    if folder is None or found is None:
        return []
    code, url = found
    parts = urlsplit(url)
    command = [
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
    return [(f"expert pool {code}", command)]


def answer(url: str, *, draw: str, expert: str, reply: str) -> None:
    """An expert's own reply ("accept", "decline") to the pool's call, given to the pool as the expert
    would by phone (its test control POST /v1/admin/answers): the platform learns it from the pool's
    signed state (`provincial_refresh`)."""
    body = {"draw": draw, "expert": expert, "answer": reply, "channel": "call"}
    request = urllib.request.Request(  # noqa: S310  (the demo's own pool, on this machine)
        url + "/v1/admin/answers", data=json.dumps(body).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            return
    except (OSError, urllib.error.HTTPError) as exc:
        raise CommandError(f"The demo expert pool at {url} did not take the answer ({exc})") from exc


@contextmanager
def running() -> Iterator[str | None]:
    """The demo pool serving (the same command line as `ggzy serve`'s) for the length of the block, then
    stopped: its URL; None (nothing started) outside the sandbox or without the demo pool configured."""
    named = serve_commands()
    found = pool_configured()
    if not named or found is None:
        yield None
        return
    processes = processes_start(named, TOOL.env())
    try:
        yield found[1]
    finally:
        processes_stop(processes)
