"""The demo's witness log, co-signed by three co-signer processes (2 of 3 pinned) that `ggzy serve`
runs beside the web server. A transactional test: the processes read what the demo committed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.outside import free_port


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sandbox")
def test_the_demo_history_is_cosigned_by_three_cosigner_processes(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from ggzy.demo import cosigners
    from ggzy.witness.audit import witness_audit
    from ggzy.witness.models import Cosignature, TreeHead

    ports = [free_port() for _ in range(3)]
    settings.GGZY_DEMO_COSIGNERS_DIR = str(tmp_path / "cosigners")
    settings.GGZY_COSIGNERS = ",".join(f"{n}=http://127.0.0.1:{p}" for n, p in zip("abc", ports, strict=True))
    settings.GGZY_WITNESS_TRUST = str(tmp_path / "cosigners" / "trust.json")
    monkeypatch.setenv("GGZY_COSIGNER_PASSPHRASE", "demo-cosigner-passphrase")
    call_command("demo_load", "--parties-only", verbosity=0)
    head = TreeHead.objects.order_by("-size").first()
    assert head is not None
    assert Cosignature.objects.filter(head=head).count() == 3  # three processes, 2 of 3 pinned
    assert len(cosigners.serve_commands()) == 3  # `ggzy serve` runs them beside the web server
    assert witness_audit() == []
