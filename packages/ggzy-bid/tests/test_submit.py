"""`ggzy-bid submit`: the sealed bid and its custodians' acknowledgements sent to the platform over tus 1.0
(core, creation, checksum, termination), resumably.

The platform here is a fake (http.server in a thread) speaking the protocol the platform's upload endpoint
is written against: POST creates (Upload-Length, Upload-Metadata: section, filename, acknowledgements),
HEAD tells the offset, PATCH appends a chunk whose `sm3` checksum matches (409 at another offset, 460 for
a damaged chunk; the last chunk's answer is the receipt — Ggzy-Bid, Ggzy-Received-At — or a refusal with
the platform's `{"code", "message"}`), DELETE abandons. It keeps only whole, checked chunks (a chunk cut
by a dropped connection cannot be checked) and can be told to misbehave: drop the connection after a
number of bytes, lose its last chunk (so the client's next PATCH is a 409), damage chunks in transit
(460), answer 503, refuse the bid as late, or give a Location on another host."""

from __future__ import annotations

import base64
import io
import json
import shutil
import stat
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bid_world import (
    ANNOUNCED,
    BEFORE,
    BIDDER_CODE,
    CSET,
    DEADLINE,
    MEMBERS,
    RELEASE,
    SECTION,
    SHEET,
    SIGN,
    SIGN_DER,
)
from ggzy_bid.cli import main
from ggzy_bid.commands import submit
from ggzy_sm import custodians, sealedbid
from ggzy_sm.sm3 import sm3

TOKEN = "ggzy_t0ken-SECRET-9f8e7d6c5b4a"  # noqa: S105  (the fake platform's)
ROUTE = "/api/v1/sealing/uploads/"
UNIT = 4096  # what --chunk-mb counts in these tests (1 MiB in use)
CHUNK = 2 * UNIT  # --chunk-mb 2
UID = "01JF8Z7Q3W5X9Y2K4M6N8P0R1S"
RECEIVED_AT = "2026-12-20T01:29:00.000000Z"
LATE = (
    "投标截止时间为北京时间 2026-12-20 09:30:00，平台收到该投标文件最后一段的时间为北京时间"
    " 2026-12-20 09:30:02，已逾期，不予接收。"
)


# --- the fake platform ----------------------------------------------------------------------------------


@dataclass
class Stored:
    length: int
    metadata: dict[str, bytes]
    data: bytearray = field(default_factory=bytearray)


@dataclass
class FakePlatform:
    uploads: dict[str, Stored] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) as asked
    patches: list[tuple[int, int, int]] = field(default_factory=list)  # (offset, bytes read, status)
    received: int = 0  # PATCH body bytes read, in all
    drop_at: int | None = None  # drop the connection once this many body bytes were read in all…
    drops: int = 0  # …this many times
    lose_at: int | None = None  # a PATCH at this offset finds the last chunk lost: 409 (once)
    damage: int = 0  # PATCH bodies damaged in transit (460)
    unavailable: int = 0  # requests answered 503
    refusal: int | None = None  # the status refusing the last chunk as late
    location: str | None = None  # the Location given on creation, if not the upload's own

    def upload(self, path: str) -> Stored | None:
        return self.uploads.get(path.removeprefix(ROUTE)) if path.startswith(ROUTE) else None

    @property
    def only(self) -> Stored:
        (stored,) = self.uploads.values()
        return stored


class Handler(BaseHTTPRequestHandler):
    server: PlatformServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base class's name)
        pass

    def reply(self, status: int, headers: dict[str, str] | None = None, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Tus-Resumable", "1.0.0")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def admitted(self) -> bool:
        """Logged; the token and the protocol version right, the platform available."""
        platform = self.server.platform
        platform.requests.append((self.command, self.path))
        if platform.unavailable:
            platform.unavailable -= 1
            self.reply(HTTPStatus.SERVICE_UNAVAILABLE, body={"code": "unavailable", "message": "维护中"})
            return False
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.reply(
                HTTPStatus.UNAUTHORIZED, body={"code": "token_invalid", "message": "API 令牌无效或已过期"}
            )
            return False
        if self.headers.get("Tus-Resumable") != "1.0.0":
            self.reply(HTTPStatus.PRECONDITION_FAILED, {"Tus-Version": "1.0.0"})
            return False
        return True

    def do_POST(self) -> None:
        platform = self.server.platform
        if not self.admitted():
            return
        if self.path != ROUTE:
            self.reply(HTTPStatus.NOT_FOUND)
            return
        metadata = {}
        for pair in self.headers.get("Upload-Metadata", "").split(","):
            key, value = pair.split(" ")
            metadata[key] = base64.b64decode(value, validate=True)
        name = f"u{len(platform.uploads) + 1}"
        platform.uploads[name] = Stored(int(self.headers["Upload-Length"]), metadata)
        self.reply(HTTPStatus.CREATED, {"Location": platform.location or ROUTE + name})

    def do_HEAD(self) -> None:
        if not self.admitted():
            return
        stored = self.server.platform.upload(self.path)
        if stored is None:
            self.reply(HTTPStatus.NOT_FOUND)
            return
        headers = {"Upload-Offset": str(len(stored.data)), "Upload-Length": str(stored.length)}
        self.reply(HTTPStatus.OK, {**headers, "Cache-Control": "no-store"})

    def do_DELETE(self) -> None:
        if not self.admitted():
            return
        platform = self.server.platform
        stored = platform.upload(self.path)
        if stored is None:
            self.reply(HTTPStatus.NOT_FOUND)
            return
        del platform.uploads[self.path.removeprefix(ROUTE)]
        self.reply(HTTPStatus.NO_CONTENT)

    def do_PATCH(self) -> None:
        platform = self.server.platform
        length = int(self.headers["Content-Length"])
        offset = int(self.headers["Upload-Offset"])
        if platform.drops and platform.drop_at is not None and platform.received + length > platform.drop_at:
            platform.requests.append((self.command, self.path))
            take = max(0, platform.drop_at - platform.received)
            platform.received += len(self.rfile.read(take))
            platform.patches.append((offset, take, 0))
            platform.drops -= 1
            self.close_connection = True  # no answer: the connection drops
            return
        body = self.rfile.read(length)
        platform.received += len(body)
        if not self.admitted():
            return
        status, headers, answer = self.patch(offset, body)
        platform.patches.append((offset, len(body), status))  # before the answer: the client may be done
        self.reply(status, headers, answer)

    def patch(self, offset: int, body: bytes) -> tuple[int, dict[str, str], Any]:
        """The answer to a PATCH: status, headers, JSON body."""
        platform = self.server.platform
        stored = platform.upload(self.path)
        if stored is None:
            return HTTPStatus.NOT_FOUND, {}, None
        if self.headers.get("Content-Type") != "application/offset+octet-stream":
            return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {}, None
        if platform.lose_at == offset:
            platform.lose_at = None
            del stored.data[-CHUNK:]  # the platform lost its last chunk (restored from backup, say)
        if offset != len(stored.data):
            return HTTPStatus.CONFLICT, {}, {"code": "offset_mismatch", "message": "偏移量不符"}
        algorithm, digest = self.headers["Upload-Checksum"].split(" ")
        if platform.damage:
            platform.damage -= 1
            body = bytes([body[0] ^ 1]) + body[1:]
        if algorithm != "sm3" or base64.b64decode(digest) != sm3(body) or offset + len(body) > stored.length:
            return 460, {}, {"code": "checksum_mismatch", "message": "校验值不符"}
        if offset + len(body) == stored.length and platform.refusal is not None:
            return platform.refusal, {}, {"code": "bid_deadline_passed", "message": LATE, "detail": {}}
        stored.data += body
        headers = {"Upload-Offset": str(len(stored.data))}
        if len(stored.data) == stored.length:
            headers.update({"Ggzy-Bid": UID, "Ggzy-Received-At": RECEIVED_AT})
        return HTTPStatus.NO_CONTENT, headers, None


class PlatformServer(ThreadingHTTPServer):
    daemon_threads = True
    platform: FakePlatform


@pytest.fixture(scope="module")
def server() -> Iterator[PlatformServer]:
    running = PlatformServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=running.serve_forever, name="fake-platform", daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def platform(server: PlatformServer) -> FakePlatform:
    server.platform = FakePlatform()
    return server.platform


# --- the bid and the command ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real ggzy-bid-v2 of ~40 KB (ten chunks of 4 KiB), sealed once."""
    folder = tmp_path_factory.mktemp("sealed")
    document = folder / "技术标.pdf"
    document.write_bytes(bytes(range(256)) * 150)
    sealedbid.seal(
        target=folder / "bid.ggzybid",
        binding=sealedbid.Binding(
            tender_project=SECTION[:20], section=SECTION, bidder=BIDDER_CODE, deadline=DEADLINE
        ),
        opening_sheet=SHEET,
        documents=[document],
        signing_key=SIGN,
        signing_certificate=SIGN_DER,
        release_key=sealedbid.release_key_bind(RELEASE.public_key, SIGN, SIGN_DER),
        custodians=CSET,
    )
    return folder / "bid.ggzybid"


@dataclass(frozen=True)
class Case:
    folder: Path
    url: str

    @property
    def bid(self) -> Path:
        return self.folder / "bid.ggzybid"

    @property
    def state(self) -> Path:
        return self.folder / "bid.ggzybid.upload.json"

    def command(self, *more: str) -> list[str]:
        return [
            "submit", str(self.bid), "--platform", self.url,
            "--acks", str(self.folder / "bid.ggzybid.acks.json"),
            "--token-file", str(self.folder / "token.txt"), "--chunk-mb", "2", *more,
        ]  # fmt: skip


@pytest.fixture
def case(
    tmp_path: Path,
    sealed: Path,
    server: PlatformServer,
    platform: FakePlatform,
    monkeypatch: pytest.MonkeyPatch,
) -> Case:
    """The bid, its acknowledgements by custodians 1 and 2 as `ggzy-bid register` writes them, the token
    file; chunks of 2 × 4 KiB; no pause between attempts (each one recorded in `case.pauses`)."""
    shutil.copy(sealed, tmp_path / "bid.ggzybid")
    header = sealedbid.read(tmp_path / "bid.ggzybid").header
    request = custodians.ack_request_make(header, [ANNOUNCED])
    acks = [
        custodians.ack_answer(request, CSET, index, MEMBERS[index - 1].signing, [ANNOUNCED], BEFORE)
        for index in (1, 2)
    ]
    (tmp_path / "bid.ggzybid.acks.json").write_text(
        json.dumps(acks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (tmp_path / "token.txt").write_text(TOKEN + "\n")
    monkeypatch.setattr(submit, "CHUNK_UNIT", UNIT)
    monkeypatch.setattr(submit, "sleep", PAUSES.append)
    monkeypatch.delenv(submit.TOKEN_ENV, raising=False)
    PAUSES.clear()
    host, port = server.server_address[:2]
    return Case(tmp_path, f"http://{host!s}:{port}")


PAUSES: list[float] = []


def run(command: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command's exit status, standard output and standard error — never showing the token."""
    status = main(command)
    out, err = capsys.readouterr()
    assert TOKEN not in out
    assert TOKEN not in err
    return status, out, err


# --- the upload --------------------------------------------------------------------------------------------


def test_the_bid_goes_up_in_chunks_with_its_acknowledgements_and_the_receipt_is_printed(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(case.command(), capsys)
    assert status == 0, err
    raw = case.bid.read_bytes()
    assert platform.only.data == raw
    assert [offset for offset, _size, _status in platform.patches] == list(range(0, len(raw), CHUNK))
    assert len(platform.patches) > 3
    metadata = platform.only.metadata
    header = sealedbid.read(case.bid).header
    assert metadata["section"].decode() == SECTION  # from the header: never asked
    assert metadata["filename"].decode() == "bid.ggzybid"
    assert custodians.acks_check(header, json.loads(metadata["acknowledgements"]), CSET) == [1, 2]
    assert [method for method, _path in platform.requests] == ["POST"] + ["PATCH"] * len(platform.patches)
    assert out.startswith(f"已提交：平台已收到投标文件 bid.ggzybid（标段 {SECTION}），编号 {UID}，")
    assert "收到时间 北京时间 2026-12-20 09:29:00" in out
    assert f"(submitted: the platform received the bid as {UID} at {RECEIVED_AT})" in out
    assert not case.state.exists()
    assert PAUSES == []


def test_a_dropped_connection_is_retried_and_the_chunk_sent_again(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.drop_at, platform.drops = 2 * CHUNK + CHUNK // 2, 1  # half-way through the third chunk
    status, _out, err = run(case.command(), capsys)
    assert status == 0, err
    assert platform.only.data == case.bid.read_bytes()
    assert platform.patches[2] == (2 * CHUNK, CHUNK // 2, 0)  # dropped
    assert platform.patches[3][:2] == (2 * CHUNK, CHUNK)  # the whole chunk again, after asking the offset
    assert ("HEAD", ROUTE + "u1") in platform.requests
    assert PAUSES == [submit.BACKOFF]
    assert "连接失败或中断" in err
    assert "2 秒后重试" in err


def test_a_second_run_resumes_where_the_platform_copy_ends(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submit, "TRIES", 3)
    platform.drop_at, platform.drops = 2 * CHUNK + 100, 100  # the network is gone after 2 chunks
    status, out, err = run(case.command(), capsys)
    assert status == 1
    assert out == ""
    assert "已尝试 3 次" in err
    assert "run the same command again to resume" in err
    assert PAUSES == [2.0, 4.0]  # doubled
    assert len(platform.only.data) == 2 * CHUNK
    state = json.loads(case.state.read_text(encoding="utf-8"))
    assert stat.S_IMODE(case.state.stat().st_mode) == 0o600
    assert state["upload"] == f"{case.url}{ROUTE}u1"
    assert state["size"] == case.bid.stat().st_size
    assert TOKEN not in case.state.read_text(encoding="utf-8")

    platform.drops = 0  # the network is back
    asked, read = len(platform.requests), platform.received
    status, out, err = run(case.command(), capsys)
    assert status == 0, err
    assert f"继续上传：平台已收到 {2 * CHUNK} / " in err
    assert platform.only.data == case.bid.read_bytes()
    assert len(platform.uploads) == 1
    assert platform.requests[asked] == ("HEAD", ROUTE + "u1")  # no new upload
    assert "POST" not in [method for method, _path in platform.requests[asked:]]
    assert platform.received - read == case.bid.stat().st_size - 2 * CHUNK  # nothing sent twice
    assert UID in out
    assert not case.state.exists()


def test_a_409_makes_the_client_ask_the_offset_and_go_on_from_there(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.lose_at = 3 * CHUNK  # when the fourth chunk comes, the platform holds only two
    status, _out, err = run(case.command(), capsys)
    assert status == 0, err
    assert platform.only.data == case.bid.read_bytes()
    offsets = [(offset, code) for offset, _size, code in platform.patches]
    assert offsets[3:5] == [(3 * CHUNK, HTTPStatus.CONFLICT), (2 * CHUNK, HTTPStatus.NO_CONTENT)]
    assert "409" in err


def test_a_damaged_chunk_is_sent_once_more(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.damage = 1
    status, _out, err = run(case.command(), capsys)
    assert status == 0, err
    assert platform.only.data == case.bid.read_bytes()
    assert [(offset, code) for offset, _size, code in platform.patches[:2]] == [(0, 460), (0, 204)]
    assert "SM3 校验不符" in err
    assert PAUSES == []


def test_a_chunk_damaged_twice_stops_the_upload(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.damage = 2
    status, out, err = run(case.command(), capsys)
    assert status == 1
    assert out == ""
    assert "两次到达平台时都已损坏" in err
    assert "run the same command again to resume" in err
    assert case.state.exists()  # the next run resumes
    assert [code for _offset, _size, code in platform.patches] == [460, 460]


@pytest.mark.parametrize("refusal", [HTTPStatus.CONFLICT, HTTPStatus.UNPROCESSABLE_ENTITY])
def test_a_late_bid_is_refused_with_the_platforms_message(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str], refusal: int
) -> None:
    platform.refusal = refusal  # a 409 at the offset the platform holds is no lost chunk: a refusal
    status, out, err = run(case.command(), capsys)
    assert status == 1
    assert out == ""
    assert f"平台拒收了该投标文件：{LATE}" in err
    assert f"(refused by the platform: bid_deadline_passed, HTTP {refusal}; the upload is abandoned)" in err
    assert "该次上传已作废" in err
    assert platform.requests[-1] == ("DELETE", ROUTE + "u1")
    assert platform.uploads == {}
    assert not case.state.exists()
    assert [code for *_rest, code in platform.patches].count(refusal) == 1  # refused once, not retried


def test_a_5xx_is_retried_and_the_token_may_come_from_the_environment(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(submit.TOKEN_ENV, TOKEN)
    platform.unavailable = 2
    command = case.command()
    del command[command.index("--token-file") : command.index("--token-file") + 2]
    status, _out, err = run(command, capsys)
    assert status == 0, err
    assert PAUSES == [2.0, 4.0]
    assert "HTTP 503" in err
    assert platform.only.data == case.bid.read_bytes()


def test_a_token_the_platform_refuses_is_not_shown(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    (case.folder / "token.txt").write_text("ggzy_revoked-" + TOKEN[::-1])
    status, out, err = run(case.command(), capsys)
    assert status == 1
    assert "API 令牌无效或已过期" in err
    assert "请检查 API 令牌" in err
    assert "revoked" not in out + err
    assert TOKEN[::-1] not in out + err


def test_a_token_that_is_not_one_line_is_refused_unshown(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    (case.folder / "token.txt").write_text(f"{TOKEN}\nsecond line")
    status, _out, err = run(case.command(), capsys)
    assert status == 2
    assert "令牌不是一行可见字符" in err
    assert "second line" not in err
    assert platform.requests == []


def test_a_location_on_another_host_is_not_followed(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    platform.location = "http://elsewhere.example/uploads/u1"
    status, _out, err = run(case.command(), capsys)
    assert status == 1
    assert "is not on the platform" in err
    assert [method for method, _path in platform.requests] == ["POST"]


def test_cancel_abandons_the_upload_in_progress(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submit, "TRIES", 1)
    platform.drop_at, platform.drops = CHUNK, 1
    assert run(case.command(), capsys)[0] == 1
    assert case.state.exists()
    status, _out, err = run(case.command("--cancel"), capsys)
    assert status == 0, err
    assert "已撤销该次上传" in err
    assert platform.requests[-1] == ("DELETE", ROUTE + "u1")
    assert platform.uploads == {}
    assert not case.state.exists()
    assert run(case.command("--cancel"), capsys)[0] == 2  # nothing left to cancel


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_shows_on_a_terminal(
    case: Case, platform: FakePlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(case.command()) == 0
    frames = terminal.getvalue().split("\r")[1:]
    assert frames[0].startswith("上传 uploading [---")
    assert "[" + "#" * 30 + "] 100%" in frames[-1]
    assert TOKEN not in terminal.getvalue()


# --- refused before anything is sent ------------------------------------------------------------------------


def not_a_bid(case: Case) -> None:
    case.bid.write_bytes(b"%PDF-1.7 not a sealed bid")


def acks_missing(case: Case) -> None:
    (case.folder / "bid.ggzybid.acks.json").unlink()


def acks_not_a_list(case: Case) -> None:
    (case.folder / "bid.ggzybid.acks.json").write_text('{"payload": {}}')


def acks_of_another_bid(case: Case) -> None:
    path = case.folder / "bid.ggzybid.acks.json"
    acks = json.loads(path.read_text())
    for ack in acks:
        ack["payload"]["ciphertext_sm3"] = "ab" * 32
    path.write_text(json.dumps(acks))


def state_of_another_bid(case: Case) -> None:
    host = case.url
    state = {
        "format": submit.STATE_FORMAT, "platform": f"{host}{ROUTE}", "upload": f"{host}{ROUTE}u9",
        "bid": "other.ggzybid", "size": 1234, "head_sm3": "00" * 32, "acks_sm3": "00" * 32,
    }  # fmt: skip
    case.state.write_text(json.dumps(state))


def state_of_other_acks(case: Case) -> None:
    known = submit.recognise(case.bid)
    state = {
        "format": submit.STATE_FORMAT, "platform": f"{case.url}{ROUTE}", "upload": f"{case.url}{ROUTE}u9",
        "bid": "bid.ggzybid", **known, "acks_sm3": "00" * 32,
    }  # fmt: skip
    case.state.write_text(json.dumps(state))


def no_token(case: Case) -> None:
    (case.folder / "token.txt").unlink()


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (not_a_bid, "不是可提交的投标文件（ggzy-bid-v2）"),
        (acks_missing, "托管方确认回执"),
        (acks_not_a_list, "不是确认的列表"),
        (acks_of_another_bid, "没有对该投标文件的确认"),
        (state_of_another_bid, "记录的是另一个投标文件（other.ggzybid）的上传"),
        (state_of_other_acks, "另一份托管方确认回执"),
        (no_token, "令牌文件"),
    ],
)
def test_refused_before_anything_is_sent(
    case: Case, platform: FakePlatform, capsys: pytest.CaptureFixture[str], spoil: Any, said: str
) -> None:
    spoil(case)
    status, out, err = run(case.command(), capsys)
    assert status == 2
    assert said in err
    assert "未提交，未发送任何内容" in err
    assert out == ""
    assert platform.requests == []
