"""The video platform's service over HTTP (`VideoServer` on port 0, its own clock injected), and its
command line in processes of its own: a camera's signed description; the live playlist of the last whole
segments; the playback playlist of a recorded range, refused for a range that is not one or not yet
recorded; segments that are transport streams carrying their camera and time, refused outside the
recording; every playlist and segment signed over its SM3; unknown cameras 404; cameras.json checked
when read; `ggzy-video add` refused while the folder is served."""

from __future__ import annotations

import datetime as dt
import json
import os
import selectors
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ggzy_sm import simulator_testing
from ggzy_sm.errors import CryptoError
from ggzy_sm.jsonservice import StartupError
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import sm3
from ggzy_video import media, state
from ggzy_video.service import CAMERA_PURPOSE, MEDIA_PURPOSE, VideoPlatform, VideoServer, add_camera

PASSPHRASE = "video test passphrase"  # noqa: S105  (a test key file's passphrase)
CAMERA = "21010000001320000001"
OTHER = "21010000001320000002"
SINCE = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # an hour before the test clock's start


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    state.KIND.init(tmp_path / "video", "沈阳市公共资源交易中心视频平台（模拟）", PASSPHRASE, iterations=1000)
    add_camera(tmp_path / "video", CAMERA, "第一开标室 全景", "K101 第一开标室", SINCE)
    return tmp_path / "video"


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, VideoPlatform, simulator_testing.Clock]]:
    clock = simulator_testing.Clock()
    platform = VideoPlatform.open(folder, PASSPHRASE, test_controls=True)
    server = VideoServer(platform, port=0, clock=clock)
    server.start()
    try:
        yield server.url, platform, clock
    finally:
        server.shutdown()
        server.server_close()
        platform.close()


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (the test's own server)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def signed_media(headers: dict[str, str], data: bytes, path: str, key: Sm2PublicKey) -> None:
    """The media's signature checks out for its camera, path and SM3 (CryptoError otherwise)."""
    assert headers["X-Ggzy-Key"] == key.hex()
    body = {"camera": CAMERA, "path": path, "sm3": sm3(data).hex()}
    key.verify(MEDIA_PURPOSE, body, bytes.fromhex(headers["X-Ggzy-Signature"]))


def test_a_camera_is_described_signed(served: tuple[str, VideoPlatform, Any]) -> None:
    url, platform, _clock = served
    status, reply = simulator_testing.call(url, f"/v1/cameras/{CAMERA}")
    assert status == 200
    body = simulator_testing.signed_body(reply, platform.config.key, CAMERA_PURPOSE, "camera")
    assert body["place"] == "K101 第一开标室"
    assert body["live"] == f"/hls/{CAMERA}/live.m3u8"
    assert body["playback"] == f"/hls/{CAMERA}/playback.m3u8?start={{start}}&end={{end}}"
    assert body["since"] == "2026-03-02T01:00:00.000000Z"
    assert simulator_testing.call(url, f"/v1/cameras/{OTHER}")[0] == 404
    health = simulator_testing.call(url, "/health")[1]
    assert health["cameras"] == 1


def test_the_live_playlist_holds_the_last_whole_segments_signed(
    served: tuple[str, VideoPlatform, Any],
) -> None:
    url, platform, clock = served
    path = f"/hls/{CAMERA}/live.m3u8"
    status, headers, data = fetch(url + path)
    assert status == 200
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
    text = data.decode()
    now_sequence = media.sequence_at(clock.now)
    segments = [line for line in text.splitlines() if line.endswith(".ts")]
    assert segments == [f"seg/{n}.ts" for n in range(now_sequence - 3, now_sequence)]
    assert "#EXT-X-ENDLIST" not in text
    signed_media(headers, data, path, platform.config.key)
    with pytest.raises(CryptoError):
        signed_media(headers, data + b"#", path, platform.config.key)  # another body: not what was signed


def test_playback_of_a_recorded_range_and_its_segments(served: tuple[str, VideoPlatform, Any]) -> None:
    url, platform, _clock = served
    path = f"/hls/{CAMERA}/playback.m3u8?start=2026-03-02T01:30:00Z&end=2026-03-02T01:31:00Z"
    status, headers, data = fetch(url + path)
    assert status == 200
    signed_media(headers, data, path, platform.config.key)
    text = data.decode()
    assert text.rstrip().endswith("#EXT-X-ENDLIST")
    assert "#EXT-X-PROGRAM-DATE-TIME:2026-03-02T01:30:00.000Z" in text
    segments = [line for line in text.splitlines() if line.endswith(".ts")]
    assert len(segments) == 10  # a minute of six-second segments
    segment_path = f"/hls/{CAMERA}/{segments[0]}"
    status, headers, segment = fetch(url + segment_path)
    assert (status, headers["Content-Type"]) == (200, "video/mp2t")
    assert len(segment) % 188 == 0
    assert media.caption(segment) == {
        "camera": CAMERA, "sequence": media.sequence_at(dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)),
        "from": "2026-03-02T01:30:00.000Z", "to": "2026-03-02T01:30:06.000Z",
    }  # fmt: skip
    signed_media(headers, segment, segment_path, platform.config.key)


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ("start=2026-03-02T01:30:00Z", 400, "malformed"),  # no end
        ("start=2026-03-02T01:31:00Z&end=2026-03-02T01:30:00Z", 400, "malformed"),  # end before start
        ("start=yesterday&end=2026-03-02T01:30:00Z", 400, "malformed"),
        ("start=2026-03-01T00:00:00Z&end=2026-03-02T01:30:00Z", 400, "malformed"),  # over 24 hours
        ("start=2026-03-02T00:30:00Z&end=2026-03-02T01:30:00Z", 409, "not_recorded"),  # before its start
        ("start=2026-03-02T01:30:00Z&end=2026-03-02T03:00:00Z", 409, "not_recorded"),  # after now
    ],
)
def test_a_range_that_is_not_one_or_not_recorded_is_refused(
    served: tuple[str, VideoPlatform, Any], query: str, status: int, reason: str
) -> None:
    url, _platform, _clock = served
    got, headers, data = fetch(url + f"/hls/{CAMERA}/playback.m3u8?{query}")
    assert (got, json.loads(data)["reason"]) == (status, reason)
    assert "X-Ggzy-Signature" not in headers


def test_segments_outside_the_recording_and_unknown_cameras_are_not_found(
    served: tuple[str, VideoPlatform, Any],
) -> None:
    url, _platform, clock = served
    before = media.sequence_at(SINCE) - 1
    assert fetch(url + f"/hls/{CAMERA}/seg/{before}.ts")[0] == 404
    assert fetch(url + f"/hls/{CAMERA}/seg/{media.sequence_at(clock.now)}.ts")[0] == 404  # still recording
    assert fetch(url + f"/hls/{OTHER}/live.m3u8")[0] == 404
    assert fetch(url + f"/hls/{CAMERA}/seg/x.ts")[0] == 404


def test_a_cameras_file_altered_by_hand_is_not_served(folder: Path) -> None:
    data = json.loads((folder / state.CAMERAS).read_text("utf-8"))
    data["cameras"]["123"] = {"name": "x", "place": "y", "since": "2026-03-02T01:00:00Z"}
    (folder / state.CAMERAS).write_text(json.dumps(data), "utf-8")
    with pytest.raises(StartupError, match="device code"):
        VideoPlatform.open(folder, PASSPHRASE)


def test_a_camera_that_is_not_one_is_refused(folder: Path) -> None:
    for camera, name, place in (("2101", "甲", "乙"), (CAMERA, " ", "乙"), (CAMERA, "甲", "乙" * 101)):
        with pytest.raises(ValueError, match=r"20 digits|texts"):
            add_camera(folder, camera, name, place, SINCE)
    assert list(state.load_store(folder).cameras) == [CAMERA]


def _video(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ggzy_video", *argv],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
        env={**os.environ, "GGZY_VIDEO_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip


def test_the_command_line_adds_cameras_but_not_while_served(tmp_path: Path) -> None:
    folder = tmp_path / "cli"
    made = _video("init", "--dir", str(folder), "--name", "视频平台（模拟）", "--iterations", "1000")
    assert made.returncode == 0, made.stderr
    added = _video("add", "--dir", str(folder), CAMERA, "全景", "K101", "--since", "2026-03-02T01:00:00Z")
    assert added.returncode == 0, added.stderr
    assert _video("add", "--dir", str(folder), "123", "全景", "K101").returncode == 1
    process = subprocess.Popen(
        [sys.executable, "-m", "ggzy_video", "serve", "--dir", str(folder), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "GGZY_VIDEO_PASSPHRASE": PASSPHRASE},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=30), "the platform did not start"
        line = process.stdout.readline()
        assert "ggzy-video serving on http://127.0.0.1:" in line
        url = line.split("serving on ", 1)[1].strip()
        status, _headers, data = fetch(url + f"/hls/{CAMERA}/live.m3u8")
        assert status == 200
        assert data.startswith(b"#EXTM3U")
        assert (
            _video("add", "--dir", str(folder), OTHER, "近景", "K101").returncode == 2
        )  # the folder is locked
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
