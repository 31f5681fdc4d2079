"""The bidder's client tests' world (a unique module name: the suite has other helper modules), built
once: three fake custodians over real HTTP on 127.0.0.1, a supervising department, the platform's notice
and opening keys and the witness pins, the 2-of-3 custodian set v2 they sign (its members' addresses are
the fake custodians'), a test CA and a bidder.

The fake custodians are a test double of the three endpoints the client calls (docs/sealed-bid-format.md
§9) — GET /notice?section=, GET /time?nonce=, POST /ack — on `ggzy_sm.jsonservice.JsonServer`, the
framework the real services use, answering with `ggzy_sm.custodians`' own functions (latest_notice,
time_statement, ack_answer) by a clock each test sets: the real custodian service is being changed
meanwhile. (The framework hands a GET route only the time, not the query, so the double's handler reads
the query itself.) Each one can also be made to misbehave: `mode` "offline" (drops the connection),
"unavailable" (503 with a reason), "forged" (signs its time with a key not in the set), "replayed"
(signs another nonce), "foreign-ack" (acknowledges another ciphertext).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from ggzy_bid import custodian_client
from ggzy_sm import custodians, jsonservice, x509
from ggzy_sm.custodians import CustodianError, SignedCustodianSet
from ggzy_sm.jsonservice import JsonHandler, JsonServer, Reply, not_found
from ggzy_sm.keys import write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.witness import WitnessTrust

PASSPHRASE = "holder-passphrase"  # noqa: S105  (test key files')
SECTION = "A2101002026000001001001"
BIDDER_CODE = "91210100730000017Q"
DEADLINE = dt.datetime(2026, 12, 20, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing
OPENING = DEADLINE + dt.timedelta(minutes=30)
BEFORE = DEADLINE - dt.timedelta(days=1)  # the custodians' (and the PC's) clock unless a test sets it
ISSUED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
VALID = (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
SECOND, MINUTE, HOUR, DAY = (dt.timedelta(**{unit: 1}) for unit in ("seconds", "minutes", "hours", "days"))
SHEET = {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 880000000}}


def self_issued(key: Sm2PrivateKey, name: str, usage: x509.Usage) -> bytes:
    return x509.issue(
        issuer_key=key, issuer={"common_name": name}, subject={"common_name": name},
        public_key=key.public_key, serial=int.from_bytes(key.public_key.point[1:9], "big"),
        not_before=VALID[0], not_after=VALID[1], usage=usage,
    )  # fmt: skip


@dataclass(frozen=True)
class Member:
    name: str
    signing: Sm2PrivateKey
    encryption: Sm2PrivateKey
    signing_der: bytes
    encryption_der: bytes


def member(name: str) -> Member:
    signing, encryption = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    return Member(
        name,
        signing,
        encryption,
        self_issued(signing, name, "signing"),
        self_issued(encryption, name, "encryption"),
    )


# --- the fake custodians ----------------------------------------------------------------------------------


@dataclass
class FakeCustodian:
    """Custodian `index` of the set: its notices, its clock and how it behaves, all the test's."""

    index: int
    member: Member
    cset: SignedCustodianSet | None = None
    notices: list[dict[str, Any]] = field(default_factory=list)
    at: dt.datetime = BEFORE
    mode: str = "ok"
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path and query) as asked
    bodies: list[bytes] = field(default_factory=list)  # of POST /ack, as sent

    def clock(self) -> dt.datetime:
        return self.at

    def reset(self, notices: list[dict[str, Any]]) -> None:
        self.cset = CSET
        self.notices, self.at, self.mode, self.requests, self.bodies = list(notices), BEFORE, "ok", [], []

    # the JsonApplication protocol (GET is read by FakeHandler, with its query)
    def get_routes(self) -> dict[str, jsonservice.GetRoute]:
        return {}

    def post_routes(self) -> dict[str, jsonservice.PostRoute]:
        return {"/ack": self.ack}

    def refused(self, reply: Reply, *, now: dt.datetime, remote: str) -> Reply:
        return reply

    def get(self, path: str, query: dict[str, str], now: dt.datetime) -> Reply:
        assert self.cset is not None
        if path == "/notice":
            notice = custodians.latest_notice(self.notices, self.cset, query.get("section", ""))
            return not_found("no notice for the section") if notice is None else Reply(HTTPStatus.OK, notice)
        if path == "/time":
            nonce = query.get("nonce", "")
            key = self.member.signing
            if self.mode == "forged":
                key = Sm2PrivateKey.generate()
            if self.mode == "replayed":
                nonce = custodians.time_nonce()
            try:
                return Reply(HTTPStatus.OK, custodians.time_statement(key, self.index, nonce, now))
            except CustodianError as exc:
                return Reply(HTTPStatus.BAD_REQUEST, {"reason": exc.reason, "message": str(exc)})
        return not_found("GET /notice or /time")

    def ack(self, raw: bytes, *, now: dt.datetime, remote: str) -> Reply:
        assert self.cset is not None
        self.bodies.append(raw)
        try:
            request = json.loads(raw)
            if self.mode == "foreign-ack":
                request["ciphertext_sm3"] = "ab" * 32
            ack = custodians.ack_answer(
                request, self.cset, self.index, self.member.signing, self.notices, now
            )
        except CustodianError as exc:
            status = {"late": HTTPStatus.CONFLICT, "malformed": HTTPStatus.BAD_REQUEST}.get(
                exc.reason, HTTPStatus.UNPROCESSABLE_ENTITY
            )
            return Reply(status, {"reason": exc.reason, "message": str(exc)})
        return Reply(HTTPStatus.OK, ack)


class FakeHandler(JsonHandler):
    server: FakeServer
    server_version = "ggzy-fake-custodian/1"

    def _misbehaves(self) -> bool:
        app = self.server.app
        self.server.app.requests.append((self.command, self.path))
        if app.mode == "offline":
            self.close_connection = True  # nothing answered: the connection drops
            return True
        if app.mode == "unavailable":
            self.close_connection = True
            body = {"reason": "unavailable", "message": "the custodian is down for maintenance"}
            self.send_reply(Reply(HTTPStatus.SERVICE_UNAVAILABLE, body))
            return True
        return False

    def do_GET(self) -> None:  # noqa: N802  (the base class's name)
        if not self._misbehaves():
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            self.send_reply(self.server.app.get(parts.path, query, self.server.now()))

    def do_POST(self) -> None:  # noqa: N802
        if not self._misbehaves():
            super().do_POST()


class FakeServer(JsonServer):
    handler = FakeHandler
    name = "ggzy-fake-custodian"
    owner = "the fake custodian"
    app: FakeCustodian


MEMBERS = [member(f"托管方 {i}") for i in (1, 2, 3)]
FAKES = [FakeCustodian(i, m) for i, m in enumerate(MEMBERS, start=1)]
SERVERS = [FakeServer(fake, clock=fake.clock) for fake in FAKES]
for _server in SERVERS:
    _server.start()

SUPERVISOR = member("沈阳市公共资源交易监督管理办公室")
NOTICE, OPENING_KEY, FORGER = (Sm2PrivateKey.generate() for _ in range(3))
WITNESS = WitnessTrust(
    operator_keys=(Sm2PrivateKey.generate().public_key,),
    cosigners=(("见证方 1", Sm2PrivateKey.generate().public_key),),
    threshold=1,
)


def set_body(*, demo: bool = False, version: int = 1) -> dict[str, Any]:
    return custodians.set_body(
        centre="210100",
        k=2,
        custodians=[
            (m.name, server.url, m.signing_der, m.encryption_der)
            for m, server in zip(MEMBERS, SERVERS, strict=True)
        ],
        supervisor=(SUPERVISOR.name, SUPERVISOR.signing_der),
        demo=demo,
        notice_keys=[(NOTICE.public_key, VALID[0], None)],
        opening_key=OPENING_KEY.public_key,
        witness_trust=WITNESS,
        version=version,
    )


def signed_set(body: dict[str, Any], signers: list[Sm2PrivateKey] | None = None) -> dict[str, Any]:
    keys = signers or [m.signing for m in MEMBERS]
    signatures = {str(i): custodians.set_sign(body, key) for i, key in enumerate(keys, start=1)}
    return {
        "body": body,
        "signatures": {**signatures, "supervisor": custodians.set_sign(body, SUPERVISOR.signing)},
    }


SIGNED = signed_set(set_body())
CSET = custodians.set_verify(SIGNED)
FINGERPRINT = CSET.fingerprint
for _fake in FAKES:
    _fake.cset = CSET


def notice(
    deadline: dt.datetime = DEADLINE,
    opening_at: dt.datetime | None = None,
    *,
    key: Sm2PrivateKey = NOTICE,
    issued_at: dt.datetime = ISSUED,
    section: str = SECTION,
) -> dict[str, Any]:
    """A notice of the section's deadline and opening time (30 minutes after it unless given)."""
    return custodians.notice_make(
        key, FINGERPRINT, section, deadline, opening_at or deadline + 30 * MINUTE, issued_at
    )


ANNOUNCED = notice()


class Clock:
    """This PC's clock, as the test sets it."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@dataclass
class World:
    fakes: list[FakeCustodian]
    pc: Clock

    def custodians_at(self, at: dt.datetime, *others: dt.datetime) -> None:
        """Set the custodians' clocks: all to `at`, or one each."""
        for fake, when in zip(self.fakes, [at, *others] if others else [at] * len(self.fakes), strict=True):
            fake.at = when

    def hold(self, *notices: dict[str, Any], only: int | None = None) -> None:
        """Give custodians (all, or only custodian `only`) these notices besides theirs."""
        for fake in self.fakes:
            if only is None or fake.index == only:
                fake.notices.extend(notices)

    def modes(self, *modes: str) -> None:
        for fake, mode in zip(self.fakes, modes, strict=True):
            fake.mode = mode


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The fake custodians as at the start (each holds the notice of DEADLINE, clocks at BEFORE, all
    well), and this PC's clock at BEFORE too."""
    for fake in FAKES:
        fake.reset([ANNOUNCED])
    pc = Clock(BEFORE)
    monkeypatch.setattr(custodian_client, "system_clock", pc)
    yield World(FAKES, pc)
    for fake in FAKES:
        fake.reset([ANNOUNCED])


# --- the bidder -------------------------------------------------------------------------------------------

CA = Sm2PrivateKey.generate()


def signing_certificate(key: Sm2PrivateKey, code: str = BIDDER_CODE) -> bytes:
    return x509.issue(
        issuer_key=CA, issuer={"common_name": "Test CA"},
        subject={"common_name": "天成建设", "serial_number": code}, public_key=key.public_key, serial=2,
        not_before=VALID[0], not_after=VALID[1], usage="signing",
    )  # fmt: skip


SIGN, RELEASE = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
SIGN_DER = signing_certificate(SIGN)


@dataclass(frozen=True)
class Bidder:
    folder: Path

    def __truediv__(self, name: str) -> Path:
        return self.folder / name

    @property
    def bid(self) -> Path:
        return self.folder / "bid.ggzybid"

    def seal_command(self, *more: str) -> list[str]:
        """`ggzy-bid seal` with everything a bidder gives (the set pinned), and `more`."""
        return [
            "seal", "--section", SECTION, "--bidder", BIDDER_CODE,
            "--opening-sheet", str(self / "sheet.json"), "--key", str(self / "sign.key"),
            "--certificate", str(self / "sign.cer"),
            "--release-key", str(self / "release.key"), "--custodians", str(self / "set.json"),
            "--pin", FINGERPRINT, "--out", str(self.bid), *more, str(self / "技术标.pdf"),
        ]  # fmt: skip

    def set_options(self) -> list[str]:
        return ["--custodians", str(self / "set.json"), "--pin", FINGERPRINT]

    def release_command(self, *more: str) -> list[str]:
        return [
            "release", str(self.bid), "--release-key", str(self / "release.key"),
            "--key", str(self / "sign.key"), *self.set_options(), *more,
        ]  # fmt: skip

    def files(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir())


@pytest.fixture
def bidder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Bidder:
    """A folder with the bidder's signing key and certificate, release key, opening sheet, one document
    and the signed custodian set; the passphrase in the environment."""
    (tmp_path / "sign.cer").write_bytes(SIGN_DER)
    write_key_file(SIGN, tmp_path / "sign.key", PASSPHRASE, iterations=1000)
    write_key_file(RELEASE, tmp_path / "release.key", PASSPHRASE, iterations=1000)
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.7 technical")
    (tmp_path / "sheet.json").write_text(json.dumps(SHEET), encoding="utf-8")
    (tmp_path / "set.json").write_text(json.dumps(SIGNED, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("GGZY_BID_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("GGZY_BID_RELEASE_PASSPHRASE", raising=False)
    return Bidder(tmp_path)


def no_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    """No passphrase in the environment, and asking for one fails the test."""
    import getpass

    monkeypatch.delenv("GGZY_BID_PASSPHRASE", raising=False)

    def ask(prompt: str = "") -> str:
        raise AssertionError(f"a passphrase was asked for ({prompt})")

    monkeypatch.setattr(getpass, "getpass", ask)
