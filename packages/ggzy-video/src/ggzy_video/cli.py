"""`ggzy-video`: a trading centre's video platform as a trading platform sees it — its cameras, each with
a live view and playback of a time range over HLS, every answer signed — and the command that makes the
trust file the trading platform pins.

    ggzy-video init --dir DIR --name NAME [--iterations N]
        Make the platform: its own SM2 key (video.key, under a passphrase), state.json and public.json
        ({"format": "ggzy-video-public-v1", "name", "key"}). Prints the public key (hex).
    ggzy-video add --dir DIR CAMERA NAME PLACE [--since INSTANT]
        Add a camera (its GB/T 28181 device code, 20 digits), recording from INSTANT (…Z; default: now),
        or describe a known one again. Not while the folder is served (its lock). No passphrase.
    ggzy-video serve --dir DIR [--host 127.0.0.1] [--port 18671] [--test-controls]
        Serve the cameras over HTTP (ggzy_video.service), by this machine's clock. Prints
        "ggzy-video serving on http://HOST:PORT" once listening (--port 0: a free port); SIGTERM or
        Ctrl-C stops it. --test-controls adds POST /v1/admin/fail-next (the next camera descriptions
        answer 503).
    ggzy-video key --dir DIR
        Print the platform's public key (hex); no passphrase.
    ggzy-video trust --out FILE CODE=DIR_OR_PUBLIC_JSON …
        Write the ggzy-video-trust-v1 file a trading platform pins.

The passphrase comes from GGZY_VIDEO_PASSPHRASE or a prompt. Exit status: 0 done, 1 refused, 2 wrong
usage or `serve` refusing to start."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ggzy_sm.jsonservice import Refused, UsageError, say
from ggzy_sm.simulator import Command, Program, StateError
from ggzy_video import __version__, state
from ggzy_video.service import VideoPlatform, VideoServer, add_camera


def run_add(args: argparse.Namespace) -> int:
    try:
        config = state.KIND.load_config(args.dir)
        lock = state.KIND.lock(config.folder)
    except StateError as exc:
        raise UsageError(str(exc)) from exc
    try:
        since = dt.datetime.now(tz=dt.UTC) if args.since is None else state.instant(args.since)
        if since is None:
            raise Refused("--since is an instant in UTC: YYYY-MM-DDTHH:MM:SSZ")
        try:
            store = add_camera(Path(config.folder), args.camera, args.name, args.place, since)
        except (ValueError, StateError) as exc:
            raise Refused(str(exc)) from exc
    finally:
        lock.release()
    say(f"camera {args.camera} added to {config.name}; it has {len(store.cameras)} cameras")
    return 0


def _add_arguments(add: argparse.ArgumentParser) -> None:
    add.add_argument("--dir", required=True)
    add.add_argument("camera", help="its GB/T 28181 device code (20 digits)")
    add.add_argument("name", help="what it is called")
    add.add_argument("place", help="where it looks (the room)")
    add.add_argument("--since", default=None, help="when its recording begins (…Z; default: now)")


PROGRAM = Program(
    simulator=VideoPlatform,
    server=VideoServer,
    version=__version__,
    description="A trading centre's video platform: its cameras, each with a live view and playback of a "
    "time range over HLS, every answer signed by its own SM2 key.",
    serves="serve the cameras' descriptions, live and recorded HLS over HTTP",
    signs="camera descriptions, playlists and segments",
    entry="platform",
    controls="add POST /v1/admin/fail-next",
    controls_note="POST /v1/admin/fail-next makes the next camera descriptions fail (503)",
    commands=(Command("add", "add a camera (not while served)", _add_arguments, run_add),),
)


def main(argv: list[str] | None = None) -> int:
    return PROGRAM.main(argv)


if __name__ == "__main__":
    sys.exit(main())
