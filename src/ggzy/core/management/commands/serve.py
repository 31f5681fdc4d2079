"""Serve the platform: the web server, the task worker and the tick loop, supervised; Ctrl-C stops all.

    ggzy serve [--port 8000] [--host 127.0.0.1] [--workers 2] [--no-worker] [--dev]

The web server is granian (ASGI, `ggzy.asgi`; Django's runserver with --dev). `ggzy.core.supervisor`
keeps every process running: one that dies is restarted with a back-off after what it left behind
(its workers, its port) is cleared, and the command says so on stderr. docs/operations.md gives the
systemd units a production host uses instead."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.utils.module_loading import import_string

from ggzy.core.supervisor import Child, Supervisor


def web_command(host: str, port: int, workers: int) -> list[str]:
    """The production web server's command line (docs/operations.md shows the same flags)."""
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asginl",  # ASGI without lifespan (Django has none)
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--respawn-failed-workers",  # granian restarts a worker that dies; we restart granian
        "--http1-header-read-timeout",  # slow headers are dropped
        str(settings.GGZY_HEADER_READ_TIMEOUT_MS),
        "--workers-kill-timeout",
        "10",
        "--no-ws",
        "--access-log",
    ]
    static_root = settings.STATIC_ROOT
    if not settings.DEBUG and static_root and (static_root / "staticfiles.json").exists():
        # collected, hashed files served by granian itself, never reaching Python
        command += ["--static-path-route", settings.STATIC_URL.rstrip("/")]
        command += ["--static-path-mount", str(static_root), "--static-path-expires", "365d"]
    return [*command, "ggzy.asgi:application"]


def let_go_of_the_database() -> None:
    """Close what the start-up opened (the checks, the demo's commands): the supervisor needs no
    database, and on PostgreSQL an open connection pool keeps its worker threads. With threads beside
    it, a `kill -9` of the supervisor can hand its children to one of them first (the kernel looks for
    a live thread of the dying process before the init system), and each hand-over sends the children
    their parent-death signal again: the task worker took the second SIGTERM as "force", and the
    delivery it was finishing was recorded as failed (tests/core/test_faults.py)."""
    for connection in connections.all(initialized_only=True):
        connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()


class Command(BaseCommand):
    help = "Run the web server, the task worker and the tick loop; restart what dies; stop all on Ctrl-C."

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
        host, port = options["host"], options["port"]
        if options["dev"]:
            web = [python, "-m", "ggzy", "runserver", f"{host}:{port}"]
        else:
            web = web_command(host, port, options["workers"])
        children = [Child("web server", web, port=(host, port))]
        if not options["no_worker"]:
            worker = [python, "-m", "ggzy", "db_worker", "--queue-name", "*", "--no-reload"]
            children.append(Child("task worker", worker))
            children.append(Child("tick loop", [python, "-m", "ggzy", "tick"]))
        # more processes to run beside (the demo's co-signers and national platforms), by dotted paths
        for path in str(settings.GGZY_SERVE_ALSO or "").split(","):
            if path.strip():
                for name, command in import_string(path.strip())():
                    children.append(Child(name, command))
        self.stdout.write(
            f"serving on http://{host}:{port}/  ({', '.join(c.name for c in children)}; "
            "restarted if they die; Ctrl-C stops all)"
        )
        self.stdout.flush()
        let_go_of_the_database()
        status = Supervisor(children, log=sys.stderr).run()
        if status:
            sys.exit(status)
