"""The chunked SM4-GCM stream: round trips of every size, and every tampering refused."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy_sm import sm4, stream
from ggzy_sm.errors import IntegrityError
from ggzy_sm.sm3 import sm3

AAD = b'{"format":"ggzy-bid-v1","section":"E2101000000000001001001"}'
CHUNK = 64


def encrypt(data: bytes, chunk: int = CHUNK) -> tuple[bytes, bytes]:
    out = io.BytesIO()
    key = stream.encrypt_stream(io.BytesIO(data), out, AAD, chunk)
    return key, out.getvalue()


def decrypt(key: bytes, blob: bytes, aad: bytes = AAD) -> bytes:
    out = io.BytesIO()
    stream.decrypt_stream(key, io.BytesIO(blob), out, aad)
    return out.getvalue()


def chunks(blob: bytes, chunk: int = CHUNK) -> tuple[bytes, list[bytes]]:
    header, body = blob[: stream.HEADER.size], blob[stream.HEADER.size :]
    size = chunk + sm4.TAG_SIZE
    return header, [body[i : i + size] for i in range(0, len(body), size)]


@given(st.binary(max_size=CHUNK * 5))
def test_round_trip_any_size(data: bytes) -> None:
    key, blob = encrypt(data)
    assert decrypt(key, blob) == data


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
def test_boundaries(size: int) -> None:
    data = os.urandom(size)
    key, blob = encrypt(data)
    assert decrypt(key, blob) == data
    assert len(chunks(blob)[1]) == max(1, -(-size // CHUNK))  # a full last chunk needs no empty one


def test_a_fresh_key_every_time() -> None:
    k1, b1 = encrypt(b"same")
    k2, b2 = encrypt(b"same")
    assert k1 != k2
    assert b1 != b2


TAMPERINGS = [
    "dropped",
    "reordered",
    "duplicated",
    "truncated",
    "last chunk cut short",
    "trailing bytes",
    "header changed",
    "byte flipped",
    "empty",
]


def tampered(kind: str) -> tuple[bytes, bytes]:
    key, blob = encrypt(os.urandom(CHUNK * 4 + 10))
    header, parts = chunks(blob)
    assert len(parts) == 5
    return key, {
        "dropped": header + b"".join(parts[:1] + parts[2:]),
        "reordered": header + b"".join([parts[1], parts[0], *parts[2:]]),
        "duplicated": header + b"".join([parts[0], parts[0], *parts[1:]]),
        "truncated": header + b"".join(parts[:-1]),
        "last chunk cut short": header + b"".join(parts)[:-1],
        "trailing bytes": blob + b"\x00",
        "header changed": header[:-1] + bytes([header[-1] ^ 1]) + b"".join(parts),
        "byte flipped": header + parts[0] + bytes([parts[1][0] ^ 1]) + parts[1][1:] + b"".join(parts[2:]),
        "empty": b"",
    }[kind]


@pytest.mark.parametrize("kind", TAMPERINGS)
def test_tampering_is_refused(kind: str) -> None:
    key, blob = tampered(kind)
    with pytest.raises(IntegrityError):
        decrypt(key, blob)


def test_other_associated_data_or_key_is_refused() -> None:
    key, blob = encrypt(b"bid documents")
    with pytest.raises(IntegrityError):
        decrypt(key, blob, aad=AAD.replace(b"001001", b"001002"))
    with pytest.raises(IntegrityError):
        decrypt(sm4.new_key(), blob)


def test_no_plaintext_of_a_failing_chunk_is_released() -> None:
    key, blob = encrypt(b"A" * CHUNK + b"B" * CHUNK + b"C" * 10)
    header, parts = chunks(blob)
    broken = header + parts[0] + bytes([parts[1][0] ^ 1]) + parts[1][1:] + parts[2]
    out = io.BytesIO()
    with pytest.raises(IntegrityError):
        stream.decrypt_stream(key, io.BytesIO(broken), out, AAD)
    assert out.getvalue() == b"A" * CHUNK  # only the chunk that verified


def test_files_are_written_only_when_the_whole_stream_verifies(tmp_path: Path) -> None:
    source = tmp_path / "bid.zip"
    source.write_bytes(os.urandom(300_000))
    sealed, opened = tmp_path / "bid.sealed", tmp_path / "bid.opened"
    key = stream.encrypt_file(source, sealed, AAD, chunk_size=65536)
    assert stream.decrypt_file(key, sealed, opened, AAD) == 300_000
    assert opened.read_bytes() == source.read_bytes()
    opened.unlink()
    data = bytearray(sealed.read_bytes())
    data[-5] ^= 1
    sealed.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        stream.decrypt_file(key, sealed, opened, AAD)
    assert not opened.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# Fixed-key vector, written into docs/crypto-vectors.md: anyone implementing ggzy-stream-v1 checks it.
VECTOR_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
VECTOR_PREFIX = bytes.fromhex("a1a2a3a4a5a6a7")
VECTOR_AAD = b"ggzy-test"
VECTOR_PLAINTEXT = b"ggzy stream vector: 0123456789"  # 30 bytes, chunk size 16 -> 2 chunks


def test_fixed_key_vector() -> None:
    out = io.BytesIO()
    stream._encrypt_with(
        VECTOR_KEY, VECTOR_PREFIX, io.BytesIO(VECTOR_PLAINTEXT), out, VECTOR_AAD, chunk_size=16
    )
    blob = out.getvalue()
    expected_hex, expected_sm3 = (Path(__file__).parent / "vectors" / "stream-v1.hex").read_text().split()
    assert blob.hex() == expected_hex
    assert sm3(blob).hex() == expected_sm3
    assert decrypt_with(VECTOR_KEY, blob) == VECTOR_PLAINTEXT


def test_fixed_key_vector_recomputed_from_the_format_description() -> None:
    """The vector, rebuilt with `cryptography` directly from the format's description."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    header = b"GGZYSM4S" + bytes([1]) + (16).to_bytes(4, "big") + VECTOR_PREFIX
    out = header
    for index, (piece, last) in enumerate([(VECTOR_PLAINTEXT[:16], 0), (VECTOR_PLAINTEXT[16:], 1)]):
        nonce = VECTOR_PREFIX + index.to_bytes(4, "big") + bytes([last])
        enc = Cipher(algorithms.SM4(VECTOR_KEY), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(header + VECTOR_AAD)
        out += enc.update(piece) + enc.finalize() + enc.tag
    assert out.hex() == (Path(__file__).parent / "vectors" / "stream-v1.hex").read_text().split()[0]


def decrypt_with(key: bytes, blob: bytes) -> bytes:
    out = io.BytesIO()
    stream.decrypt_stream(key, io.BytesIO(blob), out, VECTOR_AAD)
    return out.getvalue()
