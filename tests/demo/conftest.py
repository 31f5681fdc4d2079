"""The demo, loaded once per test module (`demo_load` takes seconds; a module's tests only read it).

A module says `demo = load_once(...)`: its tests ask for the `demo` fixture and find the demo loaded.
The load runs inside a transaction that the module's end rolls back, and pytest-django runs each test
inside a savepoint of it, rolled back after the test — so a test sees the demo as loaded, whatever an
earlier test of the module wrote, and the next module sees none of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tests.conftest import sandbox_mode


@dataclass(frozen=True)
class Demo:
    """The loaded demo's folders: media, and the demo CAs' (also the custodians' keys) when asked for."""

    media: Path
    ca_dir: Path | None


def load_once(*args: str, sandbox: bool = False, ca: bool = False, **settings: Any) -> Callable[..., Any]:
    """A module-scoped fixture `demo`: `demo_load *args` once for the module, on the sandbox clock if
    `sandbox` (as `make demo` runs it), with the demo CAs if `ca`, under the given settings."""

    @pytest.fixture(scope="module", name="demo")
    def fixture(
        django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[Demo]:
        folder = tmp_path_factory.mktemp("demo")
        demo = Demo(media=folder / "media", ca_dir=folder / "demo-ca" if ca else None)
        with ExitStack() as stack:
            if sandbox:
                stack.enter_context(sandbox_mode())
            stack.enter_context(
                override_settings(MEDIA_ROOT=demo.media, GGZY_DEMO_CA_DIR=str(demo.ca_dir or ""), **settings)
            )
            stack.enter_context(django_db_blocker.unblock())
            outer = transaction.atomic()
            outer._from_testcase = True  # as a test's own: services that refuse to run nested still run
            stack.enter_context(outer)
            call_command("demo_load", *args, verbosity=0)
            yield demo
            transaction.set_rollback(True)

    return fixture


@pytest.fixture(autouse=True)
def _media_root(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> None:
    """tests/conftest.py's, except that a test on the module's demo keeps the demo's folders."""
    if "demo" not in request.fixturenames:
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.GGZY_DEMO_CA_DIR = ""
