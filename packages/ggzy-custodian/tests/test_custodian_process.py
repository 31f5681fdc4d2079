"""Custodians as separate processes on the system clock: `python -m ggzy_custodian serve`, as each
custodian would run it on its own machine."""

from __future__ import annotations

import datetime as dt
import json
import os
import selectors
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from custodian_world import PASSPHRASE, SECTION, World, call, register
from ggzy_sm import canonical, custodians

STARTUP_TIMEOUT = 15.0


def _ready_line(process: subprocess.Popen[str]) -> str:
    """The "serving on" line the service prints once it listens (or the failure to start)."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=STARTUP_TIMEOUT):
            pytest.fail("the custodian service did not start in time")
    line = process.stdout.readline()
    if not line:
        why = process.stderr.read() if process.stderr else ""
        pytest.fail(f"the custodian service exited ({process.wait()}): {why}")
    return line.strip()


@pytest.fixture
def processes(world: World, tmp_path: Path) -> Iterator[dict[int, tuple[str, Path]]]:
    """Custodians 1 and 2, each in a process of its own, on copies of their state folders."""
    env = {**os.environ, "GGZY_CUSTODIAN_PASSPHRASE": PASSPHRASE}
    started: dict[int, tuple[subprocess.Popen[str], Path]] = {}
    try:
        for index in (1, 2):
            state = tmp_path / f"custodian-{index}"
            shutil.copytree(world.states[index - 1], state)
            started[index] = (
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "ggzy_custodian",
                        "serve",
                        "--state",
                        str(state),
                        "--set",
                        str(world.signed_path),
                        "--index",
                        str(index),
                        "--root",
                        str(world.root_path),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        "0",
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    text=True,
                    env=env,
                ),
                state,
            )
        urls = {}
        for index, (process, state) in started.items():
            line = _ready_line(process)
            prefix = f"ggzy-custodian {index} serving on "
            assert line.startswith(prefix), line
            url = line.removeprefix(prefix)
            assert not url.endswith(":0")  # the real port
            urls[index] = (url, state)
        yield urls
    finally:
        for process, _state in started.values():
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()


def test_separate_custodians_release_only_after_the_deadline_on_their_own_clocks(
    world: World, processes: dict[int, tuple[str, Path]]
) -> None:
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    header, dek = world.header(world.bidders[0], deadline=deadline)
    announced = world.notice(deadline, issued_at=dt.datetime.now(dt.UTC))
    url1, state1 = processes[1]
    status, health = call(url1, "GET", "/health")
    assert (status, health["index"], health["fingerprint"]) == (200, 1, world.cset.fingerprint)
    assert health["unverified_notices"] == 0

    acks = []
    for url, _state in processes.values():  # the bidder's tool registers the bid before the deadline
        status, ack = register(url, header, [announced])
        assert status == 200, ack
        acks.append(ack)
    assert custodians.acks_check(header, acks, world.cset) == [1, 2]  # k acknowledgements: a receipt
    status, refusal = call(url1, "GET", f"/closure?section={SECTION}")
    assert (status, refusal["reason"]) == (425, "too_early")
    status, refusal = call(url1, "POST", "/share", custodians.request_make(header, 1, []))
    assert (status, refusal["reason"]) == (425, "too_early")
    assert refusal["release_at"] == canonical.format_instant(deadline)
    nonce = custodians.time_nonce()
    status, statement = call(url1, "GET", f"/time?nonce={nonce}")
    assert (status, statement["payload"]["nonce"], statement["payload"]["custodian"]) == (200, nonce, 1)

    time.sleep(max(0.0, (deadline - dt.datetime.now(dt.UTC)).total_seconds()) + 0.2)
    status, late = register(url1, header, [announced])
    assert (status, late["reason"]) == (409, "late")
    status, closure = call(url1, "GET", f"/closure?section={SECTION}")
    assert status == 200
    assert custodians.closure_verify(closure, world.cset)["ciphertexts"] == [header["ciphertext_sm3"]]
    shares = {}
    for index, (url, _state) in processes.items():
        request = custodians.request_make(header, index, [])
        status, answer = call(url, "POST", "/share", request)
        assert status == 200, answer
        shares[index] = custodians.answer_check(
            answer, cset=world.cset, request=request, opening_key=world.opening_key
        )
    key, disagreeing = custodians.combine(shares, world.cset.k, world.check(header))
    assert (key, disagreeing) == (dek, [])

    log = [json.loads(line) for line in (state1 / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(line["index"], line["outcome"], line["reason"]) for line in log] == [
        ("ack", "acknowledged", None),
        (1, "refused", "too_early"),
        ("closure", "closed", None),  # a request from the closing time on closes the section first
        ("ack", "refused", "late"),
        (1, "released", None),
    ]
    assert shares[1].hex() not in (state1 / "log.jsonl").read_text(encoding="utf-8")
    assert (state1 / "acks" / world.cset.fingerprint / f"{SECTION}.jsonl").exists()
    assert (state1 / "closures" / world.cset.fingerprint / f"{SECTION}.json").exists()
