"""The files of the tender documents (drawings, bills of quantities, the documents' text itself), beside
their criteria record (standard 6.5.1).

* `documents_file_add`: the initiator or its agent adds a file to **draft** documents of its tender
  project. The file is checked by its content and name (`registry.blobs.sniff`: PDF, OFD, Word .docx,
  Excel .xlsx, PNG, JPEG), at most `FILE_MAX_BYTES` (50 MiB, "50 MB" as the pages say it) each and
  `FILES_MAX` (30) per documents, one name once, and stored once by its SM3 (`registry.blobs.store`).
  Every check runs before a byte is stored: a refused file leaves no blob, no row, no event.
* `documents_file_remove`: takes a file off a draft (the blob stays: others may share it).

Once the documents are issued their files never change: each version lists them with their SM3 and size
(`services._version`). A change to a draft is recorded as the drafting event (`tendering.documents.
drafted`, with what was added or taken off). Another's documents are the same not-found error as missing
ones.

`selectors.access_file` is the read: a file of documents the viewer drafts for (any state), or of issued
documents its bidder organisation holds; anyone else — a bidder that did not obtain them included —
gets the same not-found error as for a missing file."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.states import require
from ggzy.core.types import Actor
from ggzy.notices.services.attachments import ATTACHMENT_TYPES, file_name_of
from ggzy.registry import blobs
from ggzy.registry.errors import RegistryError
from ggzy.tendering.errors import TenderingError
from ggzy.tendering.event_types import TenderingEvents
from ggzy.tendering.models import DocumentsFile, TenderDocuments
from ggzy.tendering.services import _event, _locked, _party_or_not_found
from ggzy.tendering.states import DOCUMENTS_TRANSITIONS

#: What a file of the documents may be, sniffed from its content (and agreeing with its name's ending).
FILE_TYPES = list(ATTACHMENT_TYPES)
#: The largest file, in bytes: 50 MiB. The upload page's whole body may be this and the form around it
#: (`views.documents.upload_body_limit`).
FILE_MAX_BYTES = 50 * 1024 * 1024
#: The most files one set of documents carries.
FILES_MAX = 30


def _too_large(name: str) -> DomainError:
    return DomainError(
        RegistryError.FILE_TOO_LARGE,
        _("A file of the documents may be at most 50 MB; nothing was stored."),
        detail={"file": name, "max_bytes": FILE_MAX_BYTES},
    )


def _checked(name: str, source: blobs.Source) -> str:
    """The media type of an acceptable file; refused before anything is stored otherwise."""
    size = blobs.size_of(source, limit=FILE_MAX_BYTES)
    if size == 0:
        raise DomainError(RegistryError.FILE_EMPTY, _("The file is empty."), detail={"file": name})
    if size > FILE_MAX_BYTES:
        raise _too_large(name)
    media_type = blobs.sniff(blobs.head(source), name)
    if media_type is None or media_type not in FILE_TYPES:
        raise DomainError(
            RegistryError.FILE_TYPE,
            _("A file of the documents must be a PDF, OFD, Word (.docx), Excel (.xlsx), PNG or JPEG file."),
            detail={"file": name},
        )
    return media_type


def _draft_of_party(actor: Actor, documents: TenderDocuments) -> TenderDocuments:
    """The documents, locked, if `actor` drafts for them and they are still a draft."""
    documents = _locked(documents)
    _party_or_not_found(actor, documents.tender_project)
    require(documents, DOCUMENTS_TRANSITIONS, "edit", error=TenderingError.STATE)
    return documents


@transaction.atomic
def documents_file_add(
    *, actor: Actor, documents: TenderDocuments, name: str, source: blobs.Source
) -> DocumentsFile:
    """Add the file `source` (bytes, or a file object read in chunks) named `name` to draft documents."""
    documents = _draft_of_party(actor, documents)
    if DocumentsFile.objects.filter(documents=documents).count() >= FILES_MAX:
        raise DomainError(
            TenderingError.STATE,
            _("The documents carry at most %(most)s files; take one off first.") % {"most": FILES_MAX},
            detail={"max": FILES_MAX},
        )
    file_name = file_name_of(name)
    if not file_name:
        raise DomainError(RegistryError.FILE_TYPE, _("Choose a file with a name."), detail={"file": ""})
    if DocumentsFile.objects.filter(documents=documents, file_name=file_name).exists():
        raise DomainError(
            TenderingError.STATE,
            _("The documents have a file named “%(name)s” already; take it off first.") % {"name": file_name},
            detail={"file": file_name},
        )
    media_type = _checked(file_name, source)
    try:
        blob = blobs.store(source, media_type, max_bytes=FILE_MAX_BYTES, name=file_name)
    except DomainError as exc:  # a stream longer than it said: counted while stored, nothing left
        if exc.code is RegistryError.FILE_TOO_LARGE:
            raise _too_large(file_name) from exc
        raise
    added = DocumentsFile.objects.create(
        documents=documents, blob=blob, file_name=file_name, added_at=clock.now()
    )
    _event(
        TenderingEvents.DRAFTED, documents, actor,
        {"edited": True, "file_added": {"file_name": file_name, "sm3": blob.sm3, "size": blob.size}},
    )  # fmt: skip
    return added


@transaction.atomic
def documents_file_remove(
    *, actor: Actor, documents: TenderDocuments, file_uid: uuid.UUID
) -> TenderDocuments:
    """Take the file `file_uid` off draft documents; one of other documents is not found."""
    documents = _draft_of_party(actor, documents)
    found = DocumentsFile.objects.select_related("blob").filter(documents=documents, uid=file_uid).first()
    if found is None:
        raise DomainError(CoreError.NOT_FOUND)
    data = {"file_name": found.file_name, "sm3": found.blob.sm3}
    found.delete()
    _event(TenderingEvents.DRAFTED, documents, actor, {"edited": True, "file_removed": data})
    return documents
