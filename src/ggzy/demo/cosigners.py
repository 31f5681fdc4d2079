"""The demo's witness co-signers: three `ggzy-cosigner` processes (2 of 3 must co-sign), each with its
own state folder, key and port — as three outside parties would run them — and the trust file
verifiers pin. Sandbox only.

    GGZY_DEMO_COSIGNERS_DIR   the folder (`make demo`: .cosigner-demo/, outside var/)
    GGZY_COSIGNERS            a=http://127.0.0.1:18501,b=…,c=…  (where the platform reaches them)
    GGZY_WITNESS_TRUST        the trust file written here (operator key, co-signer keys, 2 of 3, and the
                              supervising department's key: the demo supervisor's signing key)

`demo_load` starts them for the history it writes; `ggzy serve` starts them beside the web server.
The supervising department's key (for an epoch statement after a restore) is the demo supervisor's
signing key from the demo CAs' folder, the same that signs the demo custodian sets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from ggzy.core import keystore
from ggzy.witness.services import configured_cosigners
from ggzy_sm import witness
from ggzy_sm.files import write_atomic
from ggzy_sm.sm2 import Sm2PublicKey

THRESHOLD = 2
PASSPHRASE = "demo-cosigner-passphrase"  # noqa: S105  (the demo's; printed in the README)
NAMES = {
    "a": "演示见证方甲（公证处）",
    "b": "演示见证方乙（监督部门信息中心）",
    "c": "演示见证方丙（高校实验室）",
}


def _tool() -> str:
    return str(Path(sys.executable).with_name("ggzy-cosigner"))


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "GGZY_COSIGNER_PASSPHRASE": os.environ.get("GGZY_COSIGNER_PASSPHRASE") or PASSPHRASE,
    }


def supervisor_key() -> Sm2PublicKey | None:
    """The supervising department's key (the demo supervisor's signing certificate), if the demo CAs exist."""
    if not settings.GGZY_DEMO_CA_DIR:
        return None
    from ggzy_sm import x509

    cer = Path(settings.GGZY_DEMO_CA_DIR) / "users" / "supervisor2" / "sign.cer"
    return x509.Certificate.load(x509.der_blocks(cer.read_bytes())[0]).public_key if cer.exists() else None


def ensure(*, fresh: bool) -> Path | None:
    """Make the demo co-signers (each `ggzy-cosigner init`: its own key) and the trust file, unless they
    exist for this platform's key. `fresh`: a new demo database, so old co-signer states are dropped."""
    folder = Path(settings.GGZY_DEMO_COSIGNERS_DIR or "")
    if not settings.GGZY_DEMO_COSIGNERS_DIR or not settings.GGZY_SANDBOX:
        return None
    operator = keystore.signing_key()[1].public_key.hex()
    trust_file = Path(settings.GGZY_WITNESS_TRUST or folder / "trust.json")
    if fresh or not trust_file.exists() or operator not in trust_file.read_text(encoding="utf-8"):
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    supervisor = supervisor_key()
    cosigners = []
    for name, _url in configured_cosigners():
        state = folder / name
        if not (state / "state.json").exists():
            command = [
                _tool(),
                "init",
                "--state",
                str(state),
                "--name",
                NAMES.get(name, name),
                "--operator-key",
                operator,
            ]
            if supervisor is not None:
                command += ["--supervisor-key", supervisor.hex()]
            subprocess.run(command, env=_env(), check=True, capture_output=True, text=True)  # noqa: S603
        key = subprocess.run(  # noqa: S603
            [_tool(), "key", "--state", str(state)], env=_env(), check=True, capture_output=True, text=True
        ).stdout.strip()
        cosigners.append((NAMES.get(name, name), Sm2PublicKey.from_hex(key)))
    trust = witness.WitnessTrust(
        operator_keys=(Sm2PublicKey.from_hex(operator),),
        cosigners=tuple(cosigners),
        threshold=min(THRESHOLD, len(cosigners)),
        supervisor_keys=(supervisor,) if supervisor is not None else (),
    )
    write_atomic(trust_file, json.dumps(trust.to_json(), ensure_ascii=False, indent=1))
    return folder


def commands() -> list[list[str]]:
    """`ggzy-cosigner serve` of each demo co-signer, on the port GGZY_COSIGNERS names."""
    folder = Path(settings.GGZY_DEMO_COSIGNERS_DIR)
    found = []
    for name, url in configured_cosigners():
        parts = urlsplit(url)
        found.append(
            [
                _tool(),
                "serve",
                "--state",
                str(folder / name),
                "--host",
                parts.hostname or "127.0.0.1",
                "--port",
                str(parts.port or 18500),
            ]
        )
    return found


def serve_commands() -> list[tuple[str, list[str]]]:
    """For `ggzy serve` (settings.GGZY_SERVE_ALSO): the co-signers as named processes."""
    return [(f"co-signer {command[3]}", command) for command in commands()]


def start() -> list[subprocess.Popen[str]]:
    """Start the demo co-signers and wait until each listens."""
    processes = []
    for command in commands():
        process = subprocess.Popen(  # noqa: S603
            command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        processes.append(process)
        _wait_listening(process)
    return processes


def _wait_listening(process: subprocess.Popen[str], timeout: float = 20) -> None:
    out = process.stdout
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = out.readline() if out else ""
        if "serving on" in line:
            return
        if process.poll() is not None:
            raise RuntimeError(f"a demo co-signer did not start: {line.strip()} (exit {process.returncode})")
    raise RuntimeError("a demo co-signer did not start in time")


def stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def running() -> Iterator[None]:
    processes = start() if settings.GGZY_DEMO_COSIGNERS_DIR and settings.GGZY_SANDBOX else []
    try:
        yield
    finally:
        stop(processes)
