"""The centre's video platforms as the pages link to them (docs/video-interface.md): `GGZY_VIDEO_PLATFORMS`
("CODE=URL,…", each URL as a browser reaches it), a camera's live playlist and its playback of a range.
The platform keeps and serves the video; nothing of it passes through the trading platform."""

from __future__ import annotations

import datetime as dt
import urllib.parse

from django.conf import settings

from ggzy.venues.models import Camera


def configured() -> dict[str, str]:
    """{code: URL} of GGZY_VIDEO_PLATFORMS, in order."""
    out: dict[str, str] = {}
    for part in settings.GGZY_VIDEO_PLATFORMS.split(","):
        code, _eq, url = part.strip().partition("=")
        if code and url:
            out[code.strip()] = url.strip().rstrip("/")
    return out


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def live_url(camera: Camera) -> str:
    """The camera's live HLS playlist, or "" when its platform is no longer configured."""
    base = configured().get(camera.platform)
    return f"{base}/hls/{camera.device}/live.m3u8" if base else ""


def playback_url(camera: Camera, start: dt.datetime, end: dt.datetime) -> str:
    """The camera's recording of [start, end) as an HLS playlist, or "" without its platform."""
    base = configured().get(camera.platform)
    if not base:
        return ""
    query = urllib.parse.urlencode({"start": _instant(start), "end": _instant(end)})
    return f"{base}/hls/{camera.device}/playback.m3u8?{query}"
