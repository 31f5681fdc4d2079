"""SM2: the published vector, domain separation, wire formats, and every operation cross-checked
against an independent implementation (smcryptopy, Rust)."""

from __future__ import annotations

import os

import pytest
from smcryptopy import sm2 as other

from ggzy_sm import sm2
from ggzy_sm.canonical import dumps
from ggzy_sm.errors import IntegrityError, KeyMaterialError, PurposeError
from ggzy_sm.sm2 import DEFAULT_ID, Sm2PrivateKey, Sm2PublicKey

# GB/T 32918 / GM/T 0003.5 example (docs/published-vectors.md)
D = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
PUB = (
    "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)
Z_A = "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3"
R = "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
S = "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"


def test_published_vector_z_a_and_signature() -> None:
    public = Sm2PublicKey.from_hex(PUB)
    assert sm2.za(public).hex() == Z_A
    sm2._verify_bytes(public, b"message digest", bytes.fromhex(R + S))
    with pytest.raises(IntegrityError):
        sm2._verify_bytes(public, b"message digesT", bytes.fromhex(R + S))
    assert other.pk_from_sk(D) in (PUB, PUB[2:])


@pytest.fixture(scope="module")
def key() -> Sm2PrivateKey:
    return Sm2PrivateKey.generate()


def test_sign_here_verify_there(key: Sm2PrivateKey) -> None:
    payload = {"section": "E2101000000000001001001", "deadline": "2026-12-20T01:30:00.000000Z"}
    signature = key.sign("ggzy-bid-v1", payload)
    message = dumps({"purpose": "ggzy-bid-v1", "payload": payload})
    assert other.verify(DEFAULT_ID, message, sm2.signature_to_der(signature), key.public_key.hex()[2:]) == 1
    assert (
        other.verify(DEFAULT_ID, message + b" ", sm2.signature_to_der(signature), key.public_key.hex()[2:])
        == 0
    )


def test_sign_there_verify_here(key: Sm2PrivateKey) -> None:
    payload = {"nonce": "8f3a", "origin": "https://ggzy.example"}
    message = dumps({"purpose": "ggzy-login-v1", "payload": payload})
    der = other.sign(DEFAULT_ID, message, key.secret_bytes().hex())
    key.public_key.verify("ggzy-login-v1", payload, sm2.signature_from_der(der))


@pytest.mark.parametrize("dek", [os.urandom(16), b"\x00" + os.urandom(15)], ids=["random", "leading-zero"])
def test_encrypt_here_decrypt_there_and_back(key: Sm2PrivateKey, dek: bytes) -> None:
    ours = key.public_key.encrypt(dek)
    # smcryptopy's decrypt drops leading zero bytes of the plaintext (it passes through an integer),
    # even for its own ciphertexts; ours must keep every byte of a key.
    assert other.decrypt_asna1(ours, key.secret_bytes().hex()) == dek.lstrip(b"\x00")
    assert key.decrypt(ours) == dek
    theirs = other.encrypt_asna1(dek, key.public_key.hex()[2:])
    assert key.decrypt(theirs) == dek


def test_domain_separation(key: Sm2PrivateKey) -> None:
    signature = key.sign("ggzy-login-v1", {"nonce": "abc"})
    key.public_key.verify("ggzy-login-v1", {"nonce": "abc"}, signature)
    with pytest.raises(IntegrityError):
        key.public_key.verify("ggzy-bid-v1", {"nonce": "abc"}, signature)  # same payload, other purpose
    with pytest.raises(PurposeError):
        key.sign("anything-i-like", {"nonce": "abc"})


def test_tampered_ciphertext_and_signatures_are_refused(key: Sm2PrivateKey) -> None:
    ciphertext = bytearray(key.public_key.encrypt(b"k" * 16))
    ciphertext[-1] ^= 1
    with pytest.raises(IntegrityError):
        key.decrypt(bytes(ciphertext))
    with pytest.raises(IntegrityError):
        key.decrypt(b"\x30\x03\x02\x01\x01")
    with pytest.raises(IntegrityError):
        key.public_key.verify("ggzy-test-v1", {}, b"\x00" * 64)
    with pytest.raises(IntegrityError):
        key.public_key.verify("ggzy-test-v1", {}, b"short")


def test_der_and_raw_signatures_convert_both_ways(key: Sm2PrivateKey) -> None:
    raw = key.sign("ggzy-test-v1", {"n": 1})
    assert sm2.signature_from_der(sm2.signature_to_der(raw)) == raw
    with pytest.raises(IntegrityError):
        sm2.signature_from_der(b"not der")


def test_bad_keys_are_refused(key: Sm2PrivateKey) -> None:
    with pytest.raises(KeyMaterialError):
        Sm2PublicKey(b"\x04" + b"\x01" * 64)  # not on the curve
    with pytest.raises(KeyMaterialError):
        Sm2PrivateKey(b"\x00" * 32, key.public_key)
    with pytest.raises(KeyMaterialError):
        Sm2PrivateKey(Sm2PrivateKey.generate().secret_bytes(), key.public_key)  # mismatched pair
    with pytest.raises(ValueError, match="small secrets"):
        key.public_key.encrypt(b"x" * 256)
