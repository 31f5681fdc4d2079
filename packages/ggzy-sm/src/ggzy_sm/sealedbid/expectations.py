"""The whole check of an uploaded bid file against what a platform expects of it, in one call, without
decrypting (docs/sealed-bid-format.md §3): the file's structure and format version, the section and
bidder it is bound to, the signing certificate it names, the custodian envelope, the bound deadline, the
header's signature, the release key's binding and the ciphertext. The platform looks up what it expects
(`Expectations`) before the call and checks the certificate's chain after it; every refusal is one
BidError whose `reason` the platform maps to its own error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ggzy_sm import canonical, strict, x509
from ggzy_sm.custodians import SignedCustodianSet
from ggzy_sm.sealedbid.header import BidFile, read, signing_certificate, verify
from ggzy_sm.sealedbid.layout import BidError, _certificate


@dataclass(frozen=True)
class Expectations:
    """What the platform expects of a bid for one section, from its own records."""

    tender_project: str  # the section's tender-project code
    section: str  # the section's code
    bidders: Collection[str]  # the codes of the organisations the uploader may bid for
    signing_certificate: bytes | None  # the uploader's bound signing certificate (DER); None: none bound
    custodians: SignedCustodianSet | None  # the centre's current custodian set; None: it has none
    deadline: dt.datetime  # the section's current bid deadline
    announced: Collection[str]  # every deadline the section announced, as canonical instants


@dataclass(frozen=True)
class CheckedBid:
    """A bid file that met every expectation."""

    file: BidFile
    bidder: str  # the header's bidder, upper case: one of Expectations.bidders
    deadline: dt.datetime  # the deadline the bid is bound to
    certificate: x509.Certificate  # the signing certificate (its chain and revocation: the platform's)


def check(path: Path, expect: Expectations) -> CheckedBid:
    """The bid file at `path`, checked against `expect` without decrypting; BidError otherwise, with the
    reason of the first check that fails, in this order: the file's structure (format, malformed,
    binding); its section and tender project (section); its bidder (bidder); the signing certificate —
    none bound (no_certificate), unreadable (malformed), another than the bound one
    (signing_certificate); the custodian envelope — no current set (no_custodian_set), another set
    (custodians); the bound deadline — later than the current one (deadline_later), never announced
    (deadline_unknown); then the header's signature (signature), the release key's binding
    (release_key) and the ciphertext (ciphertext)."""
    bid = read(Path(path))
    header = bid.header
    if header["section"] != expect.section or header["tender_project"] != expect.tender_project:
        raise BidError("section", "the bid is sealed for another section or tender project")
    bidder = str(header["bidder"]).upper()
    if bidder not in expect.bidders:
        raise BidError("bidder", "the bid names a bidder the uploader does not act for")
    if expect.signing_certificate is None:
        raise BidError("no_certificate", "the uploader has no bound signing certificate")
    try:
        named = signing_certificate(bid)
    except (BidError, ValueError) as exc:
        raise BidError("malformed", "the signing certificate is not base64") from exc
    if named != expect.signing_certificate:
        raise BidError("signing_certificate", "the bid is signed with another certificate than the bound one")
    cset = expect.custodians
    if cset is None:
        raise BidError("no_custodian_set", "the centre has no custodian set")
    envelope = header["custodians"]
    if (envelope["set"], envelope["k"], envelope["n"]) != (cset.fingerprint, cset.k, cset.n):
        raise BidError("custodians", "the key shares are not for the centre's current custodian set")
    deadline = strict.parse_instant(header["deadline"])
    if deadline > expect.deadline:
        raise BidError("deadline_later", "the bid is sealed against a later deadline than the current one")
    if canonical.format_instant(deadline) not in expect.announced:
        raise BidError("deadline_unknown", "the bid is sealed against a deadline the section never had")
    certificate = _certificate(named)
    verify(bid, certificate.public_key)
    return CheckedBid(file=bid, bidder=bidder, deadline=deadline, certificate=certificate)
