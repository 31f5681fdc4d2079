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

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import CommandError

from ggzy.core import keystore
from ggzy.demo.simulators import Tool, processes_start, processes_stop
from ggzy.witness.services import configured_cosigners
from ggzy_sm import witness
from ggzy_sm.errors import CryptoError
from ggzy_sm.files import write_atomic
from ggzy_sm.sm2 import Sm2PublicKey

THRESHOLD = 2
PASSPHRASE = "demo-cosigner-passphrase"  # noqa: S105  (the demo's; printed in the README)
TOOL = Tool(
    "ggzy-cosigner",
    "GGZY_COSIGNER_PASSPHRASE",
    PASSPHRASE,
    "The demo co-signer state",
    served=False,
    again="run `make demo` again",
    made="new co-signers are made",
)
NAMES = {
    "a": "演示见证方甲（公证处）",
    "b": "演示见证方乙（监督部门信息中心）",
    "c": "演示见证方丙（高校实验室）",
}


def supervisor_key() -> Sm2PublicKey | None:
    """The supervising department's key (the demo supervisor's signing certificate), if the demo CAs exist."""
    if not settings.GGZY_DEMO_CA_DIR:
        return None
    from ggzy_sm import x509

    cer = Path(settings.GGZY_DEMO_CA_DIR) / "users" / "supervisor2" / "sign.cer"
    return x509.Certificate.load(x509.der_blocks(cer.read_bytes())[0]).public_key if cer.exists() else None


def _set_aside(folder: Path, trust_file: Path, say: Callable[[str], None]) -> None:
    """Move the co-signer states and trust file of an earlier demo into `folder/previous-<time>/`: they
    remember a log this database does not have (a co-signer refuses a log that is not its own, and
    rightly), so the new log gets new co-signers. Kept, not deleted: they are the outside parties'."""
    old = [p for p in (*(folder / n for n, _u in configured_cosigners()), trust_file) if p.exists()]
    if not old:
        return
    # host time: a file name for people to read, not the platform's clock
    aside = folder / f"previous-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%fZ}"
    aside.mkdir(parents=True)
    for path in old:
        shutil.move(path, aside / path.name)
    say(
        f"Demo co-signers: the states in {folder} belong to an earlier demo's witness log (not this"
        f" database's); moved aside to {aside}, and new co-signers start for this log."
    )


def ensure(*, fresh: bool, say: Callable[[str], None] = print) -> Path | None:
    """Make the demo co-signers (each `ggzy-cosigner init`: its own key) and the trust file, unless they
    exist for this platform's key. `fresh`: a new demo database — a new witness log — so co-signer
    states of an earlier demo are moved aside (`_set_aside`, with a line through `say`)."""
    folder = Path(settings.GGZY_DEMO_COSIGNERS_DIR or "")
    if not settings.GGZY_DEMO_COSIGNERS_DIR or not settings.GGZY_SANDBOX:
        return None
    operator = keystore.signing_key()[1].public_key.hex()
    trust_file = Path(settings.GGZY_WITNESS_TRUST or folder / "trust.json")
    if fresh or not trust_file.exists() or operator not in trust_file.read_text(encoding="utf-8"):
        _set_aside(folder, trust_file, say)
    folder.mkdir(parents=True, exist_ok=True)
    supervisor = supervisor_key()
    cosigners = []
    for name, _url in configured_cosigners():
        state = folder / name
        if not (state / "state.json").exists():
            command = [
                TOOL.path(),
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
            TOOL.run(command, state)
        key = TOOL.run([TOOL.path(), "key", "--state", str(state)], state)
        try:
            cosigners.append((NAMES.get(name, name), Sm2PublicKey.from_hex(key)))
        except (ValueError, CryptoError) as exc:
            raise CommandError(
                f"The demo co-signer state {state} gives no key ({key[:80]!r}). It is only the demo's:"
                f" move {folder} aside (or delete it) and run `make demo` again; new co-signers are made."
            ) from exc
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
                TOOL.path(),
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


@contextmanager
def running() -> Iterator[None]:
    on = settings.GGZY_DEMO_COSIGNERS_DIR and settings.GGZY_SANDBOX
    processes = processes_start(serve_commands(), TOOL.env()) if on else []
    try:
        yield
    finally:
        processes_stop(processes)
