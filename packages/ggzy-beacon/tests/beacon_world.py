"""What the ggzy-beacon tests share (a unique module name: the suite has other conftest modules): a
beacon's folder made in this process, or made and served by `ggzy-beacon` in processes of its own (its
key under --iterations 1000, --port 0), the platform's side of a draw (its own commitment, the requests
it sends) and a signed answer's body once its signature checks out."""

from __future__ import annotations

import contextlib
import os
import secrets
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ggzy_beacon import state
from ggzy_sm import randomness, simulator_testing
from ggzy_sm.randomness import BEACON_COMMITMENT, BEACON_REVEAL, BEACON_STATUS
from ggzy_sm.simulator import Config
from ggzy_sm.sm2 import Sm2PublicKey

PASSPHRASE = "beacon test passphrase"  # noqa: S105  (a test key file's passphrase)
WRONG_PASSPHRASE = "another passphrase"  # noqa: S105
ITERATIONS = 1000
NAME = "随机数信标甲（模拟）"
DRAW = "draw-2026-0001:k"
SUBJECT = "开标 K 系数 标段 X"
LATER = "2026-03-02T03:00:00.000000Z"  # an hour after the test clock's start

Clock = simulator_testing.Clock
call = simulator_testing.call
#: the signed answers: purpose and wrapper
PURPOSES = {
    "commitment": BEACON_COMMITMENT,
    "reveal": BEACON_REVEAL,
    "status": BEACON_STATUS,
}


def make_folder(folder: Path, name: str = NAME) -> Config:
    return state.KIND.init(folder, name, PASSPHRASE, iterations=ITERATIONS)


def nonce() -> str:
    return secrets.token_hex(16)


def commit(draw: Any = DRAW, **overrides: Any) -> dict[str, Any]:
    """A POST /v1/commit body."""
    return {"draw": draw, "subject": SUBJECT, "reveal_after": None, "nonce": nonce(), **overrides}


def platform_commitment(draw: str = DRAW) -> str:
    """The platform's own commitment to a secret of its own for `draw`."""
    return randomness.commitment(draw, randomness.PLATFORM, secrets.token_hex(randomness.SECRET_BYTES))


def reveal(commitments: Any, draw: Any = DRAW, **overrides: Any) -> dict[str, Any]:
    """A POST /v1/reveal body."""
    return {"draw": draw, "commitments": commitments, "nonce": nonce(), **overrides}


def verify(reply: dict[str, Any], key: Sm2PublicKey, wrapper: str) -> dict[str, Any]:
    """The body of a signed commitment, reveal or status, after its signature checks out with `key` for
    the wrapper's purpose (`Sm2PublicKey.verify(purpose, body, signature)`; raises otherwise)."""
    assert reply["key"] == key.hex()
    return simulator_testing.signed_body(reply, key, PURPOSES[wrapper], wrapper)


# --- ggzy-beacon in processes of its own ------------------------------------------------------------------


def beacon(*argv: str, passphrase: str = PASSPHRASE) -> subprocess.CompletedProcess[str]:
    """`ggzy-beacon ARGV…` run to its end, its passphrase from GGZY_BEACON_PASSPHRASE."""
    return subprocess.run(
        [sys.executable, "-m", "ggzy_beacon", *argv],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        env={**os.environ, "GGZY_BEACON_PASSPHRASE": passphrase},
    )  # fmt: skip


def init(folder: Path, name: str = NAME) -> Sm2PublicKey:
    """`ggzy-beacon init` of `folder` (--iterations 1000): the beacon's public key it prints."""
    made = beacon("init", "--dir", str(folder), "--name", name, "--iterations", str(ITERATIONS))
    assert made.returncode == 0, made.stderr
    return Sm2PublicKey.from_hex(made.stdout.strip())


@contextlib.contextmanager
def served(folder: Path, *flags: str) -> Iterator[str]:
    """`ggzy-beacon serve --dir FOLDER --port 0 FLAGS…` in a process of its own, on the system clock: its
    URL once it says it is serving; stopped by SIGTERM (and exiting 0) afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ggzy_beacon", "serve", "--dir", str(folder), "--port", "0", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "GGZY_BEACON_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the beacon did not start"
        line = process.stdout.readline()
        assert "ggzy-beacon serving on http://127.0.0.1:" in line, line or (
            process.stderr and process.stderr.read()
        )
        yield line.split("serving on ", 1)[1].strip()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
