"""Background work: the database task queue and `ggzy serve` running the server and the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.core.tasks_for_test import add
from tests.outside import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_enqueued_task_runs_in_the_db_worker() -> None:
    result = add.enqueue(2, 3)
    assert result.status == "READY"
    call_command("db_worker", batch=True, reload=False, queue_name="*", verbosity=0)
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 5


def _children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(x) for x in out.stdout.split()]


@pytest.mark.slow
def test_serve_runs_server_and_worker_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env.update({"GGZY_VAR_DIR": str(tmp_path), "GGZY_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "ggzy.settings"})
    ggzy = [sys.executable, "-m", "ggzy"]
    subprocess.run([*ggzy, "migrate", "-v0"], env=env, check=True, cwd=REPO)
    port = free_port()
    proc = subprocess.Popen(
        [*ggzy, "serve", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = b""
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as r:
                    body = r.read()
                break
            except OSError:
                time.sleep(0.5)
        assert b'"status": "ok"' in body
        children = _children(proc.pid)
        assert len(children) == 3  # granian (its workers are its own children), db_worker and the tick loop
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        for child in children:
            assert (
                not Path(f"/proc/{child}").exists()
                or "zombie" in Path(f"/proc/{child}/status").read_text().lower()
            )
    finally:
        if proc.poll() is None:
            proc.kill()
