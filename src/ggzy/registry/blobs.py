"""Files stored once, by their SM3: type sniffed from the content (never trusted from the name alone),
size checked, written to a temporary name and renamed."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Blob
from ggzy_sm.files import write_atomic
from ggzy_sm.sm3 import sm3

#: (magic bytes, media type, file-name endings that may carry it)
SIGNATURES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"PK\x03\x04", "application/ofd", (".ofd",)),
    (
        b"PK\x03\x04",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
)


def sniff(data: bytes, name: str) -> str | None:
    """The media type the content and the name agree on, or None."""
    lower = name.lower()
    for magic, media_type, endings in SIGNATURES:
        if data.startswith(magic) and lower.endswith(endings):
            return media_type
    return None


def check(data: bytes, name: str, *, media_types: list[str], max_bytes: int) -> str:
    if not data:
        raise DomainError(RegistryError.FILE_EMPTY, detail={"file": name})
    if len(data) > max_bytes:
        raise DomainError(RegistryError.FILE_TOO_LARGE, detail={"file": name, "max_bytes": max_bytes})
    media_type = sniff(data, name)
    if media_type is None or (media_types and media_type not in media_types):
        raise DomainError(RegistryError.FILE_TYPE, detail={"file": name, "accepted": media_types})
    return media_type


def path_of(digest: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs" / digest[:2] / digest


def store(data: bytes, media_type: str) -> Blob:
    """The blob of `data`, written once (an identical upload reuses it)."""
    digest = sm3(data).hex()
    found = Blob.objects.filter(sm3=digest).first()
    if found is not None:
        return found
    path = path_of(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, mode=0o640)
    return Blob.objects.create(sm3=digest, size=len(data), media_type=media_type, created_at=clock.now())


def read(blob: Blob) -> bytes:
    data = path_of(blob.sm3).read_bytes()
    if sm3(data).hex() != blob.sm3:
        raise OSError(f"stored file {blob.sm3} does not match its hash")
    return data
