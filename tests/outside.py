"""The platform's outside parties as the tests run them: real processes, each with its own keys, state
folder, port and clock (the system's) — `ggzy-cosigner serve` (the witness log's co-signers),
`ggzy-custodian serve` (the key custodians) and `ggzy-authority serve` (the authorities market entities
are looked up at) — started from the command lines their operators use."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import selectors
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ggzy.core import clock, keystore
from ggzy_sm import custodians, witness
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey

BIN = Path(sys.executable).parent
COSIGNER_PASSPHRASE = "cosigner test passphrase"
AUTHORITY_PASSPHRASE = "authority test passphrase"
SUPERVISOR = Sm2PrivateKey.generate()  # the supervising department's key the co-signers know
STARTUP = 30.0  # seconds a service may take to listen


def serving_on(process: subprocess.Popen[str], what: str) -> str:
    """The address a service prints once it listens ("… serving on URL"); its failure otherwise, with
    what it said."""
    assert process.stdout is not None
    line, said = "", []
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while "serving on" not in line:
            if not selector.select(timeout=STARTUP):
                raise RuntimeError(f"{what} did not start in {STARTUP:.0f} s: {''.join(said[-5:])}")
            line = process.stdout.readline()
            said.append(line)
            if not line and process.poll() is not None:
                raise RuntimeError(f"{what} exited ({process.returncode}): {''.join(said[-5:])}")
    return line.split("serving on ", 1)[1].strip()


#: Ports handed to the services tests start: below the kernel's ephemeral range (32768–60999 here), from
#: which every outgoing connection takes its local port — a port picked there (bind to port 0) can be taken
#: by a database or HTTP client between the pick and the service's own bind (seen: a custodian exiting 2,
#: "address in use") — and a block of its own for each xdist worker.
PORT_BASE, PORT_BLOCK = 20000, 2000
_ports = itertools.count()


def free_port() -> int:
    """A port free now that no other test of this run is handed (see PORT_BASE)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = PORT_BASE + PORT_BLOCK * (int(worker) if worker.isdigit() else 0)
    for _attempt in range(PORT_BLOCK):
        port = base + next(_ports) % PORT_BLOCK
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {base}–{base + PORT_BLOCK - 1}")


# --- the witness log's co-signers ---------------------------------------------------------------------


@dataclass
class Cosigners:
    folder: Path
    trust: witness.WitnessTrust
    trust_file: Path
    urls: dict[str, str]
    processes: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    def start(self, name: str) -> None:
        process = subprocess.Popen(
            [str(BIN / "ggzy-cosigner"), "serve", "--state", str(self.folder / name), "--port", "0"],
            env=_cosigner_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.urls[name] = serving_on(process, f"co-signer {name}")
        self.processes[name] = process

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def _cosigner_env() -> dict[str, str]:
    return {**os.environ, "GGZY_COSIGNER_PASSPHRASE": COSIGNER_PASSPHRASE}


def _cosigner_init(folder: Path, name: str, operator: str) -> Sm2PublicKey:
    tool = str(BIN / "ggzy-cosigner")
    subprocess.run(
        [
            tool, "init", "--state", str(folder / name), "--name", f"见证方{name}",
            "--operator-key", operator, "--supervisor-key", SUPERVISOR.public_key.hex(),
            "--iterations", "1000",
        ],
        env=_cosigner_env(), check=True, capture_output=True, text=True,
    )  # fmt: skip
    key = subprocess.run(
        [tool, "key", "--state", str(folder / name)],
        env=_cosigner_env(), check=True, capture_output=True, text=True,
    )  # fmt: skip
    return Sm2PublicKey.from_hex(key.stdout.strip())


def start_cosigners(folder: Path, settings: Any, threshold: int = 2) -> Cosigners:
    """Three co-signers (a, b, c; `threshold` of them pinned), running, and the platform pointed at them
    (GGZY_COSIGNERS, GGZY_WITNESS_TRUST). The caller stops them (`stop_all`)."""
    folder.mkdir(parents=True, exist_ok=True)
    operator = keystore.signing_key()[1].public_key.hex()
    keys = {name: _cosigner_init(folder, name, operator) for name in ("a", "b", "c")}
    trust = witness.WitnessTrust(
        operator_keys=(Sm2PublicKey.from_hex(operator),),
        cosigners=tuple((f"见证方{n}", k) for n, k in keys.items()),
        threshold=threshold,
        supervisor_keys=(SUPERVISOR.public_key,),
    )
    trust_file = folder / "trust.json"
    trust_file.write_text(json.dumps(trust.to_json(), ensure_ascii=False), encoding="utf-8")
    world = Cosigners(folder, trust, trust_file, {})
    for name in keys:
        world.start(name)
    settings.GGZY_COSIGNERS = ",".join(f"{n}={u}" for n, u in world.urls.items())
    settings.GGZY_WITNESS_TRUST = str(trust_file)
    return world


# --- the key custodians -------------------------------------------------------------------------------


@dataclass
class Custodians:
    """Custodians as their operators run them: `ggzy-custodian init` (keys they made themselves),
    `sign-set` (each signs the set body), `serve` (on its port, its clock, its state folder)."""

    folder: Path
    names: list[str]
    ports: list[int]
    signed: dict[str, Any]
    set_file: Path
    root_file: Path
    processes: dict[int, subprocess.Popen[str]] = field(default_factory=dict)

    @property
    def cset(self) -> custodians.SignedCustodianSet:
        return custodians.set_verify(self.signed)

    def state(self, index: int) -> Path:
        return self.folder / f"custodian-{index}"

    def passphrase(self, index: int) -> str:
        return f"custodian-{index}-passphrase"

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index - 1]}"

    def start(self, index: int) -> None:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "ggzy_custodian", "serve", "--state", str(self.state(index)),
                "--set", str(self.set_file), "--index", str(index), "--root", str(self.root_file),
                "--port", str(self.ports[index - 1]),
            ],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "GGZY_CUSTODIAN_PASSPHRASE": self.passphrase(index)},
        )  # fmt: skip
        serving_on(process, f"custodian {index}")
        self.processes[index] = process

    def stop(self, index: int) -> None:
        process = self.processes.pop(index)
        process.terminate()
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for index in list(self.processes):
            self.stop(index)

    def log(self, index: int) -> list[dict[str, Any]]:
        path = self.state(index) / "log.jsonl"
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _custodian_cli(*args: str | Path, passphrase: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ggzy_custodian", *map(str, args)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "GGZY_CUSTODIAN_PASSPHRASE": passphrase},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def make_custodians(
    folder: Path,
    *,
    centre: str,
    names: list[str],
    supervisor: tuple[str, bytes, Any],
    root: bytes,
    witness_trust: witness.WitnessTrust,
    k: int = 2,
) -> Custodians:
    """n custodians made with their own tool, the set v2 they and the supervising department signed
    (`supervisor`: name, certificate, signing key), naming the platform's notice, opening and log keys."""
    folder.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in names]
    world = Custodians(folder, names, ports, {}, folder / "set.json", folder / "root.cer")
    world.root_file.write_bytes(root)
    for index, name in enumerate(names, start=1):
        _custodian_cli(
            "init", "--state", world.state(index), "--name", name, "--iterations", "2000",
            passphrase=world.passphrase(index),
        )  # fmt: skip
    body = custodians.set_body(
        centre=centre,
        k=k,
        custodians=[
            (
                name,
                world.url(index),
                (world.state(index) / "signing.cer").read_bytes(),
                (world.state(index) / "encryption.cer").read_bytes(),
            )
            for index, name in enumerate(names, start=1)
        ],
        supervisor=(supervisor[0], supervisor[1]),
        demo=False,
        notice_keys=[(keystore.notice_keys()[0][1].public_key, clock.now() - dt.timedelta(days=400), None)],
        opening_key=keystore.opening_keys()[0].public_key,
        witness_trust=witness_trust,
    )
    (folder / "body.json").write_text(json.dumps(body), "utf-8")
    signatures = {
        str(index): _custodian_cli(
            "sign-set", "--state", world.state(index), "--body", folder / "body.json", "--yes",
            passphrase=world.passphrase(index),
        ).strip().splitlines()[-1]
        for index in range(1, len(names) + 1)
    }  # fmt: skip
    signatures["supervisor"] = custodians.set_sign(body, supervisor[2])
    world.signed = {"body": body, "signatures": signatures}
    world.set_file.write_text(json.dumps(world.signed), "utf-8")
    return world


# --- the authorities market entities are looked up at ---------------------------------------------------


@dataclass
class Authority:
    """A simulated authority (licences, qualifications, registered professionals) as its operator runs
    it: `ggzy-authority init`, `trust` (the platform's trust file, naming it "moha"), `serve
    --test-controls` on a port of its own. `add` loads records over HTTP; `fail_next` makes the next
    lookups answer 503."""

    folder: Path
    url: str
    key: Sm2PublicKey
    trust_file: Path
    process: subprocess.Popen[str]

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310  (the test's own service)
            self.url + path,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"the authority refused {path} ({exc.code}): {exc.read().decode()}") from exc
        return answer

    def add(self, records: dict[str, Any]) -> dict[str, int]:
        """Merge `records` ({"licences": [...], "qualifications": [...], "professionals": [...]}, each
        optional) into the authority's records: how many of each were loaded. RuntimeError (and nothing
        loaded) if one is refused."""
        loaded: dict[str, int] = self._post("/v1/admin/records", records)["loaded"]
        return loaded

    def fail_next(self, count: int) -> None:
        """The next `count` lookups answer 503 ("unavailable")."""
        self._post("/v1/admin/fail-next", {"count": count})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _authority_cli(*args: str | Path) -> str:
    result = subprocess.run(
        [str(BIN / "ggzy-authority"), *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "GGZY_AUTHORITY_PASSPHRASE": AUTHORITY_PASSPHRASE},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def authority_start(folder: Path, *, name: str = "住房和城乡建设部（模拟）") -> Authority:
    """An authority made in `folder` (a new one), its trust file (`folder`/trust.json, code "moha") and
    the authority serving, with test controls, on a port of its own. The caller stops it (`stop`)."""
    _authority_cli("init", "--dir", folder, "--name", name, "--iterations", "1000")
    key = Sm2PublicKey.from_hex(_authority_cli("key", "--dir", folder).strip())
    trust_file = folder / "trust.json"
    _authority_cli("trust", "--out", trust_file, f"moha={folder}")
    process = subprocess.Popen(
        [
            str(BIN / "ggzy-authority"), "serve", "--dir", str(folder), "--test-controls",
            "--port", str(free_port()),
        ],
        env={**os.environ, "GGZY_AUTHORITY_PASSPHRASE": AUTHORITY_PASSPHRASE},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = serving_on(process, "authority")
    except BaseException:
        process.kill()
        process.wait(timeout=10)
        raise
    return Authority(folder, url, key, trust_file, process)


# --- the outside randomness services (ggzy-beacon) ------------------------------------------------------

BEACON_PASSPHRASE = "beacon test passphrase"


@dataclass
class Beacons:
    """Beacons as their operators run them (`ggzy-beacon init`, `trust`, `serve --test-controls`), each on
    its own port, and the platform pointed at them (GGZY_BEACONS, GGZY_BEACON_TRUST)."""

    folder: Path
    trust_file: Path
    urls: dict[str, str]
    keys: dict[str, str]
    processes: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    def post(self, code: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310  (the test's own service)
            self.urls[code] + path,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def withhold(self, code: str, draw: str) -> None:
        """Beacon `code` will never reveal `draw` (503 to every reveal of it)."""
        status, _answer = self.post(code, "/v1/admin/withhold", {"draw": draw})
        assert status == 200

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def _beacon_cli(*args: str | Path) -> str:
    result = subprocess.run(
        [str(BIN / "ggzy-beacon"), *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "GGZY_BEACON_PASSPHRASE": BEACON_PASSPHRASE},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def beacons_start(folder: Path, settings: Any, codes: tuple[str, ...] = ("a", "b")) -> Beacons:
    """Beacons made in `folder`/CODE (new ones), their trust file and each serving with test controls on a
    port of its own; the platform's settings point at them. The caller stops them (`stop_all`)."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = {}
    for code in codes:
        _beacon_cli("init", "--dir", folder / code, "--name", f"随机信标{code}", "--iterations", "1000")
        keys[code] = _beacon_cli("key", "--dir", folder / code).strip()
    trust_file = folder / "trust.json"
    _beacon_cli("trust", "--out", trust_file, *(f"{c}={folder / c}" for c in codes))
    world = Beacons(folder, trust_file, {}, keys)
    try:
        for code in codes:
            process = subprocess.Popen(
                [
                    str(BIN / "ggzy-beacon"), "serve", "--dir", str(folder / code), "--test-controls",
                    "--port", str(free_port()),
                ],
                env={**os.environ, "GGZY_BEACON_PASSPHRASE": BEACON_PASSPHRASE},
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            world.processes[code] = process
            world.urls[code] = serving_on(process, f"beacon {code}")
    except BaseException:
        world.stop_all()
        raise
    settings.GGZY_BEACONS = ",".join(f"{c}={u}" for c, u in world.urls.items())
    settings.GGZY_BEACON_TRUST = str(trust_file)
    return world
