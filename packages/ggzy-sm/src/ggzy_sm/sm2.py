"""SM2 (GB/T 32918): signatures and encryption of small secrets.

Implementation: `gmssl-fast` (GmSSL, statically linked; measured ~1,400 signs/s and ~800 verifies/s
here); every operation is cross-checked in the tests against an independent implementation
(`smcryptopy`, Rust). The signer ID is the default `1234567812345678` (GM/T 0009), with
e = SM3(Z_A ‖ M).

Wire formats, pinned here and converted at this boundary only:
* public key: 65 bytes, `04 ‖ x ‖ y`; private key: 32 bytes;
* signature: raw `r ‖ s` (64 bytes); `signature_to_der` / `signature_from_der` convert;
* ciphertext: DER `SM2Cipher ::= SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING (32),
  ciphertext OCTET STRING }` (GM/T 0009), C1C3C2 order.

Signed messages are domain-separated: `sign()` never signs bytes handed to it, only the canonical
JSON `{"payload": …, "purpose": "ggzy-…-v1"}`, and `verify()` checks the purpose it expects — so a
login challenge can never be replayed as a bid signature, and no use is a signing oracle for another.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gmssl_fast
from asn1crypto.core import Integer, OctetString, Sequence
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from ggzy_sm import canonical
from ggzy_sm.errors import IntegrityError, KeyMaterialError, PurposeError
from ggzy_sm.sm3 import sm3

# The recommended curve (GB/T 32918.5)
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
DEFAULT_ID = b"1234567812345678"
MAX_PLAINTEXT = 255

PURPOSES = frozenset(
    {
        "ggzy-login-v1",  # signature login challenge
        "ggzy-bid-v1",  # sealed-bid header
        "ggzy-release-v1",  # a bidder's release of its bid key at the opening
        "ggzy-deadline-v1",  # the platform's notice of a section's opening time, for custodians
        "ggzy-share-v1",  # a custodian's key share
        "ggzy-sth-v1",  # a witness-log signed tree head
        "ggzy-cosign-v1",  # a co-signer's countersignature (superseded by v2)
        "ggzy-cosign-v2",  # a co-signer's co-signature, chained to the head it co-signed before
        "ggzy-epoch-v1",  # the supervising department's statement that the witness log starts an epoch
        "ggzy-promise-v1",  # a witness-log inclusion promise
        "ggzy-document-v1",  # a detached signature over a document's SM3
        "ggzy-custodian-set-v1",  # the pinned custodian set
        "ggzy-bid-v2",  # sealed-bid header, format 2
        "ggzy-release-v2",  # a bidder's release of its bid key at the opening, format 2
        "ggzy-release-key-v1",  # the signing key binding a bidder's release key to its certificate
        "ggzy-deadline-v2",  # a notice of a section's deadline and opening time, for one custodian set
        "ggzy-notice-key-transition-v1",  # a new notice key, signed by the old one and the supervisor
        "ggzy-time-v1",  # a custodian's signed statement of its clock's time
        "ggzy-ack-v1",  # a custodian's acknowledgement of a ciphertext before the deadline
        "ggzy-closure-v1",  # a custodian's list of what it acknowledged for a section, from its closing
        "ggzy-share-v2",  # a custodian's key share, protocol v2
        "ggzy-custodian-set-v2",  # the pinned custodian set, with notice keys, opening key and witness
        "ggzy-national-receipt-v1",  # a national service platform's receipt (or refusal) of a pushed notice
        "ggzy-authority-answer-v1",  # an authority registry's signed answer to a lookup
        "ggzy-bid-receipt-v1",  # the platform's signed receipt of a sealed bid
        "ggzy-bank-request-v1",  # the platform's signed request to a bank (sub-account, refund, statement)
        "ggzy-bank-answer-v1",  # a bank's signed answer (a sub-account, a refund decided, its interest)
        "ggzy-bank-statement-v1",  # a bank's signed statement of a business day
        "ggzy-bank-notification-v1",  # a bank's signed notification of a credit to a sub-account
        "ggzy-guarantee-v1",  # an electronic guarantee (电子保函), signed by its issuer's certified key
        "ggzy-guarantee-answer-v1",  # a guarantee issuer's signed answer (application, claim)
        "ggzy-guarantee-request-v1",  # the platform's signed request to a guarantee issuer
        "ggzy-beacon-commitment-v1",  # a randomness beacon's signed commitment to its secret for a draw
        "ggzy-beacon-reveal-v1",  # a randomness beacon's signed reveal, over the draw's set of commitments
        "ggzy-beacon-status-v1",  # a randomness beacon's signed account of a draw it holds
        "ggzy-expertpool-request-v1",  # the platform's signed request to the expert pool
        "ggzy-expertpool-answer-v1",  # the expert pool's signed answer (a draw, a replacement, a state)
        "ggzy-expert-roster-v1",  # the platform's roster of a committee for the evaluation area
        "ggzy-video-camera-v1",  # a video platform's signed description of a camera (live and playback)
        "ggzy-video-media-v1",  # a video platform's signature over a playlist or segment it served
        "ggzy-test-v1",  # tests only
    }
)


#: A line GmSSL's error_print() writes: "<file>.c:<line>:<function>():" and perhaps a message.
_GMSSL_TRACE = re.compile(rb"^[^\n]*\.c:\d+:\w+\(\):[^\n]*(?:\n|$)", re.MULTILINE)


class _Quiet:
    """Runs GmSSL calls without their traces: GmSSL prints "file.c:line:function():" to the C stderr
    at every refusal (each signature that does not verify, each wrong decryption key), noise beside a
    refusal we report ourselves. While a call runs, file descriptor 2 points at a scratch file (one
    call at a time, under a lock: fd 2 is the whole process's); afterwards whatever else was written
    there meanwhile — another thread's output — is passed on to the real stderr, GmSSL's traces left
    out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scratch: tuple[int, int] | None = None  # (pid, fd)

    def after_fork(self) -> None:
        """A child starts with a free lock (another thread may have held it at the fork) and its own
        scratch file (the parent's file is shared with the parent)."""
        self.lock, self.scratch = threading.Lock(), None

    def _scratch_fd(self) -> int:
        if self.scratch is None or self.scratch[0] != os.getpid():
            fd, path = tempfile.mkstemp(prefix="ggzy-gmssl-")
            Path(path).unlink()
            self.scratch = (os.getpid(), fd)
        return self.scratch[1]

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            saved = self._redirect()
            try:
                yield
            finally:
                if saved is not None:
                    self._restore(saved)

    def _redirect(self) -> int | None:
        """Point fd 2 at the scratch file: a duplicate of the real stderr, or None if that cannot be
        done (no stderr, no scratch file) — the call then runs as it is, traces and all: silence is
        never worth a refusal of its own."""
        try:
            scratch = self._scratch_fd()
            os.lseek(scratch, 0, os.SEEK_SET)
            saved = os.dup(2)
        except OSError:
            return None
        try:
            os.dup2(scratch, 2)
        except OSError:
            os.close(saved)
            return None
        return saved

    def _restore(self, saved: int) -> None:
        """The real stderr back on fd 2, and passed on to it what was written meanwhile (up to the
        scratch file's offset, which fd 2 shared) but GmSSL's traces."""
        os.dup2(saved, 2)
        os.close(saved)
        if self.scratch is None:
            return
        scratch = self.scratch[1]
        with contextlib.suppress(OSError):  # passing on another thread's output is best effort
            written = os.pread(scratch, os.lseek(scratch, 0, os.SEEK_CUR), 0)
            rest = memoryview(_GMSSL_TRACE.sub(b"", written))
            while rest:
                rest = rest[os.write(2, rest) :]


_gmssl_quiet = _Quiet()
os.register_at_fork(after_in_child=_gmssl_quiet.after_fork)


class SM2Cipher(Sequence):
    _fields = [("x", Integer), ("y", Integer), ("hash", OctetString), ("ciphertext", OctetString)]


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


@dataclass(frozen=True)
class Sm2PublicKey:
    point: bytes  # 04 ‖ x ‖ y

    def __post_init__(self) -> None:
        if len(self.point) != 65 or self.point[0] != 4:  # noqa: PLR2004
            raise KeyMaterialError("an SM2 public key is 65 bytes starting 04")
        x, y = int.from_bytes(self.point[1:33], "big"), int.from_bytes(self.point[33:], "big")
        if not _on_curve(x, y):
            raise KeyMaterialError("the point is not on the SM2 curve")

    @classmethod
    def from_hex(cls, text: str) -> Sm2PublicKey:
        raw = bytes.fromhex(text)
        return cls(raw if len(raw) == 65 else b"\x04" + raw)  # noqa: PLR2004

    def hex(self) -> str:
        return self.point.hex()

    def fingerprint(self) -> str:
        """SM3 of the point, hex: how keys are named in inventories and logs."""
        return sm3(self.point).hex()

    def _impl(self) -> gmssl_fast.SM2:
        return gmssl_fast.SM2(public_key=self.point.hex())

    def verify(self, purpose: str, payload: Any, signature: bytes) -> None:
        """Raise IntegrityError unless `signature` signs `payload` for `purpose`."""
        _verify_bytes(self, signed_message(purpose, payload), signature)

    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypt a small secret (≤ 255 bytes: a key, a key share) to this key; DER SM2Cipher."""
        if len(plaintext) > MAX_PLAINTEXT:
            raise ValueError("SM2 encrypts small secrets only; use SM4 for data")
        raw = self._impl().encrypt(plaintext)  # x ‖ y ‖ C3 ‖ C2
        return SM2Cipher(
            {
                "x": int.from_bytes(raw[0:32], "big"),
                "y": int.from_bytes(raw[32:64], "big"),
                "hash": raw[64:96],
                "ciphertext": raw[96:],
            }
        ).dump()


class Sm2PrivateKey:
    """An SM2 private key held in memory (software). Hardware keys implement the same methods."""

    def __init__(self, secret: bytes, public_key: Sm2PublicKey) -> None:
        """The public key is always stored beside the secret; GmSSL checks that they match."""
        d = int.from_bytes(secret, "big")
        if len(secret) != 32 or not 1 <= d <= N - 2:  # noqa: PLR2004
            raise KeyMaterialError("an SM2 private key is 32 bytes in [1, n-2]")
        self._secret = secret
        self.public_key = public_key
        try:
            self._handle = gmssl_fast.SM2(private_key=secret.hex(), public_key=public_key.hex())
            with _gmssl_quiet():
                self._handle.sign(b"key check")
        except Exception as exc:
            raise KeyMaterialError("the private and public keys do not match") from exc

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        impl = gmssl_fast.SM2.generate()
        if not impl.private_key_hex or not impl.public_key_hex:
            raise KeyMaterialError("key generation returned no key")
        return cls(bytes.fromhex(impl.private_key_hex), Sm2PublicKey.from_hex(impl.public_key_hex))

    def secret_bytes(self) -> bytes:
        """The raw secret: only for writing an encrypted key file."""
        return self._secret

    def sign(self, purpose: str, payload: Any) -> bytes:
        """Sign `payload` for `purpose`: raw r ‖ s over the domain-separated canonical message."""
        return bytes(self._handle.sign(signed_message(purpose, payload)))

    def decrypt(self, ciphertext: bytes) -> bytes:
        try:
            parsed = SM2Cipher.load(ciphertext, strict=True)
            x, y = int(parsed["x"].native), int(parsed["y"].native)
            c3, c2 = bytes(parsed["hash"].native), bytes(parsed["ciphertext"].native)
        except (ValueError, TypeError, OSError) as exc:
            raise IntegrityError("not an SM2Cipher") from exc
        if len(c3) != 32 or not _on_curve(x, y):  # noqa: PLR2004
            raise IntegrityError("not an SM2Cipher")
        try:
            with _gmssl_quiet():
                return bytes(self._handle.decrypt(x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3 + c2))
        except Exception as exc:
            raise IntegrityError("SM2 decryption failed") from exc


def signed_message(purpose: str, payload: Any) -> bytes:
    """The bytes actually signed: canonical JSON of {"purpose", "payload"}."""
    if purpose not in PURPOSES:
        raise PurposeError(f"unknown signing purpose {purpose!r}")
    return canonical.dumps({"purpose": purpose, "payload": payload})


def _verify_bytes(key: Sm2PublicKey, message: bytes, signature: bytes) -> None:
    if len(signature) != 64:  # noqa: PLR2004
        raise IntegrityError("an SM2 signature is 64 bytes r ‖ s")
    try:
        with _gmssl_quiet():
            ok = key._impl().verify(message, signature)  # noqa: SLF001
    except Exception as exc:
        raise IntegrityError("SM2 signature does not verify") from exc
    if not ok:
        raise IntegrityError("SM2 signature does not verify")


def za(public_key: Sm2PublicKey, uid: bytes = DEFAULT_ID) -> bytes:
    """Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2)."""
    entl = (len(uid) * 8).to_bytes(2, "big")
    parts = [A, B, GX, GY]
    return sm3(entl + uid + b"".join(v.to_bytes(32, "big") for v in parts) + public_key.point[1:])


def signature_to_der(raw: bytes) -> bytes:
    if len(raw) != 64:  # noqa: PLR2004
        raise IntegrityError("an SM2 signature is 64 bytes r ‖ s")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def signature_from_der(der: bytes) -> bytes:
    try:
        r, s = decode_dss_signature(der)
    except ValueError as exc:
        raise IntegrityError("not a DER signature") from exc
    if not (0 < r < N and 0 < s < N):
        raise IntegrityError("signature values out of range")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")
