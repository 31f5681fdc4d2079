"""The software key backend: a passphrase-encrypted key file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ggzy_sm.errors import KeyMaterialError
from ggzy_sm.keys import DecryptionKey, SigningKey, load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey


def test_key_file_round_trip(tmp_path: Path) -> None:
    key = Sm2PrivateKey.generate()
    path = tmp_path / "bidder.key"
    write_key_file(key, path, "correct horse battery", iterations=1000)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key.secret_bytes().hex() not in path.read_text()
    loaded = load_key_file(path, "correct horse battery")
    signer: SigningKey = loaded
    decrypter: DecryptionKey = loaded
    key.public_key.verify("ggzy-test-v1", {"n": 1}, signer.sign("ggzy-test-v1", {"n": 1}))
    assert decrypter.decrypt(key.public_key.encrypt(b"dek")) == b"dek"


def test_wrong_passphrase_or_altered_file_is_refused(tmp_path: Path) -> None:
    key = Sm2PrivateKey.generate()
    path = tmp_path / "k.key"
    write_key_file(key, path, "correct horse battery", iterations=1000)
    with pytest.raises(KeyMaterialError, match="wrong passphrase"):
        load_key_file(path, "wrong horse battery")
    document = json.loads(path.read_text())
    document["public_key"] = Sm2PrivateKey.generate().public_key.hex()  # swap the public key
    path.write_text(json.dumps(document))
    with pytest.raises(KeyMaterialError):
        load_key_file(path, "correct horse battery")
    with pytest.raises(KeyMaterialError):
        write_key_file(key, tmp_path / "x.key", "short")
    with pytest.raises(KeyMaterialError):
        load_key_file(tmp_path / "missing.key", "correct horse battery")


def test_totp_rfc6238_vector_and_single_use() -> None:
    import base64

    from ggzy_sm import totp

    secret = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238 appendix B, SHA-1
    assert totp.code_at(secret, 59) == "287082"
    assert totp.code_at(secret, 1111111109) == "081804"
    step = totp.verify(secret, "081804", 1111111109)
    assert step == 1111111109 // 30
    assert totp.verify(secret, "081804", 1111111109, last_step=step) is None  # used once
    assert totp.verify(secret, "000000", 1111111109) is None
    assert totp.provisioning_uri(secret, "admin", "ggzy").startswith("otpauth://totp/ggzy:admin?secret=")
