"""Published notices pushed to the national public service platforms (6.4.2 同步推送) by the tick job
`notices.push_national`, against a real `ggzy-national serve` process (its own key, state, port and
clock), started from the command lines its operator uses."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ggzy.core import clock, tick
from ggzy.events.models import Event
from ggzy.notices import push
from ggzy.notices.models import NoticePush, PushState
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from tests.notices.conftest import Place
from tests.outside import BIN, free_port, serving_on

pytestmark = pytest.mark.django_db

PASSPHRASE = "national test passphrase"
EBID = "中国招标投标公共服务平台（测试）"


@dataclass
class Simulator:
    folder: Path
    url: str
    key: Sm2PublicKey
    trust_file: Path
    process: subprocess.Popen[str]

    def requests(self, notice: Any) -> list[dict[str, Any]]:
        """The simulator's own log of the pushes of `notice` it received."""
        log = self.folder / "requests.jsonl"
        lines = log.read_text("utf-8").splitlines() if log.exists() else []  # none received yet
        return [entry for line in lines if (entry := json.loads(line)).get("notice") == str(notice.uid)]

    def fail_next(self, count: int) -> None:
        import urllib.request

        request = urllib.request.Request(  # noqa: S310
            self.url + "/v1/admin/fail-next", data=json.dumps({"count": count}).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200


def _national(*argv: str) -> str:
    done = subprocess.run(
        [str(BIN / "ggzy-national"), *argv], capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "GGZY_NATIONAL_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """One simulated 中国招标投标公共服务平台, made with `ggzy-national init` and served with
    `serve --test-controls` on a free port; its trust file made with `ggzy-national trust`."""
    root = tmp_path_factory.mktemp("national")
    folder = root / "ebid"
    key = _national("init", "--dir", str(folder), "--name", EBID, "--iterations", "1000")
    trust_file = root / "trust.json"
    _national("trust", "--out", str(trust_file), f"ebid={folder}", f"ccgp={folder}")
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "ggzy-national"), "serve", "--dir", str(folder), "--port", str(port), "--test-controls"],
        env={**os.environ, "GGZY_NATIONAL_PASSPHRASE": PASSPHRASE},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = serving_on(process, "ggzy-national")
        yield Simulator(folder, url, Sm2PublicKey.from_hex(key), trust_file, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def pushing(simulator: Simulator, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    for variable in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    settings.GGZY_NATIONAL_PLATFORMS = f"ebid={simulator.url},ccgp={simulator.url}"
    settings.GGZY_NATIONAL_TRUST = str(simulator.trust_file)
    return simulator


def _tick() -> dict[str, Any]:
    """One pass of the two notices jobs: the publication recorded, then the push."""
    jobs = tick.jobs()
    return {name: jobs[name]() for name in ("notices.record_published", "notices.push_national")}


def _published(place: Place, freeze: Any) -> Any:
    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=dt.timedelta(hours=1))
    freeze(now + dt.timedelta(hours=1))
    return notice


@pytest.mark.clause("6.4.2")
def test_a_published_notice_is_pushed_and_its_receipt_verifies(
    place: Place, freeze: Any, pushing: Simulator
) -> None:
    notice = _published(place, freeze)
    assert _tick()["notices.push_national"] == 1
    row = NoticePush.objects.get(notice=notice)
    assert (row.target, row.state, row.tries, row.last_error) == ("ebid", PushState.ACCEPTED, 1, "")
    assert row.pushed_at == clock.now()
    receipt = row.receipt
    assert receipt is not None
    pushing.key.verify("ggzy-national-receipt-v1", receipt["receipt"], bytes.fromhex(receipt["signature"]))
    body = receipt["receipt"]
    assert (body["outcome"], body["receiver"], body["notice"], body["text_sm3"]) == (
        "accepted", EBID, str(notice.uid), notice.text_sm3,
    )  # fmt: skip
    event = Event.objects.get(type="notices.notice.pushed")
    assert event.visibility == "public"
    assert event.data["target"] == "ebid"
    assert event.data["sequence"] == body["sequence"]
    # the simulator received the published text itself, and its SM3 is the notice's
    stored = json.loads((pushing.folder / "notices.json").read_text("utf-8"))["notices"][str(notice.uid)]
    assert stored["notice"]["text"]["title"] == notice.title
    assert stored["reply"] == receipt


def test_the_tick_twice_sends_once(place: Place, freeze: Any, pushing: Simulator) -> None:
    notice = _published(place, freeze)
    _tick()
    assert _tick()["notices.push_national"] == 0
    freeze(clock.now() + dt.timedelta(days=2))
    assert _tick()["notices.push_national"] == 0
    assert NoticePush.objects.filter(notice=notice).count() == 1
    assert [entry["outcome"] for entry in pushing.requests(notice)] == ["accepted"]
    assert Event.objects.filter(type="notices.notice.pushed").count() == 1


def test_nothing_is_pushed_before_the_publication_instant(
    place: Place, freeze: Any, pushing: Simulator
) -> None:
    now = clock.now()
    freeze(now)
    notice = place.scheduled(after=dt.timedelta(hours=1))
    freeze(now + dt.timedelta(minutes=59))
    assert _tick()["notices.push_national"] == 0
    assert not NoticePush.objects.filter(notice=notice).exists()
    assert pushing.requests(notice) == []
    freeze(now + dt.timedelta(hours=1))
    assert _tick()["notices.push_national"] == 1
    assert NoticePush.objects.get(notice=notice).state == PushState.ACCEPTED


def test_a_receiver_failing_twice_is_tried_again_with_backoff(
    place: Place, freeze: Any, pushing: Simulator
) -> None:
    notice = _published(place, freeze)
    start = clock.now()
    pushing.fail_next(2)
    assert _tick()["notices.push_national"] == 1
    row = NoticePush.objects.get(notice=notice)
    assert (row.state, row.tries) == (PushState.PENDING, 1)
    assert "503" in row.last_error
    assert row.next_try_at == start + dt.timedelta(minutes=1)
    assert _tick()["notices.push_national"] == 0  # not due yet: nothing sent
    freeze(start + dt.timedelta(minutes=1))
    assert _tick()["notices.push_national"] == 1
    row.refresh_from_db()
    assert (row.state, row.tries) == (PushState.PENDING, 2)
    assert row.next_try_at == start + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)  # doubled
    freeze(row.next_try_at)
    assert _tick()["notices.push_national"] == 1
    row.refresh_from_db()
    assert (row.state, row.tries, row.last_error) == (PushState.ACCEPTED, 3, "")
    assert [e["outcome"] for e in pushing.requests(notice)] == ["unavailable", "unavailable", "accepted"]
    failed = Event.objects.filter(type="notices.notice.push_failed").order_by("pk")
    assert [e.data["tries"] for e in failed] == [1, 2]
    assert {e.visibility for e in failed} == {"supervisors"}


def test_a_receipt_signed_by_another_key_is_not_accepted(
    place: Place, freeze: Any, pushing: Simulator, settings: Any, tmp_path: Path
) -> None:
    other = tmp_path / "trust.json"
    other.write_text(json.dumps({
        "format": "ggzy-national-trust-v1",
        "receivers": {"ebid": {"name": EBID, "key": Sm2PrivateKey.generate().public_key.hex()}},
    }), "utf-8")  # fmt: skip
    settings.GGZY_NATIONAL_TRUST = str(other)
    notice = _published(place, freeze)
    assert _tick()["notices.push_national"] == 1
    row = NoticePush.objects.get(notice=notice)
    assert (row.state, row.receipt, row.pushed_at) == (PushState.PENDING, None, None)
    assert "does not verify" in row.last_error
    assert row.next_try_at > clock.now()
    assert not Event.objects.filter(type="notices.notice.pushed").exists()
    assert Event.objects.get(type="notices.notice.push_failed").data["error"] == row.last_error


class _Forger(BaseHTTPRequestHandler):
    """A receiver whose receipt is signed by its pinned key but names another SM3."""

    key: Sm2PrivateKey

    def do_POST(self) -> None:
        from ggzy_national.service import receipt_make

        sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reply = receipt_make(
            self.key, EBID, outcome="accepted", notice=sent["notice"], text_sm3="0" * 64,
            now=dt.datetime.now(dt.UTC), sequence=1, reason=None,
        )  # fmt: skip
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


def test_a_receipt_naming_another_sm3_is_not_accepted(
    place: Place, freeze: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Sm2PrivateKey.generate()
    handler = type("Forger", (_Forger,), {"key": key})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    trust = tmp_path / "trust.json"
    pinned = {"ebid": {"name": EBID, "key": key.public_key.hex()}}
    trust.write_text(json.dumps({"format": "ggzy-national-trust-v1", "receivers": pinned}), "utf-8")
    for variable in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    settings.GGZY_NATIONAL_PLATFORMS = f"ebid=http://127.0.0.1:{server.server_port}"
    settings.GGZY_NATIONAL_TRUST = str(trust)
    try:
        notice = _published(place, freeze)
        assert _tick()["notices.push_national"] == 1
    finally:
        server.shutdown()
        server.server_close()
    row = NoticePush.objects.get(notice=notice)
    assert row.state == PushState.PENDING
    assert "another SM3" in row.last_error


def test_a_signed_refusal_is_final(place: Place, freeze: Any, pushing: Simulator) -> None:
    notice = _published(place, freeze)
    _tick()
    # the receiver holds this uid with one text; the same uid offered with another is refused, signed
    NoticePush.objects.filter(notice=notice).delete()
    type(notice).objects.filter(pk=notice.pk).update(text_sm3="1" * 64)
    assert _tick()["notices.push_national"] == 1
    row = NoticePush.objects.get(notice=notice)
    assert row.state == PushState.REFUSED
    assert row.receipt is not None
    assert row.receipt["receipt"]["reason"] == "conflict"
    freeze(clock.now() + dt.timedelta(days=1))
    assert _tick()["notices.push_national"] == 0  # never tried again


def test_a_land_notice_is_pushed_nowhere(place: Place, freeze: Any, pushing: Simulator) -> None:
    from ggzy.registry.models import Project

    project = place.tender_project.project
    Project.objects.filter(pk=project.pk).update(category_id="land")  # a land transfer's notice
    notice = _published(place, freeze)
    assert _tick() == {"notices.record_published": 1, "notices.push_national": 0}
    assert not NoticePush.objects.exists()
    assert pushing.requests(notice) == []
    Project.objects.filter(pk=project.pk).update(category_id="procurement")  # the same, for procurement
    assert _tick()["notices.push_national"] == 1
    assert NoticePush.objects.get(notice=notice).target == "ccgp"


def test_without_configured_platforms_nothing_is_pushed(place: Place, freeze: Any, settings: Any) -> None:
    settings.GGZY_NATIONAL_PLATFORMS = ""
    _published(place, freeze)
    assert _tick()["notices.push_national"] == 0
    assert not NoticePush.objects.exists()


def test_targets_follow_the_category(settings: Any) -> None:
    settings.GGZY_NATIONAL_PLATFORMS = "ebid=http://a,ccgp=http://b"
    assert push.targets_for("engineering") == ("ebid",)
    assert push.targets_for("procurement") == ("ccgp",)
    assert push.targets_for("land") == push.targets_for("assets") == ()
    settings.GGZY_NATIONAL_PLATFORMS = "ccgp=http://b"
    assert push.targets_for("engineering") == ()
