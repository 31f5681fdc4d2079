"""The release key (docs/sealed-bid-format.md §5): the bidder's own key the DEK is wrapped to, bound to
its signing certificate by the signing key; nobody escrows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ggzy_sm import strict
from ggzy_sm.errors import IntegrityError
from ggzy_sm.keys import SigningKey, load_key_file, write_key_file
from ggzy_sm.sealedbid.layout import RELEASE_KEY_FORMAT, BidError, _certificate
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import sm3


def release_key_payload(public_key: Sm2PublicKey, signing_certificate: bytes) -> dict[str, str]:
    """What the signing key signs (purpose ggzy-release-key-v1) to bind a release key to its certificate."""
    return {
        "format": RELEASE_KEY_FORMAT,
        "public_key": public_key.hex(),
        "signing_certificate_sm3": sm3(signing_certificate).hex(),
    }


def release_key_generate() -> Sm2PrivateKey:
    """A fresh release key pair (the bidder's tool keeps it in a key file of its own; never sent)."""
    return Sm2PrivateKey.generate()


def release_key_save(key: Sm2PrivateKey, path: str | Path, passphrase: str) -> None:
    """The release key in a ggzy key file (`ggzy_sm.keys`: SM4-GCM under PBKDF2-HMAC-SM3, mode 0600).
    An existing file is never replaced (FileExistsError): a bid sealed to the key it holds could no
    longer be released by the bidder."""
    if Path(path).exists():
        raise FileExistsError(f"{path} exists: a release key is never overwritten")
    write_key_file(key, path, passphrase)


def release_key_load(path: str | Path, passphrase: str) -> Sm2PrivateKey:
    return load_key_file(path, passphrase)


def release_key_bind(
    public_key: Sm2PublicKey, signing_key: SigningKey, signing_certificate: bytes
) -> dict[str, str]:
    """The header's `release_key` field, `{"public_key", "binding"}`: the binding signed by the signing
    key. Refused (release_key) when the signing key is not the certificate's or the release key is."""
    certificate = _certificate(signing_certificate)
    if signing_key.public_key != certificate.public_key:
        raise BidError("release_key", "the signing key is not the signing certificate's key")
    if public_key == certificate.public_key:
        raise BidError("release_key", "the release key must not be the signing certificate's key")
    binding = signing_key.sign(RELEASE_KEY_FORMAT, release_key_payload(public_key, signing_certificate))
    return {"public_key": public_key.hex(), "binding": binding.hex()}


def release_key_check(release_key: Any, signing_certificate: bytes) -> Sm2PublicKey:
    """The release key of a header's `release_key` field, if the signing certificate's key bound it and
    it is not that key (release_key); malformed for a field or certificate of another shape."""
    if not strict.exact(release_key, {"public_key", "binding"}):
        raise BidError("malformed", "the release key is exactly {public_key, binding}")
    try:
        public_key = strict.public_key(release_key["public_key"])
        binding = strict.signature(release_key["binding"])
    except ValueError as exc:
        raise BidError("malformed", f"the release key is malformed ({exc})") from exc
    certificate = _certificate(signing_certificate)
    if public_key == certificate.public_key:
        raise BidError("release_key", "the release key is the signing certificate's own key")
    try:
        certificate.public_key.verify(
            RELEASE_KEY_FORMAT, release_key_payload(public_key, signing_certificate), binding
        )
    except IntegrityError as exc:
        raise BidError("release_key", "the release key is not bound to the signing certificate") from exc
    return public_key
