"""The national platform's service in this process (its own clock injected): signed receipts, the same
receipt for the same notice, a signed refusal for a changed one, 400 for what is not a notice, the
stored receipt by GET, the test control that makes it fail, and its state across a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ggzy_national import state
from ggzy_national.service import NationalServer, Receiver, parse_notice
from ggzy_sm.errors import CryptoError
from ggzy_sm.jsonservice import StartupError
from national_world import PASSPHRASE, Clock, call, make_folder, notice, verify


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    make_folder(tmp_path / "ebid")
    return tmp_path / "ebid"


def _serve(folder: Path, clock: Clock, *, test_controls: bool = False) -> tuple[NationalServer, Receiver]:
    receiver = Receiver.open(folder, PASSPHRASE, test_controls=test_controls)
    server = NationalServer(receiver, port=0, clock=clock)
    server.start()
    return server, receiver


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, Receiver, Clock]]:
    clock = Clock()
    server, receiver = _serve(folder, clock, test_controls=True)
    try:
        yield server.url, receiver, clock
    finally:
        server.shutdown()
        server.server_close()
        receiver.close()


def test_a_notice_gets_a_receipt_signed_by_the_platform(served: tuple[str, Receiver, Clock]) -> None:
    url, receiver, _clock = served
    sent = notice()
    status, reply = call(url, "/v1/notices", sent)
    assert status == 200
    body = verify(reply, receiver.config.key)
    assert body == {
        "format": "ggzy-national-receipt-v1",
        "receiver": receiver.config.name,
        "outcome": "accepted",
        "notice": sent["notice"],
        "text_sm3": sent["text_sm3"],
        "received_at": "2026-03-02T02:00:00.000000Z",
        "sequence": 1,
        "reason": None,
    }
    assert (
        call(url, "/v1/notices", notice())[1]["receipt"]["sequence"] == 2
    )  # the next notice, the next number
    assert call(url, f"/v1/notices/{sent['notice']}") == (200, reply)


def test_a_receipt_altered_does_not_verify(served: tuple[str, Receiver, Clock]) -> None:
    url, receiver, _clock = served
    _status, reply = call(url, "/v1/notices", notice())
    reply["receipt"]["text_sm3"] = "0" * 64
    with pytest.raises(CryptoError):
        verify(reply, receiver.config.key)


def test_the_same_notice_again_gets_the_same_receipt(
    served: tuple[str, Receiver, Clock], folder: Path
) -> None:
    url, _receiver, clock = served
    sent = notice()
    first = call(url, "/v1/notices", sent)
    clock.now = clock.now.replace(hour=5)
    assert call(url, "/v1/notices", sent) == first
    assert json.loads((folder / state.NOTICES).read_text("utf-8"))["sequence"] == 1


def test_the_same_uid_with_another_text_is_refused_signed(served: tuple[str, Receiver, Clock]) -> None:
    url, receiver, _clock = served
    sent = notice()
    call(url, "/v1/notices", sent)
    changed = notice(uid=sent["notice"], title="改过的标题")
    changed["text"]["title"] = "改过的标题"
    from ggzy_sm import canonical
    from ggzy_sm.sm3 import sm3

    changed["text_sm3"] = sm3(canonical.dumps(changed["text"])).hex()
    status, reply = call(url, "/v1/notices", changed)
    assert status == 409
    body = verify(reply, receiver.config.key)
    assert (body["outcome"], body["reason"], body["sequence"]) == ("refused", "conflict", None)
    assert body["text_sm3"] == changed["text_sm3"]
    assert call(url, f"/v1/notices/{sent['notice']}")[1]["receipt"]["text_sm3"] == sent["text_sm3"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"notice": "not-a-uuid"}, "uid"),
        ({"text_sm3": "ABC"}, "text_sm3"),
        ({"region": "21"}, "region"),
        ({"publish_at": "2026-03-02 01:00"}, "publish_at"),
        ({"title": ""}, "title"),
        ({"colour": "red"}, "unknown"),
        ({"text_sm3": "0" * 64}, "SM3 of text"),
    ],
)
def test_what_is_not_a_notice_is_refused_400(
    served: tuple[str, Receiver, Clock], change: dict[str, str], words: str
) -> None:
    url, _receiver, _clock = served
    status, reply = call(url, "/v1/notices", notice(**change))
    assert status == 400
    assert reply["reason"] == "malformed"
    assert words in reply["message"]
    assert "receipt" not in reply


def test_a_missing_field_and_a_body_not_json_are_refused(served: tuple[str, Receiver, Clock]) -> None:
    url, _receiver, _clock = served
    sent = notice()
    del sent["centre"]
    assert call(url, "/v1/notices", sent)[0] == 400
    assert call(url, "/v1/notices", raw=b"{nope")[0] == 400
    assert call(url, "/v1/notices", raw=b'{"notice": 1, "notice": 2}')[0] == 400
    assert call(url, "/v1/notices/" + notice()["notice"])[0] == 404


def test_fail_next_makes_the_next_pushes_fail_then_they_pass(served: tuple[str, Receiver, Clock]) -> None:
    url, _receiver, _clock = served
    assert call(url, "/v1/admin/fail-next", {"count": 2}) == (200, {"fail_next": 2})
    sent = notice()
    assert call(url, "/v1/notices", sent)[0] == 503
    assert call(url, "/v1/notices", sent)[0] == 503
    status, reply = call(url, "/v1/notices", sent)
    assert status == 200
    assert reply["receipt"]["sequence"] == 1
    assert call(url, "/v1/admin/fail-next", {"count": -1})[0] == 400


def test_without_test_controls_there_is_no_fail_next(folder: Path) -> None:
    server, receiver = _serve(folder, Clock())
    try:
        assert call(server.url, "/v1/admin/fail-next", {"count": 2})[0] == 404
    finally:
        server.shutdown()
        server.server_close()
        receiver.close()


def test_receipts_survive_a_restart_and_one_process_holds_the_folder(folder: Path) -> None:
    clock = Clock()
    server, receiver = _serve(folder, clock)
    sent = notice()
    try:
        first = call(server.url, "/v1/notices", sent)
        with pytest.raises(StartupError, match="in use"):
            Receiver.open(folder, PASSPHRASE)
    finally:
        server.shutdown()
        server.server_close()
        receiver.close()
    assert not list(folder.glob(".*.tmp"))  # written to a temporary name, then renamed
    server, receiver = _serve(folder, clock)
    try:
        assert call(server.url, "/v1/notices", sent) == first
        assert call(server.url, "/v1/notices", notice())[1]["receipt"]["sequence"] == 2
    finally:
        server.shutdown()
        server.server_close()
        receiver.close()
    log = [json.loads(line) for line in (folder / state.REQUESTS).read_text("utf-8").splitlines()]
    assert [entry["outcome"] for entry in log] == ["accepted", "repeat", "accepted"]


def test_a_wrong_passphrase_refuses_to_start(folder: Path) -> None:
    with pytest.raises(StartupError):
        Receiver.open(folder, "another passphrase")
    Receiver.open(folder, PASSPHRASE).close()  # the lock was released


def test_parse_notice_takes_a_notice_without_its_text() -> None:
    sent = notice()
    del sent["text"]
    assert parse_notice(sent) == sent
