"""Opening a ggzy-bid-v2 file (docs/sealed-bid-format.md §5, §6): one pass — entries parsed from the
chunks as they verify, each document written once into a temporary directory and hashed as it is
written (on the pipeline's thread), the directory renamed into place only when the last chunk, the
manifest, the opening sheet and the machine verified. `check_bid` is the same pass writing nothing: the
bidder's "can this bid be released with this key?" before the deadline."""

from __future__ import annotations

import functools
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ggzy_sm import canonical, stream, strict
from ggzy_sm.errors import IntegrityError
from ggzy_sm.keys import DecryptionKey
from ggzy_sm.sealedbid.dek import check_commitment, unwrap
from ggzy_sm.sealedbid.header import BidFile, _Bounded, signing_certificate, verify
from ggzy_sm.sealedbid.layout import (
    BOQ,
    DOCUMENTS,
    FORMAT,
    MACHINE,
    MANIFEST,
    MAX_CHUNK,
    MAX_MACHINE,
    MAX_MANIFEST,
    MAX_SHEET,
    MIN_CHUNK,
    OPENING_SHEET,
    BidError,
    _certificate,
    _check_machine,
    _document_problem,
    _folders,
    _sheet_bytes,
    _temporary,
)
from ggzy_sm.sealedbid.pipeline import Pipeline, absorb
from ggzy_sm.sm3 import Sm3, sm3


class _Plaintext:
    """The inner payload as it comes out of the stream: only bytes of chunks whose tag verified, read
    in place (memoryview slices of each chunk, no copy); the end is reached only after the last chunk
    verified."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._view = memoryview(b"")
        self._at = 0

    def _next_chunk(self) -> bool:
        try:
            chunk = next(self._chunks)
        except StopIteration:
            return False
        except IntegrityError as exc:
            raise BidError("chunk", "a chunk does not verify: the file was altered or cut") from exc
        self._view, self._at = memoryview(chunk), 0
        return True

    def pieces(self, size: int) -> Iterator[memoryview]:
        """The next `size` bytes, as slices of the chunks they lie in."""
        left = size
        while left:
            if self._at >= len(self._view) and not self._next_chunk():
                raise BidError("malformed", "the inner payload is truncated")
            n = min(left, len(self._view) - self._at)
            yield self._view[self._at : self._at + n]
            self._at += n
            left -= n

    def exact(self, size: int) -> bytes:
        return b"".join(self.pieces(size))

    def at_end(self) -> bool:
        """True if nothing follows (every remaining chunk, the last included, verified and empty)."""
        while self._at >= len(self._view):
            if not self._next_chunk():
                return True
        return False


class _Sink:
    """Hashes — and, given a folder, writes — the entries' bytes on the pipeline's thread, in order, so
    that SM3 and the disk overlap the decryption. Without a folder (`check_bid`) nothing is written
    anywhere."""

    def __init__(self, work: Path | None) -> None:
        self._work = work
        self._files: list[BinaryIO] = []
        self._pipeline = Pipeline("ggzy-open-bid")

    def _create(self, name: str) -> BinaryIO | None:
        """The entry's file, created exclusively (two names for one place are refused), or None."""
        if self._work is None:
            return None
        path = self._work / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = path.open("xb")
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
            raise BidError("manifest", f"{name} collides with another entry") from exc
        self._files.append(fh)
        return fh

    def entry(self, plain: _Plaintext, name: str, size: int) -> Sm3:
        """One entry streamed from the payload: queued to be hashed (and written) once; the digest is
        final after `finish`."""
        fh, digest = self._create(name), Sm3()
        for piece in plain.pieces(size):
            self._pipeline.submit(functools.partial(absorb, digest, piece, fh))
        if fh is not None:
            self._pipeline.submit(fh.close)
        return digest

    def whole(self, name: str, data: bytes) -> None:
        """An entry read whole (the opening sheet, the machine): written, if there is a folder."""
        fh = self._create(name)
        if fh is not None:
            self._pipeline.submit(functools.partial(absorb, Sm3(), data, fh))
            self._pipeline.submit(fh.close)

    def finish(self) -> None:
        """Wait until everything queued is hashed and written; the pipeline's error, if any."""
        self._pipeline.drain()

    def close(self) -> None:
        self._pipeline.close()
        for fh in self._files:
            fh.close()


@dataclass
class _Payload:
    """What the single pass found: each entry's SM3 and size, and the entries read whole."""

    found: dict[str, dict[str, Any]]
    sheet: bytes
    machine: bytes
    manifest: bytes


_EXPECTED = {  # what the format has at each stage (§2)
    0: OPENING_SHEET,
    1: MACHINE,
    2: "documents/…, boq.xml or manifest.json",
    3: MANIFEST,
}


def _whole(plain: _Plaintext, size: int, most: int, reason: str, what: str) -> bytes:
    if size > most:
        raise BidError(reason, f"{what} is too large")
    return plain.exact(size)


def _unpack(plain: _Plaintext, sink: _Sink) -> _Payload:  # noqa: PLR0912  (one branch an entry kind)
    """The entries parsed as the chunks verify, in the format's exact order (manifest for any other
    name or order), documents and the BoQ streamed to `sink`."""
    pending: dict[str, tuple[Sm3 | str, int]] = {}
    stage, previous = 0, b""
    sheet = machine = manifest = None
    while (tag := plain.exact(1)) == b"E":
        if manifest is not None:
            raise BidError("manifest", "an entry follows the manifest")
        (name_length,) = struct.unpack(">H", plain.exact(2))
        encoded = plain.exact(name_length)
        try:
            name = encoded.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BidError("malformed", "an entry name is not UTF-8") from exc
        (size,) = struct.unpack(">Q", plain.exact(8))
        if name == OPENING_SHEET and stage == 0:
            sheet = _whole(plain, size, MAX_SHEET, "opening_sheet", "the opening sheet")
            pending[name], stage = (sm3(sheet).hex(), size), 1
            sink.whole(name, sheet)
        elif name == MACHINE and stage == 1:
            machine = _whole(plain, size, MAX_MACHINE, "machine", "machine.json")
            pending[name], stage = (sm3(machine).hex(), size), 2
            sink.whole(name, machine)
        elif name.startswith(DOCUMENTS) and stage == 2:  # noqa: PLR2004
            if (problem := _document_problem(name)) is not None:
                raise BidError("manifest", f"the entry name {name!r} is refused: {problem}")
            if previous and encoded <= previous:
                raise BidError("manifest", f"{name} is out of order: documents come sorted, each once")
            if any(folder in pending for folder in _folders(name)):
                raise BidError("manifest", f"{name} lies in a folder that is also a document")
            previous = encoded
            pending[name] = (sink.entry(plain, name, size), size)
        elif name == BOQ and stage == 2:  # noqa: PLR2004
            pending[name], stage = (sink.entry(plain, name, size), size), 3
        elif name == MANIFEST and stage in {2, 3}:
            manifest = _whole(plain, size, MAX_MANIFEST, "manifest", "the manifest")
        else:
            raise BidError("manifest", f"{name!r} where the format has {_EXPECTED[stage]}")
    if tag != b"Z":
        raise BidError("malformed", "the inner payload does not end properly")
    if sheet is None or machine is None or manifest is None:
        raise BidError("manifest", f"the payload ends where the format has {_EXPECTED[stage]}")
    if not plain.at_end():
        raise BidError("manifest", "something follows the end of the payload (Z)")
    sink.finish()
    found = {
        name: {"sm3": digest if isinstance(digest, str) else digest.digest().hex(), "size": size}
        for name, (digest, size) in pending.items()
    }
    return _Payload(found, sheet, machine, manifest)


def _check_manifest(raw: bytes, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The manifest (§2, entry 5): canonical JSON of exactly {format, documents}, listing exactly the
    entries found, each with its SM3 and size."""
    try:
        value = strict.loads(raw)
    except ValueError as exc:
        raise BidError("manifest", f"the manifest is not JSON as the format has it: {exc}") from exc
    if not strict.exact(value, {"format", "documents"}) or value["format"] != FORMAT:
        raise BidError("manifest", "the manifest is not exactly {format: ggzy-bid-v2, documents}")
    if value["documents"] != found:
        raise BidError("manifest", "the entries do not match the manifest")
    if raw != canonical.dumps({"format": FORMAT, "documents": found}):
        raise BidError("manifest", "the manifest is not in canonical form")
    return dict(value)


def _check_sheet(raw: bytes, envelope: str = "single") -> None:
    """The decrypted opening sheet: canonical JSON following ggzy-opening-sheet-v1, with a price exactly
    when the header's envelope has one (not in a technical envelope)."""
    try:
        sheet = strict.loads(raw)
    except ValueError as exc:
        raise BidError("opening_sheet", f"the opening sheet is not JSON as the format has it: {exc}") from exc
    if _sheet_bytes(sheet, envelope) != raw:  # readers could differ on the price
        raise BidError("opening_sheet", "the opening sheet is not in canonical form")


def _decrypt(bid: BidFile, dek: bytes, work: Path | None) -> dict[str, Any]:
    """One pass over the stream: the payload parsed and checked (manifest, opening sheet, machine);
    its entries written into `work` if given. Returns the manifest."""
    sink = _Sink(work)
    try:
        with bid.path.open("rb") as src:
            src.seek(bid.stream_offset)
            head = src.read(stream.HEADER.size)
            if len(head) == stream.HEADER.size:  # a shorter stream fails as a chunk
                magic, version, chunk_size, _prefix = stream.HEADER.unpack(head)
                if (magic, version) == (stream.MAGIC, stream.VERSION) and not (
                    MIN_CHUNK <= chunk_size <= MAX_CHUNK
                ):
                    raise BidError("malformed", "the stream's chunk size is outside 4,096 … 1,048,576")
            src.seek(bid.stream_offset)
            chunks = stream.decrypt_chunks(dek, _Bounded(src, bid.stream_size), bid.binding.aad())  # type: ignore[arg-type]
            payload = _unpack(_Plaintext(chunks), sink)
    finally:
        sink.close()
    manifest = _check_manifest(payload.manifest, payload.found)
    _check_sheet(payload.sheet, bid.envelope)
    _check_machine(payload.machine)
    return manifest


def open_bid(bid: BidFile, dek: bytes, out_dir: Path) -> dict[str, Any]:
    """Decrypt into `out_dir` (created; written under a temporary name and renamed only if every chunk,
    the manifest, the opening sheet and the machine verified); returns the manifest. The caller has
    checked the header and the DEK. `out_dir` holds opening-sheet.json, machine.json, documents/… and
    boq.xml, as sealed.

    One pass: each chunk's plaintext is parsed as soon as its tag verified, each document written once
    and hashed as it is written (on a second thread, overlapping the decryption; memory: a few chunks).
    What earlier chunks wrote lives only in the temporary directory, deleted if a later chunk (the last
    one included: a cut stream fails there) or any check does not pass."""
    check_commitment(bid, dek)
    out_dir = Path(out_dir)
    work = _temporary(out_dir, "opening")
    try:
        work.mkdir(parents=True)
        manifest = _decrypt(bid, dek, work)
        work.replace(out_dir)
        return manifest
    finally:
        if work.exists():
            shutil.rmtree(work)


def check_bid(bid: BidFile, release_key: DecryptionKey) -> None:
    """§5, "checking before the deadline": the bid can be released with this release key. The header's
    signature by its own signing certificate's key (signature; the chain is the platform's question),
    the release key's binding (release_key), the ciphertext (ciphertext), the DEK unwrapped and checked
    against the commitment (key, commitment), and the whole stream decrypted and its payload checked as
    the opener will (chunk, malformed, manifest, opening_sheet, machine) — writing no plaintext anywhere.
    Returns nothing: it reveals nothing but yes (no exception) or the refusal."""
    certificate = _certificate(signing_certificate(bid))
    verify(bid, certificate.public_key)
    _decrypt(bid, unwrap(bid, release_key), None)
