"""TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30 s), as authenticator apps implement it.

SHA-1 here is what every authenticator app computes; it is an HMAC (not a collision-sensitive use).
"""

from __future__ import annotations

import base64
import os
from urllib.parse import quote

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

STEP = 30
DIGITS = 6


def new_secret() -> str:
    """A random 160-bit secret, base32 (what the user types or scans)."""
    return base64.b32encode(os.urandom(20)).decode("ascii")


def _totp(secret: str) -> TOTP:
    return TOTP(base64.b32decode(secret), DIGITS, SHA1(), STEP, enforce_key_length=False)  # noqa: S303


def code_at(secret: str, unix_time: float) -> str:
    return _totp(secret).generate(int(unix_time)).decode("ascii")


def verify(secret: str, code: str, unix_time: float, *, last_step: int = 0, window: int = 1) -> int | None:
    """The time step `code` belongs to (within ±window steps of `unix_time`), or None. A step at or
    before `last_step` is refused, so a code can be used once."""
    code = code.strip()
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    step_now = int(unix_time) // STEP
    for step in range(step_now - window, step_now + window + 1):
        if step <= last_step:
            continue
        try:
            totp.verify(code.encode("ascii"), step * STEP)
        except InvalidToken:
            continue
        return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return (
        f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret}&issuer={quote(issuer)}"
        f"&algorithm=SHA1&digits={DIGITS}&period={STEP}"
    )
