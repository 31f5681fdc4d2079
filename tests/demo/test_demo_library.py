"""The demo bidders' market-entity libraries (docs/entities.md): the demo bidder's has an entry of every
kind, one running out next week and one already expired, a project manager busy on an unfinished project;
two demo bidders share a controlling shareholder (§34 ¶2); and the demo authority — its folder made once by
`ggzy serve`, its records those of `library.AUTHORITY_RECORDS` — confirms the bidder's entries, shows the
one level that differs and the professional who moved."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ggzy.accounts.models import Organisation
from ggzy.core import clock
from ggzy.demo import library
from ggzy.demo.accounts import uscc
from ggzy.demo.management.commands.demo_load import BIDDERS, ORGANISATIONS
from ggzy.entities import authority as client
from ggzy.entities import selectors, services
from ggzy.entities.models import Item, ItemKind, Verification
from ggzy.registry import blobs
from tests.demo.conftest import Demo, load_once
from tests.outside import authority_start, free_port, serving_on

pytestmark = pytest.mark.django_db

demo = load_once(sandbox=True)  # as `make demo` runs it: on the sandbox clock, with a month of history


def organisation(key: str) -> Organisation:
    return Organisation.objects.get(uscc=library._organisation(key)[1])


def test_the_demo_bidder_has_an_entry_of_every_kind(demo: Demo) -> None:
    bidder = get_user_model().objects.get(username="bidder")
    tiancheng = organisation("tcjs")
    items = list(selectors.library(organisation=tiancheng))
    assert {i.kind for i in items} == set(ItemKind.values)
    assert all(i.verification == Verification.NONE for i in items)  # nothing verified while loading
    assert all(r.recorded_by == bidder for i in items for r in i.revisions.all())  # the bidder's own word
    today = clock.local_now().date()
    soon = [i for i in items if i.valid_to is not None and today <= i.valid_to <= today + dt.timedelta(7)]
    assert [(i.kind, i.data["type"]) for i in soon] == [(ItemKind.QUALIFICATION, "licence.work_safety")]
    assert selectors.due_warning(soon[0], today) == 7
    expired = [i for i in items if "expired" in {f.code for f in selectors.flags_of(i, today=today)}]
    assert [(i.kind, i.data["doc_type"]) for i in expired] == [(ItemKind.DOCUMENT, "tax")]
    qualifications = selectors.library(organisation=tiancheng, kind=ItemKind.QUALIFICATION)
    assert {(q.data["type"], q.data["level"]) for q in qualifications} >= {
        ("construction.general.municipal", "一级"),
        ("construction.general.building", "二级"),
        ("construction.special.pavement", "一级"),
    }
    professionals = selectors.library(organisation=tiancheng, kind=ItemKind.PROFESSIONAL)
    assert professionals.count() == 3
    assert all(p.secret and p.data["registration"] == "一级注册建造师" for p in professionals)
    busy = [p.number for p in professionals if "busy" in {f.code for f in selectors.flags_of(p, today=today)}]
    assert busy == [library.BUSY_MANAGER]
    records = selectors.library(organisation=tiancheng, kind=ItemKind.TRACK_RECORD)
    assert records.count() == 3
    assert all(isinstance(r.data["contract_fen"], int) for r in records)
    assert sum(1 for r in records if not r.data.get("completed")) == 1
    documents = selectors.library(organisation=tiancheng, kind=ItemKind.DOCUMENT)
    assert {d.data["doc_type"] for d in documents} == {"financial_statement", "tax"}
    for document in documents:  # each with its PDF file, stored by its SM3
        (file,) = document.files
        assert file["media_type"] == "application/pdf"
        assert blobs.path_of(str(file["sm3"])).read_bytes().startswith(b"%PDF-")


def test_two_demo_bidders_share_a_controlling_shareholder(demo: Demo) -> None:
    codes = [uscc(serial, region, "91") for key, _n, serial, region, *_r in ORGANISATIONS if key in BIDDERS]
    conflicts = selectors.control_conflicts(Organisation.objects.filter(uscc__in=codes).order_by("pk"))
    assert [(c.reason, {c.first.uscc, c.second.uscc}) for c in conflicts] == [
        ("same_controller", {organisation("hylq").uscc, organisation("xsjz").uscc})
    ]


def test_the_libraries_load_once(demo: Demo) -> None:
    before = Item.objects.count()
    library.load()
    assert Item.objects.count() == before


def test_the_demo_authority_confirms_the_bidders_entries(demo: Demo, settings: Any, tmp_path: Path) -> None:
    running = authority_start(tmp_path / "authority")
    try:
        settings.GGZY_AUTHORITY_URL = running.url
        settings.GGZY_AUTHORITY_TRUST = str(running.trust_file)
        settings.GGZY_AUTHORITY_CODE = "moha"
        running.add(library.AUTHORITY_RECORDS())
        bidder = get_user_model().objects.get(username="bidder")
        tiancheng = organisation("tcjs")
        first = (
            selectors.library(organisation=tiancheng, kind=ItemKind.QUALIFICATION)
            .order_by("created_at", "id")
            .first()
        )
        assert first is not None
        assert services.item_verify(actor=bidder, item=first).verification == Verification.MATCH
        licence = selectors.library(organisation=tiancheng, kind=ItemKind.LICENCE).get()
        assert services.item_verify(actor=bidder, item=licence).verification == Verification.MATCH
        differs = Item.objects.get(kind=ItemKind.QUALIFICATION, number=library.DIFFERS)
        differs = services.item_verify(actor=bidder, item=differs)
        assert differs.verification == Verification.MISMATCH
        assert differs.verified_answer["differences"] == ["level"]
        moved = Item.objects.get(kind=ItemKind.PROFESSIONAL, number=library.MOVED)
        moved = services.item_verify(actor=bidder, item=moved)
        assert moved.verification == Verification.ELSEWHERE
        assert moved.retired_at is not None
        for item in selectors.library(organisation=organisation("hylq")).filter(  # the others' too
            kind__in=[ItemKind.LICENCE, ItemKind.QUALIFICATION, ItemKind.PROFESSIONAL]
        ):
            assert services.item_verify(actor=None, item=item).verification == Verification.MATCH
    finally:
        running.stop()


@pytest.mark.usefixtures("sandbox")
def test_the_demo_makes_and_serves_the_authority_once(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ggzy.demo import authority

    port = free_port()
    settings.GGZY_DEMO_AUTHORITY_DIR = str(tmp_path / "authority")
    settings.GGZY_AUTHORITY_URL = f"http://127.0.0.1:{port}"
    settings.GGZY_AUTHORITY_TRUST = str(tmp_path / "authority" / "trust.json")
    settings.GGZY_AUTHORITY_CODE = "moha"
    monkeypatch.setenv("GGZY_AUTHORITY_PASSPHRASE", authority.PASSPHRASE)
    served = authority.serve_commands()
    assert [name for name, _command in served] == ["authority moha"]
    trust = json.loads((tmp_path / "authority" / "trust.json").read_text("utf-8"))
    assert trust["authorities"]["moha"]["name"] == authority.NAME
    assert authority.serve_commands() == served  # made once: the same key the second time
    again = json.loads((tmp_path / "authority" / "trust.json").read_text("utf-8"))
    assert again["authorities"]["moha"]["key"] == trust["authorities"]["moha"]["key"]
    process = subprocess.Popen(
        served[0][1], env=authority.TOOL.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert serving_on(process, "authority") == f"http://127.0.0.1:{port}"
        answer = client.lookup("licence", library._organisation("tcjs")[1])  # the demo's records
        assert answer.record is not None
        assert answer.record["name"] == "辽宁天成建设集团有限公司"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_outside_the_sandbox_no_authority_is_made(settings: Any, tmp_path: Path) -> None:
    from ggzy.demo import authority

    settings.GGZY_SANDBOX = False
    settings.GGZY_DEMO_AUTHORITY_DIR = str(tmp_path / "authority")
    settings.GGZY_AUTHORITY_URL = "http://127.0.0.1:18621"
    assert authority.serve_commands() == []
    assert not (tmp_path / "authority").exists()
