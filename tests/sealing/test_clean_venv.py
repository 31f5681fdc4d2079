"""Done-when of sealed bids I and format 2: a bid sealed by `ggzy-bid` installed from a local wheel into a
clean virtualenv (no Django, no editable checkout), acknowledged by custodians running as their own
processes, is validated and opened by the platform."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ggzy.sealing import services
from ggzy.sealing.models import BidState, SectionClosure
from ggzy_sm.keys import write_key_file
from tests.sealing.conftest import SHEET, Stage
from tests.sealing.live import go_live, sleep_until, window_in

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "clean-venv-passphrase"


def run(*command: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=600, check=False, **kwargs
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def clean_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`ggzy-bid` from wheels built here, in a virtualenv that has never seen this checkout."""
    base = tmp_path_factory.mktemp("clean")
    wheels, sources = base / "wheels", base / "sources"
    for package in ("ggzy-sm", "ggzy-bid"):  # built from a copy: the checkout gets no build/ folder
        shutil.copytree(
            ROOT / "packages" / package,
            sources / package,
            ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"),
        )
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--disable-pip-version-check", "-w", wheels,
        sources / "ggzy-sm", sources / "ggzy-bid",
    )  # fmt: skip
    built = sorted(wheels.glob("*.whl"))
    assert [w.name.split("-")[0] for w in built] == ["ggzy_bid", "ggzy_sm"]
    venv.create(base / "venv", with_pip=True, system_site_packages=False)
    python = base / "venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *built, cwd=base)
    probe = subprocess.run([python, "-c", "import django"], capture_output=True, check=False)
    assert probe.returncode != 0  # the client needs no Django
    location = run(python, "-c", "import ggzy_bid; print(ggzy_bid.__file__)", cwd=base).stdout
    assert "site-packages" in location
    assert str(ROOT) not in location
    return base / "venv" / "bin" / "ggzy-bid"


@pytest.mark.clause("8.1.3")
def test_a_bid_sealed_by_the_wheel_installed_client_is_validated_and_opened(
    stage: Stage,
    clean_client: Path,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The bidder's whole path with the client from a clean virtualenv and custodians as separate
    processes: release key, seal (the deadline from the custodians' signed notice, the time from their
    clocks), register (their acknowledgements), upload, and — after the deadline by their clocks — release
    and opening."""
    live, _supervisor = go_live(stage, tmp_path / "custodians", settings)
    try:
        bidder = stage.bidders[0]
        files = tmp_path / "bidder-files"
        files.mkdir()
        write_key_file(bidder.sign, files / "sign.key", PASSPHRASE, 2_000)
        (files / "sign.cer").write_bytes(bidder.sign_cert)
        (files / "sheet.json").write_text(json.dumps(SHEET, ensure_ascii=False), "utf-8")
        document = files / "投标文件.pdf"
        document.write_bytes(b"%PDF-1.7 " + os.urandom(300_000))
        env = {**os.environ, "GGZY_BID_PASSPHRASE": PASSPHRASE}
        pinned = ("--custodians", live.set_file, "--pin", live.cset.fingerprint)
        run(
            clean_client, "release-key", "--key", files / "sign.key", "--certificate", files / "sign.cer",
            "--out", files / "release.key", env=env, cwd=files,
        )  # fmt: skip
        deadline = window_in(stage, django_capture_on_commit_callbacks, 25)
        run(
            clean_client, "seal", "--section", stage.section.code, "--bidder", bidder.organisation.uscc,
            "--deadline", deadline.astimezone(ZoneInfo("Asia/Shanghai")).isoformat(),
            "--opening-sheet", files / "sheet.json", "--key", files / "sign.key",
            "--certificate", files / "sign.cer", "--release-key", files / "release.key", *pinned,
            "--out", files / "bid.ggzybid", document, env=env, cwd=files,
        )  # fmt: skip
        inspected = run(clean_client, "inspect", files / "bid.ggzybid", env=env, cwd=files).stdout
        assert stage.section.code in inspected
        run(
            clean_client, "register", *pinned, "--out", files / "acks.json", files / "bid.ggzybid",
            env=env, cwd=files,
        )  # fmt: skip
        acks = json.loads((files / "acks.json").read_text("utf-8"))
        assert len(acks) == 3  # every custodian acknowledged it before the deadline, by its clock

        bid = services.bid_receive(
            actor=bidder.user, section=stage.section, path=files / "bid.ggzybid", acknowledgements=acks
        )
        assert sorted(a["payload"]["custodian"] for a in bid.acknowledgements) == [1, 2, 3]
        sleep_until(deadline)
        released = run(
            clean_client, "release", "--release-key", files / "release.key", "--key", files / "sign.key",
            *pinned, files / "bid.ggzybid", env=env, cwd=files,
        ).stdout  # fmt: skip
        opened = services.bid_open(actor=bidder.user, bid=bid, release=json.loads(released))
        assert opened.state == BidState.OPENED
        assert opened.opening_sheet == SHEET
        inside = Path(settings.MEDIA_ROOT) / opened.opened_dir / "documents" / "投标文件.pdf"
        assert inside.read_bytes() == document.read_bytes()
        assert SectionClosure.objects.filter(section_code=stage.section.code).count() >= 2
    finally:
        live.stop_all()
