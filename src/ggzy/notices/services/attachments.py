"""A notice's attachments (standard 6.4.2: drawings, bills of quantities… published with the notice).

* `attachment_add`: the initiator or its agent attaches a file to a **draft** notice of its tender
  project. The file is checked by its content and name (`registry.blobs.sniff`: PDF, OFD, Word .docx,
  Excel .xlsx, PNG, JPEG), at most `ATTACHMENT_MAX_BYTES` (50 MiB, "50 MB" as the pages say it) each
  and `ATTACHMENTS_MAX` (20) per notice, and stored once by its SM3 (`registry.blobs.store`: counted in
  chunks, written to a temporary name, renamed). Every check runs before a byte is stored: a refused
  file leaves no blob, no row, no event.
* `attachment_remove`: takes a file off a draft (the blob stays: others may share it).

Once a notice is scheduled its attachments never change, as its text never does: their (file name,
SM3, size) are part of the canonical published text (`services.notices.published_text`), so the
notice's SM3 covers them. Another's notice is the same not-found error as a missing one."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath, PureWindowsPath

from django.db import transaction

from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.states import advance, require
from ggzy.core.types import Actor
from ggzy.notices.errors import NoticesError
from ggzy.notices.event_types import NoticesEvents
from ggzy.notices.models import Notice, NoticeAttachment
from ggzy.notices.services.notices import _event, _locked, _not_published, _party_or_not_found
from ggzy.notices.states import NOTICE_TRANSITIONS
from ggzy.registry import blobs
from ggzy.registry.errors import RegistryError

#: What an attachment may be, sniffed from its content (and agreeing with its name's ending).
ATTACHMENT_TYPES = [
    "application/pdf",
    "application/ofd",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/png",
    "image/jpeg",
]
#: The largest attachment, in bytes: 50 MiB (shown as "50 MB", as the registry's checklist limits are).
#: A page's whole body may be this and `FORM_ROOM` (`views.attachments.upload_body_limit`).
ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024
#: The most attachments one notice carries.
ATTACHMENTS_MAX = 20
NAME_MAX = 200


def file_name_of(name: str) -> str:
    """The file's own name, without any folder a browser may send, at most NAME_MAX characters (its
    ending kept: it names the type)."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name.strip()
    return base[-NAME_MAX:]


def _too_large(name: str) -> DomainError:
    return DomainError(
        NoticesError.ATTACHMENT_TOO_LARGE, detail={"file": name, "max_bytes": ATTACHMENT_MAX_BYTES}
    )


def _checked(name: str, source: blobs.Source) -> str:
    """The media type of an acceptable attachment; refused before anything is stored otherwise."""
    size = blobs.size_of(source, limit=ATTACHMENT_MAX_BYTES)
    if size == 0:
        raise DomainError(NoticesError.ATTACHMENT_EMPTY, detail={"file": name})
    if size > ATTACHMENT_MAX_BYTES:
        raise _too_large(name)
    media_type = blobs.sniff(blobs.head(source), name)
    if media_type is None or media_type not in ATTACHMENT_TYPES:
        raise DomainError(NoticesError.ATTACHMENT_TYPE, detail={"file": name})
    return media_type


def _draft_of_party(actor: Actor, notice: Notice) -> Notice:
    """The notice, locked, if `actor` drafts for it and it is still a draft (a scheduled or published
    notice's attachments never change)."""
    notice = _locked(notice)
    _party_or_not_found(actor, notice.tender_project)
    _not_published(notice)
    require(notice, NOTICE_TRANSITIONS, "edit", error=NoticesError.STATE)
    return notice


@transaction.atomic
def attachment_add(*, actor: Actor, notice: Notice, name: str, source: blobs.Source) -> NoticeAttachment:
    """Attach the file `source` (bytes, or a file object read in chunks) named `name` to a draft."""
    notice = _draft_of_party(actor, notice)
    if NoticeAttachment.objects.filter(notice=notice).count() >= ATTACHMENTS_MAX:
        raise DomainError(NoticesError.ATTACHMENTS_TOO_MANY, detail={"max": ATTACHMENTS_MAX})
    file_name = file_name_of(name)
    if not file_name:
        raise DomainError(NoticesError.ATTACHMENT_TYPE, detail={"file": ""})
    media_type = _checked(file_name, source)
    try:
        blob = blobs.store(source, media_type, max_bytes=ATTACHMENT_MAX_BYTES, name=file_name)
    except DomainError as exc:  # a stream longer than it said: counted while stored, nothing left
        if exc.code is RegistryError.FILE_TOO_LARGE:
            raise _too_large(file_name) from exc
        raise
    now = clock.now()
    attachment = NoticeAttachment.objects.create(
        notice=notice, blob=blob, file_name=file_name, added_by=actor, added_at=now
    )
    advance(notice, NOTICE_TRANSITIONS, "edit", error=NoticesError.STATE, edited_at=now)
    _event(
        NoticesEvents.ATTACHMENT_ADDED, notice, actor,
        {"attachment": str(attachment.uid), "file_name": file_name, "sm3": blob.sm3, "size": blob.size},
    )  # fmt: skip
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Actor, notice: Notice, attachment_uid: uuid.UUID) -> Notice:
    """Take the attachment `attachment_uid` off a draft; one of another notice is not found."""
    notice = _draft_of_party(actor, notice)
    attachment = (
        NoticeAttachment.objects.select_related("blob").filter(notice=notice, uid=attachment_uid).first()
    )
    if attachment is None:
        raise DomainError(CoreError.NOT_FOUND)
    data = {"attachment": str(attachment.uid), "file_name": attachment.file_name, "sm3": attachment.blob.sm3}
    attachment.delete()
    advance(notice, NOTICE_TRANSITIONS, "edit", error=NoticesError.STATE, edited_at=clock.now())
    _event(NoticesEvents.ATTACHMENT_REMOVED, notice, actor, data)
    return notice
