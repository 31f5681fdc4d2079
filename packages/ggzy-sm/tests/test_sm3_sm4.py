"""SM3 and SM4 against the published vectors (docs/published-vectors.md), GCM with associated data."""

from __future__ import annotations

import io
import os

import pytest

from ggzy_sm import sm4
from ggzy_sm.errors import IntegrityError, KeyMaterialError
from ggzy_sm.sm3 import Sm3, hmac_sm3, hmac_sm3_verify, pbkdf2_sm3, sm3, sm3_file, sm3_stream


def test_sm3_vectors() -> None:
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_streaming_equals_one_shot(tmp_path: object) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    h = Sm3()
    for i in range(0, len(data), 1000):
        h.update(data[i : i + 1000])
    assert h.digest() == sm3(data) == sm3_stream(io.BytesIO(data), read_size=4096)
    path = tmp_path / "f.bin"  # type: ignore[operator]
    path.write_bytes(data)
    assert sm3_file(path) == sm3(data)


def test_hmac_and_pbkdf2() -> None:
    tag = hmac_sm3(b"key", b"data")
    assert len(tag) == 32
    assert hmac_sm3_verify(b"key", b"data", tag)
    assert not hmac_sm3_verify(b"key", b"datA", tag)
    assert pbkdf2_sm3(b"pw", b"salt" * 4, 1000) == pbkdf2_sm3(b"pw", b"salt" * 4, 1000)
    assert pbkdf2_sm3(b"pw", b"salt" * 4, 1000) != pbkdf2_sm3(b"pw", b"salt" * 4, 1001)


def test_sm4_vector() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert sm4.ecb_encrypt_block(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gcm_round_trip_with_associated_data() -> None:
    key, nonce = sm4.new_key(), os.urandom(12)
    data = sm4.gcm_encrypt(key, nonce, "投标报价 1,234,500 元".encode(), b"section E001")
    assert sm4.gcm_decrypt(key, nonce, data, b"section E001") == "投标报价 1,234,500 元".encode()
    with pytest.raises(IntegrityError):
        sm4.gcm_decrypt(key, nonce, data, b"section E002")  # other associated data


def test_sm4_gcm_changed_tag_or_byte_fails() -> None:
    key, nonce = sm4.new_key(), os.urandom(12)
    data = bytearray(sm4.gcm_encrypt(key, nonce, b"secret", b""))
    tag_changed = bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(IntegrityError):
        sm4.gcm_decrypt(key, nonce, tag_changed)
    data[0] ^= 0x80
    with pytest.raises(IntegrityError):
        sm4.gcm_decrypt(key, nonce, bytes(data))


def test_sm4_refuses_bad_keys() -> None:
    with pytest.raises(KeyMaterialError):
        sm4.gcm_encrypt(b"short", os.urandom(12), b"x")


def test_cbc_with_hmac_for_peers() -> None:
    enc, mac = sm4.new_key(), os.urandom(32)
    data = sm4.cbc_hmac_encrypt(enc, mac, b"for a CBC peer", b"ad")
    assert sm4.cbc_hmac_decrypt(enc, mac, data, b"ad") == b"for a CBC peer"
    with pytest.raises(IntegrityError):
        sm4.cbc_hmac_decrypt(enc, mac, data[:-1] + bytes([data[-1] ^ 1]), b"ad")
    with pytest.raises(IntegrityError):
        sm4.cbc_hmac_decrypt(enc, mac, data, b"other")
