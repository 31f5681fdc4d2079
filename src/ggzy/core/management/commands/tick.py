"""`ggzy tick`: run the tick jobs every few seconds (or `--once`)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from ggzy.core import tick


class Command(BaseCommand):
    help = "Run the tick jobs (catching up on side effects of time) in a loop, or once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(str(tick.run_once()))
            return
        running = True

        def stop(signum: int, frame: Any) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while running:
            close_old_connections()
            results = tick.run_once()
            if any(v for v in results.values()):
                self.stdout.write(f"tick: {results}")
            deadline = time.monotonic() + options["interval"]
            while running and time.monotonic() < deadline:
                time.sleep(0.2)
