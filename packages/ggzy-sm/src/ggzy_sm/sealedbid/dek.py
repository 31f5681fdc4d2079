"""The DEK of a bid (docs/sealed-bid-format.md §5): unwrapped with the bidder's release key, checked
against the key commitment, and released — signed by the bidder for this very bid — at the opening."""

from __future__ import annotations

from typing import Any

from ggzy_sm import strict
from ggzy_sm.errors import CryptoError
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.sealedbid.header import BidFile
from ggzy_sm.sealedbid.layout import COMMIT_LABEL, DEK_SIZE, RELEASE_FORMAT, BidError, _verifies
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import hmac_sm3_verify


def unwrap(bid: BidFile, key: DecryptionKey) -> bytes:
    """The DEK, unwrapped with the bidder's release key (key) and checked against the commitment
    (commitment)."""
    if key.public_key.hex() != bid.header["release_key"]["public_key"]:
        raise BidError("key", "this is not the release key the bid was sealed with")
    try:
        dek = key.decrypt(bytes.fromhex(str(bid.header["wrapped_key"])))
    except (CryptoError, ValueError) as exc:
        raise BidError("key", "the key does not unwrap with this release key") from exc
    check_commitment(bid, dek)
    return dek


def check_commitment(bid: BidFile, dek: bytes) -> None:
    if len(dek) != DEK_SIZE or not hmac_sm3_verify(
        dek, COMMIT_LABEL, bytes.fromhex(str(bid.header["key_commitment"]))
    ):
        raise BidError("commitment", "the key does not match the key commitment")


RELEASE_FIELDS = frozenset({"format", "section", "bidder", "ciphertext_sm3", "dek"})


def release(bid: BidFile, key: DecryptionKey, signing_key: SigningKey) -> dict[str, Any]:
    """At the opening, no earlier than the release time (§6.2, by the custodians' time): the bidder
    unwraps its DEK with its release key and signs a release bound to this very bid (purpose
    ggzy-release-v2). The release is sent to the platform over TLS."""
    dek = unwrap(bid, key)
    payload = {
        "format": RELEASE_FORMAT,
        "section": bid.header["section"],
        "bidder": bid.header["bidder"],
        "ciphertext_sm3": bid.header["ciphertext_sm3"],
        "dek": dek.hex(),
    }
    return {"payload": payload, "signature": signing_key.sign(RELEASE_FORMAT, payload).hex()}


def check_release(bid: BidFile, signed: Any, signer: Sm2PublicKey) -> bytes:
    """The DEK of a release (§5), if it has exactly its fields (malformed) and verifies with `signer` —
    the bid's signing certificate's key — names this bid's format, section, bidder and ciphertext, and
    its DEK matches the key commitment (release, each with its message)."""
    if not strict.exact(signed, {"payload", "signature"}) or not strict.exact(
        signed["payload"], RELEASE_FIELDS
    ):
        raise BidError(
            "malformed", "not a release: {payload: {format, section, bidder, ciphertext_sm3, dek}, signature}"
        )
    payload = signed["payload"]
    if not isinstance(payload["dek"], str) or not strict.HEX32.fullmatch(payload["dek"]):
        raise BidError("malformed", "the released key is 32 lower-case hex digits")
    if not _verifies(signer, RELEASE_FORMAT, payload, signed["signature"]):
        raise BidError(
            "release", "the release's signature does not verify with the bid's signing certificate"
        )
    if payload["format"] != RELEASE_FORMAT:
        raise BidError("release", f"the release's format is not {RELEASE_FORMAT}")
    for field in ("section", "bidder", "ciphertext_sm3"):
        if payload[field] != bid.header[field]:
            raise BidError("release", f"the release is for another bid (its {field} is not this bid's)")
    dek = bytes.fromhex(payload["dek"])
    try:
        check_commitment(bid, dek)
    except BidError as exc:
        raise BidError("release", "the released key does not match the bid's key commitment") from exc
    return dek
