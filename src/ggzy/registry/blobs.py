"""Files stored once, by their SM3: type sniffed from the content (never trusted from the name alone),
size checked, written to a temporary name and renamed.

A file is never held in memory whole: Django spools an upload above FILE_UPLOAD_MAX_MEMORY_SIZE to a
temporary file, and everything here reads a file object in chunks of `READ_SIZE` — the first bytes to
sniff the type, then one pass that counts the size (refusing as soon as it passes the limit), hashes
with SM3 and writes to a temporary file in the blob folder, which is renamed to its SM3 once complete.
Bytes are accepted too (the demo and the API hand them over), read through the same path.

`read` still returns the whole stored file (downloads are small enough today; a streamed response is
left for the download issue)."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings

from ggzy.core import clock
from ggzy.core.errors import DomainError
from ggzy.registry.errors import RegistryError
from ggzy.registry.models import Blob
from ggzy_sm.sm3 import Sm3, sm3

#: How much of a file is read at a time (a module variable: a test makes it small).
READ_SIZE = 1 << 20
#: How many leading bytes the type is sniffed from (the longest signature is 8).
HEAD_SIZE = 16
FILE_MODE = 0o640

#: A file: bytes already in memory, or a binary file object (a Django UploadedFile) read in chunks.
Source = bytes | IO[bytes]

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


def accept_attribute(media_types: list[str]) -> str:
    """The `accept` attribute of a file input taking `media_types` (every type sniffed if empty): the
    media types and the file-name endings that carry them."""
    found: list[str] = []
    for _magic, media_type, endings in SIGNATURES:
        if media_types and media_type not in media_types:
            continue
        for value in (media_type, *endings):
            if value not in found:
                found.append(value)
    return ",".join(found)


def _file(source: Source) -> IO[bytes]:
    return io.BytesIO(source) if isinstance(source, bytes | bytearray) else source


def chunks(source: Source) -> Iterator[bytes]:
    """The file's bytes from the start, `READ_SIZE` at a time."""
    f = _file(source)
    f.seek(0)
    while chunk := f.read(READ_SIZE):
        yield chunk


def head(source: Source) -> bytes:
    """The first `HEAD_SIZE` bytes of the file (enough to sniff its type)."""
    f = _file(source)
    f.seek(0)
    data = f.read(HEAD_SIZE)
    f.seek(0)
    return data


def size_of(source: Source, *, limit: int) -> int:
    """The file's size in bytes: the size Django counted as it received an upload, otherwise counted in
    chunks — stopping as soon as it passes `limit` (what is returned is then only known to be larger)."""
    if isinstance(source, bytes | bytearray):
        return len(source)
    known = getattr(source, "size", None)
    if isinstance(known, int):
        return known
    total = 0
    for chunk in chunks(source):
        total += len(chunk)
        if total > limit:
            break
    return total


def sniff(data: bytes, name: str) -> str | None:
    """The media type the content (its first bytes are enough) and the name agree on, or None."""
    lower = name.lower()
    for magic, media_type, endings in SIGNATURES:
        if data.startswith(magic) and lower.endswith(endings):
            return media_type
    return None


def too_large(name: str, max_bytes: int) -> DomainError:
    return DomainError(RegistryError.FILE_TOO_LARGE, detail={"file": name, "max_bytes": max_bytes})


def check(source: Source, name: str, *, media_types: list[str], max_bytes: int) -> str:
    """The media type of an acceptable file; refused (nothing read past the limit) otherwise."""
    size = size_of(source, limit=max_bytes)
    if size == 0:
        raise DomainError(RegistryError.FILE_EMPTY, detail={"file": name})
    if size > max_bytes:
        raise too_large(name, max_bytes)
    media_type = sniff(head(source), name)
    if media_type is None or (media_types and media_type not in media_types):
        raise DomainError(RegistryError.FILE_TYPE, detail={"file": name, "accepted": media_types})
    return media_type


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs"


def path_of(digest: str) -> Path:
    return folder() / digest[:2] / digest


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform opens a folder
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def store(source: Source, media_type: str, *, max_bytes: int | None = None, name: str = "") -> Blob:
    """The blob of the file, written once (an identical upload reuses it).

    One pass in chunks: counted (refused with FILE_TOO_LARGE as soon as it passes `max_bytes`, nothing
    left behind), hashed and written to a temporary file in the blob folder, fsynced, then renamed to
    its SM3 — or dropped if that blob is stored already."""
    root = folder()
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        hasher, size = Sm3(), 0
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks(source):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise too_large(name, max_bytes)
                hasher.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = hasher.digest().hex()
        found = Blob.objects.filter(sm3=digest).first()
        if found is not None:
            return found
        path = path_of(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.chmod(FILE_MODE)
            tmp.replace(path)
            _fsync_dir(path.parent)
        return Blob.objects.create(sm3=digest, size=size, media_type=media_type, created_at=clock.now())
    finally:
        tmp.unlink(missing_ok=True)


def read(blob: Blob) -> bytes:
    """The stored file, whole, checked against its SM3 (not streamed yet: see the module's note)."""
    data = path_of(blob.sm3).read_bytes()
    if sm3(data).hex() != blob.sm3:
        raise OSError(f"stored file {blob.sm3} does not match its hash")
    return data
