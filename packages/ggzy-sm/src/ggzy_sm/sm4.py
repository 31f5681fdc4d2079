"""SM4 (GB/T 32907): GCM for everything of ours; CBC with HMAC-SM3 (encrypt-then-MAC) only where a
peer needs CBC. `cryptography` has no SM4 AEAD class, so GCM is `Cipher(SM4, GCM)`; on decryption no
byte of plaintext is returned before `finalize()` has checked the tag."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ggzy_sm.errors import IntegrityError, KeyMaterialError
from ggzy_sm.sm3 import hmac_sm3, hmac_sm3_verify

KEY_SIZE = 16
NONCE_SIZE = 12
TAG_SIZE = 16
BLOCK = 16


def new_key() -> bytes:
    return os.urandom(KEY_SIZE)


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise KeyMaterialError("an SM4 key is 16 bytes")


def gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """SM4-GCM: returns ciphertext ‖ 16-byte tag. Never reuse a (key, nonce) pair."""
    _check_key(key)
    if len(nonce) != NONCE_SIZE:
        raise KeyMaterialError("an SM4-GCM nonce is 12 bytes")
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(plaintext) + enc.finalize() + enc.tag


def gcm_decrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes = b"") -> bytes:
    """Check the tag, then return the plaintext; IntegrityError (and nothing else) if it fails."""
    _check_key(key)
    if len(nonce) != NONCE_SIZE or len(data) < TAG_SIZE:
        raise IntegrityError("SM4-GCM ciphertext is malformed")
    ciphertext, tag = data[:-TAG_SIZE], data[-TAG_SIZE:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    plaintext = dec.update(ciphertext)
    try:
        dec.finalize()
    except InvalidTag as exc:
        raise IntegrityError("SM4-GCM tag does not verify") from exc
    return plaintext


def seal(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """nonce ‖ SM4-GCM(plaintext): a fresh random nonce each time (for small values, e.g. fields)."""
    nonce = os.urandom(NONCE_SIZE)
    return nonce + gcm_encrypt(key, nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    return gcm_decrypt(key, sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)


def ecb_encrypt_block(key: bytes, block: bytes) -> bytes:
    """One raw block (for the GB/T 32907 test vector only)."""
    _check_key(key)
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305  (the standard's vector is one ECB block)
    return enc.update(block) + enc.finalize()


def cbc_hmac_encrypt(enc_key: bytes, mac_key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """For peers that need CBC: iv ‖ SM4-CBC(PKCS#7) ‖ HMAC-SM3(mac_key, aad ‖ iv ‖ ciphertext)."""
    _check_key(enc_key)
    iv = os.urandom(BLOCK)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.SM4(enc_key), modes.CBC(iv)).encryptor()
    body = iv + enc.update(padded) + enc.finalize()
    return body + hmac_sm3(mac_key, aad + body)


def cbc_hmac_decrypt(enc_key: bytes, mac_key: bytes, data: bytes, aad: bytes = b"") -> bytes:
    _check_key(enc_key)
    if len(data) < BLOCK * 2 + 32 or (len(data) - 32) % BLOCK:
        raise IntegrityError("SM4-CBC ciphertext is malformed")
    body, tag = data[:-32], data[-32:]
    if not hmac_sm3_verify(mac_key, aad + body, tag):
        raise IntegrityError("HMAC-SM3 does not verify")
    dec = Cipher(algorithms.SM4(enc_key), modes.CBC(body[:BLOCK])).decryptor()
    padded = dec.update(body[BLOCK:]) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise IntegrityError("SM4-CBC padding is wrong") from exc
