"""The shape every simulator shares (`ggzy_sm.simulator`), with a tiny one over real HTTP — a counter that
answers "how many?" signed, with the asker's nonce: its folder (made once, its key under a passphrase,
the trust file), its store written whole, the one process that holds the folder, what every simulator
answers alike (health, 400 unsigned, 500 store and internal, the test controls and their absence, the
request log) and its command line."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import simulator
from ggzy_sm.errors import CryptoError
from ggzy_sm.jsonservice import PostRoute, Reply, StartupError
from ggzy_sm.simulator import ItemRoute, Malformed, StateError
from ggzy_sm.simulator_testing import Clock, call, signed_body
from ggzy_sm.sm2 import Sm2PublicKey

PASSPHRASE = "counter test passphrase"  # noqa: S105  (a test key file's passphrase)
PURPOSE = "ggzy-authority-answer-v1"  # one sm2.PURPOSES knows: a real simulator registers its own
KIND = simulator.Kind(
    program="ggzy-counter",
    noun="example counter",
    short="counter",
    key_file="counter.key",
    store="counts.json",
    kept="counts",
    entries="counters",
)


def _counts(data: Any) -> dict[str, int]:
    if not isinstance(data, dict) or not all(isinstance(n, int) for n in data.values()):
        raise TypeError("counts are an object of whole numbers")
    return data


class Counter(simulator.Simulator[dict[str, int]]):
    """POST /v1/count {"name", "nonce", ["fail": true]} -> the count of `name`, one more each time."""

    kind = KIND

    @classmethod
    def load_store(cls, folder: Path) -> dict[str, int]:
        found = simulator.read_state(folder / KIND.store, _counts, "a counts file")
        return {} if found is None else found[0]

    def routes(self) -> Mapping[str, PostRoute]:
        return {"/v1/count": self.count}

    def test_routes(self) -> Mapping[str, PostRoute]:
        return {"/v1/admin/reset": self.reset}

    def get_items(self) -> Mapping[str, ItemRoute]:
        return {"/v1/counts": lambda name, now: Reply(HTTPStatus.OK, {"count": self.store.get(name, 0)})}

    def holds(self) -> dict[str, Any]:
        return {"names": len(self.store)}

    def summary(self) -> str:
        return f"{len(self.store)} names counted"

    def count(self, raw: bytes, *, now: Any, remote: str) -> Reply:
        return self.answered(raw, now=now, remote=remote, action="count", answer=self._count)

    def _count(self, request: Any, now: Any, record: dict[str, Any]) -> Reply:
        if not isinstance(request, dict) or not isinstance(request.get("name"), str):
            raise Malformed("name is a string")
        asked = simulator.nonce(request.get("nonce"))
        record.update(name=request["name"])
        if (down := self.unavailable(record)) is not None:
            return down
        if request.get("fail"):
            raise RuntimeError("a failure nobody foresaw")
        counts = {**self.store, request["name"]: self.store.get(request["name"], 0) + 1}
        simulator.write_state(self.folder / KIND.store, counts)
        self.store = counts
        record.update(outcome="counted")
        body = {"counter": self.config.name, "nonce": asked, "count": counts[request["name"]]}
        return Reply(HTTPStatus.OK, simulator.signed(self.key, PURPOSE, "answer", body))

    def reset(self, raw: bytes, *, now: Any, remote: str) -> Reply:
        def answer(request: Any, now: Any, record: dict[str, Any]) -> Reply:
            self.store = {}
            simulator.write_state(self.folder / KIND.store, {})
            record.update(outcome="reset")
            return Reply(HTTPStatus.OK, {"reset": True})

        return self.answered(raw, now=now, remote=remote, action="reset", answer=answer)


class _Handler(simulator.SimulatorHandler):
    server_version = "ggzy-counter/0"
    post_elsewhere = "POST /v1/count"


class CounterServer(simulator.SimulatorServer[Counter]):
    handler = _Handler
    default_port = 18699


PROGRAM = simulator.Program(
    simulator=Counter,
    server=CounterServer,
    version="0",
    description="A counter.",
    serves="count over HTTP",
    signs="answers",
    entry="counter",
    controls="add POST /v1/admin/reset and /v1/admin/fail-next",
    controls_note="POST /v1/admin/reset forgets every count",
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    KIND.init(tmp_path / "c", "计数器（模拟）", PASSPHRASE, iterations=1000)
    return tmp_path / "c"


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, Counter]]:
    counter = Counter.open(folder, PASSPHRASE, test_controls=True)
    server = CounterServer(counter, port=0, clock=Clock())
    server.start()
    try:
        yield server.url, counter
    finally:
        server.shutdown()
        server.server_close()
        counter.close()


def _ask(name: str = "a", **more: Any) -> dict[str, Any]:
    return {"name": name, "nonce": secrets.token_hex(16), **more}


def test_the_kind_names_its_formats_and_its_passphrase_variable() -> None:
    assert (KIND.public_format, KIND.trust_format) == ("ggzy-counter-public-v1", "ggzy-counter-trust-v1")
    assert KIND.passphrase_env == "GGZY_COUNTER_PASSPHRASE"  # noqa: S105  (a variable's name)
    assert simulator.Kind("ggzy-x", "bank", "bank.key", "x.json", "x", "banks").short == "bank"


def test_init_makes_the_folder_once(folder: Path) -> None:
    config = KIND.load_config(folder)
    assert json.loads((folder / "public.json").read_text("utf-8")) == {
        "format": "ggzy-counter-public-v1",
        "name": "计数器（模拟）",
        "key": config.key.hex(),
    }
    assert (folder / "counter.key").stat().st_mode & 0o077 == 0
    assert KIND.load_key(config, PASSPHRASE).public_key == config.key
    with pytest.raises(StateError, match="holds an example counter already"):
        KIND.init(folder, "again", PASSPHRASE, iterations=1000)
    with pytest.raises(StateError, match="wrong passphrase"):
        KIND.load_key(config, "another passphrase")
    with pytest.raises(StateError, match="is not an example counter's folder"):
        KIND.load_config(folder.parent / "nowhere")
    with pytest.raises(StateError, match="the counter's name"):
        KIND.init(folder.parent / "other", "  ", PASSPHRASE)
    assert KIND.read_public(folder / "public.json") == (config.name, config.key)
    assert KIND.trust_document({"x": (config.name, config.key)}) == {
        "format": "ggzy-counter-trust-v1",
        "counters": {"x": {"name": config.name, "key": config.key.hex()}},
    }


def test_a_state_file_is_written_whole_and_read_checked(tmp_path: Path) -> None:
    path = tmp_path / "counts.json"
    assert simulator.read_state(path, _counts, "a counts file") is None
    stamp = simulator.write_state(path, {"b": 2, "a": 1})
    assert path.read_text("utf-8") == '{\n "a": 1,\n "b": 2\n}\n'
    assert path.stat().st_mode & 0o777 == 0o640
    assert simulator.read_state(path, _counts, "a counts file") == ({"a": 1, "b": 2}, stamp)
    assert simulator.write_state(path, {"a": 3}) != stamp  # replaced: another stamp
    assert not list(tmp_path.glob(".*.tmp"))
    path.write_text('{"a": "x"}', "utf-8")
    with pytest.raises(StateError, match="is not a counts file: counts are"):
        simulator.read_state(path, _counts, "a counts file")
    path.write_text("{nope", "utf-8")
    with pytest.raises(StateError, match="is not a counts file"):
        simulator.read_state(path, _counts, "a counts file")
    with pytest.raises(StateError, match="cannot be written"):
        simulator.write_state(tmp_path / "nowhere" / "counts.json", {})


def test_an_answer_is_signed_with_the_nonce_and_the_store_kept(
    served: tuple[str, Counter], folder: Path
) -> None:
    url, counter = served
    asked = _ask()
    status, reply = call(url, "/v1/count", asked)
    assert status == 200
    assert reply["key"] == counter.config.key.hex()
    assert signed_body(reply, counter.config.key, PURPOSE, "answer") == {
        "format": PURPOSE,
        "counter": "计数器（模拟）",
        "nonce": asked["nonce"],
        "count": 1,
    }
    reply["answer"]["nonce"] = "0" * 32
    with pytest.raises(CryptoError):
        signed_body(reply, counter.config.key, PURPOSE, "answer")
    assert call(url, "/v1/count", _ask())[1]["answer"]["count"] == 2
    assert json.loads((folder / "counts.json").read_text("utf-8")) == {"a": 2}
    assert call(url, "/v1/counts/a") == (200, {"count": 2})
    assert call(url, "/health") == (
        200,
        {
            "ok": True,
            "name": "计数器（模拟）",
            "key": counter.config.key.hex(),
            "time": "2026-03-02T02:00:00.000000Z",
            "names": 1,
        },
    )


def test_what_every_simulator_refuses_alike(served: tuple[str, Counter], folder: Path) -> None:
    url, _counter = served
    assert call(url, "/v1/count", raw=b"{nope")[1]["message"].startswith("the body is not JSON")
    assert call(url, "/v1/count", raw=b'{"name": "a", "name": "b"}')[0] == 400
    assert call(url, "/v1/count", {"name": 1}) == (
        400,
        {"reason": "malformed", "message": "name is a string"},
    )
    assert (
        call(url, "/v1/count", _ask(nonce="ABC"))[1]["message"] == "nonce is 16 to 64 lower-case hex digits"
    )
    assert call(url, "/v1/count", _ask(fail=True)) == (
        500,
        {"reason": "internal", "message": "the counter could not answer (RuntimeError)"},
    )
    assert call(url, "/v1/nope", {})[0] == 404
    log = [json.loads(line) for line in (folder / "requests.jsonl").read_text("utf-8").splitlines()]
    assert [(e["action"], e["outcome"], e["reason"], e["status"]) for e in log] == [
        ("count", "refused", "malformed", 400),
        ("count", "refused", "malformed", 400),
        ("count", "refused", "malformed", 400),
        ("count", "refused", "malformed", 400),
        ("count", "error", "internal", 500),
        ("post", "refused", "not_found", 404),
    ]
    assert log[4]["error"] == "RuntimeError"


def test_a_store_that_cannot_be_written_answers_500_store(served: tuple[str, Counter], folder: Path) -> None:
    url, counter = served
    (folder / "counts.json").mkdir()  # a rename over a folder fails
    status, reply = call(url, "/v1/count", _ask())
    assert (status, reply["reason"]) == (500, "store")
    assert "counts.json cannot be written" in reply["message"]
    assert counter.store == {}


def test_the_test_controls_fail_the_next_requests_and_add_their_routes(served: tuple[str, Counter]) -> None:
    url, _counter = served
    assert call(url, "/v1/admin/fail-next", {"count": 1}) == (200, {"fail_next": 1})
    assert call(url, "/v1/count", {"name": 1})[0] == 400  # a request not read does not use one up
    assert call(url, "/v1/count", _ask()) == (
        503,
        {"reason": "unavailable", "message": "the counter is unavailable (a test control)"},
    )
    assert call(url, "/v1/count", _ask())[0] == 200
    assert call(url, "/v1/admin/fail-next", {"count": True})[0] == 400
    assert call(url, "/v1/admin/reset", {}) == (200, {"reset": True})
    assert call(url, "/v1/counts/a") == (200, {"count": 0})


def test_without_test_controls_there_are_no_admin_routes(folder: Path) -> None:
    counter = Counter.open(folder, PASSPHRASE)
    server = CounterServer(counter, port=0)
    server.start()
    try:
        assert call(server.url, "/v1/admin/fail-next", {"count": 1})[0] == 404
        assert call(server.url, "/v1/admin/reset", {})[0] == 404
        assert server.name == "ggzy-counter"
    finally:
        server.shutdown()
        server.server_close()
        counter.close()


def test_one_process_holds_the_folder_and_a_bad_start_releases_it(folder: Path) -> None:
    with pytest.raises(StartupError, match="wrong passphrase"):
        Counter.open(folder, "another passphrase")
    (folder / "counts.json").write_text("[]", "utf-8")
    with pytest.raises(StartupError, match="is not a counts file"):
        Counter.open(folder, PASSPHRASE)
    (folder / "counts.json").write_text('{"a": 4}', "utf-8")
    counter = Counter.open(folder, lambda: PASSPHRASE)
    try:
        assert counter.store == {"a": 4}
        with pytest.raises(StartupError, match="in use by another ggzy-counter process"):
            Counter.open(folder, PASSPHRASE)
    finally:
        counter.close()
    Counter.open(folder, PASSPHRASE).close()


def test_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GGZY_COUNTER_PASSPHRASE", PASSPHRASE)
    first, second = tmp_path / "first", tmp_path / "second"
    assert PROGRAM.main(["init", "--dir", str(first), "--name", "一号", "--iterations", "1000"]) == 0
    key = capsys.readouterr().out.strip()
    assert Sm2PublicKey.from_hex(key) == KIND.load_config(first).key
    assert PROGRAM.main(["init", "--dir", str(first), "--name", "x", "--iterations", "1000"]) == 1
    assert (
        "holds an example counter already: its key and counts are never replaced" in capsys.readouterr().err
    )
    assert PROGRAM.main(["init", "--dir", str(second), "--name", "二号", "--iterations", "1000"]) == 0
    assert PROGRAM.main(["key", "--dir", str(first)]) == 0
    assert capsys.readouterr().out.strip().endswith(key)
    assert PROGRAM.main(["key", "--dir", str(tmp_path / "nowhere")]) == 2

    trust = tmp_path / "trust.json"
    assert PROGRAM.main(["trust", "--out", str(trust), f"a={first}", f"b={second / 'public.json'}"]) == 0
    assert set(json.loads(trust.read_text("utf-8"))["counters"]) == {"a", "b"}
    assert PROGRAM.main(["trust", "--out", str(trust), f"a={first}", f"a={second}"]) == 1
    assert PROGRAM.main(["trust", "--out", str(trust), "a"]) == 2

    assert PROGRAM.main(["serve", "--dir", str(tmp_path / "nowhere"), "--port", "0"]) == 2
    assert "ggzy-counter serve: refusing to start" in capsys.readouterr().err
    assert PROGRAM.parser().parse_args(["serve", "--dir", "x"]).port == 18699
