"""SM3 (GB/T 32905): one-shot, streaming, files, HMAC-SM3 and PBKDF2-HMAC-SM3, on `cryptography`."""

from __future__ import annotations

import hmac as _std_hmac
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

DIGEST_SIZE = 32
READ_SIZE = 1 << 20


def sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


class Sm3:
    """Streaming SM3: `h = Sm3(); h.update(b"..."); h.digest()` (digest() may be called once)."""

    def __init__(self, data: bytes = b"") -> None:
        self._h = hashes.Hash(hashes.SM3())
        if data:
            self._h.update(data)

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def digest(self) -> bytes:
        return self._h.finalize()


def sm3_stream(source: BinaryIO, read_size: int = READ_SIZE) -> bytes:
    h = Sm3()
    while chunk := source.read(read_size):
        h.update(chunk)
    return h.digest()


def sm3_file(path: str | Path) -> bytes:
    with Path(path).open("rb") as fh:
        return sm3_stream(fh)


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = _hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def hmac_sm3_verify(key: bytes, data: bytes, tag: bytes) -> bool:
    return _std_hmac.compare_digest(hmac_sm3(key, data), tag)


def pbkdf2_sm3(password: bytes, salt: bytes, iterations: int, length: int = 16) -> bytes:
    return PBKDF2HMAC(algorithm=hashes.SM3(), length=length, salt=salt, iterations=iterations).derive(
        password
    )
