"""The demo's video platform: one `ggzy-video` process (docs/video-interface.md) — its own folder, key and
port, as the centre's platform would run — with a camera for each demo room's camera (`ggzy.demo.venues`
lists them through `venues.services.camera_add`), each recording from the moment it was listed. Sandbox
only.

    GGZY_DEMO_VIDEO_DIR     the folder (`make demo`: .video-demo/, outside var/): the platform in a
                            subfolder named by its code in GGZY_VIDEO_PLATFORMS
    GGZY_VIDEO_PLATFORMS    demo-video=http://127.0.0.1:18671 (what the pages link to)
    GGZY_VIDEO_PASSPHRASE   its key file's passphrase (the demo's: demo-video-passphrase)

`ggzy serve` makes it if it is missing, adds the cameras the platform's database lists (`ensure`) and runs
it beside the web server (settings.GGZY_SERVE_ALSO names `serve_commands`): the room and booking pages'
live and playback links then answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError

from ggzy.demo.simulators import Tool
from ggzy.venues import video
from ggzy.venues.models import Camera

PASSPHRASE = "demo-video-passphrase"  # noqa: S105  (the demo's; printed in the Makefile)
TOOL = Tool("ggzy-video", "GGZY_VIDEO_PASSPHRASE", PASSPHRASE, "The demo video platform")
NAME = "交易中心视频监控平台（演示模拟）"
DEFAULT_PORT = 18671


def ensure() -> Path | None:
    """Make the demo video platform (`ggzy-video init`) unless it exists and add the cameras of its code
    it does not hold yet (`ggzy-video add`, recording since each was listed). Its folder; None outside
    the sandbox, without GGZY_DEMO_VIDEO_DIR or without a platform configured."""
    if not settings.GGZY_DEMO_VIDEO_DIR or not settings.GGZY_SANDBOX or not video.configured():
        return None
    code = next(iter(video.configured()))
    platform = Path(settings.GGZY_DEMO_VIDEO_DIR) / code
    platform.parent.mkdir(parents=True, exist_ok=True)
    if not (platform / "state.json").exists():
        TOOL.run([TOOL.path(), "init", "--dir", str(platform), "--name", NAME], platform)
    held = (platform / "cameras.json").read_text("utf-8") if (platform / "cameras.json").exists() else ""
    try:
        cameras = list(Camera.objects.filter(platform=code).select_related("room"))
    except DatabaseError:
        cameras = []  # no database yet: the cameras come with the demo's rooms
    for camera in cameras:
        if f'"{camera.device}"' in held:
            continue
        since = camera.added_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        place = f"{camera.room.code} {camera.room.name}"
        TOOL.run(
            [TOOL.path(), "add", "--dir", str(platform), camera.device, camera.name, place, "--since", since],
            platform,
        )
    return platform


def serve_commands() -> list[tuple[str, list[str]]]:
    """For `ggzy serve` (settings.GGZY_SERVE_ALSO): the demo video platform, made and given its cameras, as a
    named process (its passphrase from GGZY_VIDEO_PASSPHRASE, which `make demo` exports)."""
    platform = ensure()
    if platform is None:
        return []
    parts = urlsplit(next(iter(video.configured().values())))
    command = [
        TOOL.path(), "serve", "--dir", str(platform), "--host", parts.hostname or "127.0.0.1",
        "--port", str(parts.port or DEFAULT_PORT),
    ]  # fmt: skip
    return [(f"video {platform.name}", command)]
