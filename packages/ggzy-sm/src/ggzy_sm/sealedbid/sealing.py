"""Sealing (docs/sealed-bid-format.md §2–§4): one pass over the documents — this thread reads and
encrypts, the pipeline's thread hashes the plaintext (for the manifest) and the ciphertext (for the
header) and writes the stream into the temporary file; the header is appended and the file renamed
into place. On any refusal nothing is written."""

from __future__ import annotations

import base64
import functools
import struct
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from ggzy_sm import canonical, stream, strict
from ggzy_sm.custodians import BINDING_FIELDS, SignedCustodianSet, split
from ggzy_sm.keys import SigningKey
from ggzy_sm.sealedbid.header import ENVELOPE_KINDS
from ggzy_sm.sealedbid.layout import (
    BOQ,
    DOCUMENTS,
    FORMAT,
    LENGTH,
    MACHINE,
    MAGIC,
    MANIFEST,
    MAX_HEADER,
    MAX_TOOL,
    OPENING_SHEET,
    READ,
    TRAILER,
    BidError,
    Binding,
    Progress,
    _certificate,
    _document_problem,
    _folders,
    _sheet_bytes,
    _temporary,
    commitment,
    machine_record,
)
from ggzy_sm.sealedbid.pipeline import Pipeline, absorb
from ggzy_sm.sealedbid.release_key import release_key_check
from ggzy_sm.sm3 import Sm3

# --- the entries and the inner payload ------------------------------------------------------------------


def _entries(
    sheet: bytes, machine: bytes, documents: Sequence[Path | tuple[str, Path]], boq: Path | None
) -> list[tuple[str, Path | bytes]]:
    """The entries in the format's order, every name checked (malformed), the documents sorted by the
    UTF-8 bytes of their names, none both a file and a folder."""
    named: list[tuple[str, Path]] = []
    for document in documents:
        name, path = (document.name, document) if isinstance(document, Path) else document
        full = DOCUMENTS + str(name)
        if (problem := _document_problem(full)) is not None:
            raise BidError("malformed", f"the document name {full!r} is refused: {problem}")
        named.append((full, Path(path)))
    named.sort(key=lambda entry: entry[0].encode("utf-8"))
    names = [name for name, _ in named]
    if len(set(names)) != len(names):
        raise BidError("malformed", "two documents have the same name")
    for name in names:
        if any(folder in names for folder in _folders(name)):
            raise BidError("malformed", f"{name} would lie in a folder that is also a document")
    entries: list[tuple[str, Path | bytes]] = [(OPENING_SHEET, sheet), (MACHINE, machine)]
    entries += named
    if boq is not None:
        entries.append((BOQ, Path(boq)))
    return entries


def _entry_head(name: str, size: int) -> bytes:
    encoded = name.encode("utf-8")
    return b"E" + struct.pack(">H", len(encoded)) + encoded + struct.pack(">Q", size)


def _inner(
    entries: list[tuple[str, Path | bytes]], progress: Progress | None = None, worker: Pipeline | None = None
) -> Iterator[bytes]:
    """The inner payload, produced piece by piece (constant memory); the manifest is computed on the way.
    `progress(done, total)` counts the bytes of the entries (opening sheet, machine, documents, BoQ).
    With `worker` the entries are hashed on its thread, the manifest waiting for it."""
    sizes = [len(source) if isinstance(source, bytes) else source.stat().st_size for _, source in entries]
    total, done = sum(sizes), 0
    if progress:
        progress(0, total)
    hashed: list[tuple[str, Sm3, int]] = []
    for (name, source), size in zip(entries, sizes, strict=True):
        digest = Sm3()
        update = digest.update if worker is None else functools.partial(_hash_on, worker, digest)
        yield _entry_head(name, size)
        if isinstance(source, bytes):
            update(source)
            yield source
            done += size
            if progress:
                progress(done, total)
        else:
            with source.open("rb") as fh:
                left = size
                while left:
                    block = fh.read(min(READ, left))
                    if not block:
                        break
                    update(block)
                    yield block
                    left -= len(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
                if left or fh.read(1):  # the entry's size is already out: a change would corrupt it
                    raise BidError("malformed", f"{source.name} changed while it was being sealed")
        hashed.append((name, digest, size))
    if worker is not None:
        worker.drain()
    manifest = {name: {"sm3": digest.digest().hex(), "size": size} for name, digest, size in hashed}
    body = canonical.dumps({"format": FORMAT, "documents": manifest})
    yield _entry_head(MANIFEST, len(body)) + body + b"Z"


def _hash_on(worker: Pipeline, digest: Sm3, data: bytes) -> None:
    worker.submit(functools.partial(absorb, digest, data))


class _PieceReader:
    """A readable file over an iterator of byte pieces, for the stream's chunk-sized reads: each `read(n)`
    gives n bytes (fewer only at the end), a piece of exactly n bytes as it is, else copied once."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._piece = b""
        self._at = 0

    def read(self, size: int) -> bytes:
        parts: list[bytes] = []
        left = size
        while left:
            if self._at >= len(self._piece):
                piece = next(self._pieces, None)
                if piece is None:
                    break
                self._piece, self._at = piece, 0
            n = min(left, len(self._piece) - self._at)
            if n == len(self._piece):
                parts.append(self._piece)
            else:
                parts.append(self._piece[self._at : self._at + n])
            self._at += n
            left -= n
        return parts[0] if len(parts) == 1 else b"".join(parts)


class _HashingWriter:
    """Counts what is written; hashes (SM3) and writes it on the pipeline's thread, in order."""

    def __init__(self, dst: BinaryIO, worker: Pipeline) -> None:
        self.dst, self.worker, self.digest, self.size = dst, worker, Sm3(), 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.worker.submit(functools.partial(self._write, data))
        return len(data)

    def _write(self, data: bytes) -> None:
        absorb(self.digest, data, self.dst)


# --- sealing --------------------------------------------------------------------------------------------


def seal(
    *,
    target: Path,
    binding: Binding,
    opening_sheet: dict[str, Any],
    documents: Sequence[Path | tuple[str, Path]],
    signing_key: SigningKey,
    signing_certificate: bytes,
    release_key: Mapping[str, str],
    custodians: SignedCustodianSet,
    machine: Mapping[str, Any] | None = None,
    boq: Path | None = None,
    tool: str = "ggzy-bid",
    envelope: str = "single",
    progress: Progress | None = None,
    _dek: tuple[bytes, bytes] | None = None,
) -> dict[str, Any]:
    """Seal a bid into `target` (a temporary file, then renamed); returns the signed header.

    `documents` are paths (entry `documents/<file name>`) or (name, path) pairs (entry
    `documents/<name>`, which may have folders: `技术标/第一册.pdf`); they are sealed in the format's
    order, whatever the order given. `release_key` is the header's field `{"public_key", "binding"}`
    (`release_key_bind`): the DEK is wrapped to it. `custodians`, a verified ggzy-custodian-set-v2 set
    (`custodians.set_verify`: the caller checks its pins), splits the DEK k-of-n into the envelope, bound
    to the header's BINDING_FIELDS (the ciphertext's SM3 among them) and under the bidder's signature.
    `machine`: what `machine_record` takes. `envelope`: "single" (a whole bid, no `envelope` in the
    header) or, for a two-envelope bid, "technical" (its opening sheet states no price) or "price": it is
    written into the header before the bidder signs it. `binding.deadline` is the one the section's latest
    valid notice announced (`custodians.latest_notice`: the caller's check, by the custodians' notices).

    Refused before anything is read or written: an opening sheet off its schema (opening_sheet, before
    anything else), a signing key that is not the certificate's (signature), a release key not bound to
    the signing certificate or equal to its key (release_key), a malformed tool, machine, set or document
    name (malformed). `progress(done, total)` is called as the plaintext streams through. `_dek` = (DEK,
    nonce prefix) is for the fixed-key vectors only.

    One pass: this thread reads and encrypts; a second one hashes the plaintext (for the manifest) and
    the ciphertext (for the header) and writes the stream; the header follows it. Memory: a few blocks."""
    if envelope not in ("single", *ENVELOPE_KINDS):
        raise BidError("malformed", "the envelope is single, technical or price")
    sheet = _sheet_bytes(opening_sheet, envelope)
    if not isinstance(binding, Binding):
        raise BidError("malformed", "the binding is a sealedbid.Binding")
    if not strict.is_text(tool, MAX_TOOL):
        raise BidError("malformed", "the tool is named in 1 … 100 characters")
    if not isinstance(custodians, SignedCustodianSet):
        raise BidError("malformed", "a ggzy-bid-v2 bid is sealed for a verified custodian set")
    if signing_key.public_key != _certificate(signing_certificate).public_key:
        raise BidError("signature", "the signing key is not the signing certificate's key")
    release_public = release_key_check(release_key, signing_certificate)
    record = canonical.dumps(machine_record(machine))
    entries = _entries(sheet, record, documents, boq)
    target = Path(target)
    tmp = _temporary(target, "tmp")
    try:
        with tmp.open("wb") as raw:
            raw.write(MAGIC)
            worker = Pipeline("ggzy-seal-bid")
            try:
                out = _HashingWriter(raw, worker)
                src = _PieceReader(_inner(entries, progress, worker))
                if _dek is None:
                    dek = stream.encrypt_stream(src, out, binding.aad())  # type: ignore[arg-type]
                else:
                    dek = _dek[0]
                    stream._encrypt_with(dek, _dek[1], src, out, binding.aad())  # type: ignore[arg-type]  # noqa: SLF001
                worker.drain()
            finally:
                worker.close()
            unsigned: dict[str, Any] = {
                "format": FORMAT,
                **binding.fields(),
                "ciphertext_sm3": out.digest.digest().hex(),
                "ciphertext_size": out.size,
                "key_commitment": commitment(dek),
                "release_key": {"public_key": release_key["public_key"], "binding": release_key["binding"]},
                "wrapped_key": release_public.encrypt(dek).hex(),
                "tool": tool,
                "signing_certificate": base64.b64encode(signing_certificate).decode(),
            }
            if envelope != "single":  # under the bidder's signature: nobody relabels an envelope
                unsigned["envelope"] = envelope
            # before signing: the bidder's signature covers the envelope
            unsigned["custodians"] = split(dek, custodians, {f: unsigned[f] for f in BINDING_FIELDS})
            header = {**unsigned, "signature": signing_key.sign(FORMAT, unsigned).hex()}
            encoded = canonical.dumps(header)
            if len(encoded) > MAX_HEADER:
                raise BidError("malformed", "the header would be longer than 262,144 bytes")
            raw.write(encoded + LENGTH.pack(len(encoded)) + TRAILER)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return header
