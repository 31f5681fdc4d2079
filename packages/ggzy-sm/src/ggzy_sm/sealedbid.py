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
encryption certificate, the custodian envelope (sealed bids II, `ggzy_sm.custodians`: the DEK split
k-of-n among the centre's key custodians, or null), a hashed fingerprint of the sealing machine, the
tool, and the bidder's signing certificate; the bidder signs it all (purpose `ggzy-bid-v1`). No plain
hash of any document or of the opening sheet is outside the encryption.

The opening sheet follows ggzy-opening-sheet-v1 (`ggzy_sm.openingsheet`): `seal` refuses one that does
not, and `open_bid` checks it again after decrypting. `open_bid` makes one pass: the entries are parsed
from the chunks as they verify, each document written once into a temporary directory and hashed as it
is written; the directory is renamed into place only when the last chunk and the manifest verified.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import functools
import json
import os
import queue
import re
import secrets
import shutil
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ggzy_sm import canonical, openingsheet, stream
from ggzy_sm.custodians import BINDING_FIELDS, ENVELOPE_FORMAT, MAX_CUSTODIANS, CustodianSet, split
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
HEX64 = re.compile(r"[0-9a-f]{64}")  # fullmatch: "$" would let a final newline through
HEX = re.compile(r"(?:[0-9a-f]{2})+")
MAX_WRAPPED = 1024  # hex of a DER SM2Cipher of a share's plaintext: ~550
READ = 1 << 20
DEK_SIZE = 16
MAX_MANIFEST = 16 * 1024 * 1024  # ~100,000 documents: the manifest is read into memory
MAX_SHEET = 1024 * 1024  # the schema's limits keep a real sheet far below this

Progress = Callable[[int, int], None]


class BidError(CryptoError):
    """A sealed bid is refused; `reason` names why (malformed, format, signature, ciphertext, commitment,
    key, chunk, manifest, opening_sheet, binding)."""

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


#: Values a fingerprint component may not take (placeholders some tools write when they cannot read it).
PLACEHOLDERS = frozenset(
    {"", "无", "/", "-", "0", "none", "null", "unknown", "n/a", "to be filled by o.e.m."}
)
MACHINE_FIELDS = ("mac", "cpu", "disk", "memory", "board", "tool")


def machine_hashes(machine: dict[str, str]) -> dict[str, str]:
    """The sealing machine's fingerprint as the header carries it: the SM3 of each known component
    (national data set 519), placeholders left out, so the collusion screens can compare components
    across bids without the header carrying serial numbers in clear."""
    return {
        field: sm3(f"{field}:{value.strip().lower()}".encode()).hex()
        for field in MACHINE_FIELDS
        if (value := str(machine.get(field, ""))).strip().lower() not in PLACEHOLDERS
    }


def commitment(dek: bytes) -> str:
    return hmac_sm3(dek, COMMIT_LABEL).hex()


# --- the inner payload ----------------------------------------------------------------------------------


def _entry_head(name: str, size: int) -> bytes:
    encoded = name.encode("utf-8")
    if (
        not encoded
        or len(encoded) > 1024  # noqa: PLR2004
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or ".." in name.split("/")
    ):
        raise BidError("malformed", f"bad document name {name!r}")
    return b"E" + struct.pack(">H", len(encoded)) + encoded + struct.pack(">Q", size)


class _Worker:
    """Runs tasks in order on a second thread, so that SM3 (of the plaintext for the manifest, of the
    ciphertext for the header) and the writes overlap the encryption: `cryptography`'s SM3 and SM4-GCM and
    file writes run outside the GIL. At most QUEUE tasks wait, each holding one piece (a read block or a
    sealed chunk): memory stays a few blocks whatever the size."""

    QUEUE = 8

    def __init__(self) -> None:
        self._tasks: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=self.QUEUE)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ggzy-seal-bid", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            task = self._tasks.get()
            try:
                if task is None:
                    return
                # after an error what is queued is dropped: the sealing thread raises the error
                if self._error is None:
                    task()
            except BaseException as exc:  # noqa: BLE001  (handed over to the sealing thread)
                self._error = exc
            finally:
                self._tasks.task_done()

    def submit(self, task: Callable[[], object]) -> None:
        if self._error is not None:
            raise self._error
        self._tasks.put(task)

    def drain(self) -> None:
        """Wait until everything submitted ran; the worker's error, if any."""
        self._tasks.join()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread.is_alive():
            self._tasks.put(None)
            self._thread.join()


def _inner(
    entries: list[tuple[str, Path | bytes]], progress: Progress | None = None, worker: _Worker | None = None
) -> Iterator[bytes]:
    """The inner payload, produced piece by piece (constant memory); the manifest is computed on the way.
    `progress(done, total)` counts the bytes of the entries (opening sheet, documents, BoQ). With `worker`
    the documents are hashed on its thread, the manifest waiting for it."""
    sizes = [len(source) if isinstance(source, bytes) else source.stat().st_size for _, source in entries]
    total, done = sum(sizes), 0
    if progress:
        progress(0, total)
    hashed: list[tuple[str, Sm3, int]] = []
    for (name, source), size in zip(entries, sizes, strict=True):
        digest = Sm3()
        update = digest.update if worker is None else functools.partial(_submit_update, worker, digest)
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


def _submit_update(worker: _Worker, digest: Sm3, data: bytes) -> None:
    worker.submit(functools.partial(digest.update, data))


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
    """Counts what is written; hashes (SM3) and writes it on the worker's thread, in order."""

    def __init__(self, dst: BinaryIO, worker: _Worker) -> None:
        self.dst, self.worker, self.digest, self.size = dst, worker, Sm3(), 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.worker.submit(functools.partial(self._write, data))
        return len(data)

    def _write(self, data: bytes) -> None:
        self.digest.update(data)
        self.dst.write(data)


def _copy(src: BinaryIO, dst: BinaryIO) -> None:
    """The rest of `src` appended to `dst`: in the kernel (copy_file_range) where it can, else by blocks."""
    dst.flush()
    if hasattr(os, "copy_file_range"):
        left, copied = os.fstat(src.fileno()).st_size - src.tell(), 0
        try:
            while left > copied and (n := os.copy_file_range(src.fileno(), dst.fileno(), left - copied)):
                copied += n
        except OSError as exc:  # not between these files: by blocks, if nothing was copied yet
            if copied or exc.errno not in {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}:
                raise
        else:
            return
    shutil.copyfileobj(src, dst, READ)


# --- sealing --------------------------------------------------------------------------------------------


def canonical_sheet(sheet: Any) -> bytes:
    """The opening sheet in canonical JSON, if it follows ggzy-opening-sheet-v1; else SheetError(where,
    message). JSON Schema counts 100.0 as an integer: the canonical profile refuses every float."""
    openingsheet.check(sheet)
    try:
        return canonical.dumps(sheet)
    except canonical.CanonicalError as exc:  # $.price.fen → price/fen, the way SheetError names places
        where = re.sub(r"\[(\d+)\]", r".\1", exc.path).removeprefix("$").strip(".").replace(".", "/") or "/"
        raise openingsheet.SheetError(
            where, f"the opening sheet does not follow {openingsheet.SCHEMA} at {where}: {exc.reason}"
        ) from exc


def _sheet_bytes(sheet: Any) -> bytes:
    try:
        return canonical_sheet(sheet)
    except openingsheet.SheetError as exc:
        raise BidError("opening_sheet", str(exc)) from exc


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
    progress: Progress | None = None,
    custodians: CustodianSet | None = None,
    _dek: tuple[bytes, bytes] | None = None,
) -> dict[str, Any]:
    """Seal a bid into `target` (temporary files, then rename); returns the signed header.

    `encryption_key` is the public key of `encryption_certificate` (the bidder's encryption certificate:
    never the signing one). An opening sheet that does not follow ggzy-opening-sheet-v1 is refused
    (BidError "opening_sheet") before any work. `progress(done, total)` is called as the plaintext
    (opening sheet, documents, BoQ) streams through, from (0, total) to (total, total).
    `custodians`, a verified set (`custodians.set_verify`: the caller checks its pins), splits the DEK
    k-of-n among the centre's key custodians into the header's "custodians" envelope, bound to the
    header's BINDING_FIELDS and under the bidder's signature; without it the field is null.
    `_dek` = (DEK, nonce prefix) is for the fixed-key vectors only.

    One pass over the documents: this thread reads and encrypts; a second one hashes the plaintext (for
    the manifest) and the ciphertext (for the header) and writes the stream to a temporary file, which is
    then copied (in the kernel where it can) behind the signed header. Memory: a few blocks."""
    sheet = _sheet_bytes(opening_sheet)
    names = [OPENING_SHEET] + [f"documents/{p.name}" for p in documents] + ([BOQ] if boq else [])
    if len(set(names)) != len(names):
        raise BidError("malformed", "two documents have the same name")
    entries: list[tuple[str, Path | bytes]] = [(OPENING_SHEET, sheet)]
    entries += [(f"documents/{p.name}", p) for p in documents] + ([(BOQ, boq)] if boq else [])
    target = Path(target)
    body = target.with_name(f".{target.name}.{os.getpid()}.stream")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with body.open("wb") as raw:
            worker = _Worker()
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
        unsigned = {
            "format": FORMAT,
            **binding.fields(),
            "ciphertext_sm3": out.digest.digest().hex(),
            "ciphertext_size": out.size,
            "key_commitment": commitment(dek),
            "wrapped_key": encryption_key.encrypt(dek).hex(),
            "encryption_certificate_sm3": sm3(encryption_certificate).hex(),
            "custodians": None,
            "machine": machine_hashes(machine or {}),
            "tool": tool,
            "signing_certificate": base64.b64encode(signing_certificate).decode(),
        }
        if custodians is not None:  # before signing: the bidder's signature covers the envelope
            unsigned["custodians"] = split(dek, custodians, {f: unsigned[f] for f in BINDING_FIELDS})
        header = {**unsigned, "signature": signing_key.sign("ggzy-bid-v1", unsigned).hex()}
        encoded = canonical.dumps(header)
        with tmp.open("wb") as dst, body.open("rb") as src_body:
            dst.write(MAGIC + LENGTH.pack(len(encoded)) + encoded)
            _copy(src_body, dst)
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
    _check_envelope(header["custodians"])
    return SealedBid(header=header, stream_offset=len(MAGIC) + LENGTH.size + length, path=path)


ENVELOPE_FIELDS = {"format", "set", "k", "n", "shares"}
SHARE_FIELDS = {"index", "custodian", "wrapped"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_envelope(envelope: Any) -> None:
    """The header's "custodians" field: null, or {format "ggzy-custodians-v1", set (64 hex), k, n with
    2 ≤ k ≤ n ≤ 16, shares: n × {index (1 … n, each once), custodian (64 hex), wrapped (hex)}}."""
    if envelope is None:
        return
    if (
        not isinstance(envelope, dict)
        or set(envelope) != ENVELOPE_FIELDS
        or envelope["format"] != ENVELOPE_FORMAT
        or not HEX64.fullmatch(str(envelope["set"]))
        or not (_is_int(envelope["k"]) and _is_int(envelope["n"]))
        or not 2 <= envelope["k"] <= envelope["n"] <= MAX_CUSTODIANS  # noqa: PLR2004
        or not isinstance(envelope["shares"], list)
        or len(envelope["shares"]) != envelope["n"]
    ):
        raise BidError("malformed", "the custodian envelope is not a ggzy-custodians-v1 envelope")
    indexes = []
    for share in envelope["shares"]:
        if (
            not isinstance(share, dict)
            or set(share) != SHARE_FIELDS
            or not _is_int(share["index"])
            or not HEX64.fullmatch(str(share["custodian"]))
            or not isinstance(share["wrapped"], str)
            or len(share["wrapped"]) > MAX_WRAPPED
            or not HEX.fullmatch(share["wrapped"])
        ):
            raise BidError("malformed", "a share of the custodian envelope is malformed")
        indexes.append(share["index"])
    if sorted(indexes) != list(range(1, envelope["n"] + 1)):
        raise BidError("malformed", "the custodian envelope's shares are not numbered 1 … n, each once")


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


class _Writer:
    """Hashes and writes the documents' bytes on a second thread, in order, so that SM3 and the disk
    overlap the decryption (SM3 and SM4-GCM in `cryptography`, and file writes, run outside the GIL). At
    most QUEUE pieces (each a slice of one chunk) wait: memory stays a few chunks."""

    QUEUE = 8

    def __init__(self) -> None:
        self._tasks: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=self.QUEUE)
        self._files: list[BinaryIO] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ggzy-open-bid", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (task := self._tasks.get()) is not None:
            try:
                task()
            except BaseException as exc:  # noqa: BLE001  (handed over to the opening thread)
                self._error = self._error or exc

    def _write(self, fh: BinaryIO, digest: Sm3, piece: memoryview) -> None:
        if self._error is None:
            digest.update(piece)
            fh.write(piece)

    def entry(self, plain: _Plaintext, work: Path, name: str, size: int) -> tuple[Sm3, int]:
        """One document: created (exclusively: two names for one place are refused), then its bytes
        queued to be hashed and written once; the digest is final after `finish`."""
        if self._error is not None:
            raise self._error
        path = work / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = path.open("xb")
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
            raise BidError("manifest", f"{name} collides with another entry") from exc
        self._files.append(fh)
        digest = Sm3()
        for piece in plain.pieces(size):
            self._tasks.put(functools.partial(self._write, fh, digest, piece))
        self._tasks.put(fh.close)
        return digest, size

    def finish(self) -> None:
        """Wait until everything queued is hashed and written; the writing thread's error, if any."""
        self.close()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread.is_alive():
            self._tasks.put(None)
            self._thread.join()
        for fh in self._files:
            fh.close()


def _unpack(plain: _Plaintext, work: Path) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """(the manifest, what was found): the entries parsed as the chunks verify, documents into `work`."""
    pending: dict[str, tuple[Sm3, int]] = {}
    manifest: dict[str, Any] | None = None
    writer = _Writer()
    try:
        while (tag := plain.exact(1)) == b"E":
            (name_length,) = struct.unpack(">H", plain.exact(2))
            try:
                name = plain.exact(name_length).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BidError("malformed", "a document name is not UTF-8") from exc
            (size,) = struct.unpack(">Q", plain.exact(8))
            _entry_head(name, size)  # the same name rules as sealing
            if manifest is not None or name in pending:
                raise BidError("manifest", f"{name} appears twice, or after the manifest")
            if name != MANIFEST:
                pending[name] = writer.entry(plain, work, name, size)
                continue
            if size > MAX_MANIFEST:
                raise BidError("malformed", "the manifest is too large")
            try:
                manifest = json.loads(plain.exact(size))
            except ValueError as exc:
                raise BidError("manifest", "the manifest is not JSON") from exc
            if not isinstance(manifest, dict):
                raise BidError("manifest", "the manifest is not a JSON object")
        if tag != b"Z" or not plain.at_end():
            raise BidError("malformed", "the inner payload does not end properly")
        writer.finish()
    finally:
        writer.close()
    found = {name: {"sm3": digest.digest().hex(), "size": size} for name, (digest, size) in pending.items()}
    return manifest, found


def _check_sheet(path: Path) -> None:
    """The decrypted opening sheet: canonical JSON following ggzy-opening-sheet-v1."""
    if path.stat().st_size > MAX_SHEET:
        raise BidError("opening_sheet", "the opening sheet is too large")
    raw = path.read_bytes()
    try:
        sheet = json.loads(raw)
    except ValueError as exc:
        raise BidError("opening_sheet", "the opening sheet is not JSON") from exc
    if _sheet_bytes(sheet) != raw:  # e.g. a key twice: readers could differ on the price
        raise BidError("opening_sheet", "the opening sheet is not in canonical form")


def open_bid(bid: SealedBid, dek: bytes, out_dir: Path) -> dict[str, Any]:
    """Decrypt into `out_dir` (created; written under a temporary name and renamed only if every chunk,
    every document and the opening sheet verified); returns the manifest. The caller has checked the
    header and the DEK.

    One pass: each chunk's plaintext is parsed as soon as its tag verified, each document written once
    and hashed as it is written (on a second thread, overlapping the decryption; memory: a few chunks).
    What earlier chunks wrote lives only in the temporary directory, deleted if a later chunk (the last
    one included: a cut stream fails there), the manifest or the opening sheet does not verify."""
    check_commitment(bid, dek)
    out_dir = Path(out_dir)
    work = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.{secrets.token_hex(4)}.opening")  # one per call
    try:
        work.mkdir(parents=True)
        with bid.path.open("rb") as src:
            src.seek(bid.stream_offset)
            plain = _Plaintext(stream.decrypt_chunks(dek, src, bid.binding.aad()))
            manifest, found = _unpack(plain, work)
        if manifest is None or manifest.get("format") != FORMAT or manifest.get("documents") != found:
            raise BidError("manifest", "the documents do not match the manifest")
        if OPENING_SHEET not in found:
            raise BidError("manifest", "the opening sheet is missing")
        _check_sheet(work / OPENING_SHEET)
        work.replace(out_dir)
        return manifest
    finally:
        if work.exists():
            shutil.rmtree(work)


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
