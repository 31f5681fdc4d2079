"""Writing a file whole or not at all: to a temporary name beside it, then renamed over it."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_folder(folder: str | Path) -> None:
    """Make a folder's entries durable (a file created or renamed in it survives a power cut)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str | Path, data: bytes | str, mode: int = 0o644, *, durable: bool = True) -> Path:
    """Write `data` (text as UTF-8) to `path` through a temporary file in the same folder, with `mode`.
    `durable`: the file is fsynced before the rename and the folder after it, so that after a crash
    the path holds either the old content or the new, whole (not an empty file a journal replayed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    tmp.replace(path)
    if durable:
        fsync_folder(path.parent)
    return path
