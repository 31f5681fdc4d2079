"""Serve the platform: the web server, the task worker and the tick loop together; Ctrl-C stops all.

    ggzy serve [--port 8000] [--no-worker] [--dev]

The web server is gunicorn (Django's runserver with --dev). If either process exits, the other is
stopped too and the command exits with the failing one's status."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Run the web server and the task worker; stop both on Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the task worker and the tick loop"
        )
        parser.add_argument("--dev", action="store_true", help="Django's runserver with autoreload")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        bind = f"{options['host']}:{options['port']}"
        if options["dev"]:
            web = [python, "-m", "ggzy", "runserver", bind]
        else:
            web = [
                python,
                "-m",
                "gunicorn",
                "ggzy.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["workers"]),
                "--access-logfile",
                "-",
            ]
        commands = [web]
        if not options["no_worker"]:
            commands.append([python, "-m", "ggzy", "db_worker", "--queue-name", "*", "--no-reload"])
            commands.append([python, "-m", "ggzy", "tick"])
        names = ["web server", "task worker", "tick loop"][: len(commands)]
        if settings.GGZY_SERVE_ALSO:  # more processes to run beside (the demo's co-signers), by dotted path
            for name, command in import_string(settings.GGZY_SERVE_ALSO)():
                commands.append(command)
                names.append(name)
        procs = [subprocess.Popen(cmd) for cmd in commands]  # noqa: S603  (our own interpreter and tools)
        self.stdout.write(f"serving on http://{bind}/  (Ctrl-C stops the server and the worker)")
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        status = 0
        while not stopping:
            exited = [p for p in procs if p.poll() is not None]
            if exited:
                status = exited[0].returncode or 1
                self.stderr.write(
                    f"{names[procs.index(exited[0])]} exited with {exited[0].returncode}; stopping the rest"
                )
                break
            time.sleep(0.5)
        for p in procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 10
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
        if status:
            sys.exit(status)
