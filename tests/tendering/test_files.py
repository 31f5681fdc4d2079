"""The files of the tender documents (6.5.1): added to a draft by its drafters only, by content type, at
most 50 MB each and 30 a set, one name once, stored once by SM3; a refused file is said in Chinese and
leaves nothing (no blob, no row, no event, no stored file); the page declares its body limit; once issued
the files never change and each version lists them with their SM3; the drafters and the holders download
them, no one else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.core.errors import CoreError, DomainError
from ggzy.core.limits import body_limit
from ggzy.events.models import Event
from ggzy.registry import blobs
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Blob
from ggzy.tendering import files, services
from ggzy.tendering.errors import TenderingError
from ggzy.tendering.models import DocumentsFile, DocumentsVersion, TenderDocuments
from ggzy.tendering.views.documents import FORM_ROOM
from tests.notices.test_attachments import PNG, Huge
from tests.notices.test_objections import Trade, t
from tests.registry.conftest import PDF
from tests.tendering.test_documents import records
from tests.tendering.test_pages import LIST, _outsider

pytestmark = pytest.mark.django_db


def draft(trade: Trade) -> TenderDocuments:
    return services.documents_draft(
        actor=trade.world.agent_user,
        tender_project=trade.tender_project,
        title="招标文件",
        criteria=records(trade),
    )


def stored(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def snapshot(documents: TenderDocuments, settings: Any) -> tuple[object, ...]:
    return (
        list(DocumentsFile.objects.filter(documents=documents)),
        Blob.objects.count(),
        Event.objects.count(),
        stored(settings),
    )


def test_the_drafters_add_files_stored_once_by_sm3_and_recorded(trade: Trade) -> None:
    documents = draft(trade)
    drawing = files.documents_file_add(
        actor=trade.world.agent_user, documents=documents, name="C:\\图纸\\总平面图.pdf", source=PDF + b"plan"
    )
    again = files.documents_file_add(
        actor=trade.world.initiator_user, documents=documents, name="副本.pdf", source=PDF + b"plan"
    )
    assert drawing.file_name == "总平面图.pdf"  # the folder a browser sends is dropped
    assert drawing.blob == again.blob  # the same content is one blob
    assert blobs.path_of(drawing.blob.sm3).read_bytes() == PDF + b"plan"
    event = Event.objects.filter(type="tendering.documents.drafted").order_by("id").last()
    assert event is not None
    assert event.data["file_added"] == {
        "file_name": "副本.pdf",
        "sm3": drawing.blob.sm3,
        "size": drawing.blob.size,
    }


def test_wrong_type_empty_same_name_too_many_and_too_large_are_refused_and_store_nothing(
    trade: Trade, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = draft(trade)
    agent = trade.world.agent_user
    files.documents_file_add(actor=agent, documents=documents, name="图纸.pdf", source=PDF)
    before = snapshot(documents, settings)
    for name, data, code in (
        ("脚本.exe", b"MZ\x90\x00" * 10, RegistryError.FILE_TYPE),
        ("假的.pdf", PNG, RegistryError.FILE_TYPE),  # the content decides, not the name
        ("空.pdf", b"", RegistryError.FILE_EMPTY),
        ("图纸.pdf", PDF + b"other", TenderingError.STATE),  # the name is taken
    ):
        with pytest.raises(DomainError) as refused:
            files.documents_file_add(actor=agent, documents=documents, name=name, source=data)
        assert refused.value.code is code, name
    huge = Huge(files.FILE_MAX_BYTES + 1)
    with pytest.raises(DomainError) as refused:
        files.documents_file_add(actor=agent, documents=documents, name="大图纸.pdf", source=huge)  # type: ignore[arg-type]
    assert refused.value.code is RegistryError.FILE_TOO_LARGE
    assert "50 MB" in str(refused.value.message)
    monkeypatch.setattr(files, "FILES_MAX", 1)
    with pytest.raises(DomainError) as refused:
        files.documents_file_add(actor=agent, documents=documents, name="再一个.pdf", source=PDF + b"x")
    assert refused.value.code is TenderingError.STATE
    assert snapshot(documents, settings) == before


def test_the_page_adds_removes_and_refuses_in_chinese(
    trade: Trade, settings: Any, client_for: Callable[..., Client]
) -> None:
    documents = draft(trade)
    agent = client_for(trade.world.agent_user)
    path = f"{LIST}{documents.uid}/files/"
    assert body_limit(path) == files.FILE_MAX_BYTES + FORM_ROOM  # declared: 50 MB and the form around it
    before = snapshot(documents, settings)
    refused = agent.post(path, {"file": SimpleUploadedFile("假的.pdf", PNG)}, follow=True)
    text = refused.content.decode()
    assert "招标文件的文件须为 PDF、OFD、Word（.docx）、Excel（.xlsx）、PNG 或 JPEG 文件。" in text
    assert snapshot(documents, settings) == before
    empty = agent.post(path, {}, follow=True)
    assert "请选择要添加的文件。" in empty.content.decode()
    added = agent.post(path, {"file": SimpleUploadedFile("工程量清单.pdf", PDF + b"bill")})
    assert added.status_code == 302
    file = DocumentsFile.objects.get(documents=documents)
    page = agent.get(f"{LIST}{documents.uid}/").content.decode()
    assert f'href="/tendering/documents/{documents.uid}/files/{file.uid}/"' in page
    assert file.blob.sm3 in page
    # the drafters download their draft's file
    download = agent.get(f"/tendering/documents/{documents.uid}/files/{file.uid}/")
    assert download.status_code == 200
    assert download.content == PDF + b"bill"
    removed = agent.post(f"{LIST}{documents.uid}/files/{file.uid}/remove/")
    assert removed.status_code == 302
    assert not DocumentsFile.objects.filter(documents=documents).exists()


def test_issued_documents_files_never_change_and_their_version_lists_them(
    trade: Trade, client_for: Callable[..., Client]
) -> None:
    documents = draft(trade)
    agent = trade.world.agent_user
    kept = files.documents_file_add(actor=agent, documents=documents, name="图纸.pdf", source=PDF + b"d")
    trade.clock.at(t("2026-03-02 10:05"))
    documents = services.documents_issue(actor=agent, documents=documents)
    version = DocumentsVersion.objects.get(documents=documents)
    assert version.files == [["图纸.pdf", kept.blob.sm3, kept.blob.size]]
    events = Event.objects.count()
    with pytest.raises(DomainError) as refused:
        files.documents_file_add(actor=agent, documents=documents, name="补充.pdf", source=PDF)
    assert refused.value.code is TenderingError.STATE
    with pytest.raises(DomainError) as refused:
        files.documents_file_remove(actor=agent, documents=documents, file_uid=kept.uid)
    assert refused.value.code is TenderingError.STATE
    assert Event.objects.count() == events
    client = client_for(agent)
    response = client.post(
        f"{LIST}{documents.uid}/files/", {"file": SimpleUploadedFile("补充.pdf", PDF)}, follow=True
    )
    assert "招标文件当前状态不允许此操作。" in response.content.decode()
    assert list(DocumentsFile.objects.filter(documents=documents)) == [kept]


def test_another_partys_files_are_not_found(trade: Trade, client_for: Callable[..., Client]) -> None:
    documents = draft(trade)
    kept = files.documents_file_add(
        actor=trade.world.agent_user, documents=documents, name="图纸.pdf", source=PDF
    )
    stranger = _outsider()
    with pytest.raises(DomainError) as refused:
        files.documents_file_add(actor=stranger, documents=documents, name="x.pdf", source=PDF + b"x")
    assert refused.value.code is CoreError.NOT_FOUND
    with pytest.raises(DomainError) as refused:
        files.documents_file_remove(actor=stranger, documents=documents, file_uid=kept.uid)
    assert refused.value.code is CoreError.NOT_FOUND
    client = client_for(stranger)
    assert (
        client.post(f"{LIST}{documents.uid}/files/", {"file": SimpleUploadedFile("x.pdf", PDF)}).status_code
        == 404
    )
    assert client.post(f"{LIST}{documents.uid}/files/{kept.uid}/remove/").status_code == 404
    assert client.get(f"/tendering/documents/{documents.uid}/files/{kept.uid}/").status_code == 404
    assert DocumentsFile.objects.filter(documents=documents).count() == 1
