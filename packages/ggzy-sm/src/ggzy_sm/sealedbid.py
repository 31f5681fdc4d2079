"""`ggzy-bid-v1`: a sealed bid file (docs/sealed-bid-format.md is the specification; this is its
reference implementation, Django-free, used by the bidder's client and by the platform).

    file   = "GGZYBID1" ‖ header length (u32, big-endian) ‖ header (canonical JSON, UTF-8) ‖ stream
    stream = ggzy-stream-v1 (chunked SM4-GCM) of the inner payload under a fresh DEK, every chunk
             bound to the associated data {format, tender_project, section, bidder, deadline}
    inner  = entries ("E" ‖ name length u16 ‖ name ‖ size u64 ‖ bytes)… ‖ "Z"; the opening sheet first,
             then the documents and the bill of quantities, the manifest (SM3 and size of each) last

The header carries what the platform may see before the opening and nothing that lets anyone test a
guess of the content: the codes, the bidder, the bound deadline, the SM3 and size of the *ciphertext*,
the key commitment HMAC-SM3(DEK, "ggzy-commit-v1"), the DEK wrapped (SM2) to the bidder's own
encryption certificate, the custodian envelope (sealed bids II; null here), a hashed fingerprint of
the sealing machine, the tool, and the bidder's signing certificate; the bidder signs it all (purpose
`ggzy-bid-v1`). No plain hash of any document or of the opening sheet is outside the encryption.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ggzy_sm import canonical, stream
from ggzy_sm.errors import CryptoError, IntegrityError
from ggzy_sm.keys import DecryptionKey, SigningKey
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import Sm3, hmac_sm3, hmac_sm3_verify, sm3

FORMAT = "ggzy-bid-v1"
MAGIC = b"GGZYBID1"
LENGTH = struct.Struct(">I")
MAX_HEADER = 256 * 1024
COMMIT_LABEL = b"ggzy-commit-v1"
OPENING_SHEET = "opening-sheet.json"
MANIFEST = "manifest.json"
BOQ = "boq.xml"
TENDER_PROJECT = re.compile(r"^[A-Z]\d{16}\d{3}$")
SECTION = re.compile(r"^[A-Z]\d{16}\d{6}$")
READ = 1 << 20
DEK_SIZE = 16


class BidError(CryptoError):
    """A sealed bid is refused; `reason` names why (malformed, format, signature, ciphertext, commitment,
    key, chunk, manifest, binding)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Binding:
    """What every chunk is bound to, and what the platform checks against the section."""

    tender_project: str
    section: str
    bidder: str  # the bidder's credit code or ID number
    deadline: dt.datetime  # the bid deadline the bidder sealed against

    def aad(self) -> bytes:
        return canonical.dumps({"format": FORMAT, **self.fields()})

    def fields(self) -> dict[str, Any]:
        return {
            "tender_project": self.tender_project,
            "section": self.section,
            "bidder": self.bidder,
            "deadline": canonical.format_instant(self.deadline),
        }


def commitment(dek: bytes) -> str:
    return hmac_sm3(dek, COMMIT_LABEL).hex()


# --- the inner payload ----------------------------------------------------------------------------------


def _entry_head(name: str, size: int) -> bytes:
    encoded = name.encode("utf-8")
    if not encoded or len(encoded) > 1024 or "\\" in name or name.startswith("/") or ".." in name.split("/"):  # noqa: PLR2004
        raise BidError("malformed", f"bad document name {name!r}")
    return b"E" + struct.pack(">H", len(encoded)) + encoded + struct.pack(">Q", size)


def _inner(entries: list[tuple[str, Path | bytes]]) -> Iterator[bytes]:
    """The inner payload, produced piece by piece (constant memory); the manifest is computed on the way."""
    manifest: dict[str, dict[str, Any]] = {}
    for name, source in entries:
        digest = Sm3()
        if isinstance(source, bytes):
            yield _entry_head(name, len(source))
            digest.update(source)
            yield source
            size = len(source)
        else:
            size = source.stat().st_size
            yield _entry_head(name, size)
            with source.open("rb") as fh:
                while block := fh.read(READ):
                    digest.update(block)
                    yield block
        manifest[name] = {"sm3": digest.digest().hex(), "size": size}
    body = canonical.dumps({"format": FORMAT, "documents": manifest})
    yield _entry_head(MANIFEST, len(body)) + body + b"Z"


class _IterReader(io.RawIOBase):
    """A readable file over an iterator of byte pieces, copying each byte once (no re-slicing)."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._view = memoryview(b"")
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while self._at >= len(self._view):
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._view, self._at = memoryview(piece), 0
        n = min(len(target), len(self._view) - self._at)
        target[:n] = self._view[self._at : self._at + n]
        self._at += n
        return n


class _HashingWriter:
    def __init__(self, dst: BinaryIO) -> None:
        self.dst, self.digest, self.size = dst, Sm3(), 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.dst.write(data)


# --- sealing --------------------------------------------------------------------------------------------


def seal(
    *,
    target: Path,
    binding: Binding,
    opening_sheet: dict[str, Any],
    documents: list[Path],
    signing_key: SigningKey,
    signing_certificate: bytes,
    encryption_certificate: bytes,
    encryption_key: Sm2PublicKey,
    machine: dict[str, str] | None = None,
    boq: Path | None = None,
    tool: str = "ggzy-bid",
    _dek: tuple[bytes, bytes] | None = None,
) -> dict[str, Any]:
    """Seal a bid into `target` (temporary files, then rename); returns the signed header.

    `encryption_key` is the public key of `encryption_certificate` (the bidder's encryption certificate:
    never the signing one). `_dek` = (DEK, nonce prefix) is for the fixed-key vectors only."""
    names = [OPENING_SHEET] + [f"documents/{p.name}" for p in documents] + ([BOQ] if boq else [])
    if len(set(names)) != len(names):
        raise BidError("malformed", "two documents have the same name")
    entries: list[tuple[str, Path | bytes]] = [(OPENING_SHEET, canonical.dumps(opening_sheet))]
    entries += [(f"documents/{p.name}", p) for p in documents] + ([(BOQ, boq)] if boq else [])
    target = Path(target)
    body = target.with_name(f".{target.name}.{os.getpid()}.stream")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with body.open("wb") as raw:
            out = _HashingWriter(raw)
            src = io.BufferedReader(_IterReader(_inner(entries)), buffer_size=READ)
            if _dek is None:
                dek = stream.encrypt_stream(src, out, binding.aad())  # type: ignore[arg-type]
            else:
                dek = _dek[0]
                stream._encrypt_with(dek, _dek[1], src, out, binding.aad())  # type: ignore[arg-type]  # noqa: SLF001
        unsigned = {
            "format": FORMAT,
            **binding.fields(),
            "ciphertext_sm3": out.digest.digest().hex(),
            "ciphertext_size": out.size,
            "key_commitment": commitment(dek),
            "wrapped_key": encryption_key.encrypt(dek).hex(),
            "encryption_certificate_sm3": sm3(encryption_certificate).hex(),
            "custodians": None,
            "machine": sm3(canonical.dumps(machine or {})).hex(),
            "tool": tool,
            "signing_certificate": base64.b64encode(signing_certificate).decode(),
        }
        header = {**unsigned, "signature": signing_key.sign("ggzy-bid-v1", unsigned).hex()}
        encoded = canonical.dumps(header)
        with tmp.open("wb") as dst, body.open("rb") as src_body:
            dst.write(MAGIC + LENGTH.pack(len(encoded)) + encoded)
            while block := src_body.read(READ):
                dst.write(block)
        tmp.replace(target)
    finally:
        body.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return header


# --- reading and checking without decrypting ------------------------------------------------------------


@dataclass(frozen=True)
class SealedBid:
    header: dict[str, Any]
    stream_offset: int
    path: Path

    @property
    def binding(self) -> Binding:
        return Binding(
            tender_project=self.header["tender_project"],
            section=self.header["section"],
            bidder=self.header["bidder"],
            deadline=dt.datetime.fromisoformat(self.header["deadline"]),
        )


HEADER_FIELDS = {
    "format",
    "tender_project",
    "section",
    "bidder",
    "deadline",
    "ciphertext_sm3",
    "ciphertext_size",
    "key_commitment",
    "wrapped_key",
    "encryption_certificate_sm3",
    "custodians",
    "machine",
    "tool",
    "signing_certificate",
    "signature",
}


def read(path: Path) -> SealedBid:
    """The header of a sealed bid file, structurally checked (no signature or ciphertext check yet)."""
    path = Path(path)
    with path.open("rb") as fh:
        lead = fh.read(len(MAGIC) + LENGTH.size)
        if len(lead) != len(MAGIC) + LENGTH.size or lead[: len(MAGIC)] != MAGIC:
            raise BidError("malformed", "not a sealed bid (ggzy-bid-v1)")
        (length,) = LENGTH.unpack(lead[len(MAGIC) :])
        if not 0 < length <= MAX_HEADER:
            raise BidError("malformed", "the header length is out of range")
        raw = fh.read(length)
    try:
        header = json.loads(raw)
    except ValueError as exc:
        raise BidError("malformed", "the header is not JSON") from exc
    if not isinstance(header, dict) or set(header) != HEADER_FIELDS:
        raise BidError("malformed", "the header does not have exactly the fields of ggzy-bid-v1")
    if header["format"] != FORMAT:
        raise BidError("format", f"unknown format {header['format']!r}")
    if canonical.dumps(header) != raw:
        raise BidError("malformed", "the header is not in canonical form")
    if not (TENDER_PROJECT.match(str(header["tender_project"])) and SECTION.match(str(header["section"]))):
        raise BidError("binding", "the tender-project or section code is malformed")
    if not str(header["section"]).startswith(str(header["tender_project"])):
        raise BidError("binding", "the section does not belong to the tender project")
    return SealedBid(header=header, stream_offset=len(MAGIC) + LENGTH.size + length, path=path)


def signing_certificate(bid: SealedBid) -> bytes:
    try:
        return base64.b64decode(bid.header["signing_certificate"], validate=True)
    except (ValueError, TypeError) as exc:
        raise BidError("malformed", "the signing certificate is not base64") from exc


def verify(bid: SealedBid, signer: Sm2PublicKey) -> None:
    """The header's signature (purpose ggzy-bid-v1) by `signer`, and the ciphertext's SM3 and size.
    The caller checks the signing certificate's chain and that `signer` is its key."""
    unsigned = {k: v for k, v in bid.header.items() if k != "signature"}
    try:
        signer.verify("ggzy-bid-v1", unsigned, bytes.fromhex(str(bid.header["signature"])))
    except (IntegrityError, ValueError) as exc:
        raise BidError("signature", "the header's signature does not verify") from exc
    digest, size = Sm3(), 0
    with bid.path.open("rb") as fh:
        fh.seek(bid.stream_offset)
        while block := fh.read(READ):
            digest.update(block)
            size += len(block)
    if size != bid.header["ciphertext_size"] or digest.digest().hex() != bid.header["ciphertext_sm3"]:
        raise BidError("ciphertext", "the ciphertext is not the one the header names")


# --- opening --------------------------------------------------------------------------------------------


def unwrap(bid: SealedBid, key: DecryptionKey) -> bytes:
    """The DEK, unwrapped with the bidder's encryption key and checked against the commitment."""
    try:
        dek = key.decrypt(bytes.fromhex(str(bid.header["wrapped_key"])))
    except (CryptoError, ValueError) as exc:
        raise BidError("key", "the key does not unwrap with this encryption key") from exc
    check_commitment(bid, dek)
    return dek


def check_commitment(bid: SealedBid, dek: bytes) -> None:
    if len(dek) != DEK_SIZE or not hmac_sm3_verify(
        dek, COMMIT_LABEL, bytes.fromhex(str(bid.header["key_commitment"]))
    ):
        raise BidError("commitment", "the key does not match the key commitment")


def _read_exact(src: BinaryIO, size: int) -> bytes:
    data = src.read(size)
    if len(data) != size:
        raise BidError("malformed", "the inner payload is truncated")
    return data


def open_bid(bid: SealedBid, dek: bytes, out_dir: Path) -> dict[str, Any]:
    """Decrypt into `out_dir` (created; written under a temporary name and renamed only if every chunk
    and every document verified); returns the manifest. The caller has checked the header and the DEK."""
    check_commitment(bid, dek)
    out_dir = Path(out_dir)
    work = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.opening")
    plain = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.inner")
    try:
        with bid.path.open("rb") as src, plain.open("wb") as dst:
            src.seek(bid.stream_offset)
            try:
                stream.decrypt_stream(dek, src, dst, bid.binding.aad())
            except IntegrityError as exc:
                raise BidError("chunk", "a chunk does not verify: the file was altered or cut") from exc
        work.mkdir(parents=True)
        found: dict[str, dict[str, Any]] = {}
        manifest: dict[str, Any] | None = None
        with plain.open("rb") as src:
            while (tag := src.read(1)) == b"E":
                (name_length,) = struct.unpack(">H", _read_exact(src, 2))
                name = _read_exact(src, name_length).decode("utf-8")
                (size,) = struct.unpack(">Q", _read_exact(src, 8))
                _entry_head(name, size)  # the same name rules as sealing
                if name == MANIFEST:
                    manifest = json.loads(_read_exact(src, size))
                    continue
                if name in found or manifest is not None:
                    raise BidError("manifest", f"{name} appears twice, or after the manifest")
                digest = Sm3()
                path = work / name
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as fh:
                    left = size
                    while left:
                        block = _read_exact(src, min(READ, left))
                        digest.update(block)
                        fh.write(block)
                        left -= len(block)
                found[name] = {"sm3": digest.digest().hex(), "size": size}
            if tag != b"Z" or src.read(1):
                raise BidError("malformed", "the inner payload does not end properly")
        if manifest is None or manifest.get("format") != FORMAT or manifest.get("documents") != found:
            raise BidError("manifest", "the documents do not match the manifest")
        if OPENING_SHEET not in found:
            raise BidError("manifest", "the opening sheet is missing")
        work.replace(out_dir)
        return manifest
    finally:
        plain.unlink(missing_ok=True)
        if work.exists():
            for child in sorted(work.rglob("*"), reverse=True):
                child.unlink() if child.is_file() else child.rmdir()
            work.rmdir()


def release(bid: SealedBid, key: DecryptionKey, signing_key: SigningKey) -> dict[str, Any]:
    """At the opening: the bidder unwraps its DEK and signs a release bound to the ciphertext's hash
    (purpose ggzy-release-v1). The release is sent to the platform over TLS at the opening only."""
    dek = unwrap(bid, key)
    payload = {
        "format": FORMAT,
        "section": bid.header["section"],
        "bidder": bid.header["bidder"],
        "ciphertext_sm3": bid.header["ciphertext_sm3"],
        "dek": dek.hex(),
    }
    return {"payload": payload, "signature": signing_key.sign("ggzy-release-v1", payload).hex()}


def check_release(bid: SealedBid, signed: dict[str, Any], signer: Sm2PublicKey) -> bytes:
    """The DEK of a release, if the bidder's signing key signed it for this very ciphertext and it matches
    the commitment."""
    payload = signed.get("payload") if isinstance(signed, dict) else None
    if not isinstance(payload, dict) or set(payload) != {
        "format",
        "section",
        "bidder",
        "ciphertext_sm3",
        "dek",
    }:
        raise BidError("malformed", "not a ggzy-bid-v1 release")
    try:
        signer.verify("ggzy-release-v1", payload, bytes.fromhex(str(signed.get("signature"))))
    except (IntegrityError, ValueError) as exc:
        raise BidError("signature", "the release's signature does not verify") from exc
    if (
        payload["ciphertext_sm3"] != bid.header["ciphertext_sm3"]
        or payload["section"] != bid.header["section"]
    ):
        raise BidError("binding", "the release is for another bid")
    try:
        dek = bytes.fromhex(str(payload["dek"]))
    except ValueError as exc:
        raise BidError("malformed", "the released key is not hex") from exc
    check_commitment(bid, dek)
    return dek
