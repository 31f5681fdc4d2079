"""`ggzy-expertpool` as its operators run it: init, key, trust, configure and load each in a process of its
own, and serve as a process of its own (the system clock, port 0, the "serving on" line, SIGTERM) that the
platform's client draws from, reads the state of and has replace an expert who declined — across a
restart of the pool."""

from __future__ import annotations

import datetime as dt
import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ggzy_expertpool import client, service, state
from ggzy_expertpool.cli import main
from pool_world import (
    ITERATIONS,
    PASSPHRASE,
    PLATFORM,
    PLATFORM_ENCRYPTION,
    SPECIALTY,
    answer,
    call,
    expert,
)

ENV = {**os.environ, "GGZY_EXPERTPOOL_PASSPHRASE": PASSPHRASE}
NAME = "辽宁省综合评标专家库（模拟）"


def pool(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ggzy_expertpool", *argv],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False, env=ENV,
    )  # fmt: skip


@contextmanager
def served(folder: Path, *, test_controls: bool = True) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    argv = [sys.executable, "-m", "ggzy_expertpool", "serve", "--dir", str(folder), "--port", "0"]
    process = subprocess.Popen(
        argv + (["--test-controls"] if test_controls else []),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=ENV,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the pool did not start"
        line = process.stdout.readline()
        assert "ggzy-expertpool serving on http://127.0.0.1:" in line, line or (
            process.stderr and process.stderr.read()
        )
        yield line.split("serving on ", 1)[1].strip(), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _platform(url: str, trust: Path) -> client.Client:
    document = json.loads(trust.read_text("utf-8"))
    return client.Client(client.pool_pinned(document, "ln", url), PLATFORM, PLATFORM_ENCRYPTION)


def test_the_pool_is_a_process_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "pool"
    made = pool("init", "--dir", str(folder), "--name", NAME, "--iterations", str(ITERATIONS))
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert json.loads((folder / "public.json").read_text("utf-8")) == {
        "format": "ggzy-expertpool-public-v1",
        "name": NAME,
        "key": key,
    }
    assert (folder / "expertpool.key").stat().st_mode & 0o077 == 0
    assert pool("key", "--dir", str(folder)).stdout.strip() == key
    assert pool("init", "--dir", str(folder), "--name", "x", "--iterations", "1000").returncode == 1
    trust = tmp_path / "trust.json"
    assert pool("trust", "--out", str(trust), f"ln={folder}").returncode == 0
    assert json.loads(trust.read_text("utf-8")) == {
        "format": "ggzy-expertpool-trust-v1",
        "pools": {"ln": {"name": NAME, "key": key}},
    }

    assert pool("configure", "--dir", str(folder), "--platform-key", "04abcd").returncode == 2
    configured = pool(
        "configure", "--dir", str(folder), "--platform-key", PLATFORM.public_key.hex(),
        "--platform-encryption-key", PLATFORM_ENCRYPTION.public_key.hex(),
    )  # fmt: skip
    assert configured.returncode == 0, configured.stderr
    assert json.loads(configured.stdout)["platform_encryption_key"] == PLATFORM_ENCRYPTION.public_key.hex()

    experts = tmp_path / "experts.json"
    experts.write_text(json.dumps({"experts": [expert(1), expert(2, phone="12")]}), "utf-8")
    refused = pool("load", "--dir", str(folder), str(experts))
    assert refused.returncode == 1
    assert "experts[1] (E00002).phone" in refused.stderr
    assert not (folder / state.POOL).exists()  # nothing loaded
    evaluation_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    day = evaluation_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    experts.write_text(json.dumps({"experts": [expert(i, available=[day]) for i in range(1, 7)]}), "utf-8")
    loaded = pool("load", "--dir", str(folder), str(experts))
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 6 experts" in loaded.stdout
    asked: dict[str, Any] = {
        "request": "sy-draw-0001",
        "centre": "sy",
        "evaluation_at": evaluation_at,
        "place": "第三评标室",
        "specialties": [client.need(SPECIALTY, 3, 1)],
        "confirm_by": evaluation_at - dt.timedelta(days=1),
    }

    with served(folder) as (url, _process):
        second = pool("serve", "--dir", str(folder), "--port", "0")
        assert (second.returncode, "in use" in second.stderr) == (2, True)
        assert pool("load", "--dir", str(folder), str(experts)).returncode == 1  # not while served
        assert (
            pool("configure", "--dir", str(folder), "--platform-key", PLATFORM.public_key.hex()).returncode
            == 1
        )
        platform = _platform(url, trust)
        drawn = platform.draw(**asked)
        assert drawn.body["outcome"] == "drawn", drawn.body
        seats = (drawn.list or {})["seats"]
        assert len(seats) == 4
        assert answer(url, drawn.body["draw"], seats[0]["card"]["id"], "decline")[0] == 200

    with served(folder, test_controls=False) as (url, _process):  # restarted: it holds what it drew
        assert call(url, service.ANSWERS_PATH, {})[0] == 404
        platform = _platform(url, trust)
        assert platform.draw(**asked).body["repeated"] is True
        replaced = platform.replace(
            request="sy-replace-0001", draw=drawn.body["draw"], seat=1, reason="declined"
        )
        assert (replaced.body["outcome"], replaced.body["taker"]) == ("replaced", 4)
        assert platform.state(drawn.body["draw"], newer_than=2).body["revision"] == 3
        health = call(url, "/health")[1]
        assert (health["experts"], health["draws"], health["platform_pinned"]) == (6, 1, True)


def test_serve_refuses_to_start_without_a_folder_or_with_a_wrong_passphrase(tmp_path: Path) -> None:
    assert pool("serve", "--dir", str(tmp_path / "nowhere"), "--port", "0").returncode == 2
    assert (
        pool("init", "--dir", str(tmp_path / "pool"), "--name", "专家库", "--iterations", "1000").returncode
        == 0
    )
    wrong = subprocess.run(
        [sys.executable, "-m", "ggzy_expertpool", "serve", "--dir", str(tmp_path / "pool"), "--port", "0"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        env={**os.environ, "GGZY_EXPERTPOOL_PASSPHRASE": "another passphrase"},
    )  # fmt: skip
    assert wrong.returncode == 2
    assert "refusing to start" in wrong.stderr


def test_configure_and_load_need_a_pool(tmp_path: Path) -> None:
    assert (
        main(["configure", "--dir", str(tmp_path / "nowhere"), "--platform-key", PLATFORM.public_key.hex()])
        == 2
    )
    (tmp_path / "experts.json").write_text('{"experts": []}', "utf-8")
    assert main(["load", "--dir", str(tmp_path / "nowhere"), str(tmp_path / "experts.json")]) == 2
    assert main(["load", "--dir", str(tmp_path / "nowhere"), str(tmp_path / "missing.json")]) == 2
