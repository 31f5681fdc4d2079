"""`ggzy-bid-v2`: a sealed bid file (docs/sealed-bid-format.md is the specification; this is its
reference implementation, Django-free, used by the bidder's client and by the platform).

    file   = "GGZYBID2" ‖ stream ‖ header (canonical JSON, UTF-8) ‖ header length (u32 BE) ‖ "GGZYEND2"
    stream = ggzy-stream-v1 (chunked SM4-GCM) of the inner payload under a fresh DEK, every chunk
             bound to the associated data {format, tender_project, section, bidder, deadline}
    inner  = entries ("E" ‖ name length u16 ‖ name ‖ size u64 ‖ bytes)… ‖ "Z": the opening sheet, the
             sealing machine, the documents (sorted), the bill of quantities, the manifest — in that order

Why format 2 (§11): the header comes *after* the stream, so the sealer writes the file in one pass (the
header names the stream's SM3, known only at its end) and no longer copies the stream behind it; the
sealing machine's values (national data set 519) are inside the encryption, since unsalted hashes of
MACs in the clear header were guessed back; the bidder's copy of the DEK is wrapped to a **release
key** the bidder's tool generates and nobody escrows (v1 wrapped it to the encryption certificate, whose
key the CA's key management centre holds), bound to the signing certificate by the signing key; the
custodian envelope is mandatory; and everything a reader accepts has exactly one spelling — an instant
is UTC with microseconds and `Z`, a JSON text has no key twice and no float, the manifest is canonical
with exactly its fields, entries come in one order, no entry is both a file and a folder, nothing
follows `Z` — each refusal with its reason, since an independent opener found readers could disagree.

The header carries what the platform may see before the opening and nothing that lets anyone test a
guess of the content: the codes, the bidder, the bound deadline, the SM3 and size of the *ciphertext*,
the key commitment HMAC-SM3(DEK, "ggzy-commit-v1"), the release key and its binding, the DEK wrapped to
it, the custodian envelope (`ggzy_sm.custodians`), the tool and the bidder's signing certificate; the
bidder signs it all (purpose `ggzy-bid-v2`).

`seal` makes one pass over the documents: this thread reads and encrypts, a second one hashes the
plaintext (for the manifest) and the ciphertext (for the header) and writes the stream into the
temporary file; the header is appended and the file renamed into place. On any refusal nothing is
written. `open_bid` makes one pass too: entries parsed from the chunks as they verify, each document
written once into a temporary directory and hashed as it is written, the directory renamed into place
only when the last chunk, the manifest, the opening sheet and the machine verified. `check_bid` is the
same pass writing nothing: the bidder's "can this bid be released with this key?" before the deadline.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import os
import queue
import re
import secrets
import shutil
import struct
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ggzy_sm import canonical, openingsheet, stream, strict, x509
from ggzy_sm.custodians import BINDING_FIELDS, ENVELOPE_FORMAT, MAX_CUSTODIANS, CustodianSet, split
from ggzy_sm.errors import CryptoError, IntegrityError
from ggzy_sm.keys import DecryptionKey, SigningKey, load_key_file, write_key_file
from ggzy_sm.sm2 import Sm2PrivateKey, Sm2PublicKey
from ggzy_sm.sm3 import Sm3, hmac_sm3, hmac_sm3_verify, sm3

FORMAT = "ggzy-bid-v2"
MAGIC = b"GGZYBID2"
TRAILER = b"GGZYEND2"
V1_MAGIC = b"GGZYBID1"
V1_REFUSED = "ggzy-bid-v1 is no longer accepted: seal again with this version of ggzy-bid"
LENGTH = struct.Struct(">I")
TAIL = LENGTH.size + len(TRAILER)  # L ‖ TRAILER
MAX_HEADER = 256 * 1024
COMMIT_LABEL = b"ggzy-commit-v1"
RELEASE_FORMAT = "ggzy-release-v2"
RELEASE_KEY_FORMAT = "ggzy-release-key-v1"
MACHINE_FORMAT = "ggzy-machine-v1"
OPENING_SHEET = "opening-sheet.json"
MACHINE = "machine.json"
DOCUMENTS = "documents/"
BOQ = "boq.xml"
MANIFEST = "manifest.json"
MAX_NAME = 1024  # bytes of a whole entry name
MAX_TOOL = 100
MAX_WRAPPED = 1024  # hex of a DER SM2Cipher of a share's plaintext: ~550
READ = 1 << 20
DEK_SIZE = 16
MAX_MANIFEST = 16 * 1024 * 1024  # ~100,000 documents: the manifest is read into memory
MAX_SHEET = 1024 * 1024  # the schema's limits keep a real sheet far below this
MAX_MACHINE = 64 * 1024
MIN_CHUNK, MAX_CHUNK = 4096, 1024 * 1024  # §4: what a ggzy-bid-v2 stream's chunk size may be
MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5,19}")

Progress = Callable[[int, int], None]


class BidError(CryptoError):
    """A sealed bid is refused; `reason` names why (malformed, format, binding, signature, release_key,
    ciphertext, key, commitment, chunk, manifest, opening_sheet, machine, release)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _check_codes(tender_project: Any, section: Any) -> None:
    if not (
        isinstance(tender_project, str)
        and isinstance(section, str)
        and strict.TENDER_PROJECT.fullmatch(tender_project)
        and strict.SECTION.fullmatch(section)
    ):
        raise BidError("binding", "the tender-project or section code is malformed")
    if not section.startswith(tender_project):
        raise BidError("binding", "the section does not belong to the tender project")


@dataclass(frozen=True)
class Binding:
    """What every chunk is bound to, and what the platform checks against the section. Checked when
    made: codes (binding), a bidder and an aware deadline (malformed — a naive one, a float, a string)."""

    tender_project: str
    section: str
    bidder: str  # the bidder's credit code or ID number
    deadline: dt.datetime  # the bid deadline the bidder sealed against, as a notice announced it

    def __post_init__(self) -> None:
        _check_codes(self.tender_project, self.section)
        if not strict.is_text(self.bidder):
            raise BidError("malformed", "the bidder is its credit code or ID number, a non-empty string")
        try:
            strict.instant(self.deadline)
        except ValueError as exc:
            raise BidError("malformed", f"the deadline: {exc}") from exc

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


# --- the sealing machine (§2.1) -------------------------------------------------------------------------

MACHINE_TEXTS = ("cpu", "memory", "board", "tool")
MACHINE_LISTS = ("mac", "disk")
MACHINE_FIELDS = frozenset({"format", *MACHINE_TEXTS, *MACHINE_LISTS})


def _mac(value: str) -> str:
    """A hardware address as the format spells it: lower case, `aa:bb:…` (6 to 20 octets)."""
    digits = re.sub(r"[:.\-]", "", value.strip().lower())
    if not re.fullmatch(r"(?:[0-9a-f]{2}){6,20}", digits):
        raise BidError("malformed", f"{value!r} is not a MAC address")
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def machine_record(machine: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The sealing machine as `machine.json` carries it (national data set 519, §2.1): `{"format":
    "ggzy-machine-v1", "mac": [..], "cpu", "disk": [..], "memory", "board", "tool"}` — the raw values the
    tool could read, `""` or `[]` for what it could not. `mac` and `disk` may be given as one string or
    a list; MACs are written lower case with colons (`001C42000008` → `00:1c:42:00:00:08`); an empty
    string in a list means nothing and is left out. Anything else (another field, a value that is not a
    string, a MAC that is not one) is refused with BidError("malformed"). A record is its own record."""
    given = dict(machine or {})
    if given.get("format", MACHINE_FORMAT) != MACHINE_FORMAT or not set(given) <= MACHINE_FIELDS:
        raise BidError(
            "malformed", f"the machine has exactly the fields {sorted(MACHINE_FIELDS - {'format'})}"
        )
    record: dict[str, Any] = {"format": MACHINE_FORMAT}
    for field in MACHINE_TEXTS:
        value = given.get(field, "")
        if not isinstance(value, str):
            raise BidError("malformed", f"the machine's {field} is a string")
        record[field] = value
    for field in MACHINE_LISTS:
        value = given.get(field, [])
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
            raise BidError("malformed", f"the machine's {field} is a list of strings")
        record[field] = [_mac(v) if field == "mac" else v for v in values if v != ""]
    return record


def _check_machine(raw: bytes) -> dict[str, Any]:
    """The decrypted machine.json: canonical JSON, exactly a machine record (§2.1)."""
    try:
        value = strict.canonical_loads(raw)
    except ValueError as exc:
        raise BidError("machine", f"machine.json is not canonical JSON: {exc}") from exc
    if not isinstance(value, dict) or set(value) != MACHINE_FIELDS:
        raise BidError("machine", "machine.json does not have exactly the fields of ggzy-machine-v1")
    try:
        same = machine_record(value) == value
    except BidError as exc:
        raise BidError("machine", f"machine.json is not a ggzy-machine-v1 record: {exc}") from exc
    if not same:  # a MAC spelled otherwise, an empty string in a list
        raise BidError("machine", "machine.json is not a ggzy-machine-v1 record as the format spells it")
    return value


# --- entry names (§2) -----------------------------------------------------------------------------------


def _document_problem(name: str) -> str | None:
    """Why `name` is not a document entry name (None if it is one): `documents/` then one or more
    `/`-separated segments, each non-empty, not `.` or `..`, without `\\`, NUL or a control character;
    the whole name at most 1,024 bytes of UTF-8."""
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        return "it is not valid Unicode"
    if len(encoded) > MAX_NAME:
        return "it is longer than 1,024 bytes"
    if not name.startswith(DOCUMENTS):
        return "it is not under documents/"
    for segment in name[len(DOCUMENTS) :].split("/"):
        if segment in {"", ".", ".."}:
            return f"it has an empty, . or .. segment ({segment!r})"
        if "\\" in segment or any(unicodedata.category(c) == "Cc" for c in segment):
            return "it has a backslash, NUL or a control character"
    return None


def _folders(name: str) -> Iterator[str]:
    """The folders a document name lies in, below documents/: documents/a/b/c → documents/a, documents/a/b."""
    parts = name.split("/")
    for end in range(2, len(parts)):
        yield "/".join(parts[:end])


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


# --- the inner payload ----------------------------------------------------------------------------------


def _entry_head(name: str, size: int) -> bytes:
    encoded = name.encode("utf-8")
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
    `progress(done, total)` counts the bytes of the entries (opening sheet, machine, documents, BoQ).
    With `worker` the entries are hashed on its thread, the manifest waiting for it."""
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


# --- the release key (§5) -------------------------------------------------------------------------------


def _certificate(der: bytes) -> x509.Certificate:
    try:
        return x509.Certificate.load(der)
    except x509.CertificateError as exc:
        raise BidError("malformed", f"the signing certificate is unreadable: {exc}") from exc


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


def _temporary(target: Path, suffix: str) -> Path:
    """A hidden name beside `target`, one per call (two sealings or openings at once do not mix)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.{suffix}")


def seal(
    *,
    target: Path,
    binding: Binding,
    opening_sheet: dict[str, Any],
    documents: Sequence[Path | tuple[str, Path]],
    signing_key: SigningKey,
    signing_certificate: bytes,
    release_key: Mapping[str, str],
    custodians: CustodianSet,
    machine: Mapping[str, Any] | None = None,
    boq: Path | None = None,
    tool: str = "ggzy-bid",
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
    `machine`: what `machine_record` takes. `binding.deadline` is the one the section's latest valid
    notice announced (`custodians.latest_notice`: the caller's check, by the custodians' notices).

    Refused before anything is read or written: an opening sheet off its schema (opening_sheet, before
    anything else), a signing key that is not the certificate's (signature), a release key not bound to
    the signing certificate or equal to its key (release_key), a malformed tool, machine, set or document
    name (malformed). `progress(done, total)` is called as the plaintext streams through. `_dek` = (DEK,
    nonce prefix) is for the fixed-key vectors only.

    One pass: this thread reads and encrypts; a second one hashes the plaintext (for the manifest) and
    the ciphertext (for the header) and writes the stream; the header follows it. Memory: a few blocks."""
    sheet = _sheet_bytes(opening_sheet)
    if not isinstance(binding, Binding):
        raise BidError("malformed", "the binding is a sealedbid.Binding")
    if not strict.is_text(tool, MAX_TOOL):
        raise BidError("malformed", "the tool is named in 1 … 100 characters")
    if not isinstance(custodians, CustodianSet):
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


# --- reading and checking without decrypting ------------------------------------------------------------


@dataclass(frozen=True)
class SealedBid:
    header: dict[str, Any]
    stream_offset: int  # where the stream starts in the file (after MAGIC)
    stream_size: int  # its length: it ends where the header starts
    path: Path

    @property
    def binding(self) -> Binding:
        return Binding(
            tender_project=self.header["tender_project"],
            section=self.header["section"],
            bidder=self.header["bidder"],
            deadline=strict.parse_instant(self.header["deadline"]),
        )


HEADER_FIELDS = frozenset(
    {
        "format", "tender_project", "section", "bidder", "deadline", "ciphertext_sm3", "ciphertext_size",
        "key_commitment", "release_key", "wrapped_key", "custodians", "tool", "signing_certificate",
        "signature",
    }
)  # fmt: skip


def read(path: Path) -> SealedBid:
    """The header of a sealed bid file, structurally checked (no signature or ciphertext check yet):
    `format` for a ggzy-bid-v1 file or another format, `malformed` for anything not exactly a v2 layout
    and header (binding for codes that are not the format's)."""
    path = Path(path)
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        lead = fh.read(len(MAGIC))
        if lead == V1_MAGIC:
            raise BidError("format", V1_REFUSED)
        if lead != MAGIC:
            raise BidError("malformed", "not a sealed bid (ggzy-bid-v2)")
        if size < len(MAGIC) + TAIL:
            raise BidError("malformed", "the file is too short for a sealed bid")
        fh.seek(size - TAIL)
        tail = fh.read(TAIL)
        (length,) = LENGTH.unpack(tail[: LENGTH.size])
        if tail[LENGTH.size :] != TRAILER:
            raise BidError("malformed", "the file does not end with GGZYEND2: cut, or not a sealed bid")
        if not 0 < length <= MAX_HEADER or len(MAGIC) + length + TAIL > size:
            raise BidError("malformed", "the header length does not fit the file")
        fh.seek(size - TAIL - length)
        raw = fh.read(length)
    header = _parse_header(raw)
    return SealedBid(
        header=header, stream_offset=len(MAGIC), stream_size=size - len(MAGIC) - TAIL - length, path=path
    )


def _parse_header(raw: bytes) -> dict[str, Any]:  # noqa: PLR0912  (one check a field, in the table's order)
    try:
        header = strict.loads(raw)
    except ValueError as exc:
        raise BidError("malformed", f"the header is not JSON as the format has it: {exc}") from exc
    if not isinstance(header, dict):
        raise BidError("malformed", "the header is not a JSON object")
    if header.get("format") == "ggzy-bid-v1":
        raise BidError("format", V1_REFUSED)
    if header.get("format") != FORMAT:
        raise BidError("format", f"unknown format {header.get('format')!r}")
    if set(header) != HEADER_FIELDS:
        raise BidError("malformed", "the header does not have exactly the fields of ggzy-bid-v2")
    try:
        if canonical.dumps(header) != raw:
            raise BidError("malformed", "the header is not in canonical form")
    except canonical.CanonicalError as exc:
        raise BidError("malformed", f"the header is not in the canonical profile: {exc}") from exc
    _check_codes(header["tender_project"], header["section"])
    if not strict.is_text(header["bidder"]):
        raise BidError("malformed", "the bidder is a non-empty string")
    try:
        strict.parse_instant(header["deadline"])
    except ValueError as exc:
        raise BidError("malformed", f"the deadline: {exc}") from exc
    for field in ("ciphertext_sm3", "key_commitment"):
        if not isinstance(header[field], str) or not strict.HEX64.fullmatch(header[field]):
            raise BidError("malformed", f"{field} is 64 lower-case hex digits")
    if not strict.is_int(header["ciphertext_size"]) or header["ciphertext_size"] < 0:
        raise BidError("malformed", "ciphertext_size is a whole number")
    release = header["release_key"]
    if not strict.exact(release, {"public_key", "binding"}):
        raise BidError("malformed", "the release key is exactly {public_key, binding}")
    try:
        strict.public_key(release["public_key"])
        strict.signature(release["binding"])
        strict.signature(header["signature"])
    except ValueError as exc:
        raise BidError("malformed", f"the release key or the signature is malformed ({exc})") from exc
    wrapped = header["wrapped_key"]
    if not isinstance(wrapped, str) or len(wrapped) > MAX_WRAPPED or not strict.HEX.fullmatch(wrapped):
        raise BidError("malformed", "the wrapped key is hex of an SM2Cipher")
    _check_envelope(header["custodians"])
    if not strict.is_text(header["tool"], MAX_TOOL):
        raise BidError("malformed", "the tool is named in 1 … 100 characters")
    try:
        if not isinstance(header["signing_certificate"], str) or not base64.b64decode(
            header["signing_certificate"], validate=True
        ):
            raise ValueError("not a non-empty base64 string")  # noqa: TRY301
    except ValueError as exc:
        raise BidError("malformed", "the signing certificate is not base64") from exc
    return header


ENVELOPE_FIELDS = frozenset({"format", "set", "k", "n", "shares"})
SHARE_FIELDS = frozenset({"index", "custodian", "wrapped"})


def _check_envelope(envelope: Any) -> None:
    """The header's "custodians" field (§7.3): {format "ggzy-custodians-v2", set (64 hex), k, n with
    2 ≤ k ≤ n ≤ 16, shares: n × {index, custodian (64 hex), wrapped (hex)} in index order 1 … n}."""
    if (
        not strict.exact(envelope, ENVELOPE_FIELDS)
        or envelope["format"] != ENVELOPE_FORMAT
        or not isinstance(envelope["set"], str)
        or not strict.HEX64.fullmatch(envelope["set"])
        or not (strict.is_int(envelope["k"]) and strict.is_int(envelope["n"]))
        or not 2 <= envelope["k"] <= envelope["n"] <= MAX_CUSTODIANS  # noqa: PLR2004
        or not isinstance(envelope["shares"], list)
        or len(envelope["shares"]) != envelope["n"]
    ):
        raise BidError("malformed", "the custodian envelope is not a ggzy-custodians-v2 envelope")
    for index, share in enumerate(envelope["shares"], start=1):
        if (
            not strict.exact(share, SHARE_FIELDS)
            or not isinstance(share["custodian"], str)
            or not strict.HEX64.fullmatch(share["custodian"])
            or not isinstance(share["wrapped"], str)
            or len(share["wrapped"]) > MAX_WRAPPED
            or not strict.HEX.fullmatch(share["wrapped"])
        ):
            raise BidError("malformed", "a share of the custodian envelope is malformed")
        if share["index"] != index or not strict.is_int(share["index"]):
            raise BidError("malformed", "the custodian envelope's shares are not numbered 1 … n, in order")


def signing_certificate(bid: SealedBid) -> bytes:
    return base64.b64decode(bid.header["signing_certificate"], validate=True)


def _verifies(key: Sm2PublicKey, purpose: str, payload: Any, signature: Any) -> bool:
    try:
        key.verify(purpose, payload, strict.signature(signature))
    except (CryptoError, ValueError, TypeError):
        return False
    return True


def verify(bid: SealedBid, signer: Sm2PublicKey) -> None:
    """The header's signature (purpose ggzy-bid-v2) by `signer` (signature), the release key's binding
    to the header's signing certificate (release_key), and the ciphertext's SM3 and size (ciphertext).
    The caller checks the signing certificate's chain and that `signer` is its key."""
    unsigned = {k: v for k, v in bid.header.items() if k != "signature"}
    if not _verifies(signer, FORMAT, unsigned, bid.header["signature"]):
        raise BidError("signature", "the header's signature does not verify")
    release_key_check(bid.header["release_key"], signing_certificate(bid))
    digest, size = Sm3(), 0
    with bid.path.open("rb") as fh:
        fh.seek(bid.stream_offset)
        source = _Bounded(fh, bid.stream_size)
        while block := source.read(READ):
            digest.update(block)
            size += len(block)
    if size != bid.header["ciphertext_size"] or digest.digest().hex() != bid.header["ciphertext_sm3"]:
        raise BidError("ciphertext", "the ciphertext is not the one the header names")


# --- the DEK ---------------------------------------------------------------------------------------------


def unwrap(bid: SealedBid, key: DecryptionKey) -> bytes:
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


def check_commitment(bid: SealedBid, dek: bytes) -> None:
    if len(dek) != DEK_SIZE or not hmac_sm3_verify(
        dek, COMMIT_LABEL, bytes.fromhex(str(bid.header["key_commitment"]))
    ):
        raise BidError("commitment", "the key does not match the key commitment")


RELEASE_FIELDS = frozenset({"format", "section", "bidder", "ciphertext_sm3", "dek"})


def release(bid: SealedBid, key: DecryptionKey, signing_key: SigningKey) -> dict[str, Any]:
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


def check_release(bid: SealedBid, signed: Any, signer: Sm2PublicKey) -> bytes:
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


# --- opening --------------------------------------------------------------------------------------------


class _Bounded:
    """The stream of a bid file: reads stop where it ends (the header follows it)."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh, self.left = fh, size

    def read(self, size: int) -> bytes:
        data = self.fh.read(min(size, self.left))
        self.left -= len(data)
        return data


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
    """Hashes — and, given a folder, writes — the entries' bytes on a second thread, in order, so that
    SM3 and the disk overlap the decryption (SM3 and SM4-GCM in `cryptography`, and file writes, run
    outside the GIL). At most QUEUE pieces (each a slice of one chunk) wait: memory stays a few chunks.
    Without a folder (`check_bid`) nothing is written anywhere."""

    QUEUE = 8

    def __init__(self, work: Path | None) -> None:
        self._work = work
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

    def _write(self, fh: BinaryIO | None, digest: Sm3, piece: memoryview | bytes) -> None:
        if self._error is None:
            digest.update(piece)
            if fh is not None:
                fh.write(piece)

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
        if self._error is not None:
            raise self._error
        fh, digest = self._create(name), Sm3()
        for piece in plain.pieces(size):
            self._tasks.put(functools.partial(self._write, fh, digest, piece))
        if fh is not None:
            self._tasks.put(fh.close)
        return digest

    def whole(self, name: str, data: bytes) -> None:
        """An entry read whole (the opening sheet, the machine): written, if there is a folder."""
        fh = self._create(name)
        if fh is not None:
            self._tasks.put(functools.partial(self._write, fh, Sm3(), data))
            self._tasks.put(fh.close)

    def finish(self) -> None:
        """Wait until everything queued is hashed and written; the second thread's error, if any."""
        self.close()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread.is_alive():
            self._tasks.put(None)
            self._thread.join()
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


def _check_sheet(raw: bytes) -> None:
    """The decrypted opening sheet: canonical JSON following ggzy-opening-sheet-v1."""
    try:
        sheet = strict.loads(raw)
    except ValueError as exc:
        raise BidError("opening_sheet", f"the opening sheet is not JSON as the format has it: {exc}") from exc
    if _sheet_bytes(sheet) != raw:  # readers could differ on the price
        raise BidError("opening_sheet", "the opening sheet is not in canonical form")


def _decrypt(bid: SealedBid, dek: bytes, work: Path | None) -> dict[str, Any]:
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
    _check_sheet(payload.sheet)
    _check_machine(payload.machine)
    return manifest


def open_bid(bid: SealedBid, dek: bytes, out_dir: Path) -> dict[str, Any]:
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


def check_bid(bid: SealedBid, release_key: DecryptionKey) -> None:
    """§5, "checking before the deadline": the bid can be released with this release key. The header's
    signature by its own signing certificate's key (signature; the chain is the platform's question),
    the release key's binding (release_key), the ciphertext (ciphertext), the DEK unwrapped and checked
    against the commitment (key, commitment), and the whole stream decrypted and its payload checked as
    the opener will (chunk, malformed, manifest, opening_sheet, machine) — writing no plaintext anywhere.
    Returns nothing: it reveals nothing but yes (no exception) or the refusal."""
    certificate = _certificate(signing_certificate(bid))
    verify(bid, certificate.public_key)
    _decrypt(bid, unwrap(bid, release_key), None)
