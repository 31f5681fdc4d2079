"""Key backends: one interface for "a key I can sign or decrypt with", wherever the key lives.

    class SigningKey(Protocol):     public_key; sign(purpose, payload) -> r ‖ s
    class DecryptionKey(Protocol):  public_key; decrypt(sm2_cipher_der) -> bytes

Backends:

* **software key file** (here): the SM2 secret encrypted with SM4-GCM under a key derived from a
  passphrase (PBKDF2-HMAC-SM3); for the demo, tests, and the bidder client without a UKey.
* **server crypto machine / signing server** (GM/T 0018 SDF), for platform keys in production: an
  adapter implements `sign` with `SDF_InternalSign_ECC` on the key index (hashing Z_A ‖ M with
  `SDF_HashInit/Update/Final` and the SM2 ID first) and `decrypt` with `SDF_InternalDecrypt_ECC`;
  `public_key` comes from `SDF_ExportSignPublicKey_ECC` / `SDF_ExportEncPublicKey_ECC`. The key never
  leaves the device; the adapter converts the device's ECCSignature/ECCCipher structures to our wire
  formats (raw r ‖ s, DER SM2Cipher).
* **UKey for people** (GM/T 0016 SKF, or PKCS#11 where the vendor offers it): `SKF_ECCSignData` /
  `SKF_ECCDecrypt` on the container's signing / encryption key pair, behind the local signing agent of
  the certificates issue — the browser never holds a private key.

Hardware adapters need the vendor's library and a device, so they are not part of this package's
tests; each one is tested against this interface by the centre that deploys it (sign with the device,
verify with `Sm2PublicKey.verify`; encrypt with `Sm2PublicKey.encrypt`, decrypt with the device).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from ggzy_sm import canonical, sm4
from ggzy_sm.errors import IntegrityError, KeyMaterialError
from ggzy_sm.files import write_atomic
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import pbkdf2_sm3

KEYFILE_FORMAT = "ggzy-keyfile-v1"
DEFAULT_ITERATIONS = 200_000


class SigningKey(Protocol):
    public_key: Sm2PublicKey

    def sign(self, purpose: str, payload: Any) -> bytes: ...


class DecryptionKey(Protocol):
    public_key: Sm2PublicKey

    def decrypt(self, ciphertext: bytes) -> bytes: ...


def _aad(public_key: Sm2PublicKey, salt: bytes, iterations: int) -> bytes:
    return canonical.dumps(
        {
            "format": KEYFILE_FORMAT,
            "public_key": public_key.hex(),
            "salt": salt.hex(),
            "iterations": iterations,
        }
    )


def write_key_file(
    key: Sm2PrivateKey, path: str | Path, passphrase: str, iterations: int = DEFAULT_ITERATIONS
) -> None:
    """Write `key` encrypted under `passphrase` (temporary file, then rename; mode 0600)."""
    if len(passphrase) < 8:  # noqa: PLR2004
        raise KeyMaterialError("a key-file passphrase has at least 8 characters")
    salt = os.urandom(16)
    kek = pbkdf2_sm3(passphrase.encode("utf-8"), salt, iterations)
    sealed = sm4.seal(kek, key.secret_bytes(), _aad(key.public_key, salt, iterations))
    document = {
        "format": KEYFILE_FORMAT,
        "algorithm": "sm2",
        "public_key": key.public_key.hex(),
        "kdf": {"name": "pbkdf2-hmac-sm3", "salt": salt.hex(), "iterations": iterations},
        "sealed": sealed.hex(),
    }
    write_atomic(path, json.dumps(document, indent=1), mode=0o600)


def load_key_file(path: str | Path, passphrase: str) -> Sm2PrivateKey:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        if document.get("format") != KEYFILE_FORMAT or document.get("algorithm") != "sm2":
            raise KeyMaterialError("not a ggzy SM2 key file")
        public_key = Sm2PublicKey.from_hex(document["public_key"])
        salt = bytes.fromhex(document["kdf"]["salt"])
        iterations = int(document["kdf"]["iterations"])
        sealed = bytes.fromhex(document["sealed"])
    except (OSError, ValueError, TypeError) as exc:
        raise KeyMaterialError("the key file cannot be read") from exc
    kek = pbkdf2_sm3(passphrase.encode("utf-8"), salt, iterations)
    try:
        secret = sm4.open_sealed(kek, sealed, _aad(public_key, salt, iterations))
    except IntegrityError as exc:
        raise KeyMaterialError("wrong passphrase, or the key file was altered") from exc
    return Sm2PrivateKey(secret, public_key)
