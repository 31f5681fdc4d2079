"""The custodian tests' helpers and their one world, built once: three custodians made with
`ggzy-custodian init`, a supervising department, the platform's notice and opening keys and the witness
log's pins, the custodian set v2 (k = 2, n = 3) signed by all with `sign-set` and put together with
`assemble`, a test CA with two bidders (and a stranger CA with a third), each with its release key
bound to its signing certificate (as packages/ggzy-sm/tests/sealing_world.py makes them)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import http.client
import io
import json
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ggzy_custodian.cli import main
from ggzy_custodian.service import Custodian, CustodianServer
from ggzy_sm import custodians, sealedbid, x509
from ggzy_sm.custodians import SignedCustodianSet, Trust
from ggzy_sm.keys import load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey
from ggzy_sm.witness import WitnessTrust

PASSPHRASE = "custodian-test-passphrase"  # noqa: S105  (a test key file's passphrase)
ITERATIONS = "1000"
TENDER_PROJECT = "A2101002026000001001"
SECTION = "A2101002026000001001001"
OTHER_SECTION = "A2101002026000001001002"
SHEET = {"schema": "ggzy-opening-sheet-v1", "price": {"kind": "amount", "fen": 1234567800}}
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DEADLINE = NOW + dt.timedelta(days=1)  # of the in-process bids; the clock is injected
SECOND, MINUTE, HOUR = dt.timedelta(seconds=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)


def run(*argv: str) -> tuple[int, str, str]:
    """`ggzy-custodian argv…` in this process: (exit status, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


@dataclass(frozen=True)
class Holder:
    """A certificate holder: a bidder (CA-issued, with its bound release key) or the supervising
    department (self-issued)."""

    code: str
    sign_key: Sm2PrivateKey
    release: Sm2PrivateKey
    sign_der: bytes
    release_key: dict[str, str]  # the header's field: the release key and its binding


def _issue_holder(code: str, ca_key: Sm2PrivateKey, ca_name: dict[str, str]) -> Holder:
    sign_key, release = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
    der = x509.issue(
        issuer_key=ca_key,
        issuer=ca_name,
        subject={"common_name": f"Bidder {code}", "serial_number": code},
        public_key=sign_key.public_key,
        serial=secrets.randbits(63) | 1,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=30),
        usage="signing",
    )
    return Holder(code, sign_key, release, der, sealedbid.release_key_bind(release.public_key, sign_key, der))


def _ca(name: str) -> tuple[Sm2PrivateKey, dict[str, str], bytes]:
    key, subject = Sm2PrivateKey.generate(), {"common_name": name, "organization_name": name}
    der = x509.issue(
        issuer_key=key,
        issuer=subject,
        subject=subject,
        public_key=key.public_key,
        serial=1,
        not_before=NOW - dt.timedelta(days=2),
        not_after=NOW + dt.timedelta(days=365),
        usage="ca",
    )
    return key, subject, der


class Clock:
    """The custodian's clock, set by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class World:
    base: Path
    states: list[Path]  # custodians 1 … 3
    keys: list[tuple[Sm2PrivateKey, Sm2PrivateKey]]  # their (signing, encryption) keys, for other sets
    supervisor: Holder
    supervisor_key_path: Path  # the supervising department's key file (PASSPHRASE)
    body: dict[str, Any]
    signed: dict[str, Any]
    signed_path: Path
    cset: SignedCustodianSet
    root_path: Path
    trust: Trust
    bidders: list[Holder]  # two of the test CA
    stranger: Holder  # of a CA no custodian trusts
    opening_key: Sm2PrivateKey  # the platform's: in the set
    notice_key: Sm2PrivateKey  # the platform's: in the set, valid from a day before NOW, no end
    other_key: Sm2PrivateKey  # someone else's

    def header(
        self, bidder: Holder, deadline: dt.datetime = DEADLINE, cset: SignedCustodianSet | None = None
    ) -> tuple[dict[str, Any], bytes]:
        """A sealed bid's signed header (ggzy-bid-v2, its custodian envelope for the set), and its DEK."""
        cset = cset or self.cset
        dek = secrets.token_bytes(16)
        header = sealedbid.seal(
            target=self.base / f"{secrets.token_hex(4)}.ggzybid",
            binding=sealedbid.Binding(
                tender_project=TENDER_PROJECT, section=SECTION, bidder=bidder.code, deadline=deadline
            ),
            opening_sheet=SHEET,
            documents=[],
            signing_key=bidder.sign_key,
            signing_certificate=bidder.sign_der,
            release_key=bidder.release_key,
            custodians=cset,
            _dek=(dek, secrets.token_bytes(7)),
        )
        assert header["custodians"]["set"] == cset.fingerprint
        return header, dek

    @staticmethod
    def signed_header(unsigned: dict[str, Any], bidder: Holder) -> dict[str, Any]:
        unsigned = {k: v for k, v in unsigned.items() if k != "signature"}
        return {**unsigned, "signature": bidder.sign_key.sign("ggzy-bid-v2", unsigned).hex()}

    def notice(
        self,
        opening_at: dt.datetime,
        *,
        deadline: dt.datetime | None = None,
        key: Sm2PrivateKey | None = None,
        issued_at: dt.datetime = NOW,
        section: str = SECTION,
        transitions: Sequence[dict[str, Any]] = (),
        cset: SignedCustodianSet | None = None,
    ) -> dict[str, Any]:
        """A notice of the section's deadline (the opening time, unless given) and opening time, by the
        platform's notice key unless another is given."""
        return custodians.notice_make(
            key or self.notice_key,
            (cset or self.cset).fingerprint,
            section,
            deadline or opening_at,
            opening_at,
            issued_at,
            transitions,
        )

    def custodian(self, index: int, folder: Path, **overrides: Any) -> Custodian:
        """Custodian `index` opened on a copy of its state folder (a log and notices of its own)."""
        state = folder / f"custodian-{index}"
        if not state.exists():
            shutil.copytree(self.states[index - 1], state)
        options: dict[str, Any] = {"trust": self.trust}
        return Custodian.open(state, PASSPHRASE, self.signed, index, **{**options, **overrides})

    def write(self, name: str, data: Any) -> Path:
        path = self.base / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    @staticmethod
    def check(header: dict[str, Any]) -> Any:
        """The key commitment check combine() needs."""
        return lambda key: hmac.compare_digest(sealedbid.commitment(key), header["key_commitment"])


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("custodians")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GGZY_CUSTODIAN_PASSPHRASE", PASSPHRASE)
        names = [
            "Shenyang Trading Centre",
            "Shenyang Development and Reform Commission",
            "Shenyang Notary Office",
        ]
        states = []
        for i, name in enumerate(names, start=1):
            state = base / f"state-{i}"
            status, out, err = run("init", "--state", str(state), "--name", name, "--iterations", ITERATIONS)
            assert status == 0, err
            states.append(state)
        keys = [
            (load_key_file(s / "signing.key", PASSPHRASE), load_key_file(s / "encryption.key", PASSPHRASE))
            for s in states
        ]
        sup_key = Sm2PrivateKey.generate()
        sup_name = {"common_name": "Supervising department", "organization_name": "Supervising department"}
        sup_der = x509.issue(
            issuer_key=sup_key,
            issuer=sup_name,
            subject=sup_name,
            public_key=sup_key.public_key,
            serial=7,
            not_before=NOW,
            not_after=NOW + dt.timedelta(days=3650),
            usage="signing",
        )
        supervisor = Holder("supervisor", sup_key, sup_key, sup_der, {})
        supervisor_key_path = base / "supervisor.key"
        write_key_file(sup_key, supervisor_key_path, PASSPHRASE, int(ITERATIONS))
        opening_key, notice_key = Sm2PrivateKey.generate(), Sm2PrivateKey.generate()
        body = custodians.set_body(
            centre="Shenyang public resource trading centre",
            k=2,
            custodians=[
                (
                    name,
                    f"https://custodian-{i}.example.cn",
                    (s / "signing.cer").read_bytes(),
                    (s / "encryption.cer").read_bytes(),
                )
                for i, (name, s) in enumerate(zip(names, states, strict=True), start=1)
            ],
            supervisor=("Supervising department", sup_der),
            demo=False,
            notice_keys=[(notice_key.public_key, NOW - dt.timedelta(days=1), None)],
            opening_key=opening_key.public_key,
            witness_trust=WitnessTrust(
                operator_keys=(Sm2PrivateKey.generate().public_key,),
                cosigners=(
                    ("见证方 1", Sm2PrivateKey.generate().public_key),
                    ("见证方 2", Sm2PrivateKey.generate().public_key),
                ),
                threshold=2,
            ),
        )
        body_path = base / "body.json"
        body_path.write_text(json.dumps(body), encoding="utf-8")
        signatures = []
        for i, state in enumerate(states, start=1):
            status, out, err = run("sign-set", "--state", str(state), "--body", str(body_path), "--yes")
            assert status == 0, err
            assert "<- this custodian" in err
            signatures.append(f"{i}={out.strip()}")
        signatures.append(f"supervisor={custodians.set_sign(body, sup_key)}")
        signed_path = base / "signed.json"
        args = [a for s in signatures for a in ("--signature", s)]
        status, out, err = run("assemble", "--body", str(body_path), *args, "--out", str(signed_path))
        assert status == 0, err
        signed = json.loads(signed_path.read_text(encoding="utf-8"))
        ca_key, ca_name, ca_der = _ca("Test CA")
        root_path = base / "ca.cer"
        root_path.write_bytes(ca_der)
        stranger_key, stranger_name, _stranger_der = _ca("Stranger CA")
        yield World(
            base=base,
            states=states,
            keys=keys,
            supervisor=supervisor,
            supervisor_key_path=supervisor_key_path,
            body=body,
            signed=signed,
            signed_path=signed_path,
            cset=custodians.set_verify(signed),
            root_path=root_path,
            trust=Trust(roots=[ca_der], intermediates=[], crls=[]),
            bidders=[
                _issue_holder("91210100730000017Q", ca_key, ca_name),
                _issue_holder("91210100730000025X", ca_key, ca_name),
            ],
            stranger=_issue_holder("91210100730000033R", stranger_key, stranger_name),
            opening_key=opening_key,
            notice_key=notice_key,
            other_key=Sm2PrivateKey.generate(),
        )


@pytest.fixture
def passphrase_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_CUSTODIAN_PASSPHRASE", PASSPHRASE)


@contextlib.contextmanager
def serving(custodian: Custodian, clock: Clock) -> Iterator[str]:
    """The custodian's HTTP service in this process with an injected clock; yields its URL."""
    server = CustodianServer(custodian, "127.0.0.1", 0, clock=clock)
    server.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()


def call_raw(
    url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str | None = None,
) -> tuple[int, bytes]:
    """(status, body bytes) of one HTTP request to a custodian (from the address `source`, if given)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=10, source_address=(source, 0) if source else None
    )
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    sent = {"Content-Type": "application/json"} if data is not None else {}
    try:
        connection.request(method, path, body=data, headers={**sent, **(headers or {})})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    return response.status, payload


def call(url: str, method: str, path: str, body: Any = None, **options: Any) -> tuple[int, Any]:
    """(status, JSON body) of one HTTP request to a custodian."""
    status, payload = call_raw(url, method, path, body, **options)
    return status, json.loads(payload) if payload else None


def register(url: str, header: dict[str, Any], notices: Sequence[Any]) -> tuple[int, Any]:
    """POST /ack of the header's ciphertext, with `notices` (what the bidder's tool sends)."""
    return call(url, "POST", "/ack", custodians.ack_request_make(header, notices))


def log_lines(custodian: Custodian) -> list[dict[str, Any]]:
    path = custodian.folder / "log.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
