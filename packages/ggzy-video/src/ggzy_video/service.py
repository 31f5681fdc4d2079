"""The HTTP service of a video platform (`ggzy-video serve`): what a trading platform links to for a room's
cameras (standard 7.7.2: 远程回放; 6.8.2: the opening under audio and video monitoring; 10.2: the
supervisors' live channel).

    GET /v1/cameras/<camera>         the camera's signed description, or 404:
                                     {"camera": body, "key", "signature"} for purpose ggzy-video-camera-v1,
                                     body {"format", "platform": its name, "camera", "name", "place",
                                     "since", "live": path, "playback": path template with {start} and
                                     {end}, "segment_seconds", "at": the platform's instant}
    GET /hls/<camera>/live.m3u8      the live playlist: the last three whole segments recorded
    GET /hls/<camera>/playback.m3u8?start=…Z&end=…Z
                                     the recording of [start, end) (at most 24 hours, recorded already:
                                     from the camera's `since` to the platform's now) as a VOD playlist;
                                     400 {"reason": "malformed"} for a range that is not one, 409
                                     {"reason": "not_recorded"} for one not (yet) recorded
    GET /hls/<camera>/seg/<n>.ts     segment n (video/mp2t), recorded already, or 404
    GET /health                      {"ok", "name", "key", "time", "cameras": n}
    POST /v1/admin/fail-next         {"count": n}: the next n camera descriptions answer 503 — only with
                                     --test-controls (otherwise 404)

Every playlist and segment carries `X-Ggzy-Key` (the platform's public key, hex) and `X-Ggzy-Signature`:
SM2 for purpose ggzy-video-media-v1 over {"camera", "path": the request's path and query, "sm3": the
body's SM3 (hex)} — a trading platform (or an auditor) can keep what it fetched and show where it came
from. The media are computed from the clock (`ggzy_video.media`): a simulated recording that never ends.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ggzy_sm import canonical, simulator
from ggzy_sm.jsonservice import PostRoute, Reply, not_found
from ggzy_sm.simulator import ItemRoute, signed
from ggzy_sm.sm3 import sm3
from ggzy_video import __version__, media, state

DEFAULT_PORT = 18671
CAMERAS_PATH, HLS_PREFIX = "/v1/cameras", "/hls/"
CAMERA_PURPOSE = "ggzy-video-camera-v1"
MEDIA_PURPOSE = "ggzy-video-media-v1"
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"


#: (status, content type, body, camera — empty for a refusal, which is unsigned JSON)
Answer = tuple[HTTPStatus, str, bytes, str]


@dataclass(frozen=True)
class Asked:
    """A GET /hls/<camera>/<rest>?<query> at `now`, the camera known (its record and recording start)."""

    camera: str
    entry: dict[str, Any]
    since: dt.datetime
    rest: str
    query: str
    now: dt.datetime


class VideoPlatform(simulator.Simulator[state.Store]):
    """A video platform with its key and its cameras: describes a camera (signed) and serves its live and
    recorded HLS, each playlist and segment signed."""

    kind = state.KIND

    @classmethod
    def load_store(cls, folder: Path) -> state.Store:
        return state.load_store(folder)

    def routes(self) -> Mapping[str, PostRoute]:
        return {}

    def get_items(self) -> Mapping[str, ItemRoute]:
        return {CAMERAS_PATH: self.camera_get}

    def holds(self) -> dict[str, Any]:
        return {"cameras": len(self.store.cameras)}

    def summary(self) -> str:
        return f"{len(self.store.cameras)} cameras"

    def camera_get(self, camera: str, now: dt.datetime) -> Reply:
        entry = self.store.cameras.get(camera)
        if entry is None:
            return not_found(f"this platform has no camera {camera[:30]!r}")
        with self._lock:
            record: dict[str, Any] = {}
            if (down := self.unavailable(record)) is not None:
                return down
        body = {
            "platform": self.config.name,
            "camera": camera,
            "name": entry["name"],
            "place": entry["place"],
            "since": entry["since"],
            "live": f"{HLS_PREFIX}{camera}/live.m3u8",
            "playback": f"{HLS_PREFIX}{camera}/playback.m3u8?start={{start}}&end={{end}}",
            "segment_seconds": media.SEGMENT_SECONDS,
            "at": canonical.format_instant(now),
        }
        return Reply(HTTPStatus.OK, signed(self.key, CAMERA_PURPOSE, "camera", body))

    def media_signature(self, camera: str, path: str, data: bytes) -> str:
        return self.key.sign(MEDIA_PURPOSE, {"camera": camera, "path": path, "sm3": sm3(data).hex()}).hex()

    def hls(self, path: str, query: str, now: dt.datetime) -> Answer:
        """(status, content type, body, camera) of GET /hls/…; a refusal as JSON (no camera)."""
        camera, _, rest = path[len(HLS_PREFIX) :].partition("/")
        entry = self.store.cameras.get(camera)
        if entry is None:
            return _error(HTTPStatus.NOT_FOUND, "not_found", f"this platform has no camera {camera[:30]!r}")
        since = state.instant(entry["since"])
        assert since is not None  # noqa: S101  (checked when the store was read)
        answer = {"live.m3u8": self._live, "playback.m3u8": self._playback}.get(rest, self._segment)
        return answer(Asked(camera, entry, since, rest, query, now))

    def _live(self, asked: Asked) -> Answer:
        if asked.now - asked.since < dt.timedelta(seconds=media.SEGMENT_SECONDS * 2):
            return _error(HTTPStatus.CONFLICT, "not_recorded", "the camera has recorded no whole segment yet")
        return HTTPStatus.OK, PLAYLIST_TYPE, media.live(asked.now, asked.since).encode(), asked.camera

    def _playback(self, asked: Asked) -> Answer:
        query = urllib.parse.parse_qs(asked.query, keep_blank_values=True)
        start = state.instant((query.get("start") or [""])[0])
        end = state.instant((query.get("end") or [""])[0])
        if start is None or end is None or not start < end or end - start > media.MAX_RANGE:
            return _error(
                HTTPStatus.BAD_REQUEST,
                "malformed",
                "give start and end as instants in UTC (YYYY-MM-DDTHH:MM:SSZ), start before end, at most 24"
                " hours apart",
            )
        if start < asked.since or end > asked.now:
            return _error(
                HTTPStatus.CONFLICT,
                "not_recorded",
                f"the camera records from {asked.entry['since']} to now"
                f" ({canonical.format_instant(asked.now)})",
            )
        return HTTPStatus.OK, PLAYLIST_TYPE, media.recorded(start, end).encode(), asked.camera

    def _segment(self, asked: Asked) -> Answer:
        rest = asked.rest
        number = rest[4:-3] if rest.startswith("seg/") and rest.endswith(".ts") else ""
        if not number.isdigit():
            return _error(
                HTTPStatus.NOT_FOUND, "not_found", "GET /hls/<camera>/live.m3u8, playback.m3u8 or seg/<n>.ts"
            )
        sequence = int(number)
        if not media.sequence_at(asked.since) <= sequence < media.sequence_at(asked.now):
            return _error(HTTPStatus.NOT_FOUND, "not_found", f"segment {sequence} is not recorded")
        return HTTPStatus.OK, SEGMENT_TYPE, media.segment(asked.camera, sequence), asked.camera


def _error(status: HTTPStatus, reason: str, message: str) -> Answer:
    return (
        status,
        "application/json; charset=utf-8",
        json.dumps({"reason": reason, "message": message}).encode(),
        "",
    )


class _Handler(simulator.SimulatorHandler):
    server_version = f"ggzy-video/{__version__}"
    get_elsewhere = "GET /v1/cameras/<camera>, GET /hls/<camera>/…, or GET /health"
    post_elsewhere = "nothing is posted here (only the test controls)"
    too_large = "a request is at most 1 MiB of JSON"
    server: VideoServer

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        path = self.route_path()
        if not path.startswith(HLS_PREFIX):
            super().do_GET()
            return
        query = self.path.partition("?")[2]
        platform = self.server.simulator
        status, content_type, data, camera = platform.hls(path, query, self.server.now())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Access-Control-Allow-Origin", "*")  # a player on the trading platform's pages
        if camera:
            self.send_header("X-Ggzy-Key", platform.key.public_key.hex())
            self.send_header("X-Ggzy-Signature", platform.media_signature(camera, self.path, data))
        self.end_headers()
        self.wfile.write(data)


class VideoServer(simulator.SimulatorServer[VideoPlatform]):
    """The HTTP service of a `VideoPlatform` on (host, port) (port 0: a free one), by `ggzy_sm.simulator`.
    `clock` is the platform's own: the system's by default; tests inject theirs."""

    handler = _Handler
    default_port = DEFAULT_PORT


def add_camera(folder: Path, camera: str, name: str, place: str, since: dt.datetime) -> state.Store:
    """Add (or describe again) a camera in the folder's cameras.json, recording from `since` — while the
    platform is not served (`ggzy-video add`); ValueError for a code, name or place that is not one."""
    if not state.is_camera(camera):
        raise ValueError("a camera is named by its GB/T 28181 device code: 20 digits")
    if not state.is_text(name) or not state.is_text(place):
        raise ValueError(f"name and place are texts of 1 to {state.TEXT_LENGTH} characters")
    store = state.load_store(folder)
    record = {"name": name.strip(), "place": place.strip(), "since": canonical.format_instant(since)}
    updated = state.Store({**store.cameras, camera: record})
    state.save_store(folder, updated)
    return updated
