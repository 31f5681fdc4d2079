"""Issue 23 item 3: `ggzy serve`'s supervisor restarts a child that dies, after clearing what it left
(its process group, its port); gives up on a crash loop; stops everything it started; and what it
started dies with it."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from ggzy.core.supervisor import Child, Supervisor, describe_exit, port_free

PY = sys.executable


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for(predicate, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def family(tmp_path: Path, name: str) -> list[str]:
    """A parent that starts a grandchild (as granian starts its workers), both writing their pids."""
    script = textwrap.dedent(
        f"""
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open({str(tmp_path / name)!r} + ".pids", "a") as f:
            f.write(f"{{os.getpid()}} {{child.pid}}\\n")
        time.sleep(600)
        """
    )
    return [PY, "-c", script]


def pids(tmp_path: Path, name: str) -> list[tuple[int, int]]:
    path = tmp_path / f"{name}.pids"
    if not path.exists():
        return []
    return [tuple(map(int, line.split())) for line in path.read_text().split("\n") if line]  # type: ignore[misc]


def run_in_thread(sup: Supervisor) -> tuple[threading.Thread, list[int]]:
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(sup.run(poll=0.05, install_signals=False)))
    thread.start()
    return thread, result


def test_a_killed_child_is_restarted_and_what_it_left_is_killed(tmp_path: Path) -> None:
    log = io.StringIO()
    child = Child("web server", family(tmp_path, "web"))
    sup = Supervisor([child], log=log, backoff_initial=0.2)
    thread, result = run_in_thread(sup)
    try:
        assert wait_for(lambda: len(pids(tmp_path, "web")) == 1)
        parent, orphan = pids(tmp_path, "web")[0]
        os.kill(parent, signal.SIGKILL)
        assert wait_for(lambda: len(pids(tmp_path, "web")) == 2), log.getvalue()
        assert not alive(orphan), "the dead child's own child must not go on running"
        new_parent, new_grandchild = pids(tmp_path, "web")[1]
        assert alive(new_parent)
        assert alive(new_grandchild)
        assert "was killed by SIGKILL" in log.getvalue()
        assert "starting it again in 0.2 s" in log.getvalue()
        assert child.restarts == 1
    finally:
        sup.request_stop()
        thread.join(timeout=20)
    assert result == [0]
    assert wait_for(lambda: not alive(new_parent) and not alive(new_grandchild)), "stopping leaves nothing"


def test_the_back_off_doubles_while_a_child_keeps_dying_and_a_crash_loop_gives_up(tmp_path: Path) -> None:
    log = io.StringIO()
    child = Child("tick loop", [PY, "-c", "import sys; sys.exit(3)"])
    other = Child("task worker", [PY, "-c", "import time; time.sleep(600)"])
    sup = Supervisor([child, other], log=log, backoff_initial=0.05, give_up_after=4)
    thread, result = run_in_thread(sup)
    thread.join(timeout=30)
    assert result == [1]
    text = log.getvalue()
    assert "exited with 3" in text
    for delay in ("0.05", "0.1", "0.2"):
        assert f"in {delay} s" in text
    assert "giving up" in text
    assert other.proc is not None
    assert other.proc.poll() is not None, "giving up stops the others too"


def test_a_server_is_started_again_only_once_its_port_is_free(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = textwrap.dedent(
        f"""
        import os, socket, subprocess, sys, time
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", {port})); s.listen(); os.set_inheritable(s.fileno(), True)
        # a worker inheriting the listening socket, as a pre-fork server's workers do
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], pass_fds=[s.fileno()])
        with open({str(tmp_path / "server.pids")!r}, "a") as f: f.write(f"{{os.getpid()}} 0\\n")
        time.sleep(600)
        """
    )
    log = io.StringIO()
    child = Child("web server", [PY, "-c", server], port=("127.0.0.1", port))
    sup = Supervisor([child], log=log, backoff_initial=0.1)
    thread, _ = run_in_thread(sup)
    try:
        assert wait_for(lambda: len(pids(tmp_path, "server")) == 1 and not port_free("127.0.0.1", port))
        os.kill(pids(tmp_path, "server")[0][0], signal.SIGKILL)
        assert wait_for(lambda: len(pids(tmp_path, "server")) == 2), log.getvalue()
        assert "still taken" not in log.getvalue()
        assert not port_free("127.0.0.1", port)  # the new one holds it
    finally:
        sup.request_stop()
        thread.join(timeout=20)
    assert wait_for(lambda: port_free("127.0.0.1", port)), "the port is released when serving stops"


def test_children_die_with_the_supervisor(tmp_path: Path) -> None:
    """`kill -9` of the supervisor itself: the kernel tells each child (PR_SET_PDEATHSIG)."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2] / "src")!r})
        from ggzy.core.supervisor import Child, Supervisor
        mark = "import os, time; open({str(tmp_path / "c")!r} + str(os.getpid()), 'w'); time.sleep(600)"
        cmd = [sys.executable, "-c", mark]
        Supervisor([Child("a", cmd), Child("b", cmd)]).run()
        """
    )
    sup = subprocess.Popen([PY, "-c", script])
    try:
        assert wait_for(lambda: len(list(tmp_path.glob("c*"))) == 2)
        children = [int(p.name[1:]) for p in tmp_path.glob("c*")]
        sup.kill()
        sup.wait(timeout=10)
        assert wait_for(lambda: not any(alive(pid) for pid in children)), "children outlived the supervisor"
    finally:
        if sup.poll() is None:
            sup.kill()


@pytest.mark.parametrize(
    ("code", "text"), [(0, "exited with 0"), (3, "exited with 3"), (-9, "was killed by SIGKILL")]
)
def test_exit_descriptions(code: int, text: str) -> None:
    assert describe_exit(code) == text
