"""A notice's attachments (6.4.2): attached to a draft by its drafters only, by content type, at most
50 MB each and 20 a notice; a 200 MB file is refused in Chinese with nothing stored (through the service,
the page and the served body limit); part of the published text's SM3; downloadable by the public once
published, never before; listed with their SM3 and size on the public page and in the PDF."""

from __future__ import annotations

import io
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.limits import body_limit
from ggzy.events.models import Event
from ggzy.notices import services
from ggzy.notices.errors import NoticesError
from ggzy.notices.models import Notice, NoticeAttachment
from ggzy.notices.services import attachments as rules
from ggzy.registry import blobs
from ggzy.registry.models import Blob
from ggzy_sm.canonical import dumps
from ggzy_sm.sm3 import sm3
from tests.factories import signed_in
from tests.notices.conftest import Place
from tests.registry.conftest import PDF

pytestmark = pytest.mark.django_db
MiB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Huge(io.RawIOBase):
    """A file of `size` bytes (a PDF) produced as it is read, never held whole; it says no size, so the
    store must count it."""

    def __init__(self, size: int) -> None:
        self.size_left, self.pos, self.total = size, 0, size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset
        return offset

    def read(self, n: int | None = -1, /) -> bytes:
        n = self.total - self.pos if n is None or n < 0 else min(n, self.total - self.pos)
        head = PDF[self.pos : self.pos + n] if self.pos < len(PDF) else b""
        data = head + b"%" * (n - len(head))
        self.pos += n
        self.read_bytes += n
        return data


def stored_files(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def zh(text: Any) -> str:
    with translation.override("zh-hans"):
        return str(text)


def snapshot(notice: Notice, settings: Any) -> tuple[object, ...]:
    """What a refusal must leave as it was: the notice's attachments, the blobs, the events, the files."""
    return (
        list(NoticeAttachment.objects.filter(notice=notice)),
        Blob.objects.count(),
        Event.objects.count(),
        sorted(stored_files(settings)),
    )


# --- the service ------------------------------------------------------------------------------------------
def test_a_drafter_attaches_files_by_content_and_they_enter_the_published_sm3(place: Place) -> None:
    notice = place.draft()
    before = services.text_sm3(notice, clock.now())
    drawing = services.attachment_add(
        actor=place.world.agent_user, notice=notice, name="C:\\图纸\\平面图.pdf", source=PDF + b"plan"
    )
    photo = services.attachment_add(
        actor=place.world.initiator_user, notice=notice, name="现场.png", source=io.BytesIO(PNG)
    )
    assert drawing.file_name == "平面图.pdf"  # the folder a browser sends is dropped
    assert drawing.blob.media_type == "application/pdf"
    assert photo.blob.media_type == "image/png"
    assert blobs.path_of(drawing.blob.sm3).read_bytes() == PDF + b"plan"
    event = Event.objects.filter(type="notices.attachment.added").order_by("id").first()
    assert event is not None
    assert event.data["sm3"] == drawing.blob.sm3
    scheduled = services.notice_schedule(actor=place.world.agent_user, notice=notice, publish_at=clock.now())
    text = services.published_text(scheduled, scheduled.publish_at)  # type: ignore[arg-type]
    assert text["attachments"] == sorted([[a.file_name, a.blob.sm3, a.blob.size] for a in (drawing, photo)])
    assert scheduled.text_sm3 == sm3(dumps(text)).hex()
    assert scheduled.text_sm3 != before  # the SM3 covers the attachments


def test_a_scheduled_or_published_notices_attachments_never_change(place: Place, settings: Any) -> None:
    notice = place.draft()
    kept = services.attachment_add(actor=place.world.agent_user, notice=notice, name="a.pdf", source=PDF)
    notice = services.notice_schedule(actor=place.world.agent_user, notice=notice, publish_at=clock.now())
    events, blobs_before = Event.objects.count(), Blob.objects.count()
    with pytest.raises(DomainError) as refused:
        services.attachment_add(actor=place.world.agent_user, notice=notice, name="b.pdf", source=PDF + b"b")
    assert refused.value.code in {NoticesError.PUBLISHED, NoticesError.STATE}
    with pytest.raises(DomainError) as refused:
        services.attachment_remove(actor=place.world.agent_user, notice=notice, attachment_uid=kept.uid)
    assert refused.value.code in {NoticesError.PUBLISHED, NoticesError.STATE}
    assert list(NoticeAttachment.objects.filter(notice=notice)) == [kept]
    assert (Event.objects.count(), Blob.objects.count()) == (events, blobs_before)


def test_wrong_type_empty_and_too_many_are_refused_and_store_nothing(
    place: Place, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = place.draft()
    before = snapshot(notice, settings)
    for name, data, code in (
        ("脚本.exe", b"MZ\x90\x00" * 10, NoticesError.ATTACHMENT_TYPE),
        ("假的.pdf", PNG, NoticesError.ATTACHMENT_TYPE),  # the content decides, not the name
        ("页面.html", b"<html></html>", NoticesError.ATTACHMENT_TYPE),
        ("空.pdf", b"", NoticesError.ATTACHMENT_EMPTY),
    ):
        with pytest.raises(DomainError) as refused:
            services.attachment_add(actor=place.world.agent_user, notice=notice, name=name, source=data)
        assert refused.value.code is code, name
    assert snapshot(notice, settings) == before
    monkeypatch.setattr(rules, "ATTACHMENTS_MAX", 2)
    for n in range(2):
        services.attachment_add(
            actor=place.world.agent_user, notice=notice, name=f"{n}.pdf", source=PDF + bytes([n])
        )
    events, count = Event.objects.count(), Blob.objects.count()
    with pytest.raises(DomainError) as refused:
        services.attachment_add(actor=place.world.agent_user, notice=notice, name="3.pdf", source=PDF + b"3")
    assert refused.value.code is NoticesError.ATTACHMENTS_TOO_MANY
    assert NoticeAttachment.objects.filter(notice=notice).count() == 2
    assert (Event.objects.count(), Blob.objects.count()) == (events, count)


def test_a_200_mb_file_is_refused_in_chinese_and_nothing_is_stored(place: Place, settings: Any) -> None:
    notice = place.draft()
    before = snapshot(notice, settings)
    upload = SimpleUploadedFile("总图.pdf", PDF)
    upload.size = 200 * 1000 * 1000  # what Django counted as it received a 200 MB upload
    with pytest.raises(DomainError) as refused:
        services.attachment_add(actor=place.world.agent_user, notice=notice, name="总图.pdf", source=upload)
    assert refused.value.code is NoticesError.ATTACHMENT_TOO_LARGE
    assert zh(refused.value.message) == "附件不得超过 50 MB，未保存任何内容。"
    # a stream that says no size is counted, and refused as soon as it passes the limit
    huge = Huge(200 * 1000 * 1000)
    with pytest.raises(DomainError) as refused:
        services.attachment_add(actor=place.world.agent_user, notice=notice, name="总图.pdf", source=huge)
    assert refused.value.code is NoticesError.ATTACHMENT_TOO_LARGE
    assert huge.read_bytes <= rules.ATTACHMENT_MAX_BYTES + 2 * blobs.READ_SIZE  # never the whole 200 MB
    assert snapshot(notice, settings) == before


def test_a_drafter_removes_an_attachment_from_a_draft(place: Place) -> None:
    notice = place.draft()
    attachment = services.attachment_add(
        actor=place.world.agent_user, notice=notice, name="a.pdf", source=PDF
    )
    services.attachment_remove(actor=place.world.agent_user, notice=notice, attachment_uid=attachment.uid)
    assert not NoticeAttachment.objects.filter(notice=notice).exists()
    assert Event.objects.filter(type="notices.attachment.removed").exists()
    with pytest.raises(DomainError) as refused:  # gone, or another notice's: not found alike
        services.attachment_remove(actor=place.world.agent_user, notice=notice, attachment_uid=attachment.uid)
    assert refused.value.code.status == 404


def test_another_agent_cannot_attach_or_remove_and_gets_not_found(
    place: Place, make_user: Any, settings: Any
) -> None:
    from ggzy.core.roles import Role

    notice = place.draft()
    kept = services.attachment_add(actor=place.world.agent_user, notice=notice, name="a.pdf", source=PDF)
    outsider, staff = make_user(Role.AGENT), place.world.staff[0]
    events = Event.objects.count()
    for actor in (outsider, staff):  # the centre's staff do not draft either
        with pytest.raises(DomainError) as refused:
            services.attachment_add(actor=actor, notice=notice, name="b.pdf", source=PDF + b"b")
        assert refused.value.code.status == 404
        with pytest.raises(DomainError) as refused:
            services.attachment_remove(actor=actor, notice=notice, attachment_uid=kept.uid)
        assert refused.value.code.status == 404
    assert list(NoticeAttachment.objects.filter(notice=notice)) == [kept]
    assert Event.objects.count() == events
    client = signed_in(Client(), outsider)
    add = reverse("notices:attachment-add", args=[notice.uid])
    assert client.post(add, {"file": SimpleUploadedFile("b.pdf", PDF + b"b")}).status_code == 404
    remove = reverse("notices:attachment-remove", args=[notice.uid, kept.uid])
    assert client.post(remove).status_code == 404
    assert client.get(reverse("notices:attachment", args=[notice.uid, kept.uid])).status_code == 404
    assert list(NoticeAttachment.objects.filter(notice=notice)) == [kept]


# --- the pages --------------------------------------------------------------------------------------------
def test_the_drafter_uploads_from_the_notice_page_and_the_page_states_the_limits(place: Place) -> None:
    notice = place.draft()
    client = signed_in(Client(), place.world.agent_user)
    page = client.get(reverse("notices:detail", args=[notice.uid])).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert reverse("notices:attachment-add", args=[notice.uid]) in page
    assert "application/pdf,.pdf" in page
    with translation.override("zh-hans"):
        assert filesizeformat(rules.ATTACHMENT_MAX_BYTES) in page
    answer = client.post(
        reverse("notices:attachment-add", args=[notice.uid]),
        {"file": SimpleUploadedFile("清单.xlsx", b"PK\x03\x04xl")},
    )
    assert answer.status_code == 302
    attachment = NoticeAttachment.objects.get(notice=notice)
    assert attachment.file_name == "清单.xlsx"
    page = client.get(reverse("notices:detail", args=[notice.uid])).content.decode()
    assert "清单.xlsx" in page
    assert attachment.blob.sm3 in page
    # the drafter downloads it before publication; the public does not
    download = reverse("notices:attachment", args=[notice.uid, attachment.uid])
    got = client.get(download)
    assert got.status_code == 200
    assert got.content == b"PK\x03\x04xl"
    assert "attachment" in got["Content-Disposition"]
    assert Client().get(download).status_code == 404
    assert signed_in(Client(), place.world.staff[0]).get(download).status_code == 200
    # taken off from the page
    remove = reverse("notices:attachment-remove", args=[notice.uid, attachment.uid])
    assert client.post(remove).status_code == 302
    assert not NoticeAttachment.objects.filter(notice=notice).exists()


def test_a_file_above_the_limit_is_refused_on_the_page_in_chinese_and_nothing_stored(
    place: Place, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "ATTACHMENT_MAX_BYTES", 4000)
    monkeypatch.setattr(blobs, "READ_SIZE", 1000)
    notice = place.draft()
    client = signed_in(Client(), place.world.agent_user)
    before = snapshot(notice, settings)  # after signing in (an event of its own)
    add = reverse("notices:attachment-add", args=[notice.uid])
    assert body_limit(add) == 4000 + 1024 * 1024  # read on each request: the monkeypatched limit
    answer = client.post(add, {"file": SimpleUploadedFile("大.pdf", PDF + b"%" * 5000)}, follow=True)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "附件不得超过 50 MB，未保存任何内容。" in html
    assert "大.pdf" in html
    assert snapshot(notice, settings) == before


def test_a_body_above_the_pages_limit_is_refused_with_413_before_the_view_runs(
    place: Place, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rules, "ATTACHMENT_MAX_BYTES", 1000)
    notice = place.draft()
    client = signed_in(Client(), place.world.agent_user)
    before = snapshot(notice, settings)  # after signing in (an event of its own)
    add = reverse("notices:attachment-add", args=[notice.uid])
    answer = client.post(add, {"file": SimpleUploadedFile("大.pdf", PDF + b"%" * (2 * MiB))})
    assert answer.status_code == 413
    assert zh(CoreError.PAYLOAD_TOO_LARGE.message) in answer.content.decode()
    assert snapshot(notice, settings) == before
    # the real limit: a 200 MB body is above it (50 MB and the form)
    monkeypatch.undo()
    assert 50 * MiB < body_limit(add) < 200 * 1000 * 1000


@pytest.mark.slow
def test_a_200_mb_upload_is_refused_by_the_served_body_limit_unread(tmp_path: Path) -> None:
    import socket

    from tests.serving import HOST, Served

    with Served(tmp_path, workers=1) as served, socket.create_connection((HOST, served.port)) as s:
        s.sendall(
            f"POST /workspace/notices/{uuid.uuid4()}/attachments/ HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {200 * 1000 * 1000}\r\n\r\n".encode()
            + b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
            + PDF
        )
        s.settimeout(10)
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        blobs_dir = served.var_dir / "media" / "blobs"
        assert not [p for p in blobs_dir.rglob("*") if p.is_file()] if blobs_dir.exists() else True
    assert got.startswith(b"HTTP/1.1 413"), got[:200]


def test_the_public_sees_and_downloads_attachments_once_published_with_sm3_and_size(
    place: Place, freeze: Any, tmp_path: Path
) -> None:
    import datetime as dt

    now = clock.now()
    freeze(now)
    notice = place.draft()
    attachment = services.attachment_add(
        actor=place.world.agent_user, notice=notice, name="工程量清单.pdf", source=PDF + b"qty"
    )
    notice = services.notice_schedule(
        actor=place.world.agent_user, notice=notice, publish_at=now + dt.timedelta(hours=1)
    )
    download = reverse("notices:attachment", args=[notice.uid, attachment.uid])
    missing = reverse("notices:attachment", args=[notice.uid, uuid.uuid4()])
    public = Client()
    assert public.get(download).status_code == public.get(missing).status_code == 404  # before its instant
    freeze(now + dt.timedelta(hours=1))
    got = public.get(download)
    assert got.status_code == 200
    assert got.content == PDF + b"qty"
    assert got["Content-Type"] == "application/pdf"
    page = public.get(reverse("notices:public-detail", args=[notice.uid])).content.decode()
    assert "工程量清单.pdf" in page
    assert attachment.blob.sm3 in page
    assert download in page
    with translation.override("zh-hans"):
        assert filesizeformat(attachment.blob.size) in page
    pdf = public.get(reverse("notices:pdf", args=[notice.uid]))
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = text.replace("\n", "").replace(" ", "")
    assert "工程量清单.pdf" in flat
    assert attachment.blob.sm3 in flat
