"""Upload limits that match the pages (issue 23, item 5): a registration's files go through the filing
page under the limit the page states (GGZY_MAX_UPLOAD_BODY for the whole submission, each checklist
item's max_bytes per file), streamed to disk and stored in chunks; every other page keeps the 2 MiB cap."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ggzy.core.errors import CoreError, DomainError
from ggzy.core.limits import body_limit
from ggzy.events.models import Event
from ggzy.registry import blobs, services
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Blob, ChecklistItem, Project, Registration
from ggzy_sm.sm3 import sm3
from tests.registry.conftest import PDF, World
from tests.registry.test_pages import NEW, form_data

pytestmark = pytest.mark.django_db
MB = 1000 * 1000
MiB = 1024 * 1024
THREE_ITEMS = ("application_form", "filing_form", "agency_contract")


class FormFields(HTMLParser):
    """The fields of the page's multipart form: name → input type (or the tag name)."""

    def __init__(self) -> None:
        super().__init__()
        self.enctype = ""
        self.fields: dict[str, str] = {}
        self.accept: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("enctype") == "multipart/form-data":
            self._in_form, self.enctype = True, a["enctype"]
        elif self._in_form and tag in {"input", "select", "textarea"} and a.get("name"):
            self.fields[a["name"]] = a.get("type", tag)
            if a.get("type") == "file":
                self.accept[a["name"]] = a.get("accept", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def rendered_form(html: str) -> FormFields:
    parser = FormFields()
    parser.feed(html)
    return parser


def big_pdf(name: str, size: int) -> SimpleUploadedFile:
    """A PDF of exactly `size` bytes (its content different for each name)."""
    head = PDF + name.encode()
    return SimpleUploadedFile(name, head + b"%" * (size - len(head)), content_type="application/pdf")


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def zh(text: Any) -> str:
    with translation.override("zh-hans"):
        return str(text)


@pytest.fixture
def stored_sources(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What each call of blobs.store was handed (the file objects the views pass)."""
    seen: list[Any] = []
    original = blobs.store

    def spy(source: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(source)
        return original(source, *args, **kwargs)

    monkeypatch.setattr(blobs, "store", spy)
    return seen


# --- (a) three 10 MB files through the page -----------------------------------------------------------
def test_a_registration_with_three_10_mb_files_is_filed_through_the_page(
    client_for: Callable[..., Client], world: World, stored_sources: list[Any]
) -> None:
    client = client_for(world.agent_user)
    form = rendered_form(client.get(NEW).content.decode())
    assert form.enctype == "multipart/form-data"
    files = {f"file_{key}": big_pdf(f"{key}.pdf", 10 * MB) for key in THREE_ITEMS}
    assert all(form.fields[name] == "file" for name in files)  # the page offers each of them
    data = form_data(
        world, defer_agency_contract=None, promise_agency_contract=None, due_agency_contract=None, **files
    )
    assert set(data) <= set(form.fields)  # nothing the page does not render
    # the whole body is far above the 2 MiB every other page keeps, within the filing page's own limit
    path = reverse("registry:new")
    assert body_limit(path) == django_settings.GGZY_MAX_UPLOAD_BODY > 30 * MB
    assert django_settings.GGZY_MAX_REQUEST_BODY < 30 * MB

    response = client.post(NEW, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    registration = Registration.objects.get()
    assert response["Location"] == f"/registrations/{registration.uid}/"
    stored = {i.checklist_item.key: i for i in registration.items.select_related("blob", "checklist_item")}
    for key in THREE_ITEMS:
        blob = stored[key].blob
        assert blob is not None
        assert blob.size == 10 * MB
        assert blob.media_type == "application/pdf"
        on_disk = blobs.path_of(blob.sm3)
        assert on_disk.stat().st_size == 10 * MB
        assert sm3(on_disk.read_bytes()).hex() == blob.sm3
    # Django spooled each file to disk; the store read those files, never the bytes joined in memory
    assert len(stored_sources) == 3
    assert all(isinstance(s, TemporaryUploadedFile) for s in stored_sources)
    assert not [p for p in files_under(blobs.folder()) if p.name.endswith(".tmp")]


# --- (b) every other page keeps the small cap ------------------------------------------------------------
def test_a_page_that_takes_no_files_still_refuses_a_body_above_2_mib(
    client_for: Callable[..., Client], world: World
) -> None:
    path = reverse("registry:desk-head-set")
    assert body_limit(path) == django_settings.GGZY_MAX_REQUEST_BODY == 2 * MiB
    client = client_for(world.staff[0])
    big = {"centre": "sy", "head": world.staff[1].username, "note": "x" * (2 * MiB + 1)}
    response = client.post(path, big)
    assert response.status_code == 413
    assert zh(CoreError.PAYLOAD_TOO_LARGE.message) in response.content.decode()
    assert "上限为 2.0" in response.content.decode()  # the page names the figure (2.0 MB)
    api = Client().post("/api/v1/tokens", data=b"{}" + b" " * (2 * MiB), content_type="application/json")
    assert api.status_code == 413
    assert api.json()["detail"] == {"limit_bytes": 2 * MiB}


# --- (c) above the page's own limit: 413 before the view runs ---------------------------------------------
def test_an_upload_above_the_pages_limit_is_refused_before_the_view_runs_and_changes_nothing(
    client_for: Callable[..., Client],
    world: World,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.GGZY_MAX_UPLOAD_BODY = 5 * MiB  # read on each request
    client = client_for(world.agent_user)
    events = Event.objects.count()
    ran: list[str] = []
    monkeypatch.setattr(
        "ggzy.registry.views.registrations._filer", lambda *a, **k: ran.append("view") or None
    )
    assert body_limit(reverse("registry:new")) == 5 * MiB
    files = {f"file_{key}": big_pdf(f"{key}.pdf", 2 * MiB) for key in THREE_ITEMS}
    response = client.post(NEW, form_data(world, **files))
    assert response.status_code == 413
    assert zh(CoreError.PAYLOAD_TOO_LARGE.message) in response.content.decode()
    assert ran == []
    assert Project.objects.count() == 0
    assert Blob.objects.count() == 0
    assert Event.objects.count() == events
    assert files_under(Path(settings.MEDIA_ROOT)) == []
    # under the limit the same page runs
    small = {f"file_{key}": big_pdf(f"{key}.pdf", MiB) for key in THREE_ITEMS}
    client.post(NEW, form_data(world, **small))
    assert ran == ["view"]


# --- (d) a file above its item's max_bytes ----------------------------------------------------------------
def test_a_file_above_its_items_limit_is_refused_in_chinese_and_nothing_is_stored(
    client_for: Callable[..., Client], world: World, settings: Any
) -> None:
    item = ChecklistItem.objects.get(checklist__category=world.engineering, key="application_form")
    item.max_bytes = 3 * MiB
    item.save(update_fields=["max_bytes"])
    data = form_data(world, file_application_form=big_pdf("申请表.pdf", 3 * MiB + 1))
    response = client_for(world.agent_user).post(NEW, data)
    assert response.status_code == 400
    html = response.content.decode()
    with translation.override("zh-hans"):
        assert str(RegistryError.FILE_TOO_LARGE.message) in html  # 文件超过该要件允许的大小。
        assert f"上限 {filesizeformat(3 * MiB)}" in html  # the limit, as the page states it
    assert "申请表.pdf" in html
    assert Project.objects.count() == 0
    assert Blob.objects.count() == 0
    assert files_under(Path(settings.MEDIA_ROOT)) == []  # no blob, no temporary file


def test_the_store_refuses_a_file_as_soon_as_it_passes_the_limit_and_leaves_nothing(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blobs, "READ_SIZE", 1000)
    data = PDF + b"x" * 10_000
    reads: list[int] = []

    class Counted(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            reads.append(-1 if size is None else size)
            return super().read(size)

    with pytest.raises(DomainError) as caught:
        blobs.store(Counted(data), "application/pdf", max_bytes=2500, name="大.pdf")
    assert caught.value.code is RegistryError.FILE_TOO_LARGE
    assert caught.value.detail == {"file": "大.pdf", "max_bytes": 2500}
    assert len(reads) == 3  # stopped at the chunk that passed the limit, never read the rest
    assert Blob.objects.count() == 0
    assert files_under(Path(settings.MEDIA_ROOT)) == []


# --- (e) the page says what the server enforces -----------------------------------------------------------
def test_the_filing_page_states_the_limits_the_server_enforces(
    client_for: Callable[..., Client], world: World, settings: Any
) -> None:
    settings.GGZY_MAX_UPLOAD_BODY = 100 * MiB
    item = ChecklistItem.objects.get(checklist__category=world.engineering, key="filing_form")
    item.max_bytes = 7 * MiB
    item.save(update_fields=["max_bytes"])
    html = client_for(world.agent_user).get(NEW).content.decode()
    form = rendered_form(html)
    with translation.override("zh-hans"):
        whole = filesizeformat(body_limit(reverse("registry:new")))
        assert whole == filesizeformat(100 * MiB)
        assert f"一次提交的所有文件合计不超过 {whole}" in html
        for checklist_item in ChecklistItem.objects.filter(checklist__category=world.engineering):
            assert f"每个文件不超过 {filesizeformat(checklist_item.max_bytes)}" in html
            accept = form.accept[f"file_{checklist_item.key}"]
            assert "application/pdf" in accept
            assert ".pdf" in accept
        assert f"每个文件不超过 {filesizeformat(7 * MiB)}" in html


def test_the_detail_page_states_each_items_limit_where_a_file_is_supplied(
    client_for: Callable[..., Client], world: World
) -> None:
    registration = world.file()
    services.notice_issue(actor=world.staff[0], registration=registration, lines=[("filing_form", "不清晰")])
    html = client_for(world.agent_user).get(f"/registrations/{registration.uid}/").content.decode()
    assert 'data-testid="supply-filing_form"' in html
    with translation.override("zh-hans"):
        assert f"每个文件不超过 {filesizeformat(50 * MiB)}" in html
    assert 'accept="application/pdf,.pdf,' in html
    supply = reverse("registry:supply", args=[registration.uid, "filing_form"])
    assert body_limit(supply) == django_settings.GGZY_MAX_UPLOAD_BODY


def test_the_template_page_states_the_template_limit(client_for: Callable[..., Client], world: World) -> None:
    from ggzy.registry.services import TEMPLATE_MAX_BYTES

    html = client_for(world.staff[0]).get("/workspace/registry/templates/?centre=sy").content.decode()
    with translation.override("zh-hans"):
        assert f"不超过 {filesizeformat(TEMPLATE_MAX_BYTES)}" in html
    assert body_limit(reverse("registry:template-upload")) > TEMPLATE_MAX_BYTES
    assert body_limit(reverse("registry:template-upload")) < django_settings.GGZY_MAX_UPLOAD_BODY


# --- (f) the store reads in chunks ------------------------------------------------------------------------
def test_the_store_hashes_and_writes_in_chunks_and_gets_the_one_shot_sm3(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blobs, "READ_SIZE", 4096)
    data = PDF + os.urandom(50_000)
    reads: list[int] = []

    class Counted(io.BytesIO):
        def read(self, size: int | None = -1, /) -> bytes:
            reads.append(-1 if size is None else size)
            return super().read(size)

    source = Counted(data)
    assert blobs.check(source, "a.pdf", media_types=["application/pdf"], max_bytes=len(data)) == (
        "application/pdf"
    )
    blob = blobs.store(source, "application/pdf", max_bytes=len(data))
    assert blob.sm3 == sm3(data).hex()
    assert blob.size == len(data)
    assert blobs.path_of(blob.sm3).read_bytes() == data
    assert all(0 < size <= 4096 for size in reads)  # never a read of the whole file
    assert len(reads) > len(data) // 4096  # many chunks
    # the same file again: the one blob, no second copy, no temporary file left
    assert blobs.store(Counted(data), "application/pdf").pk == blob.pk
    assert [p.name for p in blobs.folder().rglob("*") if p.is_file()] == [blob.sm3]
