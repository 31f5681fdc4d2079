"""Reading a ggzy-bid-v2 file and checking it without decrypting (docs/sealed-bid-format.md §3): the
header's exact shape, its signature, the release key's binding and the ciphertext against the header."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ggzy_sm import canonical, strict
from ggzy_sm.custodians import ENVELOPE_FORMAT, MAX_CUSTODIANS
from ggzy_sm.sealedbid.layout import (
    FORMAT,
    LENGTH,
    MAGIC,
    MAX_HEADER,
    MAX_TOOL,
    MAX_WRAPPED,
    READ,
    TAIL,
    TRAILER,
    V1_MAGIC,
    V1_REFUSED,
    BidError,
    Binding,
    _check_codes,
    _verifies,
)
from ggzy_sm.sealedbid.release_key import release_key_check
from ggzy_sm.sm2 import Sm2PublicKey
from ggzy_sm.sm3 import Sm3


@dataclass(frozen=True)
class BidFile:
    """A ggzy-bid-v2 file as `read` found it: its header (structurally checked) and where its stream lies.
    Not the platform's record of a received bid (`ggzy.sealing.models.BidFile`)."""

    header: dict[str, Any]
    stream_offset: int  # where the stream starts in the file (after MAGIC)
    stream_size: int  # its length: it ends where the header starts
    path: Path

    @property
    def envelope(self) -> str:
        """ "technical" or "price" for an envelope of a two-envelope bid; "single" for a whole bid (its
        header has no `envelope`)."""
        return str(self.header.get("envelope", "single"))

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
#: The header's one optional field (§3): which envelope of a two-envelope bid (双信封) the file is. A whole
#: bid has none (never "single": one meaning, one spelling), so every earlier header stays valid.
ENVELOPE_KINDS = ("technical", "price")


def read(path: Path) -> BidFile:
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
    return BidFile(
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
    if set(header) - {"envelope"} != HEADER_FIELDS:
        raise BidError("malformed", "the header does not have exactly the fields of ggzy-bid-v2")
    if "envelope" in header and header["envelope"] not in ENVELOPE_KINDS:
        raise BidError("malformed", 'the envelope is "technical" or "price" (absent for a whole bid)')
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


def signing_certificate(bid: BidFile) -> bytes:
    return base64.b64decode(bid.header["signing_certificate"], validate=True)


class _Bounded:
    """The stream of a bid file: reads stop where it ends (the header follows it)."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh, self.left = fh, size

    def read(self, size: int) -> bytes:
        data = self.fh.read(min(size, self.left))
        self.left -= len(data)
        return data


def verify(bid: BidFile, signer: Sm2PublicKey) -> None:
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
