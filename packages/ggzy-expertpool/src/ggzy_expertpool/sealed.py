"""The drawn list as it travels: encrypted to the platform's SM2 encryption key, so that nobody but the
platform reads it — not on the wire, not in the pool's answers kept for a repeated request, not in its
request log (docs/expert-pool-interface.md, "The sealed list").

SM2 encrypts small secrets only (`ggzy_sm.sm2`), so the list is sealed as the sealed bids are: a fresh
16-byte SM4 key encrypts the list's canonical JSON (SM4-GCM, `ggzy_sm.sm4.seal`: a random nonce ‖
ciphertext ‖ tag) with the additional data binding it to its pool, draw and revision and its recipient;
the SM4 key is encrypted to the recipient's SM2 key (DER SM2Cipher, C1C3C2). The envelope

    {"format": "ggzy-expertpool-sealed-v1", "recipient": the platform's encryption key (hex),
     "wrapped_key": SM2(the SM4 key) (hex), "ciphertext": nonce ‖ SM4-GCM(list) ‖ tag (hex)}

is inside the pool's signed answer, so the signature covers it; the additional data is the canonical
JSON of {"format", "pool" (the pool's public key, hex), "draw", "revision", "recipient"}: a list cannot
be moved to another draw, revision or pool without the decryption failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ggzy_sm import canonical, sm4
from ggzy_sm.errors import CryptoError
from ggzy_sm.jsonservice import parse_json
from ggzy_sm.keys import DecryptionKey
from ggzy_sm.sm2 import Sm2PublicKey

FORMAT = "ggzy-expertpool-sealed-v1"
LIST_FORMAT = "ggzy-expertpool-list-v1"
FIELDS = frozenset({"format", "recipient", "wrapped_key", "ciphertext"})


class SealedError(ValueError):
    """An envelope that cannot be opened (not for this key, altered, not a list); the message says why."""


def _aad(pool: Sm2PublicKey, draw: str, revision: int, recipient: str) -> bytes:
    return canonical.dumps(
        {"format": FORMAT, "pool": pool.hex(), "draw": draw, "revision": revision, "recipient": recipient}
    )


def seal(
    content: Mapping[str, Any], *, recipient: Sm2PublicKey, pool: Sm2PublicKey, draw: str, revision: int
) -> dict[str, Any]:
    """The envelope of `content` (a list) for `recipient`."""
    key = sm4.new_key()
    return {
        "format": FORMAT,
        "recipient": recipient.hex(),
        "wrapped_key": recipient.encrypt(key).hex(),
        "ciphertext": sm4.seal(
            key, canonical.dumps(content), _aad(pool, draw, revision, recipient.hex())
        ).hex(),
    }


def open_sealed(
    envelope: Any, *, key: DecryptionKey, pool: Sm2PublicKey, draw: str, revision: int
) -> dict[str, Any]:
    """The list inside `envelope`, decrypted with `key` and checked to be a list of `draw` at `revision`
    by `pool`; SealedError otherwise."""
    if not isinstance(envelope, dict) or set(envelope) != FIELDS or envelope["format"] != FORMAT:
        raise SealedError(f"not a {FORMAT} envelope")
    if envelope["recipient"] != key.public_key.hex():
        raise SealedError("the list is encrypted to another key than this one")
    try:
        secret = key.decrypt(bytes.fromhex(str(envelope["wrapped_key"])))
        plain = sm4.open_sealed(
            secret,
            bytes.fromhex(str(envelope["ciphertext"])),
            _aad(pool, draw, revision, envelope["recipient"]),
        )
        content = parse_json(plain)
    except (CryptoError, ValueError) as exc:
        raise SealedError("the list does not decrypt: altered, or not for this draw and revision") from exc
    if (
        not isinstance(content, dict)
        or content.get("format") != LIST_FORMAT
        or content.get("draw") != draw
        or content.get("revision") != revision
        or not isinstance(content.get("seats"), list)
    ):
        raise SealedError(f"the decrypted content is not the {LIST_FORMAT} of this draw and revision")
    return content
