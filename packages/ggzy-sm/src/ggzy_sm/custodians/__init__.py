"""Key custodians, protocol v2 (docs/sealed-bid-format.md §6–§9): what the bidder's client, the custodian
service and the platform share. Django-free.

- **The custodian set** (`ggzy-custodian-set-v2`) of a centre: k, n, each custodian's name, address,
  signing and encryption certificates, the supervising department's signing certificate, and now also
  the platform's **notice keys** (each with its validity interval), its **opening key** and the witness
  log's pins — in a canonical body every custodian and the supervising department sign. v1 gave each
  custodian the notice key on its command line: after the platform rotated it, custodians silently
  ignored every postponement. Keys are the custodians' own: the operator holds none of them.
- **Notices** (`ggzy-deadline-v2`): the platform (or the supervising department) announces a section's
  deadline and opening time, for one set. A notice that is not valid for the set is *ignored*: it never
  postpones and never blocks (a griefer with a forged notice stalls nothing), and no notice brings a
  release forward. A new notice key is reached from the set's by **transitions** the old key and the
  supervising department both signed.
- **Time** (`ggzy-time-v1`): custodians sign their clocks' time for a nonce; the bidder's client takes
  the earliest of at least two (never release early on one fast clock), or its PC's clock when a single
  custodian agrees with it within 60 s — and says so; otherwise it cannot establish the time.
- **Acknowledgements and closures** (`ggzy-ack-v1`, `ggzy-closure-v1`): before the closing time each
  custodian signs that it saw a ciphertext's SM3 (nothing names the bidder); from the closing time on it
  signs the list of all it saw, once. The operator's clock no longer decides which bids are late: a bid
  outside k closures is not opened, and custodians give no share for one outside theirs.
- **Splitting** (the bidder's client; no dealer): the DEK is split k-of-n with Shamir's scheme
  (pycryptodome, GF(2^128), exactly a 16-byte key) and share *i* is encrypted (SM2) to custodian *i*'s
  encryption certificate with the SM3 of the bid's binding — now including the ciphertext's SM3 — so a
  share copied into another bid's header is refused.
- **Asking and answering** (`ggzy-share-request-v2`, `ggzy-share-v2`): the custodian checks the bidder's
  header, its own clock against the release time, the share's binding and that the ciphertext is in its
  closure, and returns its share encrypted to the set's opening key.
- **Combining** (the platform, unchanged): any k shares reconstruct a key; the key commitment says which
  key is the bid's; a share that disagrees is named.

Every refusal is a CustodianError with a machine `reason`; a function that answers yes or no
(`notice_valid`) never raises on what it is given.

The modules (every public name is importable from here): `common` (formats, `CustodianError`), `sets`
(the set: `set_body`, `set_verify` → `SignedCustodianSet`), `shares` (splitting, asking, answering,
combining), `notices` (notices and notice-key transitions), `timing` (time statements), `receipts`
(acknowledgements and closures).
"""

from __future__ import annotations

from ggzy_sm.custodians.common import (
    ACK_FORMAT,
    ACK_PAYLOAD,
    ACK_REQUEST_FIELDS,
    ACK_REQUEST_FORMAT,
    ANSWER_FIELDS,
    BID_FORMAT,
    BINDING_FIELDS,
    CLOCK_AGREEMENT,
    CLOSURE_FORMAT,
    CLOSURE_PAYLOAD,
    COSIGNER_FIELDS,
    ENVELOPE_FORMAT,
    MAX_CIPHERTEXTS,
    MAX_CUSTODIANS,
    MAX_NOTICE_KEYS,
    MAX_TRANSITIONS,
    MEMBER_FIELDS,
    NOTICE_FIELDS,
    NOTICE_FORMAT,
    NOTICE_KEY_FIELDS,
    NOTICE_PAYLOAD,
    REQUEST_FIELDS,
    REQUEST_FORMAT,
    SET_FIELDS,
    SET_FORMAT,
    SHARE_FORMAT,
    SHARE_PLAINTEXT,
    SHARE_SIZE,
    SIGNED_FIELDS,
    SUPERVISOR_FIELDS,
    TIME_FORMAT,
    TIME_PAYLOAD,
    TRANSITION_FIELDS,
    TRANSITION_FORMAT,
    TRANSITION_PAYLOAD,
    TRANSITION_SIGNATURES,
    WITNESS_FIELDS,
    CustodianError,
)
from ggzy_sm.custodians.notices import (
    Notice,
    Transition,
    closing_at,
    latest_notice,
    notice_make,
    notice_read,
    notice_valid,
    release_at,
    transition_make,
    transition_payload,
    transition_sign,
    transition_verify,
)
from ggzy_sm.custodians.receipts import (
    ack_answer,
    ack_request_make,
    ack_verify,
    acks_check,
    closure_make,
    closure_verify,
    closures_check,
)
from ggzy_sm.custodians.sets import (
    Custodian,
    NoticeKey,
    SignedCustodianSet,
    member_certificates,
    set_body,
    set_fingerprint,
    set_sign,
    set_verify,
)
from ggzy_sm.custodians.shares import (
    Trust,
    answer,
    answer_check,
    binding_digest,
    binding_of,
    combine,
    request_make,
    share_plaintext,
    split,
)
from ggzy_sm.custodians.timing import (
    time_check,
    time_nonce,
    time_statement,
)

__all__ = [
    "ACK_FORMAT",
    "ACK_PAYLOAD",
    "ACK_REQUEST_FIELDS",
    "ACK_REQUEST_FORMAT",
    "ANSWER_FIELDS",
    "BID_FORMAT",
    "BINDING_FIELDS",
    "CLOCK_AGREEMENT",
    "CLOSURE_FORMAT",
    "CLOSURE_PAYLOAD",
    "COSIGNER_FIELDS",
    "ENVELOPE_FORMAT",
    "MAX_CIPHERTEXTS",
    "MAX_CUSTODIANS",
    "MAX_NOTICE_KEYS",
    "MAX_TRANSITIONS",
    "MEMBER_FIELDS",
    "NOTICE_FIELDS",
    "NOTICE_FORMAT",
    "NOTICE_KEY_FIELDS",
    "NOTICE_PAYLOAD",
    "REQUEST_FIELDS",
    "REQUEST_FORMAT",
    "SET_FIELDS",
    "SET_FORMAT",
    "SHARE_FORMAT",
    "SHARE_PLAINTEXT",
    "SHARE_SIZE",
    "SIGNED_FIELDS",
    "SUPERVISOR_FIELDS",
    "TIME_FORMAT",
    "TIME_PAYLOAD",
    "TRANSITION_FIELDS",
    "TRANSITION_FORMAT",
    "TRANSITION_PAYLOAD",
    "TRANSITION_SIGNATURES",
    "WITNESS_FIELDS",
    "Custodian",
    "CustodianError",
    "Notice",
    "NoticeKey",
    "SignedCustodianSet",
    "Transition",
    "Trust",
    "ack_answer",
    "ack_request_make",
    "ack_verify",
    "acks_check",
    "answer",
    "answer_check",
    "binding_digest",
    "binding_of",
    "closing_at",
    "closure_make",
    "closure_verify",
    "closures_check",
    "combine",
    "latest_notice",
    "member_certificates",
    "notice_make",
    "notice_read",
    "notice_valid",
    "release_at",
    "request_make",
    "set_body",
    "set_fingerprint",
    "set_sign",
    "set_verify",
    "share_plaintext",
    "split",
    "time_check",
    "time_nonce",
    "time_statement",
    "transition_make",
    "transition_payload",
    "transition_sign",
    "transition_verify",
]
