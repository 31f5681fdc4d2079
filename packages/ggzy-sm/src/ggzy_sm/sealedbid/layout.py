"""The layout of a ggzy-bid-v2 file (docs/sealed-bid-format.md §2–§4): its constants, the refusal, the
binding every chunk is bound to, the sealing machine's record and the entry names — what sealing,
reading and opening share."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import struct
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ggzy_sm import canonical, openingsheet, strict, x509
from ggzy_sm.errors import CryptoError
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import hmac_sm3

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


# --- the opening sheet, temporary names, certificates and signatures ---------------------------------


def canonical_sheet(sheet: Any, envelope: str = "single") -> bytes:
    """The opening sheet in canonical JSON, if it follows ggzy-opening-sheet-v1 for `envelope` (a
    technical envelope's states no price, every other one does); else SheetError(where, message). JSON
    Schema counts 100.0 as an integer: the canonical profile refuses every float."""
    openingsheet.check(sheet, envelope=envelope)
    try:
        return canonical.dumps(sheet)
    except canonical.CanonicalError as exc:  # $.price.fen → price/fen, the way SheetError names places
        where = re.sub(r"\[(\d+)\]", r".\1", exc.path).removeprefix("$").strip(".").replace(".", "/") or "/"
        raise openingsheet.SheetError(
            where, f"the opening sheet does not follow {openingsheet.SCHEMA} at {where}: {exc.reason}"
        ) from exc


def _sheet_bytes(sheet: Any, envelope: str = "single") -> bytes:
    try:
        return canonical_sheet(sheet, envelope)
    except openingsheet.SheetError as exc:
        raise BidError("opening_sheet", str(exc)) from exc


def _temporary(target: Path, suffix: str) -> Path:
    """A hidden name beside `target`, one per call (two sealings or openings at once do not mix)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.{suffix}")


def _certificate(der: bytes) -> x509.Certificate:
    try:
        return x509.Certificate.load(der)
    except x509.CertificateError as exc:
        raise BidError("malformed", f"the signing certificate is unreadable: {exc}") from exc


def _verifies(key: Sm2PublicKey, purpose: str, payload: Any, signature: Any) -> bool:
    try:
        key.verify(purpose, payload, strict.signature(signature))
    except (CryptoError, ValueError, TypeError):
        return False
    return True
