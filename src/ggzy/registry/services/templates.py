"""Standard document templates a centre offers on request (6.2.6: 可应申请提供标准化模板): its staff
upload one, replace it with a new version (the old row stays, named by the new one) or withdraw it;
initiators and agents download the version offered now. Nothing here — nor anywhere — approves,
authorises or files a trading document (不得审批、核准、备案交易文件).

Files are checked by their content and name (PDF, OFD, Word .docx, Excel .xlsx), at most
`TEMPLATE_MAX_BYTES`, and stored once by their SM3 (`registry.blobs`: a temporary name, then renamed)."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

from django.db import transaction

from ggzy.accounts.models import Centre
from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.core.types import Actor
from ggzy.events.catalogue import EventType
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.registry import blobs
from ggzy.registry.errors import RegistryError
from ggzy.registry.event_types import RegistryEvents
from ggzy.registry.models import Template, TradingCategory
from ggzy.registry.selectors import is_staff_of
from ggzy.registry.services.filing import Upload

#: What a template may be: documents to fill in (PDF, OFD) and editable ones (Word, Excel).
TEMPLATE_TYPES = [
    "application/pdf",
    "application/ofd",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]
TEMPLATE_MAX_BYTES = 20 * 1024 * 1024
NAME_MAX = 200


def _file_name(name: str) -> str:
    """The file's own name, without any folder a browser may send, at most NAME_MAX characters (the
    ending kept: it names the type)."""
    base = PureWindowsPath(PurePosixPath(name).name).name.strip()
    return base[-NAME_MAX:]


def _checked(upload: Upload) -> tuple[str, str]:
    """(file name, media type) of an acceptable template file; refused with a clear error otherwise."""
    name = _file_name(upload.name)
    size = blobs.size_of(upload.source, limit=TEMPLATE_MAX_BYTES)
    if size == 0:
        raise DomainError(RegistryError.FILE_EMPTY, detail={"file": name})
    if size > TEMPLATE_MAX_BYTES:
        raise DomainError(
            RegistryError.TEMPLATE_TOO_LARGE, detail={"file": name, "max_bytes": TEMPLATE_MAX_BYTES}
        )
    media_type = blobs.sniff(blobs.head(upload.source), name)
    if media_type is None or media_type not in TEMPLATE_TYPES:
        raise DomainError(RegistryError.TEMPLATE_TYPE, detail={"file": name})
    return name, media_type


def _title(name: str) -> str:
    title = name.strip()
    if not title or len(title) > NAME_MAX:
        raise DomainError(RegistryError.TEMPLATE_NAME)
    return title


def _staff_only(actor: Actor | None, centre: Centre | None) -> Centre:
    """The template's centre, with the actor its staff (None: the console). A platform template (no
    centre) is kept in the back office, not here."""
    if centre is None or (actor is not None and not is_staff_of(actor, centre)):
        raise DomainError(RegistryError.NOT_STAFF)
    return centre


def _record(
    type_: EventType, template: Template, centre: Centre, actor: Actor | None, **data: object
) -> Event:
    return event_record(
        type=type_,
        actor=actor,
        centre=centre.code,
        region=centre.region,
        category=template.category_id,
        data={
            "template": str(template.uid),
            "name": template.name,
            "file_name": template.file_name,
            "sm3": template.blob_id,
            "version": template.version,
            **data,
        },
    )


@transaction.atomic
def template_publish(
    *, actor: Actor | None, centre: Centre, category: TradingCategory, name: str, upload: Upload
) -> Template:
    """Offer a new template of `category` at `centre` (version 1)."""
    _staff_only(actor, centre)
    title = _title(name)
    file_name, media_type = _checked(upload)
    template = Template.objects.create(
        centre=centre,
        category=category,
        name=title,
        blob=blobs.store(upload.source, media_type, max_bytes=TEMPLATE_MAX_BYTES, name=file_name),
        file_name=file_name,
        version=1,
        uploaded_at=clock.now(),
        uploaded_by=actor,
    )
    _record(RegistryEvents.TEMPLATE_PUBLISHED, template, centre, actor, replaces=None)
    return template


def _offered(template: Template) -> Template:
    """The template, locked, if it is the version offered now (neither replaced nor withdrawn)."""
    locked = Template.objects.select_for_update(of=("self",)).select_related("centre").get(pk=template.pk)
    if locked.withdrawn_at is not None or Template.objects.filter(previous=locked).exists():
        raise DomainError(RegistryError.TEMPLATE_STATE)
    return locked


@transaction.atomic
def template_replace(*, actor: Actor | None, template: Template, upload: Upload, name: str = "") -> Template:
    """Offer a new version of `template` (its name kept unless `name` is given); the old version stays,
    replaced, for the record."""
    centre = _staff_only(actor, template.centre)
    old = _offered(template)
    title = _title(name) if name.strip() else old.name
    file_name, media_type = _checked(upload)
    new = Template.objects.create(
        centre=old.centre,
        category_id=old.category_id,
        name=title,
        blob=blobs.store(upload.source, media_type, max_bytes=TEMPLATE_MAX_BYTES, name=file_name),
        file_name=file_name,
        version=old.version + 1,
        previous=old,
        uploaded_at=clock.now(),
        uploaded_by=actor,
    )
    _record(RegistryEvents.TEMPLATE_PUBLISHED, new, centre, actor, replaces=str(old.uid))
    return new


@transaction.atomic
def template_withdraw(*, actor: Actor | None, template: Template) -> Template:
    """Stop offering `template` (its versions stay, for the record)."""
    centre = _staff_only(actor, template.centre)
    old = _offered(template)
    old.withdrawn_at = clock.now()
    old.save(update_fields=["withdrawn_at"])
    _record(RegistryEvents.TEMPLATE_WITHDRAWN, old, centre, actor)
    return old
