"""The co-signer tests' helpers: the platform's witness log as a test drives it (a Merkle tree, its
witness key, signed heads and consistency proofs), the supervising department, a co-signer's state
folder, its HTTP service in this process with an injected clock, and HTTP calls to it."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import io
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ggzy_cosigner import state
from ggzy_cosigner.cli import main
from ggzy_cosigner.service import Cosigner, CosignerServer
from ggzy_sm import merkle, witness
from ggzy_sm.sm2 import Sm2PrivateKey

PASSPHRASE = "cosigner-test-passphrase"  # noqa: S105  (a test key file's passphrase)
ITERATIONS = 1000
T0 = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


class Clock:
    """The co-signer's clock, set by the test."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now


class Platform:
    """The platform's witness log: leaves in a Merkle tree, and heads signed with its witness key."""

    def __init__(self, key: Sm2PrivateKey | None = None) -> None:
        self.key = key or Sm2PrivateKey.generate()
        self.tree = merkle.MemoryTree()

    def grow_to(self, size: int, tree: merkle.MemoryTree | None = None, tag: bytes = b"event") -> None:
        tree = tree or self.tree
        while tree.size < size:
            tree.append(merkle.leaf_hash(tag + b" %d" % tree.size))

    def head(
        self,
        size: int | None = None,
        *,
        at: dt.datetime,
        epoch: int = 0,
        tree: merkle.MemoryTree | None = None,
        key: Sm2PrivateKey | None = None,
    ) -> dict[str, Any]:
        """A signed head as the platform sends it ({"sth", "signature", "key_id"})."""
        tree = tree or self.tree
        size = tree.size if size is None else size
        sth = witness.sth_make(size, tree.root(size).hex(), at, epoch=epoch)
        signer = key or self.key
        return {
            "sth": sth,
            "signature": signer.sign(witness.STH_PURPOSE, sth).hex(),
            "key_id": signer.public_key.fingerprint()[:16],
        }

    def path(self, old: int, new: int, tree: merkle.MemoryTree | None = None) -> list[str]:
        tree = tree or self.tree
        return [p.hex() for p in merkle.consistency_proof(old, new, tree.get)]

    def forked(self, keep: int, size: int) -> merkle.MemoryTree:
        """Another history: the first `keep` leaves of this one, then others, up to `size` leaves."""
        tree = merkle.MemoryTree()
        for index in range(size):
            data = b"event %d" % index if index < keep else b"forged %d" % index
            tree.append(merkle.leaf_hash(data))
        return tree


def request(
    head: dict[str, Any],
    path: list[str] | None = None,
    previous: dict[str, Any] | None = None,
    statement: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {"head": head, "consistency_path": path or [], "previous": previous, "epoch_statement": statement}


def statement(
    supervisor: Sm2PrivateKey,
    last: dict[str, Any],
    first: dict[str, Any],
    *,
    previous_epoch: int = 0,
    reason: str = "数据库故障，自备份恢复",
    at: dt.datetime = T0,
) -> dict[str, Any]:
    """The supervising department's signed statement: epoch `previous_epoch` ended at head `last` (a
    head or a ref), the next begins at `first` (a head)."""
    return witness.epoch_statement_make(
        supervisor,
        previous_epoch=previous_epoch,
        last_head=witness.head_ref(last),
        first_head={"tree_size": first["tree_size"], "root_hash": first["root_hash"]},
        reason=reason,
        declared_at=at,
    )


def make_state(
    folder: Path,
    platform: Platform,
    *,
    supervisors: tuple[Sm2PrivateKey, ...] = (),
    tolerance: int = state.DEFAULT_TOLERANCE,
    start: dict[str, Any] | None = None,
) -> Path:
    state.init(
        folder,
        "Shenyang Notary Office",
        PASSPHRASE,
        operator_keys=[platform.key.public_key.hex()],
        supervisor_keys=[s.public_key.hex() for s in supervisors],
        tolerance=tolerance,
        start=start,
        iterations=ITERATIONS,
        now=T0,
    )
    return folder


@contextlib.contextmanager
def serving(folder: Path, clock: Clock) -> Iterator[tuple[str, Cosigner]]:
    """The co-signer of `folder` served in this process with an injected clock: (URL, co-signer)."""
    cosigner = Cosigner.open(folder, PASSPHRASE)
    try:
        server = CosignerServer(cosigner, "127.0.0.1", 0, clock=clock)
        server.start()
        try:
            yield server.url, cosigner
        finally:
            server.shutdown()
            server.server_close()
    finally:
        cosigner.close()


def call(
    url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """(status, JSON body) of one HTTP request to a co-signer."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    sent = {"Content-Type": "application/json"} if data is not None else {}
    try:
        connection.request(method, path, body=data, headers={**sent, **(headers or {})})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    return response.status, json.loads(payload) if payload else None


def cosign(url: str, head: dict[str, Any], path: list[str] | None = None, **kw: Any) -> tuple[int, Any]:
    return call(url, "POST", "/cosign", request(head, path, **kw))


def heads(folder: Path) -> list[dict[str, Any]]:
    path = folder / state.HEADS
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def requests_log(folder: Path) -> list[dict[str, Any]]:
    path = folder / state.REQUESTS
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(*argv: str) -> tuple[int, str, str]:
    """`ggzy-cosigner argv…` in this process: (exit status, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def write(folder: Path, data: Any) -> Path:
    path = folder / f"{secrets.token_hex(4)}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def passphrase_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_COSIGNER_PASSPHRASE", PASSPHRASE)
