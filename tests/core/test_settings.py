"""Settings from the environment; SQLite set up for a web server and a worker writing at once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from ggzy.settings import SQLITE_OPTIONS, database_config

REPO = Path(__file__).resolve().parents[2]


def test_sqlite_url_gets_wal_immediate_and_busy_timeout(tmp_path: Path) -> None:
    config = database_config(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["timeout"] >= 5


def test_postgres_url_uses_psycopg_with_the_same_code() -> None:
    config = database_config("postgres://ggzy:secret@db.example:5433/ggzy")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.example",
        5433,
        "ggzy",
        "ggzy",
    )
    assert "OPTIONS" not in config or "transaction_mode" not in config["OPTIONS"]


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=SQLITE_OPTIONS["timeout"], isolation_level=None)
    for statement in str(SQLITE_OPTIONS["init_command"]).split(";"):
        if statement.strip():
            conn.execute(statement)
    return conn


def test_two_sqlite_writers_wait_for_each_other_instead_of_failing(tmp_path: Path) -> None:
    """The server and the worker write at once: the second waits for the lock, nothing fails."""
    path = tmp_path / "two.sqlite3"
    first = _connect(path)
    assert first.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first.execute("CREATE TABLE t (n INTEGER)")
    first.execute("BEGIN IMMEDIATE")
    first.execute("INSERT INTO t VALUES (1)")
    done: list[str] = []

    def second_writer() -> None:
        conn = _connect(path)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (2)")
        conn.execute("COMMIT")
        done.append("ok")

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert done == []  # waiting for the first writer's lock
    assert _connect(path).execute("SELECT count(*) FROM t").fetchone()[0] == 0  # readers are not blocked
    first.execute("COMMIT")
    thread.join(10)
    assert done == ["ok"]
    assert first.execute("SELECT count(*) FROM t").fetchone()[0] == 2


@pytest.mark.django_db
def test_test_database_is_the_configured_engine() -> None:
    wanted = "postgresql" if os.environ.get("GGZY_TEST_POSTGRES") else "sqlite"
    assert connection.vendor == wanted


def _run_settings(env: dict[str, str]) -> str:
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='ggzy.settings'; django.setup(); "
    code += (
        "from django.conf import settings as s; print(s.SECRET_KEY); print(s.DATABASES['default']['NAME'])"
    )
    code += "; print(s.DEBUG); print(s.MEDIA_ROOT)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return result.stdout


def test_secret_key_is_generated_once_into_var(tmp_path: Path) -> None:
    first = _run_settings({"GGZY_VAR_DIR": str(tmp_path)}).splitlines()
    second = _run_settings({"GGZY_VAR_DIR": str(tmp_path)}).splitlines()
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first[0] == second[0]
    assert len(first[0]) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert first[1] == str(tmp_path / "ggzy.sqlite3")  # SQLite under var/ by default
    assert first[2] == "False"


def test_environment_overrides(tmp_path: Path) -> None:
    out = _run_settings(
        {
            "GGZY_VAR_DIR": str(tmp_path),
            "GGZY_SECRET_KEY": "k" * 60,
            "GGZY_DEBUG": "1",
            "GGZY_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
            "GGZY_MEDIA_ROOT": str(tmp_path / "files"),
        }
    ).splitlines()
    assert out == ["k" * 60, str(tmp_path / "other.db"), "True", str(tmp_path / "files")]
    assert not (tmp_path / "secret_key").exists()
