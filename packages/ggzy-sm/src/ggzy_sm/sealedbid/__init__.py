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

The modules, each importable on its own; every public name is importable from here:

- `layout`: the constants, `BidError`, `Binding`, the sealing machine's record, the entry names;
- `pipeline`: the one background pipeline sealing and opening share (SM3 and writes on a second thread);
- `release_key`: the bidder's release key and its binding to the signing certificate (§5);
- `sealing`: `seal`, one pass over the documents (§2–§4);
- `header`: `read` (a `BidFile`) and `verify`, checking without decrypting (§3);
- `expectations`: `check(path, Expectations)`, the whole check of an upload against a platform's
  expectations, in one call;
- `dek`: the DEK — `unwrap`, `check_commitment`, `release`, `check_release` (§5);
- `opening`: `open_bid` and `check_bid`, one pass over the stream (§5, §6).
"""

from __future__ import annotations

from ggzy_sm.sealedbid.dek import RELEASE_FIELDS, check_commitment, check_release, release, unwrap
from ggzy_sm.sealedbid.expectations import CheckedBid, Expectations, check
from ggzy_sm.sealedbid.header import (
    ENVELOPE_FIELDS,
    ENVELOPE_KINDS,
    HEADER_FIELDS,
    SHARE_FIELDS,
    BidFile,
    read,
    signing_certificate,
    verify,
)
from ggzy_sm.sealedbid.layout import (
    BOQ,
    COMMIT_LABEL,
    DEK_SIZE,
    DOCUMENTS,
    FORMAT,
    LENGTH,
    MAC,
    MACHINE,
    MACHINE_FIELDS,
    MACHINE_FORMAT,
    MACHINE_LISTS,
    MACHINE_TEXTS,
    MAGIC,
    MANIFEST,
    MAX_CHUNK,
    MAX_HEADER,
    MAX_MACHINE,
    MAX_MANIFEST,
    MAX_NAME,
    MAX_SHEET,
    MAX_TOOL,
    MAX_WRAPPED,
    MIN_CHUNK,
    OPENING_SHEET,
    READ,
    RELEASE_FORMAT,
    RELEASE_KEY_FORMAT,
    TAIL,
    TRAILER,
    V1_MAGIC,
    V1_REFUSED,
    BidError,
    Binding,
    Progress,
    canonical_sheet,
    commitment,
    machine_record,
)
from ggzy_sm.sealedbid.opening import check_bid, open_bid
from ggzy_sm.sealedbid.release_key import (
    release_key_bind,
    release_key_check,
    release_key_generate,
    release_key_load,
    release_key_payload,
    release_key_save,
)
from ggzy_sm.sealedbid.sealing import seal

__all__ = [
    "BOQ",
    "COMMIT_LABEL",
    "DEK_SIZE",
    "DOCUMENTS",
    "ENVELOPE_FIELDS",
    "ENVELOPE_KINDS",
    "FORMAT",
    "HEADER_FIELDS",
    "LENGTH",
    "MAC",
    "MACHINE",
    "MACHINE_FIELDS",
    "MACHINE_FORMAT",
    "MACHINE_LISTS",
    "MACHINE_TEXTS",
    "MAGIC",
    "MANIFEST",
    "MAX_CHUNK",
    "MAX_HEADER",
    "MAX_MACHINE",
    "MAX_MANIFEST",
    "MAX_NAME",
    "MAX_SHEET",
    "MAX_TOOL",
    "MAX_WRAPPED",
    "MIN_CHUNK",
    "OPENING_SHEET",
    "READ",
    "RELEASE_FIELDS",
    "RELEASE_FORMAT",
    "RELEASE_KEY_FORMAT",
    "SHARE_FIELDS",
    "TAIL",
    "TRAILER",
    "V1_MAGIC",
    "V1_REFUSED",
    "BidError",
    "BidFile",
    "Binding",
    "CheckedBid",
    "Expectations",
    "Progress",
    "canonical_sheet",
    "check",
    "check_bid",
    "check_commitment",
    "check_release",
    "commitment",
    "machine_record",
    "open_bid",
    "read",
    "release",
    "release_key_bind",
    "release_key_check",
    "release_key_generate",
    "release_key_load",
    "release_key_payload",
    "release_key_save",
    "seal",
    "signing_certificate",
    "unwrap",
    "verify",
]
