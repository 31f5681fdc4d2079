"""Guarantee issuers as the securities tests run them: `ggzy-guarantee init` / `trust` / `serve
--test-controls` — a bank, an insurer and a guarantee company, each a process of its own with its own
folder, keys, CA root and port, pinning the platform's request key — and a fourth issuer whose root the
platform does **not** trust (it is left out of the trust file). The platform is pointed at them
(GGZY_GUARANTEE_ISSUERS, GGZY_GUARANTEE_TRUST).

A served process answers by the machine's clock; a claim must fall inside the guarantee's cover by the
issuer's own clock, and the trade's cover is in 2026 (the frozen test clock). So the issuer the claim
tests use (`claims`, a guarantee company) is served in this process (`ggzy_guarantee.service`, the
same code `serve` runs) on a clock that follows the platform's frozen one — its certificate made before
the trade begins. It is in the trust file and configured like the others."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy.core import clock, keystore
from ggzy.core.models import Purpose
from ggzy.securities.bank import platform_key_hex
from ggzy_guarantee import state
from ggzy_guarantee.service import GuaranteeServer
from ggzy_guarantee.service import Issuer as IssuerService
from ggzy_sm import guarantees
from tests.outside import BIN, free_port, serving_on

PASSPHRASE = "guarantee test passphrase"
ITERATIONS = "1000"
#: (kind, name, unified social credit code) of each issuer the tests run
WHO = {
    "bank": ("bank", "示例银行股份有限公司（模拟）", "91110000100000001B"),
    "insurer": ("insurer", "示例财产保险股份有限公司（模拟）", "91110000100000002I"),
    "guarantor": ("guarantor", "示例融资担保有限公司（模拟）", "91210100100000003G"),
    "rogue": ("bank", "未经认可的银行（模拟）", "91110000100000009R"),
    "claims": ("guarantor", "示例非融资担保有限公司（模拟）", "91210100100000004C"),
}
PROCESSES = ("bank", "insurer", "guarantor", "rogue")
TRUSTED = ("bank", "insurer", "guarantor", "claims")
CLAIMS_MADE_AT = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)  # before the trade's 2026-03-02


def _env() -> dict[str, str]:
    return {**os.environ, "GGZY_GUARANTEE_PASSPHRASE": PASSPHRASE}


def _cli(*args: str | Path) -> str:
    done = subprocess.run(
        [str(BIN / "ggzy-guarantee"), *map(str, args)],
        capture_output=True, text=True, timeout=120, check=False, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310  (the test's issuer)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@dataclass
class IssuerRun:
    """One issuer: its folder, identity and URL; a served process, or (claims) a server in this one."""

    key: str
    kind: str
    name: str
    code: str
    folder: Path
    url: str = ""
    process: subprocess.Popen[str] | None = None
    server: GuaranteeServer | None = None

    def control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, reply = http("POST", self.url + path, body)
        assert status == 200, (path, status, reply)
        found: dict[str, Any] = reply
        return found

    def review(
        self, application: str, decision: str = "approve", reason: str | None = None
    ) -> dict[str, Any]:
        asked: dict[str, Any] = {"application": application, "decision": decision}
        if reason is not None:
            asked["reason"] = reason
        return self.control("/v1/admin/review", asked)

    def pay(self, application: str) -> dict[str, Any]:
        return self.control("/v1/admin/pay", {"application": application})

    def rules(self, **rules: Any) -> dict[str, Any]:
        return self.control("/v1/admin/rules", rules)

    def fail_next(self, count: int) -> None:
        self.control("/v1/admin/fail-next", {"count": count})

    def guarantee(self, number: str) -> dict[str, Any]:
        status, reply = http("GET", f"{self.url}/v1/guarantees/{number}")
        assert status == 200, (status, reply)
        found: dict[str, Any] = reply
        return found

    def issue(self, fields: dict[str, Any]) -> dict[str, Any]:
        """A guarantee this issuer made for `fields` (an `apply` request's), asked for directly with the
        platform's key, as a bidder's own dealings with an issuer would get it: applied, approved, paid,
        then read by its number."""
        _id, key = keystore.signing_key(Purpose.SECURITY_REQUEST)
        status, reply = http(
            "POST", self.url + "/v1/apply", guarantees.request_make(key, "apply", self.code, fields)
        )
        assert status == 200, (status, reply)
        application = fields["application"]
        self.review(application)
        paid = self.pay(application)
        return self.guarantee(paid["guarantee_number"])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server.simulator.close()
            self.server = None


@dataclass
class GuaranteeWorld:
    folder: Path
    trust_file: Path
    issuers: dict[str, IssuerRun] = field(default_factory=dict)

    def __getitem__(self, key: str) -> IssuerRun:
        return self.issuers[key]

    def configure(self, settings: Any, *keys: str) -> None:
        """Point the platform at the issuers `keys` (GGZY_GUARANTEE_ISSUERS); the trust file stays."""
        settings.GGZY_GUARANTEE_ISSUERS = ",".join(f"{self[k].code}={self[k].url}" for k in keys)
        settings.GGZY_GUARANTEE_TRUST = str(self.trust_file)

    def stop_all(self) -> None:
        for run in self.issuers.values():
            run.stop()


def start(folder: Path, settings: Any, *, configured: tuple[str, ...] = TRUSTED) -> GuaranteeWorld:
    """The issuers made, the trust file written (without the rogue), the processes serving and the claims
    issuer served here; the platform configured with `configured`. The caller stops them (`stop_all`)."""
    folder.mkdir(parents=True, exist_ok=True)
    platform = platform_key_hex()
    world = GuaranteeWorld(folder, folder / "trust.json")
    inits = []
    for key in PROCESSES:
        kind, name, code = WHO[key]
        world.issuers[key] = IssuerRun(key, kind, name, code, folder / key)
        argv = [
            str(BIN / "ggzy-guarantee"), "init", "--dir", str(folder / key), "--kind", kind, "--name", name,
            "--code", code, "--platform", platform, "--iterations", ITERATIONS,
        ]  # fmt: skip
        inits.append(
            subprocess.Popen(argv, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    for made in inits:
        _out, err = made.communicate(timeout=120)
        assert made.returncode == 0, err
    kind, name, code = WHO["claims"]
    pinned = keystore.signing_key(Purpose.SECURITY_REQUEST)[1].public_key
    state.init(
        folder / "claims", kind=kind, name=name, code=code, passphrase=PASSPHRASE,
        iterations=int(ITERATIONS), now=CLAIMS_MADE_AT, rules={}, platforms=(pinned,),
    )  # fmt: skip
    world.issuers["claims"] = IssuerRun("claims", kind, name, code, folder / "claims")
    _cli("trust", "--out", world.trust_file, *(folder / key for key in TRUSTED))
    try:
        for key in PROCESSES:
            world[key].process = subprocess.Popen(
                [
                    str(BIN / "ggzy-guarantee"), "serve", "--dir", str(folder / key), "--test-controls",
                    "--port", str(free_port()),
                ],
                env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        for key in PROCESSES:
            process = world[key].process
            assert process is not None
            world[key].url = serving_on(process, f"issuer {key}")
        service = IssuerService.open(folder / "claims", PASSPHRASE, test_controls=True)
        server = GuaranteeServer(service, port=0, clock=clock.now)  # the platform's (frozen) clock
        server.start()
        world["claims"].server, world["claims"].url = server, server.url
    except BaseException:
        world.stop_all()
        raise
    world.configure(settings, *configured)
    return world


def apply_fields(
    section: Any, organisation: Any, initiator: Any, application: str, /, **overrides: Any
) -> dict[str, Any]:
    """The fields of an `apply` request as the platform would send them for `section` (the trade's
    requirement: ¥100,000 from 2026-03-02 to the end of the bid validity, 2026-06-23)."""
    fields: dict[str, Any] = {
        "application": application,
        "section": section.code,
        "tender_project": section.tender_project.code,
        "applicant": {"code": organisation.uscc, "name": organisation.name},
        "beneficiary": {"code": initiator.uscc, "name": initiator.name},
        "amount_fen": 10_000_000,
        "cover_from": "2026-03-02",
        "cover_until": "2026-06-23",
    }
    return {**fields, **overrides}
