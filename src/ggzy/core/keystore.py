"""The key store: platform keys wrapped under the master key; field encryption (the Django side of
the crypto, over ggzy-sm). Acts of people on keys — rotation, revealing a field — are services of
`ggzy.ops`, which records them.

The master key (SM4, 128 bits) comes from `GGZY_MASTER_KEY` (32 hex digits) — in production from the
centre's secret manager or crypto machine — and, only where it is absent (demo, development), from
`var/master_key`, created once with mode 0600. Each platform key is stored wrapped with SM4-GCM under
it, bound to its purpose and id. Rotation retires the active key and makes a new one; retired keys
stay, so that old signatures verify and old field values decrypt.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from ggzy.core import clock
from ggzy.core.errors import CoreError, DomainError
from ggzy.core.models import Algorithm, PlatformKey, Purpose
from ggzy_sm import sm4
from ggzy_sm.errors import IntegrityError as CryptoIntegrityError
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import hmac_sm3, sm3

ALGORITHMS = {
    Purpose.WITNESS_SIGNING: Algorithm.SM2,
    Purpose.WEBHOOK: Algorithm.HMAC_SM3,
    Purpose.FIELD_ENCRYPTION: Algorithm.SM4,
    Purpose.FIELD_LOOKUP: Algorithm.HMAC_SM3,
    Purpose.BID_OPENING: Algorithm.SM2,
    Purpose.DEADLINE_NOTICE: Algorithm.SM2,
    Purpose.BID_RECEIPT: Algorithm.SM2,
    Purpose.SECURITY_REQUEST: Algorithm.SM2,
    Purpose.EXPERT_ROSTER: Algorithm.SM2,
    Purpose.EXPERT_POOL: Algorithm.SM2,
    Purpose.EXPERT_POOL_LIST: Algorithm.SM2,
}


# --- the master key -------------------------------------------------------------------------------
@cache
def master_key() -> bytes:
    configured = getattr(settings, "GGZY_MASTER_KEY", "") or os.environ.get("GGZY_MASTER_KEY", "")
    if configured:
        key = bytes.fromhex(configured)
    else:
        path = Path(settings.VAR_DIR) / "master_key"
        if not path.exists():
            tmp = path.with_name(f".master_key.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(sm4.new_key().hex())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    if len(key) != sm4.KEY_SIZE:
        raise DomainError(CoreError.MASTER_KEY_WRONG)
    return key


def master_key_id() -> str:
    return sm3(b"ggzy-master-key-id" + master_key())[:8].hex()


def _aad(purpose: str, key_id: str) -> bytes:
    return f"ggzy-platform-key-v1|{purpose}|{key_id}".encode()


# --- platform keys ---------------------------------------------------------------------------------
def _new_secret(algorithm: str) -> tuple[bytes, str]:
    if algorithm == Algorithm.SM2:
        key = Sm2PrivateKey.generate()
        return key.secret_bytes(), key.public_key.hex()
    if algorithm == Algorithm.SM4:
        return sm4.new_key(), ""
    return secrets.token_bytes(32), ""


def key_create(purpose: Purpose) -> PlatformKey:
    """A new active key of `purpose` (the caller retires the old one and records the act)."""
    algorithm = ALGORITHMS[purpose]
    secret, public = _new_secret(algorithm)
    key_id = secrets.token_hex(8)
    return PlatformKey.objects.create(
        purpose=purpose,
        key_id=key_id,
        algorithm=algorithm,
        public_key=public,
        wrapped_secret=sm4.seal(master_key(), secret, _aad(purpose, key_id)),
        master_key_id=master_key_id(),
        created_at=clock.authority_now(),  # infrastructure: real time, even in the sandbox
    )


def key_active(purpose: Purpose) -> PlatformKey:
    """The active key of `purpose`, created on first use."""
    found = PlatformKey.objects.filter(purpose=purpose, retired_at__isnull=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return key_create(purpose)
    except IntegrityError:  # another process created it first
        return PlatformKey.objects.get(purpose=purpose, retired_at__isnull=True)


def keys_ensure(using: str = "default") -> None:
    """Create the active key of every purpose that has none (after each migrate)."""
    for purpose in Purpose:
        if not PlatformKey.objects.using(using).filter(purpose=purpose, retired_at__isnull=True).exists():
            key_active(purpose)


_SECRETS: dict[str, bytes] = {}


def key_secret(key: PlatformKey) -> bytes:
    if key.key_id not in _SECRETS:
        try:
            _SECRETS[key.key_id] = sm4.open_sealed(
                master_key(), bytes(key.wrapped_secret), _aad(key.purpose, key.key_id)
            )
        except CryptoIntegrityError as exc:
            raise DomainError(CoreError.MASTER_KEY_WRONG) from exc
    return _SECRETS[key.key_id]


def key_by_id(key_id: str) -> PlatformKey:
    found = PlatformKey.objects.filter(key_id=key_id).first()
    if found is None:
        raise DomainError(CoreError.KEY_UNKNOWN, detail={"key_id": key_id})
    return found


def signing_key(purpose: Purpose = Purpose.WITNESS_SIGNING) -> tuple[str, Sm2PrivateKey]:
    key = key_active(purpose)
    return key.key_id, Sm2PrivateKey(key_secret(key), Sm2PublicKey.from_hex(key.public_key))


def opening_keys() -> list[Sm2PrivateKey]:
    """The platform's bid-opening keys, the active one first: custodians encrypt the key shares they
    release to it (a share released before a rotation still decrypts with the retired key)."""
    rows = PlatformKey.objects.filter(purpose=Purpose.BID_OPENING).order_by(
        F("retired_at").desc(nulls_first=True), "-created_at"
    )
    key_active(Purpose.BID_OPENING)
    return [Sm2PrivateKey(key_secret(k), Sm2PublicKey.from_hex(k.public_key)) for k in rows]


def notice_keys() -> list[tuple[PlatformKey, Sm2PrivateKey]]:
    """The platform's deadline-notice keys, newest first (a rotated one may still be the one a custodian
    set honours until a transition the supervising department co-signed lets the new one in)."""
    key_active(Purpose.DEADLINE_NOTICE)
    rows = PlatformKey.objects.filter(purpose=Purpose.DEADLINE_NOTICE).order_by("-created_at")
    return [(row, Sm2PrivateKey(key_secret(row), Sm2PublicKey.from_hex(row.public_key))) for row in rows]


def verification_key(key_id: str) -> Sm2PublicKey:
    """The public key of any SM2 key, active or retired (to verify what it signed)."""
    return Sm2PublicKey.from_hex(key_by_id(key_id).public_key)


# --- field encryption --------------------------------------------------------------------------------
def field_encrypt(plaintext: str, aad: bytes) -> str:
    """`key_id.base64(nonce ‖ SM4-GCM)` under the active field key, bound to `aad` (the column)."""
    key = key_active(Purpose.FIELD_ENCRYPTION)
    sealed = sm4.seal(key_secret(key), plaintext.encode("utf-8"), aad)
    return f"{key.key_id}.{base64.b64encode(sealed).decode('ascii')}"


def field_decrypt(token: str, aad: bytes) -> str:
    """Decrypt a stored value. For the system's own use (e.g. sending an SMS); a person's look at a
    value goes through `field_reveal`, which records it."""
    key_id, _dot, data = token.partition(".")
    key = key_by_id(key_id)
    try:
        return sm4.open_sealed(key_secret(key), base64.b64decode(data), aad).decode("utf-8")
    except CryptoIntegrityError as exc:
        raise DomainError(CoreError.KEY_UNKNOWN, detail={"key_id": key_id}) from exc


def lookup_hash(kind: str, normalised: str) -> str:
    key = key_active(Purpose.FIELD_LOOKUP)
    return hmac_sm3(key_secret(key), f"{kind}|{normalised}".encode()).hex()
