"""A chunked SM4-GCM stream for large files (format `ggzy-stream-v1`, the STREAM construction).

    header  = "GGZYSM4S" ‖ version 0x01 ‖ chunk size (u32, big-endian) ‖ nonce prefix (7 random bytes)
    chunk i = SM4-GCM(DEK, nonce_i, plaintext_i, aad = header ‖ associated data)
    nonce_i = nonce prefix (7) ‖ i (u32, big-endian) ‖ 0x01 if last chunk else 0x00

Every chunk but the last holds exactly `chunk size` plaintext bytes; the last holds 0…chunk size.
The associated data (e.g. the format version, section code, bidder and bound deadline of a sealed
bid) is bound to every chunk. A dropped, reordered, duplicated or truncated chunk, trailing bytes or
a changed header fail the tag of some chunk; a chunk's plaintext is given out only after its tag
has verified (`decrypt_chunks` yields them one by one), and `decrypt_file` renames its output into
place only when the whole stream verified.
Memory use is one chunk, whatever the file's size. Each encryption draws a fresh DEK: a DEK is never
reused (the API gives no way to pass one in, except the test-vector function `_encrypt_with`).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ggzy_sm import sm4
from ggzy_sm.errors import IntegrityError

MAGIC = b"GGZYSM4S"
VERSION = 1
PREFIX_SIZE = 7
HEADER = struct.Struct(">8sBI7s")
DEFAULT_CHUNK = 64 * 1024
MAX_CHUNK = 16 * 1024 * 1024
MAX_CHUNKS = 2**32 - 1


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def _read_full(src: BinaryIO, size: int) -> bytes:
    first = src.read(size)  # a regular file gives everything at once: no copy
    if len(first) == size or not first:
        return first
    data = bytearray(first)
    while len(data) < size:
        part = src.read(size - len(data))
        if not part:
            break
        data += part
    return bytes(data)


def _encrypt_with(
    key: bytes, prefix: bytes, src: BinaryIO, dst: BinaryIO, aad: bytes, *, chunk_size: int = DEFAULT_CHUNK
) -> None:
    """Encrypt with a given DEK and nonce prefix. For fixed-key test vectors only."""
    if not 1 <= chunk_size <= MAX_CHUNK or len(prefix) != PREFIX_SIZE:
        raise ValueError("bad chunk size or nonce prefix")
    header = HEADER.pack(MAGIC, VERSION, chunk_size, prefix)
    dst.write(header)
    bound = header + aad
    index = 0
    current = _read_full(src, chunk_size)
    while True:
        following = _read_full(src, chunk_size) if len(current) == chunk_size else b""
        last = not following
        if index > MAX_CHUNKS:
            raise ValueError("stream too long")
        dst.write(sm4.gcm_encrypt(key, _nonce(prefix, index, last), current, bound))
        if last:
            return
        current, index = following, index + 1


def encrypt_stream(src: BinaryIO, dst: BinaryIO, aad: bytes, chunk_size: int = DEFAULT_CHUNK) -> bytes:
    """Encrypt `src` into `dst` under a fresh DEK bound to `aad`; returns the DEK (16 bytes)."""
    key = sm4.new_key()
    _encrypt_with(key, os.urandom(PREFIX_SIZE), src, dst, aad, chunk_size=chunk_size)
    return key


def decrypt_chunks(key: bytes, src: BinaryIO, aad: bytes) -> Iterator[bytes]:
    """The plaintext of each chunk in order, each yielded only after its tag verified.

    Raises IntegrityError at the first chunk that does not verify (a truncated stream fails there
    too: its last remaining chunk was not sealed as the last one). The iteration ends normally only
    after the chunk flagged last verified; a consumer must not treat what it received as the stream
    until then."""
    raw = _read_full(src, HEADER.size)
    if len(raw) != HEADER.size:
        raise IntegrityError("stream header is truncated")
    magic, version, chunk_size, prefix = HEADER.unpack(raw)
    if magic != MAGIC or version != VERSION or not 1 <= chunk_size <= MAX_CHUNK:
        raise IntegrityError("not a ggzy-stream-v1 stream")
    bound = raw + aad
    sealed_size = chunk_size + sm4.TAG_SIZE
    index = 0
    current = _read_full(src, sealed_size)
    while True:
        if len(current) < sm4.TAG_SIZE:
            raise IntegrityError("stream is truncated")
        following = _read_full(src, sealed_size) if len(current) == sealed_size else b""
        last = not following
        yield sm4.gcm_decrypt(key, _nonce(prefix, index, last), current, bound)
        if last:
            return
        current, index = following, index + 1


def decrypt_stream(key: bytes, src: BinaryIO, dst: BinaryIO, aad: bytes) -> int:
    """Decrypt into `dst`, one verified chunk at a time; returns the plaintext length.

    Raises IntegrityError at the first chunk that does not verify; what was written before belongs
    to chunks that did verify, but the stream as a whole must then be treated as refused."""
    total = 0
    for plaintext in decrypt_chunks(key, src, aad):
        dst.write(plaintext)
        total += len(plaintext)
    return total


def encrypt_file(
    source: str | Path, target: str | Path, aad: bytes, chunk_size: int = DEFAULT_CHUNK
) -> bytes:
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with Path(source).open("rb") as src, tmp.open("wb") as dst:
            key = encrypt_stream(src, dst, aad, chunk_size)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return key


def decrypt_file(key: bytes, source: str | Path, target: str | Path, aad: bytes) -> int:
    """Decrypt to `target` only if the whole stream verifies (temporary file, then rename)."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with Path(source).open("rb") as src, tmp.open("wb") as dst:
            size = decrypt_stream(key, src, dst, aad)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return size
