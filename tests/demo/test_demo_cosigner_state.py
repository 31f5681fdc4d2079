"""`make demo` after deleting var/ but keeping .cosigner-demo/: a fresh database — a new witness log —
finds the co-signer states of an earlier demo, which remember a log this one does not have. They are
moved aside (kept: they are the outside parties'), with a line saying so, and new co-signers start;
a state that cannot be used is refused with what to do, not a traceback."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.outside import free_port


def _cosigners(settings: Any, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ports = [free_port() for _ in range(3)]
    settings.GGZY_DEMO_COSIGNERS_DIR = str(folder)
    settings.GGZY_COSIGNERS = ",".join(f"{n}=http://127.0.0.1:{p}" for n, p in zip("abc", ports, strict=True))
    settings.GGZY_WITNESS_TRUST = str(folder / "trust.json")
    monkeypatch.setenv("GGZY_COSIGNER_PASSPHRASE", "demo-cosigner-passphrase")


def _pinned(folder: Path) -> list[str]:
    return [c["key"] for c in json.loads((folder / "trust.json").read_text(encoding="utf-8"))["cosigners"]]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox")
def test_a_fresh_database_sets_an_earlier_demos_cosigners_aside(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.core import clock
    from ggzy.witness.audit import witness_audit
    from ggzy.witness.models import Cosignature, TreeHead

    folder = tmp_path / "cosigners"
    _cosigners(settings, folder, monkeypatch)
    call_command("demo_load", "--parties-only", verbosity=0)
    earlier = _pinned(folder)
    call_command("flush", interactive=False, verbosity=0)  # var/ deleted: a fresh database, a new log
    clock.sandbox_reset_for_tests()

    out = StringIO()
    call_command("demo_load", "--parties-only", verbosity=0, stdout=out)

    (aside,) = folder.glob("previous-*")
    assert f"moved aside to {aside}" in out.getvalue()
    assert sorted(p.name for p in aside.iterdir()) == ["a", "b", "c", "trust.json"]
    assert _pinned(aside) == earlier  # kept as they were
    assert not set(_pinned(folder)) & set(earlier)  # new co-signers for the new log
    head = TreeHead.objects.order_by("-size").first()
    assert head is not None
    assert Cosignature.objects.filter(head=head).count() == 3
    assert witness_audit() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("sandbox")
def test_an_unusable_cosigner_state_is_refused_with_what_to_do(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.demo import cosigners

    folder = tmp_path / "cosigners"
    _cosigners(settings, folder, monkeypatch)
    settings.GGZY_COSIGNERS = settings.GGZY_COSIGNERS.split(",")[0]  # one is enough here
    cosigners.ensure(fresh=True, say=lambda line: None)
    (folder / "a" / "state.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        cosigners.ensure(fresh=False, say=lambda line: None)
    message = str(refused.value)
    assert str(folder / "a") in message
    assert "run `make demo` again" in message
